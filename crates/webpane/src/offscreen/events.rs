//! What an offscreen view asks of its host: the pointer's cursor, the input method's state,
//! tooltips.

use std::marker::PhantomData;
use std::rc::Rc;

use webpane_ipc::protocol::TextInputState;

use super::input::TextInputPurpose;

/// Arguments of [`WebView::on_cursor_changed`](crate::WebView::on_cursor_changed).
#[derive(Debug, Clone)]
pub struct CursorChangedEventArgs {
    pub(crate) cursor: String,
    pub(crate) _ui_thread: PhantomData<Rc<()>>,
}

impl CursorChangedEventArgs {
    /// The cursor, by its CSS name (`default`, `pointer`, `text`, `move`, `crosshair`,
    /// `ew-resize`, …; an image cursor the page chose is told as `pointer` over a link, `text`
    /// over editable text, else `default`).
    #[doc(alias = "Cursor")]
    pub fn cursor(&self) -> &str {
        &self.cursor
    }
}

/// Arguments of [`WebView::on_text_input_changed`](crate::WebView::on_text_input_changed).
#[derive(Debug, Clone)]
pub struct TextInputChangedEventArgs {
    pub(crate) state: TextInputState,
    pub(crate) _ui_thread: PhantomData<Rc<()>>,
}

impl TextInputChangedEventArgs {
    /// Whether an editable element has the focus: turn the app's input method on (winit's
    /// `set_ime_allowed`) or off.
    pub fn is_active(&self) -> bool {
        self.state.active
    }

    /// The caret's rectangle in the view's pixels (`x, y, width, height`; `x, y` may be negative
    /// when the caret is scrolled out): where the input method's candidate window goes (winit's
    /// `set_ime_cursor_area`).
    #[doc(alias = "OnImeCompositionRangeChanged")]
    pub fn caret_area(&self) -> (i32, i32, i32, i32) {
        (self.state.x, self.state.y, self.state.width, self.state.height)
    }

    /// What kind of text the element takes (an `<input type=password>`: the input method should
    /// not learn it; winit's `set_ime_purpose`).
    pub fn purpose(&self) -> TextInputPurpose {
        self.state.purpose.into()
    }
}

/// Arguments of [`WebView::on_tooltip_changed`](crate::WebView::on_tooltip_changed).
#[derive(Debug, Clone)]
pub struct TooltipChangedEventArgs {
    pub(crate) text: Option<String>,
    pub(crate) _ui_thread: PhantomData<Rc<()>>,
}

impl TooltipChangedEventArgs {
    /// The tooltip to show near the pointer (`None`: hide it).
    #[doc(alias = "OnTooltip")]
    pub fn text(&self) -> Option<&str> {
        self.text.as_deref()
    }
}
