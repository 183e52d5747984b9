//! Downloads: the app decides where each goes (or that it does not happen), and hears how it
//! goes.

use serde::{Deserialize, Serialize};

/// Where a download stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DownloadState {
    /// Bytes are arriving.
    InProgress,
    /// Written whole.
    Completed,
    /// Stopped: cancelled, or failed.
    Interrupted,
}

/// A download the page started, waiting for the app's decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadInfo {
    /// The runtime's id for it (unique in the browser process).
    pub download: u64,
    /// What is downloaded.
    pub uri: String,
    /// The file name the server or the page suggests.
    pub suggested_name: String,
    /// The MIME type of the response.
    pub mime: String,
    /// Its size, when known.
    pub total: Option<u64>,
}

/// How a download goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadProgress {
    /// The runtime's id for it.
    pub download: u64,
    /// Bytes written so far.
    pub received: u64,
    /// Its size, when known.
    pub total: Option<u64>,
    /// Where it stands.
    pub state: DownloadState,
    /// Why it was interrupted.
    pub reason: Option<String>,
    /// Where it was written, once completed: the path the app gave, or the first free name
    /// beside it (`name (1).ext`) when something was there already.
    pub path: Option<String>,
}
