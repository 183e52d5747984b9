//! Open files from the app to a page's `chrome.webview` `message` listeners, through the web
//! process extension (which makes a file handle of each; the page never learns a path).

use std::os::fd::OwnedFd;

use webkit2gtk::WebViewExt;
use webpane_ipc::webext::{self, FilesPost, PageFileAccess, PageFileInfo};

use super::error::ViewError;
use super::extension::{decode_reply, message_with_fds};
use super::state::View;

/// Checks a file from the app for a page: a regular file whose open mode allows what the page is
/// to be given.
pub fn check_page_file(
    file: &std::fs::File,
    access: webpane_ipc::FileAccess,
    info: &PageFileInfo,
) -> Result<(), ViewError> {
    let metadata = file.metadata().map_err(ViewError::Metadata)?;
    if !metadata.is_file() {
        return Err(ViewError::NotRegularFile(info.name.clone()));
    }
    use webpane_ipc::FileAccess as Open;
    let allowed = match info.access {
        PageFileAccess::Read => matches!(access, Open::Read | Open::ReadWrite),
        PageFileAccess::Write => matches!(access, Open::Write | Open::ReadWrite),
        PageFileAccess::ReadWrite => access == Open::ReadWrite,
    };
    if !allowed {
        return Err(ViewError::FileAccess {
            name: info.name.clone(),
            opened: format!("{access:?}"),
            wanted: format!("{:?}", info.access),
        });
    }
    Ok(())
}

impl View {
    /// Delivers `json` with `files` to a frame's (or the main frame's) `message` listeners;
    /// `done` gets whether the page received them.
    pub fn post_files(
        &self,
        frame: Option<u64>,
        json: String,
        files: Vec<(OwnedFd, PageFileInfo)>,
        done: impl FnOnce(Result<(), ViewError>) + 'static,
    ) {
        if let Err(why) = self.page_reachable(frame) {
            done(Err(why));
            return;
        }
        let (fds, infos): (Vec<OwnedFd>, Vec<PageFileInfo>) = files.into_iter().unzip();
        let post = FilesPost {
            frame,
            json,
            files: infos,
            token: self.token.clone(),
        };
        let json = serde_json::to_string(&post).unwrap_or_default();
        // The message holds duplicates: the runtime keeps none of the files.
        let message = match message_with_fds(webext::FILES_TO_PAGE, &json, fds) {
            Ok(message) => message,
            Err(e) => return done(Err(e)),
        };
        self.webview
            .send_message_to_page(&message, None::<&gio::Cancellable>, move |reply| {
                done(match decode_reply::<webext::Delivery>(reply) {
                    Ok(webext::Delivery::Delivered) => Ok(()),
                    Ok(webext::Delivery::Failed(why)) => Err(ViewError::Page(why)),
                    Err(e) => Err(e),
                })
            });
    }
}
