//! Event handler lists with removal tokens.
//!
//! Tokens, not guards that unregister on drop: WebView2's `add_X`/`remove_X` pairs return tokens,
//! and the common `webview.on_x(...);` ignores what it returns, which a guard would turn into a
//! handler removed at once. Misuse is made impossible instead: a token is typed by its event's
//! arguments (passing it to another event's `remove_` does not compile), and its number is unique
//! in the process (passing it to the same event of another webview or frame removes nothing and
//! returns `false`).

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Identifies a registered handler of the event whose arguments are `A`, for removing it
/// (WebView2's `EventRegistrationToken`). Unique in the process; `Send`, `Copy`.
pub struct EventToken<A> {
    id: u64,
    _event: PhantomData<fn(&A)>,
}

impl<A> Clone for EventToken<A> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A> Copy for EventToken<A> {}

impl<A> PartialEq for EventToken<A> {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl<A> Eq for EventToken<A> {}

impl<A> std::hash::Hash for EventToken<A> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.id.hash(state);
    }
}

impl<A> std::fmt::Debug for EventToken<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EventToken<{}>({})", std::any::type_name::<A>(), self.id)
    }
}

/// Token numbers, unique in the process.
static NEXT_TOKEN: AtomicU64 = AtomicU64::new(1);

type Handler<S, A> = Rc<RefCell<dyn FnMut(&S, &A)>>;

/// The handlers of one event. Raised only from the event loop, one at a time.
pub(crate) struct Handlers<S, A> {
    list: RefCell<Vec<(u64, Handler<S, A>)>>,
}

impl<S, A> Default for Handlers<S, A> {
    fn default() -> Self {
        Self {
            list: RefCell::new(Vec::new()),
        }
    }
}

impl<S, A> Handlers<S, A> {
    pub(crate) fn add(&self, handler: impl FnMut(&S, &A) + 'static) -> EventToken<A> {
        let id = NEXT_TOKEN.fetch_add(1, Ordering::Relaxed);
        self.list.borrow_mut().push((id, Rc::new(RefCell::new(handler))));
        EventToken {
            id,
            _event: PhantomData,
        }
    }

    /// Whether any handler is registered.
    pub(crate) fn is_empty(&self) -> bool {
        self.list.borrow().is_empty()
    }

    /// Removes the handler of `token` if it is one of this list's; whether it was.
    pub(crate) fn remove(&self, token: EventToken<A>) -> bool {
        let mut list = self.list.borrow_mut();
        let before = list.len();
        list.retain(|(id, _)| *id != token.id);
        list.len() != before
    }

    /// Calls every handler registered now; a handler removed by an earlier one is skipped, one
    /// added meanwhile waits for the next event.
    pub(crate) fn raise(&self, sender: &S, args: &A) {
        let snapshot: Vec<(u64, Handler<S, A>)> = self.list.borrow().clone();
        for (id, handler) in snapshot {
            if !self.list.borrow().iter().any(|(i, _)| *i == id) {
                continue;
            }
            // A handler can only be running already if it re-entered the loop, which the loop
            // refuses; skip rather than panic if it ever happens.
            if let Ok(mut h) = handler.try_borrow_mut() {
                h(sender, args);
            }
        }
    }
}

/// Every event of one sender (a webview, a frame, an environment), keyed by its arguments' type:
/// an event is added without touching the sender's struct, and the sender's module never names
/// the events' types. Each event has an arguments type of its own, so the type is the key.
pub(crate) struct EventTable<S> {
    lists: RefCell<HashMap<TypeId, Rc<dyn Any>>>,
    _sender: PhantomData<fn(&S)>,
}

impl<S> Default for EventTable<S> {
    fn default() -> Self {
        Self {
            lists: RefCell::new(HashMap::new()),
            _sender: PhantomData,
        }
    }
}

