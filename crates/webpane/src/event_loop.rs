//! The UI thread's event loop: callbacks one at a time, re-entrancy reported, a `Send` proxy.
//!
//! The thread that creates an [`EventLoop`] is the UI thread: the loop, and everything created
//! from it ([`Environment`](crate::Environment), [`WebView`](crate::WebView), event args), is
//! `!Send`, so using them from another thread does not compile. Every event handler and every
//! completion runs on this thread, inside [`EventLoop::run`], [`EventLoop::dispatch`] or
//! [`EventLoop::block_on`], one at a time.
//!
//! Two ways to drive it:
//! - let the SDK run it: [`EventLoop::run`] until [`EventLoop::quit`], or [`EventLoop::block_on`]
//!   a future;
//! - drive it from your own loop: poll [`EventLoop::as_fd`] for readability (one epoll fd that
//!   covers the runtime connection, timers and posted work) and call
//!   [`EventLoop::dispatch`]`(Some(Duration::ZERO))` when it is readable.
//!
//! Running the loop (or blocking on an SDK future) from inside one of its callbacks returns
//! [`Error::Reentrancy`] instead of hanging; post the work with [`EventLoop::post`] to run it after
//! the current callback. Posted work (`post`, `post_after`, [`LoopProxy::post`]) is not a
//! callback: it runs outside dispatch and may run a loop of its own (`wait`, `block_on`).
//!
//! ```
//! use std::time::Duration;
//! use webpane::EventLoop;
//!
//! let event_loop = EventLoop::new()?;
//! let proxy = event_loop.proxy();
//! let worker = std::thread::spawn(move || {
//!     // Other threads reach the UI thread only through the proxy.
//!     proxy.post(|| println!("on the UI thread")).unwrap();
//! });
//! let quit = event_loop.clone();
//! event_loop.post_after(Duration::from_millis(50), move || quit.quit());
//! event_loop.run()?;
//! worker.join().unwrap();
//! # Ok::<(), webpane::Error>(())
//! ```

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::pin::pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

use rustix::event::epoll;
use rustix::event::{EventfdFlags, eventfd};
use rustix::time::{Itimerspec, TimerfdClockId, TimerfdFlags, TimerfdTimerFlags, Timespec};

use crate::error::{Error, Result};
use crate::operation::{Operation, operation};

type LocalTask = (Run, Box<dyn FnOnce()>);
type RemoteTask = (Run, Box<dyn FnOnce() + Send>);

/// How a queued task runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Run {
    /// The app's posted work (`post`, `post_after`, the proxy's): outside dispatch, so it may
    /// run a loop of its own (`wait`, `block_on`, `run`) — the documented way out of
    /// [`Error::Reentrancy`].
    AsWork,
    /// The SDK's own callbacks (completions, futures, event raising): inside dispatch, guarded
    /// like every event handler.
    AsCallback,
}

const WAKE_TOKEN: u64 = 0;

type PendingCompletion = Box<dyn FnOnce(Box<dyn std::any::Any>)>;

thread_local! {
    /// Completions of `spawn_blocking` work, kept on the UI thread (they hold `!Send` resolvers).
    static PENDING: RefCell<HashMap<u64, PendingCompletion>> = RefCell::new(HashMap::new());
    /// Futures started with `spawn_local`, kept on their UI thread.
    static TASKS: RefCell<HashMap<u64, LocalFuture>> = RefCell::new(HashMap::new());
}

type LocalFuture = std::pin::Pin<Box<dyn Future<Output = ()>>>;

/// Task ids, unique across loops on one thread.
static NEXT_TASK: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

/// Polls task `id` once on its UI thread; its waker posts the next poll through `proxy`.
fn poll_task(id: u64, proxy: LoopProxy) {
    let Some(mut task) = TASKS.with(|t| t.borrow_mut().remove(&id)) else {
        return;
    };
    struct TaskWaker {
        id: u64,
        proxy: LoopProxy,
    }
    impl Wake for TaskWaker {
        fn wake(self: Arc<Self>) {
            let (id, proxy) = (self.id, self.proxy.clone());
            let _ = self.proxy.post_as(Run::AsCallback, move || poll_task(id, proxy));
        }
    }
    let waker = Waker::from(Arc::new(TaskWaker {
        id,
        proxy: proxy.clone(),
    }));
    if task.as_mut().poll(&mut Context::from_waker(&waker)).is_pending() {
        TASKS.with(|t| t.borrow_mut().insert(id, task));
    }
}
const TIMER_TOKEN: u64 = 1;

