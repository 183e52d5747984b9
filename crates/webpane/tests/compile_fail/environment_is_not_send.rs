// An Environment belongs to the UI thread: moving it to another thread must not compile.
fn main() {
    let event_loop = webpane::EventLoop::new().unwrap();
    let env = event_loop.block_on(webpane::Environment::builder().build(&event_loop)).unwrap().unwrap();
    std::thread::spawn(move || drop(env));
}
