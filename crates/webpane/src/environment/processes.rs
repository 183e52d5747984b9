//! The browser process and its children, with their kinds (WebView2's `GetProcessInfos` and
//! `ProcessInfosChanged`).

use std::marker::PhantomData;
use std::rc::Rc;

use crate::objects::Environment;

/// What a process of the browser does (WebView2's `CoreWebView2ProcessKind`, as WebKit has them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProcessKind {
    /// The browser process (`webpane-runtime`).
    Browser,
    /// A web (render) process: pages and their scripts.
    Renderer,
    /// WebKit's network process (and other helpers).
    Utility,
    /// WebKit's GPU process.
    Gpu,
    /// The sandbox's helpers (`bwrap`, `xdg-dbus-proxy`).
    SandboxHelper,
}

/// One process (WebView2's `CoreWebView2ProcessInfo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcessInfo {
    /// Its pid.
    #[doc(alias = "ProcessId")]
    pub process_id: u32,
    /// What it does.
    #[doc(alias = "Kind")]
    pub kind: ProcessKind,
}

/// Arguments of [`Environment::on_process_infos_changed`].
#[derive(Debug, Clone)]
pub struct ProcessInfosChangedEventArgs {
    pub(crate) _ui_thread: PhantomData<Rc<()>>,
}

/// The kind of a child of the browser process, from its name.
fn kind_of(pid: u32) -> ProcessKind {
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    let comm = comm.trim();
    if comm.starts_with("WebKitWebProces") {
        ProcessKind::Renderer
    } else if comm.starts_with("WebKitGPUProces") {
        ProcessKind::Gpu
    } else if comm == "bwrap" || comm.starts_with("xdg-dbus-proxy") {
        ProcessKind::SandboxHelper
    } else {
        ProcessKind::Utility
    }
}

impl Environment {
    /// The browser process and every child of it now, with their kinds (empty before the
    /// browser process is connected, or after it exited).
    #[doc(alias = "GetProcessInfos")]
    pub fn process_infos(&self) -> Vec<ProcessInfo> {
        let Some(session) = self.inner.session.borrow().clone() else {
            return Vec::new();
        };
        let mut infos = vec![ProcessInfo {
            process_id: session.pid,
            kind: ProcessKind::Browser,
        }];
        infos.extend(session.child_pids.borrow().iter().map(|pid| ProcessInfo {
            process_id: *pid,
            kind: kind_of(*pid),
        }));
        infos
    }

    pub(crate) fn raise_process_infos_changed(&self) {
        let args = ProcessInfosChangedEventArgs {
            _ui_thread: PhantomData,
        };
        self.inner.events.raise(self, &args);
    }

    crate::handlers::event_methods! { Environment {
        /// the browser process's children changed (a render process started or exited, …).
        on_process_infos_changed, remove_process_infos_changed, ProcessInfosChangedEventArgs, "add_ProcessInfosChanged", "remove_ProcessInfosChanged";
    }}
}
