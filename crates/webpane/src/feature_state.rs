//! [`FeatureStates`]: each feature's state on a webview, kept by its type. A feature's file
//! defines its state type (private fields) and asks for it here, so `objects.rs` holds every
//! feature's state while naming none of them, and no feature can look inside another's.

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// The features' states of one webview, by type; each made (by `Default`) when first asked for.
#[derive(Default)]
pub(crate) struct FeatureStates(RefCell<HashMap<TypeId, Rc<dyn Any>>>);

impl FeatureStates {
    /// The state of type `T` (made now if this is the first time it is asked for).
    pub(crate) fn get<T: Default + 'static>(&self) -> Rc<T> {
        let known = self.0.borrow().get(&TypeId::of::<T>()).cloned();
        if let Some(state) = known.and_then(|s| s.downcast::<T>().ok()) {
            return state;
        }
        let state = Rc::new(T::default());
        self.0.borrow_mut().insert(TypeId::of::<T>(), state.clone());
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Counter(std::cell::Cell<u32>);

    #[test]
    fn one_state_per_type_made_when_first_asked_for() {
        let states = FeatureStates::default();
        states.get::<Counter>().0.set(3);
        assert_eq!(states.get::<Counter>().0.get(), 3);
        assert!(states.get::<String>().is_empty());
    }
}
