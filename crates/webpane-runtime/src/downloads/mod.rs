//! Downloads: pages touch the disk only where the app says (DESIGN.md §10).
//!
//! A download a page starts (`<a download>`, a response WebKit cannot show) waits, once its
//! response is known, for the app that owns the page: a destination (an absolute path), or
//! cancelled. A download of no app's page is cancelled at once. WebKit writes into the runtime's
//! own folder, and the finished file then takes the app's path, or the first free name beside it
//! ([`place`]): nothing the user had is ever replaced, deleted or written through. Progress goes
//! to the app at most every 100 ms, and at the end, with the path used.

mod place;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;
use std::time::{Duration, Instant};

use webkit2gtk::{DownloadExt, URIRequestExt, URIResponseExt};
use webpane_ipc::protocol::{DownloadInfo, DownloadProgress, DownloadState, WebViewId};

/// How often progress is told, at most.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// A download, and who decides it: the client and its view.
pub struct Tracked {
    pub download: webkit2gtk::Download,
    pub client: u64,
    pub view: WebViewId,
    /// Where the app wants it (once decided).
    pub destination: Rc<RefCell<Option<PathBuf>>>,
}

/// The browser process's downloads waiting for a decision or in progress.
pub struct Downloads {
    next: Cell<u64>,
    live: RefCell<HashMap<u64, Tracked>>,
    /// Where WebKit writes them (`None`: the folder could not be made; downloads are refused).
    folder: Option<std::sync::Arc<webpane_ipc::Folder>>,
}

/// The name WebKit writes download `id` under, in the runtime's folder.
fn private_name(id: u64) -> String {
    format!("download-{id}")
}

impl Downloads {
    /// Downloads written into `folder` first (the runtime's own, inside the user data folder).
    pub fn new(folder: Option<webpane_ipc::Folder>) -> Self {
        Downloads {
            next: Cell::new(0),
            live: RefCell::default(),
            folder: folder.map(std::sync::Arc::new),
        }
    }

    /// Tracks `download` for `client`'s `view`; `tell` sends the view's app what happens
    /// (`Ok`: the decision to make, `Err`: progress).
    pub fn track(
        self: &Rc<Self>,
        download: &webkit2gtk::Download,
        client: u64,
        view: WebViewId,
        tell: impl Fn(Result<DownloadInfo, DownloadProgress>) + Clone + 'static,
    ) {
        let id = self.next.get() + 1;
        self.next.set(id);
        let destination = Rc::new(RefCell::new(None));
        self.live.borrow_mut().insert(
            id,
            Tracked {
                download: download.clone(),
                client,
                view,
                destination: destination.clone(),
            },
        );
        {
            let tell = tell.clone();
            download.connect_decide_destination(move |download, suggested| {
                let response = download.response();
                let total = response.as_ref().map(|r| r.content_length()).filter(|n| *n > 0);
                let uri = download
                    .request()
                    .and_then(|r| r.uri())
                    .map(|u| u.to_string())
                    .unwrap_or_default();
                tell(Ok(DownloadInfo {
                    download: id,
                    uri,
                    suggested_name: suggested.to_owned(),
                    mime: response
                        .and_then(|r| r.mime_type())
                        .map(|m| m.to_string())
                        .unwrap_or_default(),
                    total,
                }));
                // Decided later, by the app (WebKit waits: nothing is written meanwhile).
                true
            });
        }
        let progress = move |download: &webkit2gtk::Download, state: DownloadState, reason: Option<String>| {
            let total = download.response().map(|r| r.content_length()).filter(|n| *n > 0);
            DownloadProgress {
                download: id,
                received: download.received_data_length(),
                total,
                state,
                reason,
                path: None,
            }
        };
        {
            let (tell, last) = (tell.clone(), Cell::new(None::<Instant>));
            download.connect_received_data(move |download, _| {
                if last.get().is_some_and(|t| t.elapsed() < PROGRESS_EVERY) {
                    return;
                }
                last.set(Some(Instant::now()));
                tell(Err(progress(download, DownloadState::InProgress, None)));
            });
        }
        // The end (`failed` comes before `finished` for a failure: the first one says it).
        let ended = Rc::new(Cell::new(false));
        {
            let (tell, ended, this) = (tell.clone(), ended.clone(), Rc::downgrade(self));
            download.connect_failed(move |download, error| {
                if !ended.replace(true) {
                    tell(Err(progress(
                        download,
                        DownloadState::Interrupted,
                        Some(error.to_string()),
                    )));
                }
                if let Some(this) = this.upgrade() {
                    this.live.borrow_mut().remove(&id);
                    if let Some(folder) = &this.folder {
                        let _ = folder.remove(&private_name(id));
                    }
                }
            });
        }
        let this = Rc::downgrade(self);
        download.connect_finished(move |download| {
            let Some(this) = this.upgrade() else { return };
            this.live.borrow_mut().remove(&id);
            if ended.replace(true) {
                return;
            }
            let (Some(folder), Some(wanted)) = (this.folder.clone(), destination.borrow().clone()) else {
                return;
            };
            // Off the main loop: a copy to another file system may take a while.
            let (tell, done) = (tell.clone(), progress(download, DownloadState::Completed, None));
            glib::MainContext::default().spawn_local(async move {
                let name = private_name(id);
                let placed = gio::spawn_blocking(move || {
                    let placed = place::place(&folder, &name, &wanted);
                    if placed.is_err() {
                        let _ = folder.remove(&name);
                    }
                    placed
                })
                .await
                .unwrap_or(Err(place::PlaceError::Lost));
                tell(Err(match placed {
                    Ok(path) => DownloadProgress {
                        path: Some(path.to_string_lossy().into_owned()),
                        ..done
                    },
                    Err(e) => DownloadProgress {
                        state: DownloadState::Interrupted,
                        reason: Some(crate::error::reason(&e)),
                        ..done
                    },
                }));
            });
        });
    }