impl<S: 'static> EventTable<S> {
    fn list<A: 'static>(&self) -> Rc<Handlers<S, A>> {
        let any = self
            .lists
            .borrow_mut()
            .entry(TypeId::of::<A>())
            .or_insert_with(|| Rc::new(Handlers::<S, A>::default()))
            .clone();
        // The entry for `A`'s TypeId only ever holds a `Handlers<S, A>`.
        any.downcast::<Handlers<S, A>>()
            .unwrap_or_else(|_| Rc::new(Handlers::default()))
    }

    /// Registers a handler of the event whose arguments are `A`.
    pub(crate) fn add<A: 'static>(&self, handler: impl FnMut(&S, &A) + 'static) -> EventToken<A> {
        self.list::<A>().add(handler)
    }

    /// Removes a handler registered with [`add`](Self::add); whether it was one of this table's.
    pub(crate) fn remove<A: 'static>(&self, token: EventToken<A>) -> bool {
        self.existing::<A>().is_some_and(|list| list.remove(token))
    }

    /// Whether the event whose arguments are `A` has a handler now.
    pub(crate) fn has_handlers<A: 'static>(&self) -> bool {
        self.existing::<A>().is_some_and(|list| !list.is_empty())
    }

    /// Calls the handlers of the event whose arguments are `A` (see [`Handlers::raise`]).
    pub(crate) fn raise<A: 'static>(&self, sender: &S, args: &A) {
        if let Some(list) = self.existing::<A>() {
            list.raise(sender, args);
        }
    }

    /// The list of the event whose arguments are `A`, if a handler was ever added to it; cloned
    /// out, so that a handler may register or remove handlers while it runs.
    fn existing<A: 'static>(&self) -> Option<Rc<Handlers<S, A>>> {
        let list = self.lists.borrow().get(&TypeId::of::<A>()).cloned()?;
        list.downcast::<Handlers<S, A>>().ok()
    }
}

/// The `on_X` / `remove_X` method pairs of a sender whose `inner.events` is an [`EventTable`]:
/// one definition for `WebView`, `Frame` and `Environment`. Each line is the `when` of the
/// event's doc ("Registers a handler called when …"), the two method names, the arguments type,
/// and WebView2's two names as doc aliases.
macro_rules! event_methods {
    ($sender:ty { $($(#[doc = $doc:expr])* $on:ident, $remove:ident, $args:ty, $add_alias:literal, $remove_alias:literal;)* }) => {
        $(
            #[doc = concat!("Registers a handler called when", $($doc, "\n"),*)]
            #[doc(alias = $add_alias)]
            pub fn $on(&self, handler: impl FnMut(&$sender, &$args) + 'static) -> $crate::handlers::EventToken<$args> {
                self.inner.events.add(handler)
            }

            #[doc = concat!("Removes a handler registered with [`", stringify!($on), "`](Self::", stringify!($on), "); whether it was one of this object's.")]
            #[doc(alias = $remove_alias)]
            pub fn $remove(&self, token: $crate::handlers::EventToken<$args>) -> bool {
                self.inner.events.remove(token)
            }
        )*
    };
}
pub(crate) use event_methods;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_removes_only_its_own_handler() {
        let (a, b) = (Handlers::<(), u32>::default(), Handlers::<(), u32>::default());
        let hits = Rc::new(RefCell::new(Vec::new()));
        let (ha, hb) = (hits.clone(), hits.clone());
        let ta = a.add(move |_, n| ha.borrow_mut().push(("a", *n)));
        let tb = b.add(move |_, n| hb.borrow_mut().push(("b", *n)));
        // Same event, another owner: nothing removed (list-local numbering removed b's first
        // handler here).
        assert!(!b.remove(ta));
        b.raise(&(), &1);
        assert_eq!(*hits.borrow(), [("b", 1)]);
        assert!(a.remove(ta));
        assert!(!a.remove(ta), "removed twice");
        a.raise(&(), &2);
        assert!(b.remove(tb));
        assert_eq!(*hits.borrow(), [("b", 1)]);
        assert_ne!(ta, tb);
    }

    #[test]
    fn a_table_keeps_one_list_per_event_and_a_handler_may_change_it_while_raised() {
        struct Started(u32);
        struct Ended;
        let table = Rc::new(EventTable::<()>::default());
        let hits = Rc::new(RefCell::new(Vec::new()));
        let h = hits.clone();
        let t = table.clone();
        let first = table.add(move |_, a: &Started| {
            h.borrow_mut().push(a.0);
            // Registering during a raise waits for the next one.
            let h2 = h.clone();
            t.add(move |_, _: &Started| h2.borrow_mut().push(100));
        });
        table.add(|_, _: &Ended| panic!("another event's handler ran"));
        table.raise(&(), &Started(1));
        assert_eq!(*hits.borrow(), [1]);
        table.raise(&(), &Started(2));
        assert_eq!(*hits.borrow(), [1, 2, 100]);
        assert!(table.remove(first));
        assert!(!table.remove(first));
        // A token of another table removes nothing there.
        let other = EventTable::<()>::default();
        let foreign = other.add(|_, _: &Started| {});
        assert!(!table.remove(foreign));
    }

    #[test]
    fn tokens_are_send_and_copy_whatever_the_arguments() {
        fn send_copy<T: Send + Sync + Copy>() {}
        send_copy::<EventToken<std::rc::Rc<u8>>>();
    }
}
