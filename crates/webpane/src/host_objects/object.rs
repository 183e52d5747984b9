//! [`HostObject`]: an object of the app that page script uses through
//! `chrome.webview.hostObjects` — named methods and properties, built without boilerplate;
//! [`HostValue`], what crosses between them (JSON, arrays, host objects; the two types refer to
//! each other, so they share this file); [`HostError`], a failure the page sees as a rejected
//! promise; and [`HostReply`], the answer to a call given later.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;

/// What a method answers.
pub type HostResult = Result<HostValue, HostError>;

pub(crate) type BoxedFuture = Pin<Box<dyn Future<Output = HostResult>>>;

#[derive(Clone)]
pub(crate) enum Method {
    /// Answers before returning.
    Now(Rc<dyn Fn(Vec<HostValue>) -> HostResult>),
    /// Answers through a [`HostReply`], whenever it likes.
    Later(Rc<dyn Fn(Vec<HostValue>, HostReply)>),
    /// A future, run on the app's event loop.
    Async(Rc<dyn Fn(Vec<HostValue>) -> BoxedFuture>),
}

type Getter = Rc<dyn Fn() -> HostResult>;
type Setter = Rc<dyn Fn(HostValue) -> Result<(), HostError>>;

/// What writes a [computed property](HostObject::with_computed_property).
pub type PropertySetter = Box<dyn Fn(HostValue) -> Result<(), HostError>>;

#[derive(Clone)]
pub(crate) enum Property {
    Stored { value: HostValue, writable: bool },
    Computed { get: Getter, set: Option<Setter> },
}

#[derive(Default)]
struct Members {
    methods: HashMap<String, Method>,
    properties: HashMap<String, Property>,
}

/// An object of the app that pages call (WebView2's host objects, `AddHostObjectToScript`).
///
/// Give it methods and properties by name, then add it to a webview (or a frame); page script
/// reaches it as `chrome.webview.hostObjects.<name>`:
///
/// ```
/// use webpane::{HostError, HostObject, HostValue};
///
/// let counter = HostObject::new()
///     .with_property("count", 0)
///     .with_read_only_property("kind", "counter")
///     .with_method("add", |args| {
///         let a = args.first().and_then(HostValue::as_f64).ok_or("add(a, b): a must be a number")?;
///         let b = args.get(1).and_then(HostValue::as_f64).ok_or("add(a, b): b must be a number")?;
///         Ok((a + b).into())
///     })
///     .with_method("fail", |_| Err(HostError::new("it failed")));
/// assert_eq!(counter.property("count").and_then(|v| v.as_i64()), Some(0));
/// // In the page: await chrome.webview.hostObjects.counter.add(2, 3) === 5
/// ```
///
/// Calls run on the UI thread, one at a time like every callback; a method may answer later
/// ([`with_deferred_method`](Self::with_deferred_method), [`with_async_method`](Self::with_async_method)).
/// A clone is the same object (page script sees one proxy for it). Methods capturing a
/// [`WebView`](crate::WebView) keep it open while the object is added: capture what you need
/// instead, or remove the object.
#[derive(Clone, Default)]
pub struct HostObject {
    members: Rc<RefCell<Members>>,
}

impl fmt::Debug for HostObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let members = self.members.borrow();
        let mut methods: Vec<&String> = members.methods.keys().collect();
        let mut properties: Vec<&String> = members.properties.keys().collect();
        methods.sort();
        properties.sort();
        f.debug_struct("HostObject")
            .field("methods", &methods)
            .field("properties", &properties)
            .finish()
    }
}

impl PartialEq for HostObject {
    fn eq(&self, other: &Self) -> bool {
        self.ptr_eq(other)
    }
}

impl HostObject {
    /// An object with no members yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether both are the same object.
    pub fn ptr_eq(&self, other: &HostObject) -> bool {
        Rc::ptr_eq(&self.members, &other.members)
    }

    pub(crate) fn key(&self) -> usize {
        Rc::as_ptr(&self.members) as *const () as usize
    }

    fn add_method(self, name: &str, method: Method) -> Self {
        self.members.borrow_mut().methods.insert(name.to_owned(), method);
        self
    }

    fn add_property(self, name: &str, property: Property) -> Self {
        self.members.borrow_mut().properties.insert(name.to_owned(), property);
        self
    }

