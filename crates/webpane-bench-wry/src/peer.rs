//! wry webviews in tao windows, with the page's messages collected and the `bench://` scheme
//! served the way the suite's own pages expect it.

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tao::dpi::LogicalSize;
use tao::event_loop::EventLoop;
use tao::platform::unix::WindowExtUnix;
use tao::window::{Window, WindowBuilder};
use wry::http::{Response, StatusCode};
use wry::{WebView, WebViewBuilder, WebViewBuilderExtUnix};

/// `chrome.webview` over wry's `window.ipc`: what a wry app would write to run the same page.
const SHIM: &str = r#"<script>
window.chrome = window.chrome || {};
(() => {
  const listeners = [];
  chrome.webview = {
    postMessage: (data) => window.ipc.postMessage(JSON.stringify(data)),
    addEventListener: (type, f) => { if (type === 'message') listeners.push(f); },
    releaseBuffer: () => {},
  };
  window.__dispatch = (data) => { for (const f of listeners) f({ data }); };
})();
</script>"#;

/// Nothing here waits longer than this for the page.
const PATIENCE: Duration = Duration::from_secs(120);

/// A message from a page: when it arrived, its JSON.
pub type Arrival = (Instant, String);

/// The webviews of this process and what their pages sent.
pub struct Peer {
    _event_loop: EventLoop<()>,
    views: Vec<(WebView, Window)>,
    /// Messages from every page, in arrival order.
    pub inbox: Rc<RefCell<VecDeque<Arrival>>>,
    /// What `bench://data/…` serves.
    pub serve: Arc<Mutex<Vec<u8>>>,
    /// The length and checksum of the last `bench://upload` body.
    pub uploaded: Arc<Mutex<Option<(usize, u32)>>>,
    loads: Rc<RefCell<usize>>,
}

/// The checksum both sides compute: the wrapping sum of little-endian u32 words.
pub fn sum(bytes: &[u8]) -> u32 {
    bytes.chunks_exact(4).fold(0u32, |s, w| {
        s.wrapping_add(u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
    })
}

impl Peer {
    /// A GTK main loop (tao's) and no views yet.
    pub fn new() -> Peer {
        // Wakes the loop now and then, so that a wait notices its deadline.
        let event_loop = EventLoop::new();
        gtk::glib::timeout_add_local(Duration::from_millis(100), || gtk::glib::ControlFlow::Continue);
        Peer {
            _event_loop: event_loop,
            views: Vec::new(),
            inbox: Rc::default(),
            serve: Arc::default(),
            uploaded: Arc::default(),
            loads: Rc::default(),
        }
    }

    /// An 800 × 600 window (the size of the suite's own views) with a webview showing `script`
    /// (the suite's page code) from `bench://host/`.
    pub fn add_view(&mut self, script: &str) -> Result<(), String> {
        let window = WindowBuilder::new()
            .with_title("wry peer")
            .with_inner_size(LogicalSize::new(800, 600))
            .build(&self._event_loop)
            .map_err(|e| e.to_string())?;
        let vbox = window.default_vbox().ok_or("tao gave no GTK box")?;
        let page = format!("{SHIM}{script}");
        let (serve, uploaded) = (self.serve.clone(), self.uploaded.clone());
        let inbox = self.inbox.clone();
        let loads = self.loads.clone();
        let webview = WebViewBuilder::new()
            .with_custom_protocol("bench".into(), move |_, request| {
                // `bench://host/` is the page, a POST is an upload, anything else the data.
                let is_page = request.uri().host() == Some("host");
                let response = Response::builder().status(StatusCode::OK);
                let body: Cow<'static, [u8]> = if request.method() == wry::http::Method::POST {
                    let body = request.body();
                    *uploaded.lock().unwrap() = Some((body.len(), sum(body)));
                    Cow::Borrowed(&[])
                } else if is_page {
                    Cow::Owned(page.clone().into_bytes())
                } else {
                    Cow::Owned(serve.lock().unwrap().clone())
                };
                let kind = if is_page {
                    "text/html"
                } else {
                    "application/octet-stream"
                };
                // The page's fetches go to other hosts of the scheme (`bench://data/…`).
                response
                    .header("Content-Type", kind)
                    .header("Access-Control-Allow-Origin", "*")
                    .body(body)
                    .unwrap_or_else(|_| Response::new(Cow::Borrowed(&[])))
            })
            .with_ipc_handler(move |request| {
                inbox.borrow_mut().push_back((Instant::now(), request.into_body()));
            })
            .with_on_page_load_handler(move |event, _| {
                if matches!(event, wry::PageLoadEvent::Finished) {
                    *loads.borrow_mut() += 1;
                }
            })
            .with_url("bench://host/")
            .build_gtk(vbox)
            .map_err(|e| e.to_string())?;
        self.views.push((webview, window));
        Ok(())
    }

    /// Pages that have finished loading.
    pub fn loads(&self) -> usize {
        *self.loads.borrow()
    }

    /// Runs the main loop until `done` says so (an error after [`PATIENCE`]).
    pub fn wait_until(&self, what: &str, mut done: impl FnMut(&Peer) -> bool) -> Result<(), String> {
        let deadline = Instant::now() + PATIENCE;
        while !done(self) {
            if Instant::now() > deadline {
                return Err(format!("the wry page never got to: {what}"));
            }
            gtk::main_iteration_do(true);
        }
        Ok(())
    }

    /// The next message from any page.
    pub fn next(&self) -> Result<String, String> {
        self.wait_until("a message", |p| !p.inbox.borrow().is_empty())?;
        Ok(self.inbox.borrow_mut().pop_front().map(|(_, m)| m).unwrap_or_default())
    }

    /// Sends `json` to the listeners of view `view`'s page.
    pub fn send(&self, view: usize, json: &str) -> Result<(), String> {
        let (webview, _) = self.views.get(view).ok_or("no such view")?;
        webview
            .evaluate_script(&format!("__dispatch({json})"))
            .map_err(|e| e.to_string())
    }

    /// Runs script in view `view`'s page and waits for its JSON result.
    pub fn script(&self, view: usize, script: &str) -> Result<String, String> {
        let (webview, _) = self.views.get(view).ok_or("no such view")?;
        let result: Arc<Mutex<Option<String>>> = Arc::default();
        let r = result.clone();
        webview
            .evaluate_script_with_callback(script, move |json| *r.lock().unwrap() = Some(json))
            .map_err(|e| e.to_string())?;
        self.wait_until("a script's result", |_| result.lock().unwrap().is_some())?;
        let json = result.lock().unwrap().take().unwrap_or_default();
        Ok(json)
    }
}
