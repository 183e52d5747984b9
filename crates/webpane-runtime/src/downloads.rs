//! Downloads: pages touch the disk only through the app (DESIGN.md §10).
//!
//! Until the app can decide (WebView2's `DownloadStarting`, coming with the browser-policy
//! events), every download a page starts (`<a download>`, a response WebKit cannot show) is
//! cancelled the moment it starts, before WebKit has chosen a destination: nothing is written
//! anywhere, and the runtime says so in its log.

use webkit2gtk::{DownloadExt, URIRequestExt, WebContextExt};

/// Cancels every download of `context` as it starts.
pub fn refuse_all(context: &webkit2gtk::WebContext) {
    context.connect_download_started(|_, download| {
        let uri = download
            .request()
            .and_then(|r| r.uri())
            .map(|u| u.to_string())
            .unwrap_or_default();
        // Keep data: URLs short in the log.
        let shown: String = uri.chars().take(120).collect();
        log::info!("cancelled a download of {shown}: no handler decided where it goes, so nothing is written");
        download.cancel();
    });
}
