//! Pictures and documents of a page: image formats and where PDF or MHTML goes.

use serde::{Deserialize, Serialize};

/// An image format for [`AppMessage::CapturePreview`](crate::protocol::AppMessage::CapturePreview).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ImageFormat {
    /// PNG.
    Png,
    /// JPEG (quality 90).
    Jpeg,
}

/// Where a PDF or MHTML document goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OutputTarget {
    /// A path the browser process opens (PDF only).
    Path(String),
    /// A file the app opened and delivered: the browser process writes into it without ever
    /// opening a path.
    File(crate::wire::FdRef),
}
