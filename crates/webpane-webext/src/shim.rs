//! Calls into a document's `chrome.webview` shim (the page world's, through its token-guarded
//! entry points): web messages from the app, and acknowledgements of the page's messages.

use javascriptcore::{ContextExt, ValueExt};

use crate::ffi;

/// The shim's `chrome.webview` entry point `name` in the document of `context`, if it has one.
fn shim_entry(context: &javascriptcore::Context, name: &str) -> Option<javascriptcore::Value> {
    let entry = context
        .global_object()
        .and_then(|window| window.object_get_property("chrome"))
        .and_then(|chrome| chrome.object_get_property("webview"))
        .and_then(|webview| webview.object_get_property(name))
        .filter(|f| f.is_function());
    context.clear_exception();
    entry
}

/// Tells the main frame's `chrome.webview` shim (in `context`) that `count` of its messages
/// have left for the app: it may send more.
pub fn acknowledge(context: &javascriptcore::Context, token: &str, count: u32) {
    if let Some(ack) = shim_entry(context, "__webpaneAck") {
        let token = javascriptcore::Value::new_string(context, Some(token));
        ffi::call(
            &ack,
            &[&token, &javascriptcore::Value::new_number(context, f64::from(count))],
        );
        context.clear_exception();
    }
}

/// Hands web messages from the app (`jsons`, in order) to the `message` listeners of the
/// document in `context` (a main frame's), through its `chrome.webview` shim and the view's
/// `token`. A document without the shim drops them, as WebView2 does.
pub fn deliver(context: &javascriptcore::Context, token: &str, jsons: &[String]) {
    let Some(dispatch) = shim_entry(context, "__webpaneDispatchAll") else {
        return;
    };
    // One call for the whole batch: the shim parses each message and dispatches its event, so
    // no JSCValue is made per message.
    let token = javascriptcore::Value::new_string(context, Some(token));
    let texts: Vec<&str> = jsons.iter().map(String::as_str).collect();
    let jsons = javascriptcore::Value::new_array_from_strv(context, &texts);
    ffi::call(&dispatch, &[&token, &jsons]);
    context.clear_exception();
}
