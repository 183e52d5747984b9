//! Files with web messages, both ways (WebView2's additional objects): open files the app gives a
//! page, which gets file handles bound to them (never a path); and files a page posts, which the
//! app gets by content.

use std::fs::File;

use webpane_ipc::protocol::AppMessage;
use webpane_ipc::webext::{PageFileAccess, PageFileInfo};
use webpane_ipc::{FdKind, FileAccess, FileForTransit, Outgoing};

use crate::error::{Error, Result};
use crate::objects::{Frame, WebView};

/// An open file for a page: `event.additionalObjects` gets a `FileSystemFileHandle`-shaped
/// object for it — `name`, `getFile()`, `createWritable()` (`write`, `seek`, `truncate`,
/// `close`), `queryPermission()` — bound to this open file. What the page may do follows how the
/// file was opened: read-only gives `getFile()` only, write-only `createWritable()` only.
#[derive(Debug)]
pub struct PageFile {
    name: String,
    file: FileForTransit,
}

impl PageFile {
    /// `file` (a regular file, [duplicated or taken](FileForTransit)) as the page will see it:
    /// `name` is `handle.name` and `File.name` — a name, not a path.
    pub fn new(name: &str, file: FileForTransit) -> Result<PageFile> {
        match file.kind() {
            FdKind::File { .. } => Ok(PageFile {
                name: name.to_owned(),
                file,
            }),
            _ => Err(Error::InvalidArgument(format!(
                "{name:?}: only regular files can be given to a page"
            ))),
        }
    }

    fn access(&self) -> PageFileAccess {
        match self.file.kind() {
            FdKind::File {
                access: FileAccess::Read,
            } => PageFileAccess::Read,
            FdKind::File {
                access: FileAccess::Write,
            } => PageFileAccess::Write,
            _ => PageFileAccess::ReadWrite,
        }
    }
}

/// A file a page posted with `chrome.webview.postMessageWithAdditionalObjects`: its contents (a
/// sealed copy: it cannot change under you), its name and type as the page had them.
#[derive(Debug)]
pub struct ReceivedFile {
    pub(crate) name: String,
    pub(crate) mime_type: String,
    pub(crate) file: File,
}

impl ReceivedFile {
    /// The file's name (`File.name`; empty for a `Blob`). Never a path.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its MIME type (`File.type`), possibly empty.
    pub fn mime_type(&self) -> &str {
        &self.mime_type
    }

    /// The contents, to read (`Read` and `Seek` work on `&File`).
    pub fn file(&self) -> &File {
        &self.file
    }

    /// The size in bytes.
    pub fn size(&self) -> std::io::Result<u64> {
        self.file.metadata().map(|m| m.len())
    }
}

impl WebView {
    /// Posts `json` to the page's `message` listeners with open files: `event.additionalObjects`
    /// holds a file handle per [`PageFile`], in order (WebView2's
    /// `PostWebMessageAsJsonWithAdditionalObjects`). At most 32 files.
    #[doc(alias = "PostWebMessageAsJsonWithAdditionalObjects")]
    pub fn post_web_message_as_json_with_additional_objects(&self, json: &str, files: Vec<PageFile>) -> Result<()> {
        self.post_files_to(None, json, files)
    }

    pub(crate) fn post_files_to(&self, frame: Option<u64>, json: &str, files: Vec<PageFile>) -> Result<()> {
        let mut out = Outgoing::new();
        let files = files
            .into_iter()
            .map(|f| {
                let info = PageFileInfo {
                    name: f.name.clone(),
                    access: f.access(),
                    mime: String::new(),
                };
                (out.file(f.file), info)
            })
            .collect();
        let message = AppMessage::PostWebMessageWithFiles {
            id: self.id(),
            frame,
            json: json.to_owned(),
            files,
        };
        self.session()?.send_with_fds(&message, out)
    }
}

impl Frame {
    /// Posts `json` with open files to this frame's `message` listeners, like
    /// [`WebView::post_web_message_as_json_with_additional_objects`].
    #[doc(alias = "PostWebMessageAsJsonWithAdditionalObjects")]
    pub fn post_web_message_as_json_with_additional_objects(&self, json: &str, files: Vec<PageFile>) -> Result<()> {
        self.webview()?.post_files_to(Some(self.id()), json, files)
    }
}