    /// The app's decision: write to `destination`, or cancel.
    pub fn decide(&self, client: u64, view: WebViewId, id: u64, destination: Option<String>) {
        let live = self.live.borrow();
        let Some(tracked) = live.get(&id).filter(|t| t.client == client && t.view == view) else {
            return;
        };
        match (destination, &self.folder) {
            (Some(path), Some(folder)) if std::path::Path::new(&path).is_absolute() => {
                // WebKit writes into the runtime's folder (a leftover of a crashed runtime at
                // that name goes first); the file takes the app's path once finished.
                let name = private_name(id);
                let _ = folder.remove(&name);
                tracked.destination.replace(Some(PathBuf::from(path)));
                tracked.download.set_allow_overwrite(false);
                tracked
                    .download
                    .set_destination(&folder.path().join(&name).to_string_lossy());
            }
            _ => {
                log::info!(
                    "cancelled a download of {}: its app gave it no place, so nothing is written",
                    shown_uri(&tracked.download)
                );
                tracked.download.cancel()
            }
        }
    }

    /// Cancels a download of `client`'s `view`.
    pub fn cancel(&self, client: u64, view: WebViewId, id: u64) {
        let download = self
            .live
            .borrow()
            .get(&id)
            .filter(|t| t.client == client && t.view == view)
            .map(|t| t.download.clone());
        if let Some(download) = download {
            download.cancel();
        }
    }

    /// Cancels the downloads of a view that closed (`view: None`: of every view of the client).
    pub fn forget(&self, client: u64, view: Option<WebViewId>) {
        let gone: Vec<webkit2gtk::Download> = self
            .live
            .borrow()
            .values()
            .filter(|t| t.client == client && view.is_none_or(|v| v == t.view))
            .map(|t| t.download.clone())
            .collect();
        gone.iter().for_each(|d| d.cancel());
    }
}

/// The URI of a download, shortened for the log.
pub fn shown_uri(download: &webkit2gtk::Download) -> String {
    let uri = download
        .request()
        .and_then(|r| r.uri())
        .map(|u| u.to_string())
        .unwrap_or_default();
    uri.chars().take(120).collect()
}