/// Written to wake the loop from any thread.
struct WakeFd(OwnedFd);

impl WakeFd {
    fn wake(&self) {
        let _ = rustix::io::write(&self.0, &1u64.to_ne_bytes());
    }
    fn drain(&self) {
        let mut buf = [0u8; 8];
        let _ = rustix::io::read(&self.0, &mut buf);
    }
}

struct Remote {
    queue: Mutex<Option<VecDeque<RemoteTask>>>,
    wake: WakeFd,
}

pub(crate) struct LoopInner {
    epoll: OwnedFd,
    timer: OwnedFd,
    remote: Arc<Remote>,
    local: RefCell<VecDeque<LocalTask>>,
    sources: RefCell<HashMap<u64, Rc<dyn Fn()>>>,
    timers: RefCell<Vec<(Instant, u64, LocalTask)>>,
    next_token: Cell<u64>,
    dispatching: Cell<bool>,
    quit: Cell<bool>,
}

/// The UI thread's event loop. See the [module docs](self).
///
/// Cloning gives another handle to the same loop (for closures), as with `WebView`.
#[derive(Clone)]
pub struct EventLoop {
    pub(crate) inner: Rc<LoopInner>,
}

impl std::fmt::Debug for EventLoop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventLoop")
            .field("dispatching", &self.inner.dispatching.get())
            .finish()
    }
}

/// A `Send + Sync` handle that posts closures to the UI thread from any thread.
#[derive(Clone)]
pub struct LoopProxy {
    remote: Arc<Remote>,
}

impl std::fmt::Debug for LoopProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoopProxy").finish_non_exhaustive()
    }
}

impl LoopProxy {
    /// Runs `task` on the UI thread, after the callback running there now (if any).
    /// Fails with [`Error::Closed`] once the loop is gone.
    pub fn post(&self, task: impl FnOnce() + Send + 'static) -> Result<()> {
        self.post_as(Run::AsWork, task)
    }

    fn post_as(&self, run: Run, task: impl FnOnce() + Send + 'static) -> Result<()> {
        let mut queue = self.remote.queue.lock().unwrap_or_else(|p| p.into_inner());
        let queue = queue.as_mut().ok_or(Error::Closed)?;
        queue.push_back((run, Box::new(task)));
        self.remote.wake.wake();
        Ok(())
    }
}

/// Resets the dispatching flag even if a callback panics.
/// Runs a queued task: the app's posted work outside dispatch, the SDK's callbacks inside.
fn run_posted<T: FnOnce() + ?Sized>(dispatching: &Cell<bool>, (run, task): (Run, Box<T>)) {
    if run == Run::AsWork {
        dispatching.set(false);
        task();
        dispatching.set(true);
    } else {
        task();
    }
}

struct DispatchGuard<'a>(&'a Cell<bool>);

impl Drop for DispatchGuard<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

impl EventLoop {
    /// Creates the loop; the calling thread becomes the UI thread.
    pub fn new() -> Result<EventLoop> {
        let epoll = epoll::create(epoll::CreateFlags::CLOEXEC)?;
        let wake = eventfd(0, EventfdFlags::CLOEXEC | EventfdFlags::NONBLOCK)?;
        let timer = rustix::time::timerfd_create(
            TimerfdClockId::Monotonic,
            TimerfdFlags::CLOEXEC | TimerfdFlags::NONBLOCK,
        )?;
        epoll::add(
            &epoll,
            &wake,
            epoll::EventData::new_u64(WAKE_TOKEN),
            epoll::EventFlags::IN,
        )?;
        epoll::add(
            &epoll,
            &timer,
            epoll::EventData::new_u64(TIMER_TOKEN),
            epoll::EventFlags::IN,
        )?;
        Ok(EventLoop {
            inner: Rc::new(LoopInner {
                epoll,
                timer,
                remote: Arc::new(Remote {
                    queue: Mutex::new(Some(VecDeque::new())),
                    wake: WakeFd(wake),
                }),
                local: RefCell::new(VecDeque::new()),
                sources: RefCell::new(HashMap::new()),
                timers: RefCell::new(Vec::new()),
                next_token: Cell::new(2),
                dispatching: Cell::new(false),
                quit: Cell::new(false),
            }),
        })
    }

