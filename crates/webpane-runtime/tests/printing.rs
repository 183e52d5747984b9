//! Printing on a printer through GTK's print system (`PrintAsync`) and the print dialog
//! (`ShowPrintUI`), across the real processes. The printer is GTK's "Print to File", which
//! writes `output.pdf` into the user's documents folder or, when there is none, the browser
//! process's current folder: the app runs in a process of its own whose current folder is a
//! temporary one, without a documents folder (its browser process inherits both).

mod common;

use std::path::Path;
use std::time::Duration;

use common::*;
use webpane::{PrintDialogKind, PrintSettings};

/// Two pages of text.
const TWO_PAGES: &str = "<div style='page-break-after: always'>first page</div><div>second page</div>";

/// How many pages a PDF written by cairo has (its page objects are plain text).
fn pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.matches("/Type /Page").count() - text.matches("/Type /Pages").count()
}

/// GTK's print dialog's title.
const PRINT_DIALOG: &str = "^Print$";

/// Picks the first printer of the dialog's list (its row under the column titles), then prints.
fn print_from_dialog() {
    if let Some(dialog) = window_named(PRINT_DIALOG) {
        xdotool(&[
            "windowraise",
            &dialog,
            "windowfocus",
            "--sync",
            &dialog,
            "mousemove",
            "--window",
            &dialog,
            "80",
            "86",
            "click",
            "1",
            "key",
            "alt+p",
        ]);
    }
}

/// The output of "Print to File", once it is complete: the job succeeded once it was handed to
/// the print backend, which writes the file on its own.
fn printed(event_loop: &webpane::EventLoop, home: &Path) -> Vec<u8> {
    let read = || std::fs::read(home.join("output.pdf")).unwrap_or_default();
    wait_until(event_loop, "Print to File to write output.pdf", || {
        read().trim_ascii_end().ends_with(b"%%EOF")
    });
    let pdf = read();
    assert!(pdf.starts_with(b"%PDF"), "not a PDF");
    pdf
}

#[test]
fn app_process_entry_point() {
    let Ok(role) = std::env::var(APP_ROLE) else { return };
    assert_eq!(role, "printer");
    let folder = std::path::PathBuf::from(std::env::var(APP_FOLDER).unwrap());
    let home = std::env::current_dir().unwrap();
    let event_loop = webpane::EventLoop::new().unwrap();
    let env = env_for(&event_loop, &folder);
    let webview = window_view(&event_loop, &env);
    assert!(load_html(&event_loop, &webview, TWO_PAGES));

    // A printer no print backend knows.
    let missing = webview.print(&PrintSettings::default().printer_name("No Such Printer"));
    report(&format!(
        "missing {:?}",
        block_on_within(&event_loop, "Print", missing).unwrap()
    ));

    // GTK's file printer: the settings reach the job (two copies of two pages: four).
    for copies in [1, 2] {
        let _ = std::fs::remove_file(home.join("output.pdf"));
        let settings = PrintSettings::default().printer_name("Print to File").copies(copies);
        let status = block_on_within(&event_loop, "Print", webview.print(&settings)).unwrap();
        report(&format!(
            "file {copies} {status:?} {}",
            pdf_pages(&printed(&event_loop, &home))
        ));
    }

    // The dialog: Escape closes it without printing; a second one meanwhile is refused.
    let dialog = webview.show_print_ui(PrintDialogKind::System);
    let second = webview.show_print_ui(PrintDialogKind::Browser);
    let refused = block_on_within(&event_loop, "the second dialog's answer", second).is_err();
    let outcome = std::rc::Rc::new(std::cell::RefCell::new(None));
    let o = outcome.clone();
    event_loop.spawn_local(async move { *o.borrow_mut() = Some(dialog.await) });
    wait_until(&event_loop, "the dialog to close", || {
        if outcome.borrow().is_none() {
            press_in_window(PRINT_DIALOG, "Escape");
            event_loop.dispatch(Some(Duration::from_millis(300))).unwrap();
        }
        outcome.borrow().is_some()
    });
    let cancelled = outcome.borrow_mut().take().unwrap().unwrap();
    report(&format!("dialog {cancelled:?} refused {refused}"));

    // Picking "Print to File" (its only printer here) and Alt+P (its Print button) prints.
    let _ = std::fs::remove_file(home.join("output.pdf"));
    let dialog = webview.show_print_ui(PrintDialogKind::System);
    let o = outcome.clone();
    event_loop.spawn_local(async move { *o.borrow_mut() = Some(dialog.await) });
    wait_until(&event_loop, "the dialog to print", || {
        if outcome.borrow().is_none() {
            print_from_dialog();
            event_loop.dispatch(Some(Duration::from_millis(500))).unwrap();
        }
        outcome.borrow().is_some()
    });
    let status = outcome.borrow_mut().take().unwrap().unwrap();
    report(&format!(
        "printed {status:?} {}",
        pdf_pages(&printed(&event_loop, &home))
    ));
}

#[test]
fn a_page_prints_on_a_printer_and_through_the_dialog() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let home_path = home.path().to_owned();
    let app = AppProcess::spawn_with("printer", dir.path(), move |c| {
        c.current_dir(&home_path)
            .env("HOME", &home_path)
            .env("XDG_CONFIG_HOME", home_path.join("config"));
    });
    assert_eq!(app.expect("missing"), ["missing", "PrinterUnavailable"]);
    assert_eq!(app.expect("file"), ["file", "1", "Succeeded", "2"]);
    assert_eq!(app.expect("file"), ["file", "2", "Succeeded", "4"]);
    assert_eq!(app.expect("dialog"), ["dialog", "Cancelled", "refused", "true"]);
    assert_eq!(app.expect("printed"), ["printed", "Succeeded", "2"]);
    app.finish();
}
