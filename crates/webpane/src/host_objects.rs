//! Host objects: app objects that page script calls through `chrome.webview.hostObjects`
//! (WebView2's `AddHostObjectToScript`), for the top-level document of a webview and for frames.
//!
//! ```no_run
//! use webpane::{HostObject, HostValue};
//! # fn demo(webview: &webpane::WebView) -> webpane::Result<()> {
//! let files = HostObject::new()
//!     .with_read_only_property("root", "/srv/data")
//!     .with_method("greet", |args| {
//!         let who = args.first().and_then(HostValue::as_str).unwrap_or("world");
//!         Ok(format!("hello, {who}").into())
//!     });
//! webview.add_host_object_to_script("files", &files)?;
//! // In the page:
//! //   const text = await chrome.webview.hostObjects.files.greet("page");
//! //   const root = await chrome.webview.hostObjects.files.root;
//! # Ok(()) }
//! ```

mod object;
pub(crate) mod scope;

use std::rc::Rc;

use webpane_ipc::protocol::AppMessage;

pub use object::{HostError, HostObject, HostReply, HostResult, HostValue, PropertySetter};
use scope::Answerer;
use webpane_ipc::origin::origin_of;

use crate::error::{Error, Result};
use crate::objects::{Frame, WebView};

/// A host object's name must be something page script can write after `hostObjects.`.
fn check_name(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let valid = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
        && !matches!(name, "options" | "sync" | "cleanupSome" | "then");
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "{name:?} cannot be a host object's name (an identifier, not options, sync, cleanupSome or then)"
        )))
    }
}

impl WebView {
    /// Makes `object` reachable from the top-level document's script as
    /// `chrome.webview.hostObjects.<name>` (iframes: [`Frame::add_host_object_to_script_with_origins`]).
    /// Replaces an object added under the same name; stays across navigations.
    #[doc(alias = "AddHostObjectToScript")]
    pub fn add_host_object_to_script(&self, name: &str, object: &HostObject) -> Result<()> {
        check_name(name)?;
        self.session()?;
        self.inner.host_objects.add(name, object, None);
        Ok(())
    }

    /// Takes the name away: new uses of `chrome.webview.hostObjects.<name>` reject; what the
    /// document already obtained keeps working (as in WebView2). Returns whether it was added.
    #[doc(alias = "RemoveHostObjectFromScript")]
    pub fn remove_host_object_from_script(&self, name: &str) -> Result<bool> {
        self.session()?;
        Ok(self.inner.host_objects.remove(name))
    }

    /// Whether page script may use host objects at all (WebView2's `AreHostObjectsAllowed`,
    /// default true). When not, every use rejects, and frames' objects too.
    #[doc(alias = "AreHostObjectsAllowed")]
    pub fn set_host_objects_allowed(&self, allowed: bool) -> Result<()> {
        self.session()?;
        self.inner.host_objects.set_allowed(allowed);
        Ok(())
    }

    /// Whether page script may use host objects (see [`set_host_objects_allowed`](Self::set_host_objects_allowed)).
    pub fn host_objects_allowed(&self) -> bool {
        self.inner.host_objects.allowed()
    }

    /// How many host objects the top-level document holds proxies for (besides the ones added
    /// by name): they are released when the page drops its proxies, or with the document.
    pub fn host_objects_held_by_page(&self) -> usize {
        self.inner.host_objects.handed_count()
    }

    /// A page's host object request (`frame`: a subframe's, else the top-level document's).
    pub(crate) fn host_object_call(&self, frame: Option<u64>, source: &str, json: &str) {
        let scope = match frame {
            None => self.inner.host_objects.clone(),
            Some(id) => match self.frames().get(id) {
                Some(frame) => frame.inner.host_objects.clone(),
                None => return,
            },
        };
        if frame.is_some() {
            // The webview's setting holds for its frames too.
            scope.set_allowed(self.inner.host_objects.allowed());
        }
        let (session, id) = (self.inner.session.clone(), self.inner.id);
        let event_loop = self.inner.env.event_loop().clone();
        let answerer = Answerer {
            send: Rc::new(move |json| {
                if let Some(session) = session.upgrade()
                    && let Err(e) = session.send(&AppMessage::HostObjectReply { id, frame, json })
                {
                    log::debug!("a host object answer was not sent: {e}");
                }
            }),
            spawn: Rc::new(move |future| event_loop.spawn_local(future)),
        };
        scope.handle(json, &origin_of(source), answerer);
    }
}

impl Frame {
    /// Makes `object` reachable from this frame's script as `chrome.webview.hostObjects.<name>`,
    /// for documents whose origin matches one of `origins` (`https://app.example`; `*` matches
    /// any run of characters, so `"*"` allows every origin). WebView2's
    /// `AddHostObjectToScriptWithOrigins`.
    #[doc(alias = "AddHostObjectToScriptWithOrigins")]
    pub fn add_host_object_to_script_with_origins(
        &self,
        name: &str,
        object: &HostObject,
        origins: &[&str],
    ) -> Result<()> {
        check_name(name)?;
        self.webview()?;
        let origins = origins.iter().map(|o| (*o).to_owned()).collect();
        self.inner.host_objects.add(name, object, Some(origins));
        Ok(())
    }

    /// Takes the name away from this frame's script (see
    /// [`WebView::remove_host_object_from_script`]).
    #[doc(alias = "RemoveHostObjectFromScript")]
    pub fn remove_host_object_from_script(&self, name: &str) -> Result<bool> {
        self.webview()?;
        Ok(self.inner.host_objects.remove(name))
    }
}

#[cfg(test)]
mod tests {
    use super::check_name;

    #[test]
    fn names_are_identifiers() {
        assert!(check_name("sample").is_ok());
        assert!(check_name("_a$1").is_ok());
        for bad in ["", "1a", "a-b", "a b", "options", "sync", "cleanupSome", "then", "é"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }
}
