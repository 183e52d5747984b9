// A WebView belongs to the UI thread: sending it to another thread must not compile.
fn check(webview: webpane::WebView) {
    std::thread::spawn(move || webview.navigate("about:blank"));
}
fn main() {}
