//! [`PrintSettings`]: how a page is printed (the SDK's own type; the wire's stays inside).

use webpane_ipc::protocol::PdfSettings;

/// How a page is printed to PDF (WebView2's `CoreWebView2PrintSettings`), made from
/// [`PrintSettings::default`] (US Letter, portrait, 1 cm margins, 100 %, no backgrounds, every
/// page) with its setters. Headers and footers: WebKit prints none.
///
/// ```
/// let a4_landscape = webpane::PrintSettings::default().landscape(true).page_size(8.27, 11.69);
/// assert_eq!(a4_landscape.page_width(), 8.27);
/// ```
#[doc(alias = "CoreWebView2PrintSettings")]
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PrintSettings(PdfSettings);

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
}