    /// A handle other threads can post work with.
    pub fn proxy(&self) -> LoopProxy {
        LoopProxy {
            remote: self.inner.remote.clone(),
        }
    }

    /// Runs `task` on this thread after the current callback (or at the next dispatch). It runs
    /// outside dispatch: it may run a loop of its own ([`wait`](Self::wait),
    /// [`block_on`](Self::block_on)).
    pub fn post(&self, task: impl FnOnce() + 'static) {
        self.post_as(Run::AsWork, task);
    }

    /// Runs an SDK callback (a completion, raising an event) after the current callback,
    /// guarded like any event handler.
    pub(crate) fn post_callback(&self, task: impl FnOnce() + 'static) {
        self.post_as(Run::AsCallback, task);
    }

    fn post_as(&self, run: Run, task: impl FnOnce() + 'static) {
        self.inner.local.borrow_mut().push_back((run, Box::new(task)));
        self.inner.remote.wake.wake();
    }

    /// Runs `task` on this thread once `delay` has passed.
    pub fn post_after(&self, delay: Duration, task: impl FnOnce() + 'static) {
        self.post_after_as(Run::AsWork, delay, task);
    }

    /// Runs an SDK callback once `delay` has passed, guarded like any event handler.
    pub(crate) fn post_callback_after(&self, delay: Duration, task: impl FnOnce() + 'static) {
        self.post_after_as(Run::AsCallback, delay, task);
    }

    fn post_after_as(&self, run: Run, delay: Duration, task: impl FnOnce() + 'static) {
        let token = self.next_token();
        self.inner
            .timers
            .borrow_mut()
            .push((Instant::now() + delay, token, (run, Box::new(task))));
        self.rearm_timer();
    }

    /// Whether a callback of this loop is running right now (then running the loop is refused).
    pub fn is_dispatching(&self) -> bool {
        self.inner.dispatching.get()
    }

    /// Runs callbacks until [`quit`](Self::quit) is called.
    pub fn run(&self) -> Result<()> {
        if self.inner.dispatching.get() {
            return Err(Error::Reentrancy);
        }
        self.inner.quit.set(false);
        while !self.inner.quit.get() {
            self.dispatch(None)?;
        }
        Ok(())
    }

    /// Makes [`run`](Self::run) return after the current callback.
    pub fn quit(&self) {
        self.inner.quit.set(true);
        self.inner.remote.wake.wake();
    }

