// The event loop binds the thread that created it; only its proxy crosses threads.
fn main() {
    let event_loop = webpane::EventLoop::new().unwrap();
    std::thread::spawn(move || event_loop.run());
}
