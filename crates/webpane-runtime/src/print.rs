//! Printing a page through GTK's print system: the page's layout (shared with PDF output), a
//! job sent to a printer without a dialog (WebView2's `PrintAsync`), and the print dialog
//! (`ShowPrintUI`).
//!
//! WebKit prints in the web process: it looks the printer up by name among GTK's print
//! backends (CUPS printers, and "Print to File", which writes to the settings' `output-uri` or
//! else to `output.pdf` in the user's documents folder or, without one, the current folder). A name no backend knows, or no
//! default printer for an unnamed job, ends as `PrinterUnavailable`.

use std::cell::RefCell;
use std::rc::Rc;

use glib::prelude::*;
use gtk::prelude::*;
use webkit2gtk::{PrintOperationExt, PrintOperationResponse, SettingsExt, WebViewExt};
use webpane_ipc::protocol::{PdfSettings, PrintColorMode, PrintDuplex, PrintOutcome, PrinterSettings};

/// Why printing failed.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// WebKit or GTK could not print.
    #[error("the engine could not print")]
    Engine(#[source] glib::Error),
    /// One print dialog per view at a time.
    #[error("a print dialog is already open for this view")]
    DialogOpen,
}

/// GTK's settings and page setup for `page`'s layout.
pub fn layout(webview: &webkit2gtk::WebView, page: &PdfSettings) -> (gtk::PrintSettings, gtk::PageSetup) {
    let settings = gtk::PrintSettings::new();
    settings.set_scale(page.scale * 100.0);
    let ranges = page.ranges().unwrap_or_default();
    if !ranges.is_empty() {
        let ranges: Vec<gtk::PageRange> = ranges
            .iter()
            .map(|(a, b)| gtk::PageRange::new(*a as i32, *b as i32))
            .collect();
        settings.set_print_pages(gtk::PrintPages::Ranges);
        settings.set_page_ranges(&ranges);
    }
    let setup = gtk::PageSetup::new();
    let paper = gtk::PaperSize::new_custom(
        "webpane",
        "webpane",
        page.page_width * 72.0,
        page.page_height * 72.0,
        gtk::Unit::Points,
    );
    setup.set_paper_size(&paper);
    setup.set_orientation(if page.landscape {
        gtk::PageOrientation::Landscape
    } else {
        gtk::PageOrientation::Portrait
    });
    let [top, right, bottom, left] = page.margins;
    setup.set_top_margin(top, gtk::Unit::Inch);
    setup.set_right_margin(right, gtk::Unit::Inch);
    setup.set_bottom_margin(bottom, gtk::Unit::Inch);
    setup.set_left_margin(left, gtk::Unit::Inch);
    if let Some(view_settings) = WebViewExt::settings(webview) {
        view_settings.set_print_backgrounds(page.backgrounds);
    }
    (settings, setup)
}

/// Calls `done` once, with the first of WebKit's `failed` or `finished` (PDF output uses it
/// too).
pub fn on_end(operation: &webkit2gtk::PrintOperation, done: impl FnOnce(Result<(), glib::Error>) + 'static) {
    let done = Rc::new(RefCell::new(Some(
        Box::new(done) as Box<dyn FnOnce(Result<(), glib::Error>)>
    )));
    let failed = done.clone();
    operation.connect_failed(move |_, error| {
        if let Some(done) = failed.borrow_mut().take() {
            done(Err(error.clone()));
        }
    });
    operation.connect_finished(move |_| {
        if let Some(done) = done.borrow_mut().take() {
            done(Ok(()));
        }
    });
}

/// What WebKit's end of a job means.
fn outcome(ended: Result<(), glib::Error>) -> Result<PrintOutcome, PrintError> {
    match ended {
        Ok(()) => Ok(PrintOutcome::Printed),
        Err(e) if e.matches(webkit2gtk::PrintError::PrinterNotFound) => Ok(PrintOutcome::PrinterUnavailable),
        Err(e) => Err(PrintError::Engine(e)),
    }
}

