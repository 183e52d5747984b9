// A token from one event cannot remove a handler of another: it does not compile.
fn check(webview: webpane::WebView) {
    let token = webview.on_navigation_completed(|_, _| {});
    webview.remove_source_changed(token);
}
fn main() {}
