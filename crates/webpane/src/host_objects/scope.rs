//! One document's host objects: the objects added by name, those handed to the page (by id, with
//! how many times each was handed, so the page's releases can be counted), and the page's
//! requests read, run and answered.
//!
//! The page's side is `host_objects.js` in the runtime; the two speak JSON:
//! - requests `{"op":"get"|"set"|"call","c":<call>,"t":<target>,"m":<member or null>,"a":[<value>…],"v":<value>,"i":<bool>}`
//!   and `{"op":"release","h":<id>,"n":<count>}`;
//! - answers `{"c":<call>,"ok":<value>}` or `{"c":<call>,"err":"<message>"}`;
//! - a target is `{"n":"<name>"}` (added by name) or `{"h":<id>}` (handed to the page);
//! - a value is `{}` (undefined), `{"j":<json>}`, `{"a":[<value>…]}`, `{"h":<id>}` or `{"n":"<name>"}`.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::{Rc, Weak};

use serde::Deserialize;
use serde_json::{Value, json};

use super::object::{BoxedFuture, HostError, HostObject, HostReply, HostResult, HostValue, Method, Property};

/// How deep values may nest (arrays in arrays); deeper is refused.
const MAX_DEPTH: usize = 32;

#[derive(Deserialize)]
#[serde(untagged)]
enum Target {
    Named { n: String },
    Handed { h: u64 },
}

#[derive(Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
enum Request {
    Get {
        c: u64,
        t: Target,
        m: Option<String>,
        #[serde(default)]
        i: bool,
    },
    Set {
        c: u64,
        t: Target,
        m: String,
        v: Value,
    },
    Call {
        c: u64,
        t: Target,
        m: Option<String>,
        #[serde(default)]
        a: Vec<Value>,
    },
    Release {
        h: u64,
        n: u64,
    },
}

struct Named {
    object: HostObject,
    /// Origins allowed to use it (`None`: any document of this scope).
    origins: Option<Vec<String>>,
}

pub(crate) type LocalTask = std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>;

/// How an answer leaves: the JSON to send to the document, and a way to run a future.
pub(crate) struct Answerer {
    pub(crate) send: Rc<dyn Fn(String)>,
    pub(crate) spawn: Rc<dyn Fn(LocalTask)>,
}

/// The host objects of the main frame's document, or of one frame's.
#[derive(Default)]
pub(crate) struct HostObjectScope {
    named: RefCell<HashMap<String, Named>>,
    /// Objects handed to the current document: id → (object, times handed and not released).
    handed: RefCell<HashMap<u64, (HostObject, u64)>>,
    ids: RefCell<HashMap<usize, u64>>,
    next_id: Cell<u64>,
    /// Counts documents: an answer for an earlier one is not sent.
    document: Cell<u64>,
    disallowed: Cell<bool>,
}

impl HostObjectScope {
    pub(crate) fn add(&self, name: &str, object: &HostObject, origins: Option<Vec<String>>) {
        let named = Named {
            object: object.clone(),
            origins,
        };
        self.named.borrow_mut().insert(name.to_owned(), named);
    }

    /// Removes a named object; what the document already obtained stays usable (as in WebView2).
    pub(crate) fn remove(&self, name: &str) -> bool {
        self.named.borrow_mut().remove(name).is_some()
    }

    pub(crate) fn set_allowed(&self, allowed: bool) {
        self.disallowed.set(!allowed);
    }

    pub(crate) fn allowed(&self) -> bool {
        !self.disallowed.get()
    }

    /// A new document: everything handed to the previous one is released.
    pub(crate) fn new_document(&self) {
        self.document.set(self.document.get() + 1);
        self.handed.borrow_mut().clear();
        self.ids.borrow_mut().clear();
    }

    /// How many objects the current document holds (tests and diagnostics).
    pub(crate) fn handed_count(&self) -> usize {
        self.handed.borrow().len()
    }

