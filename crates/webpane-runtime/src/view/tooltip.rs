//! The tooltip under an offscreen view's pointer, for the app to show (CEF's `OnTooltip`).
//!
//! WebKitGTK 3 keeps the tooltip text to itself: it only answers GTK's `query-tooltip` signal by
//! filling in a `GtkTooltip`, which has no getter. So the view is asked with a tooltip of ours,
//! whose label is read back. It is asked when WebKit turns the view's tooltip on or off, when the
//! element under the pointer changes kind (a link, an image), and shortly after the pointer stops
//! (WebKit's text changes with no signal between two elements that both have a title).

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use gtk::prelude::*;
use webkit2gtk::WebViewExt;
use webpane_ipc::protocol::{RuntimeMessage, WebViewId};

use crate::host::Host;

/// How long after the last pointer move the tooltip is asked again.
const SETTLE: Duration = Duration::from_millis(40);

/// A tooltip of ours and the label GTK writes its text into.
struct Probe {
    tooltip: gtk::Tooltip,
    label: gtk::Label,
}

impl Probe {
    fn new() -> Option<Probe> {
        let before = gtk::Window::list_toplevels();
        let tooltip: gtk::Tooltip = glib::Object::new();
        // GTK makes the tooltip's own (never shown) window as it makes the tooltip.
        let window = gtk::Window::list_toplevels()
            .into_iter()
            .find(|w| !before.contains(w) && w.type_().name() == "GtkTooltipWindow")?;
        let label = find_label(&window)?;
        Some(Probe { tooltip, label })
    }
}

fn find_label(widget: &gtk::Widget) -> Option<gtk::Label> {
    if let Some(label) = widget.downcast_ref::<gtk::Label>() {
        return Some(label.clone());
    }
    let container = widget.downcast_ref::<gtk::Container>()?;
    container.children().iter().find_map(find_label)
}

/// Follows a view's tooltip: the text last told to the app, and what asks the view for it.
pub(super) struct Watch {
    shown: RefCell<Option<String>>,
    probe: RefCell<Option<Probe>>,
    settle: RefCell<Option<glib::SourceId>>,
    webview: glib::WeakRef<webkit2gtk::WebView>,
    host: Rc<dyn Host>,
    id: WebViewId,
}

impl Watch {
    /// The pointer moved over the view: the tooltip is asked once it settles.
    pub(super) fn moved(self: &Rc<Self>) {
        let w = Rc::clone(self);
        let source = glib::timeout_add_local_once(SETTLE, move || {
            w.settle.replace(None);
            w.check();
        });
        if let Some(old) = self.settle.replace(Some(source)) {
            old.remove();
        }
    }

    /// The pointer left the view: no tooltip.
    pub(super) fn left(&self) {
        if let Some(old) = self.settle.take() {
            old.remove();
        }
        self.tell(None);
    }

    fn tell(&self, text: Option<String>) {
        if *self.shown.borrow() != text {
            self.shown.replace(text.clone());
            self.host.send(RuntimeMessage::TooltipChanged { id: self.id, text });
        }
    }

    /// Asks the view for its tooltip; tells the app when it changed.
    fn check(&self) {
        let Some(webview) = self.webview.upgrade() else {
            return;
        };
        let text = {
            let mut probe = self.probe.borrow_mut();
            if probe.is_none() {
                *probe = Probe::new();
            }
            let Some(probe) = probe.as_ref() else {
                return;
            };
            probe.label.set_text("");
            let has = webview.emit_by_name::<bool>("query-tooltip", &[&0i32, &0i32, &false, &probe.tooltip]);
            Some(probe.label.text().to_string()).filter(|t| has && !t.is_empty())
        };
        self.tell(text);
    }
}

/// Follows `webview`'s tooltip.
pub(super) fn watch(webview: &webkit2gtk::WebView, id: WebViewId, host: Rc<dyn Host>) -> Rc<Watch> {
    let watch = Rc::new(Watch {
        shown: RefCell::default(),
        probe: RefCell::default(),
        settle: RefCell::default(),
        webview: webview.downgrade(),
        host,
        id,
    });
    let w = Rc::clone(&watch);
    webview.connect_has_tooltip_notify(move |_| w.check());
    let w = Rc::clone(&watch);
    webview.connect_mouse_target_changed(move |_, _, _| {
        let w = Rc::clone(&w);
        glib::idle_add_local_once(move || w.check());
    });
    watch
}
