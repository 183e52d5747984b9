//! Text input of an offscreen view through the app's input method: WebKit gets an input method
//! context of ours (`ffi::input_method`), which shows the app's composition in the page and tells
//! the app where the caret is, whether an editable has the focus and what kind of text it takes.

use std::cell::Cell;
use std::rc::Rc;

use webkit2gtk::{InputMethodContextExt, InputPurpose, WebViewExt};
use webpane_ipc::protocol::{RuntimeMessage, TextInputPurpose, TextInputState, WebViewId};

use crate::ffi::input_method::{AppInputMethod, ImeNotice};
use crate::host::Host;

fn purpose(p: InputPurpose) -> TextInputPurpose {
    match p {
        InputPurpose::Digits => TextInputPurpose::Digits,
        InputPurpose::Number => TextInputPurpose::Number,
        InputPurpose::Phone => TextInputPurpose::Phone,
        InputPurpose::Url => TextInputPurpose::Url,
        InputPurpose::Email => TextInputPurpose::Email,
        InputPurpose::Password => TextInputPurpose::Password,
        _ => TextInputPurpose::FreeForm,
    }
}

/// Gives `webview` (an offscreen view's) the app's input method, which reports to the app.
pub(super) fn attach(webview: &webkit2gtk::WebView, id: WebViewId, host: Rc<dyn Host>) -> AppInputMethod {
    let state = Cell::new(TextInputState {
        active: false,
        x: 0,
        y: 0,
        width: 0,
        height: 0,
        purpose: TextInputPurpose::FreeForm,
    });
    // Tells the app the state as `change` leaves it, if it changed.
    let update = Rc::new(move |change: &dyn Fn(&mut TextInputState)| {
        let mut next = state.get();
        change(&mut next);
        if next != state.replace(next) {
            host.send(RuntimeMessage::TextInputChanged { id, state: next });
        }
    });
    let u = Rc::clone(&update);
    let context = AppInputMethod::new(move |context, notice| {
        let purpose = purpose(context.input_purpose());
        u(&|state| {
            state.purpose = purpose;
            match notice {
                ImeNotice::Focus(active) => state.active = active,
                ImeNotice::CursorArea { x, y, width, height } => {
                    (state.x, state.y, state.width, state.height) = (x, y, width, height);
                }
            }
        });
    });
    // Focus going from one editable to another changes only the kind of text.
    context.connect_input_purpose_notify(move |context| {
        let purpose = purpose(context.input_purpose());
        update(&|state| state.purpose = purpose);
    });
    webview.set_input_method_context(Some(&context));
    context
}
