//! Drags the app forwards into a view (WebView2's composition controller: `DragEnter`,
//! `DragOver`, `DragLeave`, `Drop`). A display server's drag reaches a view only in its own
//! window; an app that hosts a view offscreen, or gets its toolkit's drop for the window a view
//! is embedded in (winit's `DroppedFile`, say), hands the drag on with these. The page gets the
//! drag events a browser fires at the point (`dragenter`, `dragover`, `dragleave`, `drop`, made
//! by the runtime's page script, so `isTrusted` is false), with the drag's text and, on the
//! drop, its files as `dataTransfer.files`; the answer is the page's drop effect.

use webpane_ipc::protocol::{AppMessage, DragInput};
use webpane_ipc::{FdKind, FileAccess, FileForTransit, Outgoing};

use crate::error::{Error, Result};
use crate::objects::WebView;
use crate::operation::Operation;

/// What a forwarded drag carries (WebView2's `IDataObject`): files, read by the page only when
/// dropped, and text (`text/plain`).
#[derive(Debug, Default)]
pub struct DragData {
    files: Vec<(String, FileForTransit)>,
    text: Option<String>,
}

impl DragData {
    /// A drag of nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `file` (a regular file open for reading, [duplicated or taken](FileForTransit)),
    /// which the page sees as `File` `name` (a name, not a path; its type follows the name).
    pub fn with_file(mut self, name: &str, file: FileForTransit) -> Result<Self> {
        self.add_file(name, file)?;
        Ok(self)
    }

    /// Adds a file, as [`with_file`](Self::with_file) does, in place: a file refused leaves the
    /// drag as it was.
    pub fn add_file(&mut self, name: &str, file: FileForTransit) -> Result<()> {
        match file.kind() {
            FdKind::File {
                access: FileAccess::Read | FileAccess::ReadWrite,
            } => {
                self.files.push((name.to_owned(), file));
                Ok(())
            }
            _ => Err(Error::InvalidArgument(format!(
                "{name:?}: only a regular file open for reading can be dragged into a page"
            ))),
        }
    }

    /// Sets the drag's text.
    pub fn with_text(mut self, text: &str) -> Self {
        self.text = Some(text.to_owned());
        self
    }

    /// The names of its files, in order.
    pub fn file_names(&self) -> Vec<&str> {
        self.files.iter().map(|(name, _)| name.as_str()).collect()
    }

    /// Its text, if any.
    pub fn text(&self) -> Option<&str> {
        self.text.as_deref()
    }
}

/// What the page does with a drag at a point (WebView2's `DROPEFFECT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DropEffect {
    /// The page does not take the drag there (`DROPEFFECT_NONE`).
    #[doc(alias = "DROPEFFECT_NONE")]
    None,
    /// A copy (`DROPEFFECT_COPY`).
    #[doc(alias = "DROPEFFECT_COPY")]
    Copy,
    /// A move (`DROPEFFECT_MOVE`).
    #[doc(alias = "DROPEFFECT_MOVE")]
    Move,
    /// A link (`DROPEFFECT_LINK`).
    #[doc(alias = "DROPEFFECT_LINK")]
    Link,
}

impl From<webpane_ipc::protocol::DropEffect> for DropEffect {
    fn from(effect: webpane_ipc::protocol::DropEffect) -> Self {
        use webpane_ipc::protocol::DropEffect as Wire;
        match effect {
            Wire::None => DropEffect::None,
            Wire::Copy => DropEffect::Copy,
            Wire::Move => DropEffect::Move,
            Wire::Link => DropEffect::Link,
        }
    }
}

impl WebView {
    /// A drag entered the view at `x, y` (the view's pixels, as for mouse input): the page's
    /// `dragenter` and `dragover` fire there with the drag's text and the type `Files` (the
    /// files themselves come with the drop). Resolves to the page's drop effect there. With
    /// [external drops](Self::set_allow_external_drop) off the page hears nothing and the
    /// effect is [`DropEffect::None`].
    #[doc(alias = "DragEnter")]
    pub fn drag_enter(&self, data: &DragData, x: f64, y: f64) -> Operation<DropEffect> {
        let input = DragInput::Enter {
            files: data.file_names().into_iter().map(str::to_owned).collect(),
            text: data.text.clone(),
            x,
            y,
        };
        self.ask_drag(input, Outgoing::new())
    }

    /// The drag moved to `x, y`: `dragover` there (and `dragleave`/`dragenter` when the element
    /// under it changed). Resolves to the page's drop effect there.
    #[doc(alias = "DragOver")]
    pub fn drag_over(&self, x: f64, y: f64) -> Operation<DropEffect> {
        self.ask_drag(DragInput::Over { x, y }, Outgoing::new())
    }

    /// The drag left the view, or was cancelled: `dragleave` where it was.
    #[doc(alias = "DragLeave")]
    pub fn drag_leave(&self) -> Result<()> {
        self.request(AppMessage::Drag {
            id: self.id(),
            request: 0,
            input: DragInput::Leave,
        })
    }

    /// The drag was dropped at `x, y`: where the page takes it (its `dragover` there is
    /// cancelled), its `drop` listeners get `dataTransfer.files`, read from `data`'s files, and
    /// its text; elsewhere it gets `dragleave`. Resolves to the page's drop effect. (Named
    /// `drag_drop`: `drop` is Rust's.)
    #[doc(alias = "Drop")]
    pub fn drag_drop(&self, data: DragData, x: f64, y: f64) -> Operation<DropEffect> {
        let mut fds = Outgoing::new();
        let files = data
            .files
            .into_iter()
            .map(|(name, file)| (fds.file(file), name))
            .collect();
        let input = DragInput::Drop {
            files,
            text: data.text,
            x,
            y,
        };
        self.ask_drag(input, fds)
    }

    fn ask_drag(&self, input: DragInput, fds: Outgoing<'static>) -> Operation<DropEffect> {
        self.ask_with_fds(|request| {
            let message = AppMessage::Drag {
                id: self.id(),
                request,
                input,
            };
            (message, fds)
        })
    }

    /// A forwarded drag reached the page (or did not).
    pub(crate) fn drag_done(
        &self,
        request: u64,
        result: std::result::Result<webpane_ipc::protocol::DropEffect, String>,
    ) {
        let result = result.map(DropEffect::from).map_err(Error::RequestFailed);
        self.inner.requests.resolve(request, result);
    }
}
