//! Messages between the runtime and its web process extension (`webpane-webext`).
//!
//! They travel as WebKit user messages (`webkit_web_page_send_message_to_view`,
//! `webkit_web_view_send_message_to_page`): the message name says what it is, the parameters are
//! one GVariant string holding the JSON of the structs below.

use serde::{Deserialize, Serialize};

/// Extension → runtime: a subframe got its first document ([`FrameInfo`]).
pub const FRAME_CREATED: &str = "webpane.frame-created";
/// Extension → runtime: a subframe loaded another document ([`FrameInfo`]).
pub const FRAME_NAVIGATED: &str = "webpane.frame-navigated";
/// Extension → runtime: a subframe went away ([`FrameGone`]).
pub const FRAME_DESTROYED: &str = "webpane.frame-destroyed";
/// Runtime → extension: run a script in a frame ([`FrameScript`]); the reply carries a
/// [`ScriptOutcome`] under the same name.
pub const FRAME_SCRIPT: &str = "webpane.frame-script";

/// A frame as the extension sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameInfo {
    /// WebKit's frame id (unique within the web process).
    pub frame: u64,
    /// The frame's document URI.
    pub uri: String,
    /// The frame's name (`<iframe name>`, `window.name`).
    pub name: String,
}

/// A frame that went away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameGone {
    /// WebKit's frame id.
    pub frame: u64,
}

/// A script to run in one frame's page world.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameScript {
    /// WebKit's frame id.
    pub frame: u64,
    /// The script.
    pub script: String,
}

/// The outcome of a [`FrameScript`]: the result as JSON, or the exception's message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScriptOutcome {
    /// JSON of the result (`null` for undefined).
    Ok(String),
    /// Why it failed (an exception, or no such frame).
    Err(String),
}