    /// Reads a page's request, runs it and answers (now, or later for deferred and async
    /// methods). `origin` is the calling document's, from WebKit.
    pub(crate) fn handle(self: &Rc<Self>, json: &str, origin: &str, answerer: Answerer) {
        let request = match serde_json::from_str::<Request>(json) {
            Ok(request) => request,
            Err(e) => {
                // Answered if it says which call it is (the page's promise must not wait forever).
                match call_of(json) {
                    Some(call) => (answerer.send)(self.answer(
                        call,
                        Err(HostError::new(format!(
                            "the host object request could not be read: {e}"
                        ))),
                    )),
                    None => log::warn!("a host object request was not understood: {e}"),
                }
                return;
            }
        };
        let (call, result) = match request {
            Request::Release { h, n } => {
                self.release(h, n);
                return;
            }
            Request::Get { c, t, m, i } => (c, self.get(&t, m.as_deref(), i, origin)),
            Request::Set { c, t, m, v } => (c, self.set(&t, &m, &v, origin)),
            Request::Call { c, t, m, a } => match self.call(&t, m.as_deref(), &a, origin) {
                Ok(Invoke::Done(result)) => (c, result),
                Ok(Invoke::Later(method, args)) => {
                    let reply = self.reply_later(c, answerer.send.clone());
                    method(args, reply);
                    return;
                }
                Ok(Invoke::Future(future)) => {
                    let reply = self.reply_later(c, answerer.send.clone());
                    (answerer.spawn)(Box::pin(async move { reply.answer(future.await) }));
                    return;
                }
                Err(e) => (c, Err(e)),
            },
        };
        (answerer.send)(self.answer(call, result));
    }

    fn reply_later(self: &Rc<Self>, call: u64, send: Rc<dyn Fn(String)>) -> HostReply {
        let (scope, document) = (Rc::downgrade(self), self.document.get());
        HostReply::new(move |result| {
            let Some(scope) = Weak::upgrade(&scope) else { return };
            // The document that asked is gone: nobody waits for this answer.
            if scope.document.get() == document {
                send(scope.answer(call, result));
            }
        })
    }

    /// The answer's JSON (host objects in it are handed to the document).
    fn answer(&self, call: u64, result: HostResult) -> String {
        match result {
            Ok(value) => json!({ "c": call, "ok": self.encode(&value) }).to_string(),
            Err(e) => json!({ "c": call, "err": e.message() }).to_string(),
        }
    }

    fn release(&self, id: u64, count: u64) {
        let mut handed = self.handed.borrow_mut();
        let Some((object, held)) = handed.get_mut(&id) else {
            return;
        };
        *held = held.saturating_sub(count);
        if *held == 0 {
            let key = object.key();
            handed.remove(&id);
            self.ids.borrow_mut().remove(&key);
        }
    }

    fn target(&self, target: &Target, origin: &str) -> Result<HostObject, HostError> {
        if !self.allowed() {
            return Err(HostError::new(
                "host objects are not allowed in this webview (WebView::set_host_objects_allowed)",
            ));
        }
        match target {
            Target::Named { n } => self.named(n, origin),
            Target::Handed { h } => self
                .handed
                .borrow()
                .get(h)
                .map(|(object, _)| object.clone())
                .ok_or_else(|| HostError::new("the host object was released")),
        }
    }

    fn named(&self, name: &str, origin: &str) -> Result<HostObject, HostError> {
        let named = self.named.borrow();
        named
            .get(name)
            .filter(|n| {
                n.origins
                    .as_ref()
                    .is_none_or(|o| o.iter().any(|p| webpane_ipc::origin::origin_matches(p, origin)))
            })
            .map(|n| n.object.clone())
            .ok_or_else(|| HostError::new(format!("no host object named '{name}' was added to this document")))
    }

    fn get(&self, target: &Target, member: Option<&str>, lenient: bool, origin: &str) -> HostResult {
        let object = self.target(target, origin)?;
        let Some(name) = member else {
            return Ok(HostValue::Object(object));
        };
        match object.property_entry(name) {
            Some(Property::Stored { value, .. }) => Ok(value),
            Some(Property::Computed { get, .. }) => get(),
            None if object.method(name).is_some() => Err(HostError::new(format!(
                "'{name}' is a method of the host object: call it"
            ))),
            None if lenient => Ok(HostValue::Undefined),
            None => Err(no_member(name)),
        }
    }

