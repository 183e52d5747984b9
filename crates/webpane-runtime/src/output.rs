//! Output of a page: a picture (PNG, JPEG), PDF, MHTML — into bytes, a path, or a file the app
//! opened and delivered (the browser process then writes into it without opening any path).

use std::fs::File;
use std::os::fd::OwnedFd;

use gtk::prelude::*;
use webkit2gtk::{PrintOperationExt, SaveMode, SnapshotOptions, SnapshotRegion, WebViewExt};
use webpane_ipc::protocol::ImageFormat;

/// Why a picture or a document was not made.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// WebKit could not take the picture, print or save.
    #[error("the engine failed")]
    Engine(#[source] glib::Error),
    /// The snapshot is not an image surface.
    #[error("the snapshot is not an image")]
    NotAnImage,
    /// The picture could not be encoded.
    #[error("cannot encode the picture as PNG")]
    Png(#[source] cairo::IoError),
    /// The picture could not be converted for JPEG.
    #[error("the picture cannot be converted for JPEG")]
    NoPixbuf,
    /// JPEG encoding failed.
    #[error("cannot encode the picture as JPEG")]
    Jpeg(#[source] glib::Error),
    /// The path cannot be turned into a URI for GTK's printing.
    #[error("{0:?} is not a usable path")]
    BadPath(String),
    /// MHTML goes into a delivered file only.
    #[error("MHTML is written into a delivered file only, never to a path")]
    MhtmlToPath,
    /// The delivered file cannot be written.
    #[error("the delivered file must be a regular file open for writing")]
    NotWritable,
}

/// Where a document goes.
pub enum Target {
    /// A path (PDF only).
    Path(String),
    /// A delivered file, opened for writing by the app.
    File(File),
}

/// Takes a picture of the visible part of the page.
pub fn capture(
    webview: &webkit2gtk::WebView,
    format: ImageFormat,
    done: impl FnOnce(Result<Vec<u8>, OutputError>) + 'static,
) {
    webview.snapshot(
        SnapshotRegion::Visible,
        SnapshotOptions::NONE,
        None::<&gio::Cancellable>,
        move |result| {
            done(
                result
                    .map_err(OutputError::Engine)
                    .and_then(|surface| encode(&surface, format)),
            )
        },
    );
}

fn encode(surface: &cairo::Surface, format: ImageFormat) -> Result<Vec<u8>, OutputError> {
    let image = cairo::ImageSurface::try_from(surface.clone()).map_err(|_| OutputError::NotAnImage)?;
    match format {
        ImageFormat::Png => {
            let mut png = Vec::new();
            image.write_to_png(&mut png).map_err(OutputError::Png)?;
            Ok(png)
        }
        ImageFormat::Jpeg => {
            let pixbuf = gtk::gdk::pixbuf_get_from_surface(&image, 0, 0, image.width(), image.height())
                .ok_or(OutputError::NoPixbuf)?;
            pixbuf
                .save_to_bufferv("jpeg", &[("quality", "90")])
                .map_err(OutputError::Jpeg)
        }
    }
}

/// Prints the page to a PDF file, without a dialog.
pub fn print_to_pdf(
    webview: &webkit2gtk::WebView,
    target: Target,
    pdf: &webpane_ipc::protocol::PdfSettings,
    done: impl FnOnce(Result<(), OutputError>) + 'static,
) {
    let (uri, keep) = match target {
        Target::Path(path) => match gio::File::for_path(&path).uri() {
            uri if !uri.is_empty() => (uri.to_string(), None),
            _ => return done(Err(OutputError::BadPath(path))),
        },
        // GTK's print-to-file backend writes to a URI; /proc/self/fd/N names the delivered file
        // (a regular file: pipes do not work there).
        Target::File(file) => {
            use std::os::fd::AsRawFd;
            (format!("file:///proc/self/fd/{}", file.as_raw_fd()), Some(file))
        }
    };
    let (settings, setup) = crate::print::layout(webview, pdf);
    settings.set_printer("Print to File");
    settings.set(gtk::PRINT_SETTINGS_OUTPUT_FILE_FORMAT, Some("pdf"));
    settings.set(gtk::PRINT_SETTINGS_OUTPUT_URI, Some(&uri));
    let operation = webkit2gtk::PrintOperation::new(webview);
    operation.set_print_settings(&settings);
    operation.set_page_setup(&setup);
    crate::print::on_end(&operation, move |ended| {
        // The delivered file stays open until printing ended.
        drop(keep);
        done(ended.map_err(OutputError::Engine));
    });
    operation.print();
}

/// Saves the page as MHTML into a delivered file.
pub fn save_mhtml(webview: &webkit2gtk::WebView, file: File, done: impl FnOnce(Result<(), OutputError>) + 'static) {
    webview.save(SaveMode::Mhtml, None::<&gio::Cancellable>, move |result| {
        let stream = match result {
            Ok(stream) => stream,
            Err(e) => return done(Err(OutputError::Engine(e))),
        };
        let output = crate::ffi::output_stream(OwnedFd::from(file));
        output.splice_async(
            &stream,
            gio::OutputStreamSpliceFlags::CLOSE_SOURCE | gio::OutputStreamSpliceFlags::CLOSE_TARGET,
            glib::Priority::DEFAULT,
            None::<&gio::Cancellable>,
            move |written| done(written.map(|_| ()).map_err(OutputError::Engine)),
        );
    });
}
