//! [`HostValue`]: what crosses between a page and a host object (JSON, arrays, host objects), and
//! [`HostError`]: a failure the page sees as a rejected promise.

use std::fmt;

use super::object::HostObject;

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
