//! The UI-thread model without a browser process: dispatch, re-entrancy, the proxy, the fd.

use std::cell::{Cell, RefCell};
use std::os::fd::AsFd;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use webpane::{Deferral, Error, EventLoop};

#[test]
/// Promises T2, T4 (docs/promises.md).
fn ui_objects_are_not_send_compile_fail() {
    trybuild::TestCases::new().compile_fail("tests/compile_fail/*.rs");
}

#[test]
/// Promises T1 (docs/promises.md).
fn the_proxy_is_send_and_runs_work_on_the_ui_thread_one_at_a_time() {
    fn assert_send_sync<T: Send + Sync + Clone>() {}
    assert_send_sync::<webpane::LoopProxy>();
    let event_loop = EventLoop::new().unwrap();
    let ui = std::thread::current().id();
    let running = Rc::new(Cell::new(false));
    let ran = Rc::new(Cell::new(0));
    let posted = Arc::new(AtomicUsize::new(0));
    // Work posted from other threads carries only Send data; it checks the thread it runs on.
    let (tx, rx) = std::sync::mpsc::channel::<std::thread::ThreadId>();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let proxy = event_loop.proxy();
            let (tx, posted) = (tx.clone(), posted.clone());
            std::thread::spawn(move || {
                for _ in 0..500 {
                    let tx = tx.clone();
                    proxy
                        .post(move || tx.send(std::thread::current().id()).unwrap())
                        .unwrap();
                    posted.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    // Local work checks that callbacks never overlap.
    for _ in 0..200 {
        let (running, ran) = (running.clone(), ran.clone());
        event_loop.post(move || {
            assert!(!running.replace(true), "two callbacks at once");
            ran.set(ran.get() + 1);
            running.set(false);
        });
    }
    threads.into_iter().for_each(|t| t.join().unwrap());
    let mut seen = 0;
    while seen < 2000 || ran.get() < 200 {
        event_loop.dispatch(Some(Duration::from_millis(100))).unwrap();
        while let Ok(thread) = rx.try_recv() {
            assert_eq!(thread, ui, "posted work ran off the UI thread");
            seen += 1;
        }
    }
    assert_eq!(posted.load(Ordering::SeqCst), 2000);
}

#[test]
/// T5, T6, T11: a callback (here an SDK future, like every completion and event handler) never
/// runs inside another; a nested loop from inside one is an error, not a hang.
/// Promises T15 (docs/promises.md).
fn re_entering_the_loop_from_a_callback_is_an_error() {
    let event_loop = EventLoop::new().unwrap();
    let results = Rc::new(RefCell::new(Vec::new()));
    {
        let (results, inner) = (results.clone(), event_loop.clone());
        event_loop.spawn_local(async move {
            assert!(inner.is_dispatching());
            let mut r = results.borrow_mut();
            r.push(matches!(inner.run(), Err(Error::Reentrancy)));
            r.push(matches!(inner.dispatch(Some(Duration::ZERO)), Err(Error::Reentrancy)));
            r.push(matches!(inner.block_on(async { 1 }), Err(Error::Reentrancy)));
        });
    }
    while results.borrow().is_empty() {
        event_loop.dispatch(Some(Duration::from_secs(5))).unwrap();
    }
    assert_eq!(*results.borrow(), vec![true, true, true]);
    // Outside callbacks the same calls work.
    assert_eq!(event_loop.block_on(async { 7 }).unwrap(), 7);
}

/// T7, T12: work posted from inside a callback runs after it, outside dispatch, so it may run a
/// loop of its own (what `Error::Reentrancy`'s docs tell users to do) — and that loop runs the
/// loop's other work meanwhile.
#[test]
fn posted_work_runs_after_the_callback_and_may_run_its_own_loop() {
    let event_loop = EventLoop::new().unwrap();
    let log = Rc::new(RefCell::new(Vec::<String>::new()));
    let (l, el) = (log.clone(), event_loop.clone());
    event_loop.spawn_local(async move {
        let (l2, el2) = (l.clone(), el.clone());
        el.post(move || {
            l2.borrow_mut()
                .push(format!("posted, dispatching: {}", el2.is_dispatching()));
            let timer_ran = Rc::new(Cell::new(false));
            let t = timer_ran.clone();
            el2.post_after(Duration::from_millis(20), move || t.set(true));
            // A nested loop, waiting for the timer: allowed here.
            while !timer_ran.get() {
                el2.dispatch(Some(Duration::from_secs(5))).unwrap();
            }
            let answer = el2.block_on(async { 42 }).unwrap();
            l2.borrow_mut().push(format!("nested loop done: {answer}"));
        });
        l.borrow_mut().push("callback done".into());
    });
    while log.borrow().len() < 3 {
        event_loop.dispatch(Some(Duration::from_secs(5))).unwrap();
    }
    assert_eq!(
        *log.borrow(),
        ["callback done", "posted, dispatching: false", "nested loop done: 42"]
    );
    assert!(!event_loop.is_dispatching());
}

#[test]
fn a_panicking_callback_leaves_the_loop_usable() {
    let event_loop = EventLoop::new().unwrap();
    event_loop.post(|| panic!("callback failed"));
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        event_loop.dispatch(Some(Duration::ZERO))
    }));
    assert!(outcome.is_err());
    assert!(!event_loop.is_dispatching());
    let ran = Rc::new(Cell::new(false));
    let r = ran.clone();
    event_loop.post(move || r.set(true));
    event_loop.dispatch(Some(Duration::ZERO)).unwrap();
    assert!(ran.get());
}