    /// Waits up to `timeout` (`None`: until something happens) and runs every callback that is due.
    /// Returns how many ran. For apps that drive the loop from their own: call it with
    /// `Some(Duration::ZERO)` whenever [`as_fd`](Self::as_fd) is readable.
    pub fn dispatch(&self, timeout: Option<Duration>) -> Result<usize> {
        let inner = &self.inner;
        if inner.dispatching.replace(true) {
            return Err(Error::Reentrancy);
        }
        let _guard = DispatchGuard(&inner.dispatching);
        let timeout = if inner.local.borrow().is_empty() {
            timeout
        } else {
            Some(Duration::ZERO)
        };
        let timespec = timeout.map(|t| {
            Timespec::try_from(t).unwrap_or(Timespec {
                tv_sec: i64::MAX,
                tv_nsec: 0,
            })
        });
        let mut events = Vec::with_capacity(16);
        match epoll::wait(
            &inner.epoll,
            rustix::buffer::spare_capacity(&mut events),
            timespec.as_ref(),
        ) {
            Ok(_) | Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
        let mut ran = 0;
        for event in &events {
            match event.data.u64() {
                WAKE_TOKEN => inner.remote.wake.drain(),
                TIMER_TOKEN => {
                    let mut buf = [0u8; 8];
                    let _ = rustix::io::read(&inner.timer, &mut buf);
                }
                token => {
                    // Looked up now: an earlier callback may have removed the source.
                    let handler = inner.sources.borrow().get(&token).cloned();
                    if let Some(handler) = handler {
                        handler();
                        ran += 1;
                    }
                }
            }
        }
        // Due timers.
        let now = Instant::now();
        let due: Vec<LocalTask> = {
            let mut timers = inner.timers.borrow_mut();
            let (due, later): (Vec<_>, Vec<_>) = timers.drain(..).partition(|(at, _, _)| *at <= now);
            *timers = later;
            due.into_iter().map(|(_, _, task)| task).collect()
        };
        for task in due {
            run_posted(&inner.dispatching, task);
            ran += 1;
        }
        // Work posted from other threads, then from this one.
        let remote: Vec<RemoteTask> = inner
            .remote
            .queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_mut()
            .map(|q| q.drain(..).collect())
            .unwrap_or_default();
        for task in remote {
            run_posted(&inner.dispatching, task);
            ran += 1;
        }
        let local: Vec<LocalTask> = inner.local.borrow_mut().drain(..).collect();
        for task in local {
            run_posted(&inner.dispatching, task);
            ran += 1;
        }
        self.rearm_timer();
        Ok(ran)
    }

    /// Drives the loop until an SDK operation completes and returns its result: [`block_on`]
    /// with the two results flattened, so the common path needs one `?`. Callbacks keep running
    /// meanwhile; from inside a callback this is [`Error::Reentrancy`] at once.
    ///
    /// [`block_on`]: Self::block_on
    ///
    /// ```no_run
    /// # fn main() -> webpane::Result<()> {
    /// use webpane::{Environment, EventLoop, WebViewOptions};
    /// let event_loop = EventLoop::new()?;
    /// let env = event_loop.wait(Environment::builder().build(&event_loop))?;
    /// let webview = event_loop.wait(env.create_webview(WebViewOptions::headless(800, 600)))?;
    /// let title = event_loop.wait(webview.execute_script("document.title"))?;
    /// # Ok(()) }
    /// ```
    pub fn wait<T>(&self, operation: impl Future<Output = Result<T>>) -> Result<T> {
        self.block_on(operation)?
    }

    /// Drives the loop until `future` completes and returns its output. Callbacks keep running
    /// meanwhile. From inside a callback this returns [`Error::Reentrancy`] at once. For SDK
    /// operations (whose output is itself a `Result`), [`wait`](Self::wait) saves a `?`.
    pub fn block_on<F: Future>(&self, future: F) -> Result<F::Output> {
        if self.inner.dispatching.get() {
            return Err(Error::Reentrancy);
        }
        struct Flag {
            woken: AtomicBool,
            remote: Arc<Remote>,
        }
        impl Wake for Flag {
            fn wake(self: Arc<Self>) {
                self.woken.store(true, Ordering::SeqCst);
                self.remote.wake.wake();
            }
        }
        let flag = Arc::new(Flag {
            woken: AtomicBool::new(true),
            remote: self.inner.remote.clone(),
        });
        let waker = Waker::from(flag.clone());
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(future);
        loop {
            if flag.woken.swap(false, Ordering::SeqCst)
                && let Poll::Ready(output) = future.as_mut().poll(&mut cx)
            {
                return Ok(output);
            }
            self.dispatch(None)?;
        }
    }

    /// Runs `future` on this (the UI) loop, from a later turn, without blocking: the way to await
    /// SDK operations inside an event handler (where [`block_on`](Self::block_on) would be
    /// re-entrant). The future may hold `!Send` things.
    ///
    /// ```
    /// let event_loop = webpane::EventLoop::new()?;
    /// let quit = event_loop.clone();
    /// event_loop.spawn_local(async move {
    ///     let ready = std::future::ready(42).await;
    ///     assert_eq!(ready, 42);
    ///     quit.quit();
    /// });
    /// event_loop.run()?;
    /// # Ok::<(), webpane::Error>(())
    /// ```
    pub fn spawn_local(&self, future: impl Future<Output = ()> + 'static) {
        let id = NEXT_TASK.fetch_add(1, Ordering::Relaxed);
        TASKS.with(|t| t.borrow_mut().insert(id, Box::pin(future)));
        let proxy = self.proxy();
        self.post_callback(move || poll_task(id, proxy));
    }

    /// An [`Operation`] completed by `future`, which runs on this loop from its next turn on
    /// (whether or not the operation is awaited, like every request the SDK sends at once).
    pub(crate) fn spawn_operation<T: 'static>(
        &self,
        future: impl Future<Output = Result<T>> + 'static,
    ) -> Operation<T> {
        let (resolver, op) = operation();
        self.spawn_local(async move { resolver.resolve(future.await) });
        op
    }

