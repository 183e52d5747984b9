//! [`PrintSettings`]: how a page is printed (the SDK's own type; the wire's stays inside).

use webpane_ipc::protocol::{PdfSettings, PrinterSettings};

/// How a page is printed, to PDF or on a printer (WebView2's `CoreWebView2PrintSettings`), made
/// from [`PrintSettings::default`] (US Letter, portrait, 1 cm margins, 100 %, no backgrounds,
/// every page; the default printer, one copy, collated, the printer's colour and sides) with
/// its setters. The printer's settings apply to
/// [`WebView::print`](crate::WebView::print) only. Headers and footers: WebKit prints none.
///
/// ```
/// let a4_landscape = webpane::PrintSettings::default().landscape(true).page_size(8.27, 11.69);
/// assert_eq!(a4_landscape.page_width(), 8.27);
/// ```
#[doc(alias = "CoreWebView2PrintSettings")]
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PrintSettings(PdfSettings, PrinterSettings);

/// Colour or grey (WebView2's `CoreWebView2PrintColorMode`).
#[doc(alias = "CoreWebView2PrintColorMode")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PrintColorMode {
    /// The printer's default.
    #[default]
    Default,
    /// In colour.
    Color,
    /// In shades of grey.
    Grayscale,
}

/// One or two sides of the paper (WebView2's `CoreWebView2PrintDuplex`).
#[doc(alias = "CoreWebView2PrintDuplex")]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PrintDuplex {
    /// The printer's default.
    #[default]
    Default,
    /// One side.
    OneSided,
    /// Both sides, turned on the long edge.
    TwoSidedLongEdge,
    /// Both sides, turned on the short edge.
    TwoSidedShortEdge,
}

impl PrintSettings {
    /// Landscape (true) or portrait.
    #[doc(alias = "Orientation")]
    pub fn landscape(mut self, landscape: bool) -> Self {
        self.0.landscape = landscape;
        self
    }

    /// The paper's width and height, in inches (at most 200).
    #[doc(alias = "PageWidth")]
    #[doc(alias = "PageHeight")]
    pub fn page_size(mut self, width: f64, height: f64) -> Self {
        self.0.page_width = width;
        self.0.page_height = height;
        self
    }

    /// Margins in inches: top, right, bottom, left.
    #[doc(alias = "MarginTop")]
    #[doc(alias = "MarginBottom")]
    #[doc(alias = "MarginLeft")]
    #[doc(alias = "MarginRight")]
    pub fn margins(mut self, top: f64, right: f64, bottom: f64, left: f64) -> Self {
        self.0.margins = [top, right, bottom, left];
        self
    }

    /// The scale, 0.1 to 2.
    #[doc(alias = "ScaleFactor")]
    pub fn scale(mut self, scale: f64) -> Self {
        self.0.scale = scale;
        self
    }

    /// Whether backgrounds (colours, images) are printed.
    #[doc(alias = "ShouldPrintBackgrounds")]
    pub fn backgrounds(mut self, backgrounds: bool) -> Self {
        self.0.backgrounds = backgrounds;
        self
    }

    /// The pages to print, 1-based (`1-3,5`; empty: all).
    #[doc(alias = "PageRanges")]
    pub fn page_ranges(mut self, ranges: &str) -> Self {
        self.0.page_ranges = ranges.to_owned();
        self
    }

    /// The printer, by the name GTK's print system gives it (`lpstat -p` lists CUPS printers;
    /// "Print to File" is always there). Empty: the default printer.
    #[doc(alias = "PrinterName")]
    pub fn printer_name(mut self, name: &str) -> Self {
        self.1.printer = (!name.is_empty()).then(|| name.to_owned());
        self
    }

    /// How many copies, 1 to 999.
    #[doc(alias = "Copies")]
    pub fn copies(mut self, copies: u32) -> Self {
        self.1.copies = copies;
        self
    }

    /// Whether copies are collated (default true).
    #[doc(alias = "Collation")]
    pub fn collation(mut self, collate: bool) -> Self {
        self.1.collate = collate;
        self
    }

    /// Colour or grey.
    #[doc(alias = "ColorMode")]
    pub fn color_mode(mut self, mode: PrintColorMode) -> Self {
        self.1.color = match mode {
            PrintColorMode::Default => webpane_ipc::protocol::PrintColorMode::Default,
            PrintColorMode::Color => webpane_ipc::protocol::PrintColorMode::Color,
            PrintColorMode::Grayscale => webpane_ipc::protocol::PrintColorMode::Grayscale,
        };
        self
    }

    /// One or two sides.
    #[doc(alias = "Duplex")]
    pub fn duplex(mut self, duplex: PrintDuplex) -> Self {
        self.1.duplex = match duplex {
            PrintDuplex::Default => webpane_ipc::protocol::PrintDuplex::Default,
            PrintDuplex::OneSided => webpane_ipc::protocol::PrintDuplex::OneSided,
            PrintDuplex::TwoSidedLongEdge => webpane_ipc::protocol::PrintDuplex::TwoSidedLongEdge,
            PrintDuplex::TwoSidedShortEdge => webpane_ipc::protocol::PrintDuplex::TwoSidedShortEdge,
        };
        self
    }

    /// The printer's name (empty: the default printer).
    pub fn printer(&self) -> &str {
        self.1.printer.as_deref().unwrap_or("")
    }

    /// How many copies.
    pub fn copy_count(&self) -> u32 {
        self.1.copies
    }

    /// Whether it is landscape.
    pub fn is_landscape(&self) -> bool {
        self.0.landscape
    }

    /// The paper's width, in inches.
    pub fn page_width(&self) -> f64 {
        self.0.page_width
    }

    /// The paper's height, in inches.
    pub fn page_height(&self) -> f64 {
        self.0.page_height
    }

    /// The margins in inches: top, right, bottom, left.
    pub fn margin_inches(&self) -> [f64; 4] {
        self.0.margins
    }

    /// The scale.
    pub fn scale_factor(&self) -> f64 {
        self.0.scale
    }

    /// Whether backgrounds are printed.
    pub fn prints_backgrounds(&self) -> bool {
        self.0.backgrounds
    }

    /// The pages to print (empty: all).
    pub fn ranges(&self) -> &str {
        &self.0.page_ranges
    }

    pub(crate) fn to_wire(&self) -> PdfSettings {
        self.0.clone()
    }

    pub(crate) fn printer_to_wire(&self) -> PrinterSettings {
        self.1.clone()
    }
}
