//! Pictures and documents of a page: image formats and where PDF or MHTML goes.

use serde::{Deserialize, Serialize};

/// An image format for [`AppMessage::CapturePreview`](crate::protocol::AppMessage::CapturePreview).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ImageFormat {
    /// PNG.
    Png,
    /// JPEG (quality 90).
    Jpeg,
}

/// Where a PDF or MHTML document goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum OutputTarget {
    /// A path the browser process opens (PDF only).
    Path(String),
    /// A file the app opened and delivered: the browser process writes into it without ever
    /// opening a path.
    File(crate::wire::FdRef),
}

/// How a page is printed to PDF (WebView2's `CoreWebView2PrintSettings`, as WebKit prints).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PdfSettings {
    /// Landscape (else portrait).
    pub landscape: bool,
    /// The page's width, in inches.
    pub page_width: f64,
    /// The page's height, in inches.
    pub page_height: f64,
    /// Margins in inches: top, right, bottom, left.
    pub margins: [f64; 4],
    /// Scale, 0.1 to 2.0.
    pub scale: f64,
    /// Whether backgrounds (colours, images) are printed.
    pub backgrounds: bool,
    /// Pages to print, 1-based (`1-3,5`); empty: all.
    pub page_ranges: String,
}

impl Default for PdfSettings {
    fn default() -> Self {
        // WebView2's defaults: US Letter, portrait, 1 cm margins, 100 %.
        PdfSettings {
            landscape: false,
            page_width: 8.5,
            page_height: 11.0,
            margins: [0.4; 4],
            scale: 1.0,
            backgrounds: false,
            page_ranges: String::new(),
        }
    }
}

impl PdfSettings {
    /// Checks the numbers: positive sizes, margins that leave room, a scale in 0.1..=2, ranges
    /// of page numbers.
    pub fn validate(&self) -> Result<(), String> {
        let finite = [self.page_width, self.page_height, self.scale]
            .iter()
            .chain(&self.margins)
            .all(|v| v.is_finite());
        if !finite
            || self.page_width <= 0.0
            || self.page_height <= 0.0
            || self.page_width > 200.0
            || self.page_height > 200.0
        {
            return Err("page sizes must be positive inches (at most 200)".into());
        }
        if self.margins.iter().any(|m| *m < 0.0)
            || self.margins[1] + self.margins[3] >= self.page_width
            || self.margins[0] + self.margins[2] >= self.page_height
        {
            return Err("the margins leave no room on the page".into());
        }
        if !(0.1..=2.0).contains(&self.scale) {
            return Err(format!("scale {} is outside 0.1..=2", self.scale));
        }
        self.ranges().map(|_| ())
    }

    /// The page ranges, 0-based and inclusive (empty: all pages).
    pub fn ranges(&self) -> Result<Vec<(u32, u32)>, String> {
        let mut out = Vec::new();
        for part in self.page_ranges.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (a, b) = part.split_once('-').unwrap_or((part, part));
            let page = |s: &str| s.trim().parse::<u32>().ok().filter(|n| *n >= 1);
            match (page(a), page(b)) {
                (Some(a), Some(b)) if a <= b => out.push((a - 1, b - 1)),
                _ => return Err(format!("{part:?} is not a page range (1-based: 1-3,5)")),
            }
        }
        Ok(out)
    }
}

/// What a print job asks of the printer (WebView2's `CoreWebView2PrintSettings` beyond the
/// page's layout).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrinterSettings {
    /// The printer, by the name GTK's print system gives it (`None`: the default printer).
    pub printer: Option<String>,
    /// Copies, 1 to 999.
    pub copies: u32,
    /// Whether copies are collated.
    pub collate: bool,
    /// Colour or grey.
    pub color: PrintColorMode,
    /// One or two sides.
    pub duplex: PrintDuplex,
}

impl Default for PrinterSettings {
    fn default() -> Self {
        PrinterSettings {
            printer: None,
            copies: 1,
            collate: true,
            color: PrintColorMode::Default,
            duplex: PrintDuplex::Default,
        }
    }
}

impl PrinterSettings {
    /// Checks the numbers and the printer's name.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=999).contains(&self.copies) {
            return Err(format!("{} copies: 1 to 999 may be printed", self.copies));
        }
        match &self.printer {
            Some(name) if name.is_empty() || name.len() > 1024 || name.contains('\0') => {
                Err("a printer's name is 1 to 1024 bytes without NUL".into())
            }
            _ => Ok(()),
        }
    }
}

/// Colour or grey (WebView2's `COREWEBVIEW2_PRINT_COLOR_MODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PrintColorMode {
    /// The printer's default.
    Default,
    /// In colour.
    Color,
    /// In shades of grey.
    Grayscale,
}

/// One or two sides (WebView2's `COREWEBVIEW2_PRINT_DUPLEX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PrintDuplex {
    /// The printer's default.
    Default,
    /// One side.
    OneSided,
    /// Both sides, turned on the long edge.
    TwoSidedLongEdge,
    /// Both sides, turned on the short edge.
    TwoSidedShortEdge,
}

/// How a print job or a print dialog ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PrintOutcome {
    /// The job went to the printer (WebView2's `Succeeded`).
    Printed,
    /// No printer of that name, or no default printer (WebView2's `PrinterUnavailable`).
    PrinterUnavailable,
    /// The user closed the print dialog without printing.
    Cancelled,
}
