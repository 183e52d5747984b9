//! Printing a [`WebView`]'s page on a printer (WebView2's `PrintAsync`) and the print dialog
//! (`ShowPrintUI`), through GTK's print system in the browser process.

use webpane_ipc::protocol::{AppMessage, PrintOutcome};

use crate::error::{Error, Result};
use crate::objects::WebView;
use crate::operation::Operation;
use crate::print_settings::PrintSettings;

/// How printing ended (WebView2's `CoreWebView2PrintStatus`; its `OtherError` is an
/// [`Error`] here, with the reason).
#[doc(alias = "CoreWebView2PrintStatus")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PrintStatus {
    /// The job went to the printer.
    Succeeded,
    /// No printer of that name, or no default printer when none was named.
    PrinterUnavailable,
    /// The user closed the print dialog without printing ([`WebView::show_print_ui`] only).
    Cancelled,
}

/// Which print dialog to show (WebView2's `CoreWebView2PrintDialogKind`). Both are GTK's print
/// dialog here: WebKitGTK has no print preview of its own.
#[doc(alias = "CoreWebView2PrintDialogKind")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PrintDialogKind {
    /// The browser's print preview (GTK's dialog, whose preview button shows the pages).
    #[default]
    Browser,
    /// The system's print dialog (GTK's).
    System,
}

impl WebView {
    /// Prints the page on a printer without a dialog (WebView2's `PrintAsync`), with
    /// `settings`' layout and printer ([`PrintSettings::printer_name`]; the default printer when
    /// it names none). "Print to File" writes `output.pdf` in the user's documents folder or, when
    /// there is none, the browser process's current folder, as GTK does; use [`print_to_pdf`](Self::print_to_pdf) to
    /// choose the file.
    ///
    /// ```no_run
    /// # async fn demo(webview: &webpane::WebView) -> webpane::Result<()> {
    /// let settings = webpane::PrintSettings::default().printer_name("Office").copies(2);
    /// match webview.print(&settings).await? {
    ///     webpane::PrintStatus::Succeeded => println!("printing"),
    ///     other => println!("not printed: {other:?}"),
    /// }
    /// # Ok(()) }
    /// ```
    #[doc(alias = "PrintAsync")]
    #[doc(alias = "Print")]
    pub fn print(&self, settings: &PrintSettings) -> Operation<PrintStatus> {
        self.ask(|request| AppMessage::Print {
            id: self.id(),
            request,
            page: settings.to_wire(),
            printer: settings.printer_to_wire(),
        })
    }

    /// Shows the print dialog for the page (WebView2's `ShowPrintUI`), over the view's window
    /// (on its own for an offscreen view). The result says whether the user printed
    /// ([`PrintStatus::Succeeded`] once the job went to the printer) or closed the dialog
    /// ([`PrintStatus::Cancelled`]); WebView2's returns nothing. One dialog per view at a time;
    /// closing the view cancels it.
    #[doc(alias = "ShowPrintUI")]
    pub fn show_print_ui(&self, kind: PrintDialogKind) -> Operation<PrintStatus> {
        let _ = kind;
        self.ask(|request| AppMessage::ShowPrintUi { id: self.id(), request })
    }

    /// A print request ended.
    pub(crate) fn print_done(&self, request: u64, result: std::result::Result<PrintOutcome, String>) {
        let result: Result<PrintStatus> = result.map_err(Error::RequestFailed).map(|outcome| match outcome {
            PrintOutcome::Printed => PrintStatus::Succeeded,
            PrintOutcome::PrinterUnavailable => PrintStatus::PrinterUnavailable,
            PrintOutcome::Cancelled => PrintStatus::Cancelled,
        });
        self.inner.requests.resolve(request, result);
    }
}