    /// A method that answers at once: `await obj.name(…)` resolves to its value, or rejects with
    /// its error's message.
    pub fn with_method(self, name: &str, method: impl Fn(Vec<HostValue>) -> HostResult + 'static) -> Self {
        self.add_method(name, Method::Now(Rc::new(method)))
    }

    /// A method that answers later through its [`HostReply`] (keep it, answer when ready; the
    /// page's promise waits). Dropping the reply unanswered rejects the promise.
    pub fn with_deferred_method(self, name: &str, method: impl Fn(Vec<HostValue>, HostReply) + 'static) -> Self {
        self.add_method(name, Method::Later(Rc::new(method)))
    }

    /// A method that is an `async` function, run on the app's event loop (the page's promise
    /// resolves when the future completes).
    pub fn with_async_method<F>(self, name: &str, method: impl Fn(Vec<HostValue>) -> F + 'static) -> Self
    where
        F: Future<Output = HostResult> + 'static,
    {
        let boxed = move |args: Vec<HostValue>| -> BoxedFuture { Box::pin(method(args)) };
        self.add_method(name, Method::Async(Rc::new(boxed)))
    }

    /// A property the page reads (`await obj.name`) and writes (`obj.name = v`).
    pub fn with_property(self, name: &str, value: impl Into<HostValue>) -> Self {
        let value = value.into();
        self.add_property(name, Property::Stored { value, writable: true })
    }

    /// A property the page reads but cannot write (a write rejects).
    pub fn with_read_only_property(self, name: &str, value: impl Into<HostValue>) -> Self {
        let value = value.into();
        self.add_property(name, Property::Stored { value, writable: false })
    }

    /// A property computed on each read, and written through `set` (read-only without one).
    pub fn with_computed_property(
        self,
        name: &str,
        get: impl Fn() -> HostResult + 'static,
        set: Option<PropertySetter>,
    ) -> Self {
        let set = set.map(Setter::from);
        self.add_property(name, Property::Computed { get: Rc::new(get), set })
    }

    /// A stored property's current value (as the page last wrote it), or a computed one's.
    pub fn property(&self, name: &str) -> Option<HostValue> {
        let property = self.members.borrow().properties.get(name).cloned()?;
        match property {
            Property::Stored { value, .. } => Some(value),
            Property::Computed { get, .. } => get().ok(),
        }
    }

    /// Sets a stored property's value (adding the property, writable, if it is new).
    pub fn set_property(&self, name: &str, value: impl Into<HostValue>) {
        let value = value.into();
        let mut members = self.members.borrow_mut();
        match members.properties.get_mut(name) {
            Some(Property::Stored { value: slot, .. }) => *slot = value,
            _ => {
                members
                    .properties
                    .insert(name.to_owned(), Property::Stored { value, writable: true });
            }
        }
    }

    pub(crate) fn method(&self, name: &str) -> Option<Method> {
        self.members.borrow().methods.get(name).cloned()
    }

    pub(crate) fn property_entry(&self, name: &str) -> Option<Property> {
        self.members.borrow().properties.get(name).cloned()
    }

    /// Stores a page's write to a stored property (the caller checked it is writable).
    pub(crate) fn store(&self, name: &str, value: HostValue) {
        if let Some(Property::Stored { value: slot, .. }) = self.members.borrow_mut().properties.get_mut(name) {
            *slot = value;
        }
    }
}

/// The answer to one call of a [deferred method](HostObject::with_deferred_method): answer it
/// once, whenever ready; dropping it unanswered rejects the page's promise ("the host did not
/// answer"), so no page waits forever.
pub struct HostReply {
    answer: Option<Box<dyn FnOnce(HostResult)>>,
}

impl fmt::Debug for HostReply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostReply")
            .field("answered", &self.answer.is_none())
            .finish()
    }
}

impl HostReply {
    pub(crate) fn new(answer: impl FnOnce(HostResult) + 'static) -> Self {
        Self {
            answer: Some(Box::new(answer)),
        }
    }

    /// Resolves the page's promise with `value`, or rejects it with the error's message.
    pub fn answer(mut self, result: HostResult) {
        if let Some(answer) = self.answer.take() {
            answer(result);
        }
    }
}

impl Drop for HostReply {
    fn drop(&mut self) {
        if let Some(answer) = self.answer.take() {
            answer(Err(HostError::new("the host did not answer")));
        }
    }
}