    fn set(&self, target: &Target, name: &str, value: &Value, origin: &str) -> HostResult {
        let object = self.target(target, origin)?;
        let value = self.decode(value, origin, 0)?;
        match object.property_entry(name) {
            Some(Property::Stored { writable: true, .. }) => object.store(name, value),
            Some(Property::Computed { set: Some(set), .. }) => set(value)?,
            Some(_) => return Err(HostError::new(format!("the host object's '{name}' is read-only"))),
            None if object.method(name).is_some() => {
                return Err(HostError::new(format!("'{name}' is a method of the host object")));
            }
            None => return Err(no_member(name)),
        }
        Ok(HostValue::Undefined)
    }

    fn call(&self, target: &Target, member: Option<&str>, args: &[Value], origin: &str) -> Result<Invoke, HostError> {
        let object = self.target(target, origin)?;
        let name = member.ok_or_else(|| HostError::new("the host object is not a function"))?;
        let method = match object.method(name) {
            Some(method) => method,
            None if object.property_entry(name).is_some() => {
                return Err(HostError::new(format!("the host object's '{name}' is not a method")));
            }
            None => return Err(no_member(name)),
        };
        let args = args
            .iter()
            .map(|a| self.decode(a, origin, 0))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(match method {
            Method::Now(f) => Invoke::Done(f(args)),
            Method::Later(f) => Invoke::Later(Box::new(move |args, reply| f(args, reply)), args),
            Method::Async(f) => Invoke::Future(f(args)),
        })
    }

    /// A value from the page.
    fn decode(&self, value: &Value, origin: &str, depth: usize) -> Result<HostValue, HostError> {
        if depth > MAX_DEPTH {
            return Err(HostError::new("the value nests too deeply"));
        }
        let Value::Object(fields) = value else {
            return Err(HostError::new("a malformed value"));
        };
        if let Some(json) = fields.get("j") {
            return Ok(HostValue::Json(json.clone()));
        }
        if let Some(Value::Array(items)) = fields.get("a") {
            let items = items
                .iter()
                .map(|item| self.decode(item, origin, depth + 1))
                .collect::<Result<Vec<_>, _>>()?;
            return Ok(HostValue::Array(items));
        }
        if let Some(id) = fields.get("h").and_then(Value::as_u64) {
            return self.target(&Target::Handed { h: id }, origin).map(HostValue::Object);
        }
        if let Some(name) = fields.get("n").and_then(Value::as_str) {
            return self.named(name, origin).map(HostValue::Object);
        }
        if fields.is_empty() {
            return Ok(HostValue::Undefined);
        }
        Err(HostError::new("a malformed value"))
    }

    /// A value for the page; host objects in it are handed to the document (counted).
    fn encode(&self, value: &HostValue) -> Value {
        match value {
            HostValue::Undefined => json!({}),
            HostValue::Json(json) => json!({ "j": json }),
            HostValue::Array(items) => json!({ "a": items.iter().map(|i| self.encode(i)).collect::<Vec<_>>() }),
            HostValue::Object(object) => json!({ "h": self.hand(object) }),
        }
    }

    fn hand(&self, object: &HostObject) -> u64 {
        let key = object.key();
        let existing = self.ids.borrow().get(&key).copied();
        let id = existing.unwrap_or_else(|| {
            let id = self.next_id.get() + 1;
            self.next_id.set(id);
            self.ids.borrow_mut().insert(key, id);
            id
        });
        self.handed
            .borrow_mut()
            .entry(id)
            .or_insert_with(|| (object.clone(), 0))
            .1 += 1;
        id
    }
}

enum Invoke {
    Done(HostResult),
    Later(Box<dyn FnOnce(Vec<HostValue>, HostReply)>, Vec<HostValue>),
    Future(BoxedFuture),
}

/// The call id of a request that could not be read (the page's requests begin `{"op":…,"c":N`).
fn call_of(json: &str) -> Option<u64> {
    let start = json.get(..json.len().min(64))?.find("\"c\":")? + 4;
    let digits: String = json[start..].chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

fn no_member(name: &str) -> HostError {
    HostError::new(format!("the host object has no member '{name}'"))
}

#[cfg(test)]
#[path = "scope_tests.rs"]
mod tests;