    /// Runs `work` on a new thread, then `on_done` with its result on this (the UI) thread.
    /// Blocking work never runs on the UI thread; `on_done` may hold `!Send` things (a
    /// [`Deferral`](crate::Deferral), a [`WebView`](crate::WebView)). If the loop is gone by then,
    /// the result is dropped on the helper thread.
    ///
    /// ```
    /// let event_loop = webpane::EventLoop::new()?;
    /// let quit = event_loop.clone();
    /// let answer = std::rc::Rc::new(std::cell::Cell::new(0));
    /// let seen = answer.clone();
    /// event_loop.spawn_blocking(|| (1..=10u64).sum::<u64>(), move |sum| {
    ///     seen.set(sum);
    ///     quit.quit();
    /// });
    /// event_loop.run()?;
    /// assert_eq!(answer.get(), 55);
    /// # Ok::<(), webpane::Error>(())
    /// ```
    pub fn spawn_blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
        on_done: impl FnOnce(T) + 'static,
    ) {
        let id = self.next_token();
        let complete: PendingCompletion = Box::new(move |value: Box<dyn std::any::Any>| {
            if let Ok(value) = value.downcast::<T>() {
                on_done(*value);
            }
        });
        PENDING.with(|p| p.borrow_mut().insert(id, complete));
        let proxy = self.proxy();
        std::thread::spawn(move || {
            let value = work();
            // Runs on the UI thread, where `PENDING` holds the completion.
            let _ = proxy.post_as(Run::AsCallback, move || {
                if let Some(complete) = PENDING.with(|p| p.borrow_mut().remove(&id)) {
                    complete(Box::new(value));
                }
            });
        });
    }

    fn next_token(&self) -> u64 {
        let token = self.inner.next_token.get();
        self.inner.next_token.set(token + 1);
        token
    }

    /// Calls `handler` on this thread whenever `fd` is readable (level-triggered). The fd must
    /// stay open until [`remove_source`](Self::remove_source).
    pub(crate) fn add_source(&self, fd: BorrowedFd<'_>, handler: Rc<dyn Fn()>) -> Result<u64> {
        self.add_source_for(fd, epoll::EventFlags::IN, handler)
    }

    /// Calls `handler` whenever `fd` is writable (level-triggered); as [`add_source`](Self::add_source).
    pub(crate) fn add_writable_source(&self, fd: BorrowedFd<'_>, handler: Rc<dyn Fn()>) -> Result<u64> {
        self.add_source_for(fd, epoll::EventFlags::OUT, handler)
    }

    fn add_source_for(&self, fd: BorrowedFd<'_>, flags: epoll::EventFlags, handler: Rc<dyn Fn()>) -> Result<u64> {
        let token = self.next_token();
        epoll::add(&self.inner.epoll, fd, epoll::EventData::new_u64(token), flags)?;
        self.inner.sources.borrow_mut().insert(token, handler);
        Ok(token)
    }

    /// Stops watching a source added with [`add_source`](Self::add_source).
    pub(crate) fn remove_source(&self, token: u64, fd: BorrowedFd<'_>) {
        let _ = epoll::delete(&self.inner.epoll, fd);
        self.inner.sources.borrow_mut().remove(&token);
    }

    fn rearm_timer(&self) {
        let next = self.inner.timers.borrow().iter().map(|(at, _, _)| *at).min();
        let value = match next {
            // A zero it_value disarms the timer: use at least 1 ns.
            Some(at) => {
                let left = at
                    .saturating_duration_since(Instant::now())
                    .max(Duration::from_nanos(1));
                Timespec::try_from(left).unwrap_or(Timespec {
                    tv_sec: i64::MAX,
                    tv_nsec: 0,
                })
            }
            None => Timespec { tv_sec: 0, tv_nsec: 0 },
        };
        let spec = Itimerspec {
            it_interval: Timespec { tv_sec: 0, tv_nsec: 0 },
            it_value: value,
        };
        let _ = rustix::time::timerfd_settime(&self.inner.timer, TimerfdTimerFlags::empty(), &spec);
    }
}

impl AsFd for EventLoop {
    /// One fd that is readable whenever the loop has something to dispatch.
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.inner.epoll.as_fd()
    }
}

impl Drop for LoopInner {
    fn drop(&mut self) {
        // Proxies posting after this get `Closed`; tasks still queued are dropped unrun.
        self.remote.queue.lock().unwrap_or_else(|p| p.into_inner()).take();
    }
}