/// A value passed between page script and a [`HostObject`]: an argument of a call, a property's
/// value, a method's result.
///
/// Page → app: a JavaScript array becomes [`Array`](Self::Array) (so host object proxies inside it
/// arrive as [`Object`](Self::Object)), a host object proxy becomes the [`HostObject`] it stands
/// for, `undefined` becomes [`Undefined`](Self::Undefined), typed arrays become JSON arrays of
/// numbers, anything else is taken as JSON (`JSON.stringify`; a `Date` arrives as its ISO text).
/// App → page: the same the other way; an [`Object`](Self::Object) arrives as a proxy the page
/// can call (the same proxy each time the same object comes back while the page holds it).
#[derive(Debug, Clone, Default)]
pub enum HostValue {
    /// JavaScript's `undefined` (a method with nothing to return answers this).
    #[default]
    Undefined,
    /// Any JSON value (`null`, booleans, numbers, strings, objects, arrays without host objects).
    Json(serde_json::Value),
    /// An array that may hold host objects.
    Array(Vec<HostValue>),
    /// A host object (page script gets a proxy for it).
    Object(HostObject),
}

impl HostValue {
    /// The JSON value, if this is one.
    pub fn as_json(&self) -> Option<&serde_json::Value> {
        match self {
            HostValue::Json(value) => Some(value),
            _ => None,
        }
    }

    /// The text, if this is a JSON string.
    pub fn as_str(&self) -> Option<&str> {
        self.as_json().and_then(serde_json::Value::as_str)
    }

    /// The number, if this is a JSON number.
    pub fn as_f64(&self) -> Option<f64> {
        self.as_json().and_then(serde_json::Value::as_f64)
    }

    /// The integer, if this is a JSON number without a fraction.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_json().and_then(serde_json::Value::as_i64)
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        self.as_json().and_then(serde_json::Value::as_bool)
    }

    /// The host object, if this is one.
    pub fn as_object(&self) -> Option<&HostObject> {
        match self {
            HostValue::Object(object) => Some(object),
            _ => None,
        }
    }

    /// The elements, if this is an array (of either kind).
    pub fn to_array(&self) -> Option<Vec<HostValue>> {
        match self {
            HostValue::Array(items) => Some(items.clone()),
            HostValue::Json(serde_json::Value::Array(items)) => {
                Some(items.iter().cloned().map(HostValue::Json).collect())
            }
            _ => None,
        }
    }

    /// Whether this is `undefined` or JSON `null`.
    pub fn is_nullish(&self) -> bool {
        matches!(self, HostValue::Undefined | HostValue::Json(serde_json::Value::Null))
    }

    /// Reads the value as a Rust type (JSON only: arrays of host objects and host objects are
    /// [`HostError`]s).
    pub fn deserialize<T: serde::de::DeserializeOwned>(&self) -> Result<T, HostError> {
        let json = match self {
            HostValue::Undefined => serde_json::Value::Null,
            HostValue::Json(value) => value.clone(),
            HostValue::Array(_) | HostValue::Object(_) => {
                return Err(HostError::new("expected a JSON value, got a host object"));
            }
        };
        serde_json::from_value(json).map_err(|e| HostError::new(format!("unexpected value: {e}")))
    }
}

impl From<serde_json::Value> for HostValue {
    fn from(value: serde_json::Value) -> Self {
        HostValue::Json(value)
    }
}

impl From<HostObject> for HostValue {
    fn from(object: HostObject) -> Self {
        HostValue::Object(object)
    }
}

impl From<&HostObject> for HostValue {
    fn from(object: &HostObject) -> Self {
        HostValue::Object(object.clone())
    }
}

impl From<Vec<HostValue>> for HostValue {
    fn from(items: Vec<HostValue>) -> Self {
        HostValue::Array(items)
    }
}

impl From<()> for HostValue {
    fn from((): ()) -> Self {
        HostValue::Undefined
    }
}

macro_rules! json_from {
    ($($t:ty),*) => {$(
        impl From<$t> for HostValue {
            fn from(value: $t) -> Self {
                HostValue::Json(serde_json::Value::from(value))
            }
        }
    )*};
}
json_from!(bool, i32, i64, u32, u64, f64, String, &str);

/// A failure of a host object call, property read or write: the page's promise is rejected with
/// an `Error` whose message is this one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostError {
    message: String,
}

impl HostError {
    /// A failure with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// The message the page sees.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for HostError {}

impl From<&str> for HostError {
    fn from(message: &str) -> Self {
        HostError::new(message)
    }
}

impl From<String> for HostError {
    fn from(message: String) -> Self {
        HostError::new(message)
    }
}