#[test]
fn the_loop_fd_becomes_readable_for_work_from_another_thread() {
    let event_loop = EventLoop::new().unwrap();
    let readable = |el: &EventLoop, ms: i64| {
        let fd = el.as_fd();
        let mut fds = [rustix::event::PollFd::new(&fd, rustix::event::PollFlags::IN)];
        let t = rustix::event::Timespec {
            tv_sec: ms / 1000,
            tv_nsec: (ms % 1000) * 1_000_000,
        };
        rustix::event::poll(&mut fds, Some(&t)).unwrap() > 0
    };
    assert!(!readable(&event_loop, 0), "nothing to do yet");
    let proxy = event_loop.proxy();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || proxy.post(move || tx.send(()).unwrap()).unwrap())
        .join()
        .unwrap();
    assert!(readable(&event_loop, 10_000), "an app's own poll sees the posted work");
    assert!(event_loop.dispatch(Some(Duration::ZERO)).unwrap() >= 1);
    assert!(rx.try_recv().is_ok());
    // Timers wake the fd too.
    event_loop.post_after(Duration::from_millis(20), || {});
    assert!(readable(&event_loop, 10_000));
}

#[test]
fn a_proxy_outliving_its_loop_reports_closed() {
    let event_loop = EventLoop::new().unwrap();
    let proxy = event_loop.proxy();
    drop(event_loop);
    assert!(matches!(proxy.post(|| {}), Err(Error::Closed)));
}

#[test]
/// Promises T9 (docs/promises.md).
fn deferrals_complete_once_explicitly_or_on_drop_or_on_unwind() {
    let count = Rc::new(Cell::new(0));
    let make = |delivered: bool| {
        let c = count.clone();
        Deferral::new(move || {
            c.set(c.get() + 1);
            delivered
        })
    };
    assert!(make(true).complete());
    assert_eq!(count.get(), 1);
    drop(make(true));
    assert_eq!(count.get(), 2);
    assert!(!make(false).complete(), "a peer that is gone is reported, not a panic");
    assert_eq!(count.get(), 3);
    let d = make(true);
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
        let _held = d;
        panic!("handler failed");
    }));
    assert_eq!(count.get(), 4, "completed while unwinding");
}

#[test]
fn a_missing_runtime_is_a_clear_error() {
    let event_loop = EventLoop::new().unwrap();
    let built = event_loop
        .block_on(
            webpane::Environment::builder()
                .runtime_path("/nonexistent/webpane-runtime")
                .build(&event_loop),
        )
        .unwrap();
    match built {
        Err(Error::RuntimeNotFound { searched }) => {
            assert_eq!(
                searched,
                ["/nonexistent/webpane-runtime (given to runtime_path: not there)"]
            );
            let text = Error::RuntimeNotFound { searched }.to_string();
            assert!(text.contains("/nonexistent/webpane-runtime"), "{text}");
        }
        other => panic!("expected RuntimeNotFound, got {other:?}"),
    }
}

#[test]
fn a_runtime_that_fails_to_start_is_a_launch_error() {
    let dir = tempfile::tempdir().unwrap();
    let event_loop = EventLoop::new().unwrap();
    let built = event_loop
        .block_on(
            webpane::Environment::builder()
                .user_data_folder(dir.path())
                .runtime_path("/bin/false")
                .build(&event_loop),
        )
        .unwrap();
    assert!(matches!(built, Err(Error::LaunchFailed(_))), "{built:?}");
}
