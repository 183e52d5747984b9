// Event args are UI-thread objects too.
fn check(args: webpane::NavigationCompletedEventArgs, exited: webpane::BrowserProcessExitedEventArgs) {
    std::thread::spawn(move || (args.is_success(), exited.kind()));
}
fn main() {}