/// Prints the page on `printer` (the default printer when it names none), without a dialog.
pub fn print(
    webview: &webkit2gtk::WebView,
    page: &PdfSettings,
    printer: &PrinterSettings,
    done: impl FnOnce(Result<PrintOutcome, PrintError>) + 'static,
) {
    let (settings, setup) = layout(webview, page);
    if let Some(name) = &printer.printer {
        settings.set_printer(name);
    }
    settings.set_n_copies(printer.copies as i32);
    settings.set_collate(printer.collate);
    match printer.color {
        PrintColorMode::Default => {}
        PrintColorMode::Color => settings.set_use_color(true),
        PrintColorMode::Grayscale => settings.set_use_color(false),
    }
    match printer.duplex {
        PrintDuplex::Default => {}
        PrintDuplex::OneSided => settings.set_duplex(gtk::PrintDuplex::Simplex),
        PrintDuplex::TwoSidedLongEdge => settings.set_duplex(gtk::PrintDuplex::Horizontal),
        PrintDuplex::TwoSidedShortEdge => settings.set_duplex(gtk::PrintDuplex::Vertical),
    }
    let operation = webkit2gtk::PrintOperation::new(webview);
    operation.set_print_settings(&settings);
    operation.set_page_setup(&setup);
    on_end(&operation, move |ended| done(outcome(ended)));
    operation.print();
}

/// Shows the print dialog for the page, over `parent` (none for a view without a window of
/// its own on screen). GTK's dialog is modal and runs a loop of its own, so it runs from an idle
/// callback, never inside a request's handler; `dialogs` holds the open one, which `close_dialog`
/// cancels.
pub fn show_dialog(
    webview: &webkit2gtk::WebView,
    parent: Option<gtk::Window>,
    dialogs: &Rc<RefCell<Option<glib::WeakRef<gtk::Window>>>>,
    done: impl FnOnce(Result<PrintOutcome, PrintError>) + 'static,
) {
    if dialogs.borrow().is_some() {
        return done(Err(PrintError::DialogOpen));
    }
    // Taken while the dialog opens: a second request is refused until it closes.
    dialogs.replace(Some(glib::WeakRef::new()));
    let operation = webkit2gtk::PrintOperation::new(webview);
    let dialogs = dialogs.clone();
    glib::idle_add_local_once(move || {
        let before: Vec<gtk::Window> = gtk::Window::list_toplevels()
            .into_iter()
            .filter_map(|w| w.downcast::<gtk::Window>().ok())
            .collect();
        // Inside the dialog's own loop: note its window, so that closing the view can cancel it.
        {
            let dialogs = dialogs.clone();
            glib::idle_add_local_once(move || {
                let new = gtk::Window::list_toplevels()
                    .into_iter()
                    .filter_map(|w| w.downcast::<gtk::Window>().ok())
                    .find(|w| w.is::<gtk::Dialog>() && !before.contains(w));
                if let (Some(dialog), Some(slot)) = (new, dialogs.borrow().as_ref()) {
                    slot.set(Some(&dialog));
                }
            });
        }
        let printing = Rc::new(RefCell::new(None));
        let p = printing.clone();
        on_end(&operation, move |ended| {
            if let Some(done) = p.borrow_mut().take() {
                let done: Box<dyn FnOnce(Result<PrintOutcome, PrintError>)> = done;
                done(outcome(ended));
            }
        });
        let response = operation.run_dialog(parent.as_ref());
        dialogs.replace(None);
        match response {
            // The job runs on; `finished` or `failed` tells how it went.
            PrintOperationResponse::Print => {
                printing.replace(Some(Box::new(done) as Box<dyn FnOnce(Result<PrintOutcome, PrintError>)>));
            }
            _ => done(Ok(PrintOutcome::Cancelled)),
        }
    });
}

/// Cancels the open print dialog in `dialogs`, if any (its view is closing).
pub fn close_dialog(dialogs: &RefCell<Option<glib::WeakRef<gtk::Window>>>) {
    let dialog = dialogs.borrow().as_ref().and_then(glib::WeakRef::upgrade);
    if let Some(dialog) = dialog.and_then(|d| d.downcast::<gtk::Dialog>().ok()) {
        dialog.response(gtk::ResponseType::Cancel);
    }
}
