//! `webpane-runtime`: the browser process of webpane.
//!
//! Started by the `webpane` SDK (not by hand) for one user data folder; serves every app that
//! uses that folder. See `udf.rs` for the folder's layout and `server/` for the main loop.
//!
//! Its flags and exit codes are `webpane_ipc::contract`'s ([`RuntimeCommand`], [`RuntimeExit`]):
//! 0 after a normal shutdown, 3 when another runtime already owns the folder, 4 for engine
//! arguments that are not `name=value` WebKitSettings properties (or a bad custom scheme), 1 on
//! any other start-up failure.
// `unsafe` lives in `ffi` and `pixels` only (ARCHITECTURE.md, "Where `unsafe` lives").
#![deny(unsafe_code)]

mod children;
mod color_scheme;
mod downloads;
mod engine;
mod error;
#[allow(unsafe_code)]
mod ffi;
mod host;
mod output;
mod page_messages;
mod permissions;
#[allow(unsafe_code)]
mod pixels;
mod print;
mod profile;
mod proxy;
mod region;
mod resources;

mod server;
mod udf;
mod view;
mod watchdog;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use webpane_ipc::contract::{DisplayFlags, RuntimeCommand, RuntimeExit, flag};
use webpane_ipc::protocol::DisplayBackend;

/// webpane's browser process (started by the webpane SDK).
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// The user data folder this runtime owns.
    #[arg(long = flag::USER_DATA_FOLDER, required_unless_present = flag::DOCTOR)]
    user_data_folder: Option<PathBuf>,
    /// Print what this runtime would run with (WebKitGTK version, display, sandbox, web process
    /// extension) as JSON, and exit; used by `webpane doctor`.
    #[arg(long = flag::DOCTOR)]
    doctor: bool,
    /// Engine arguments: `name=value` WebKitSettings properties (e.g. `enable-developer-extras=true`);
    /// must match between apps sharing the runtime.
    #[arg(long = flag::ENGINE_ARG, allow_hyphen_values = true)]
    additional_arguments: Vec<String>,
    /// UI language, such as en-US.
    #[arg(long = flag::LANGUAGE)]
    language: Option<String>,
    /// A custom URI scheme to serve through apps, as JSON (`{"name":"app","allowed_origins":[],
    /// "treat_as_secure":true}`); repeatable. Must match between apps sharing the runtime.
    #[arg(long = flag::CUSTOM_SCHEME)]
    custom_schemes: Vec<String>,
    /// Run web processes without WebKit's sandbox (bubblewrap), which is on otherwise.
    #[arg(long = flag::NO_SANDBOX)]
    no_sandbox: bool,
    /// Keep cookies, storage and caches in memory only.
    #[arg(long = flag::IN_PRIVATE)]
    in_private: bool,
    /// The proxy every connection goes through (read from the environment when not given: the
    /// SDK passes it there, since a command line is readable by every local user).
    #[arg(long = flag::PROXY, env = webpane_ipc::contract::PROXY_ENV, hide_env_values = true)]
    proxy: Option<String>,
    /// Serve WebKit's remote inspector over HTTP on this loopback port (the app that starts
    /// the runtime sets WEBKIT_INSPECTOR_HTTP_SERVER for WebKit).
    #[arg(long = flag::REMOTE_INSPECTOR_PORT)]
    remote_inspector_port: Option<u16>,
    /// Milliseconds to stay after the last webview closed.
    #[arg(long = flag::GRACE_MS)]
    grace_ms: Option<u64>,
    /// The display server of this runtime's windows: auto (GTK's choice), wayland, or x11
    /// (XWayland on a Wayland desktop; embedding by X11 window id needs it).
    #[arg(long = flag::DISPLAY_BACKEND)]
    display_backend: Option<String>,
    /// WebKit's hardware acceleration policy: on-demand, always, never.
    #[arg(long = flag::HARDWARE_ACCELERATION)]
    hardware_acceleration: Option<String>,
    /// Turn WebKit's DMA-BUF renderer off (blank windows, "Error 71" on some systems).
    #[arg(long = flag::DISABLE_DMABUF_RENDERER)]
    disable_dmabuf_renderer: bool,
}

impl Args {
    fn display_flags(&self) -> DisplayFlags {
        DisplayFlags {
            display_backend: self.display_backend.clone(),
            hardware_acceleration: self.hardware_acceleration.clone(),
            disable_dmabuf_renderer: self.disable_dmabuf_renderer,
        }
    }
}

fn main() -> ExitCode {
    if std::env::var_os("RUST_LOG").is_some() || std::env::var_os("WEBPANE_LOG").is_some() {
        let debug = std::env::var("WEBPANE_LOG").is_ok_and(|v| v == "debug");
        log::set_max_level(if debug {
            log::LevelFilter::Debug
        } else {
            log::LevelFilter::Info
        });
        let _ = log::set_logger(&StderrLogger);
    }
    let args = Args::parse();
    // Read: out of the environment before any thread or child process exists.
    ffi::remove_env_before_threads(webpane_ipc::contract::PROXY_ENV);
    if args.doctor {
        if let Some(backend) = args.display_backend.as_deref().and_then(DisplayBackend::parse)
            && backend != DisplayBackend::Auto
        {
            ffi::set_env_before_threads("GDK_BACKEND", backend.as_str());
        }
        println!("{}", doctor());
        return exit(RuntimeExit::Normal);
    }
    raise_fd_limit();
    let Some(user_data_folder) = args.user_data_folder.clone() else {
        eprintln!("webpane-runtime: --{} is required", flag::USER_DATA_FOLDER);
        return exit(RuntimeExit::Failed);
    };
    let display = args.display_flags();
    let command = match RuntimeCommand::from_flags(
        user_data_folder,
        args.additional_arguments,
        args.language,
        &args.custom_schemes,
        !args.no_sandbox,
        args.in_private,
        args.proxy,
        args.remote_inspector_port,
        args.grace_ms,
        display,
    ) {
        Ok(command) => command,
        Err(e) => {
            eprintln!("webpane-runtime: {e}");
            return exit(RuntimeExit::BadArguments);
        }
    };
    // Read by GTK and WebKit when they start: set before either does, while this is the only
    // thread.
    match command.options.display_backend {
        DisplayBackend::Auto => {}
        backend => ffi::set_env_before_threads("GDK_BACKEND", backend.as_str()),
    }
    if command.options.disable_dmabuf_renderer {
        ffi::set_env_before_threads("WEBKIT_DISABLE_DMABUF_RENDERER", "1");
    }
    if command.options.sandbox
        && let Err(why) = engine::sandbox_works()
    {
        let why = error::reason(&why);
        eprintln!(
            "webpane-runtime: the web process sandbox cannot work: {why}. Install bubblewrap and xdg-dbus-proxy, or run without it (--{}; EnvironmentBuilder::sandbox(false))",
            flag::NO_SANDBOX
        );
        return exit(RuntimeExit::SandboxUnavailable);
    }
    // Absolute: WebKit is handed folders inside it (the extensions' one is bound into each
    // sandboxed web process by its path, which a relative one would not name there).
    let user_data_folder = std::path::absolute(&command.user_data_folder).unwrap_or(command.user_data_folder.clone());
    let folder = match udf::OwnedFolder::acquire(&user_data_folder) {
        Ok(folder) => folder,
        Err(udf::UdfError::AlreadyOwned(path)) => {
            // Expected when several apps start at once: the others connect to the winner.
            log::info!("{} is owned by another runtime", path.display());
            return exit(RuntimeExit::AlreadyOwned);
        }
        Err(e) => {
            eprintln!("webpane-runtime: {e}");
            return exit(RuntimeExit::Failed);
        }
    };
    if let Some(port) = command.options.remote_inspector_port {
        let wanted = format!("127.0.0.1:{port}");
        if std::env::var("WEBKIT_INSPECTOR_HTTP_SERVER").ok().as_deref() != Some(wanted.as_str()) {
            log::warn!(
                "the remote inspector needs WEBKIT_INSPECTOR_HTTP_SERVER={wanted} (the SDK sets it when it starts the runtime)"
            );
        }
    }
    if let Err(e) = gtk::init() {
        eprintln!("webpane-runtime: cannot initialise GTK (is there a display?): {e}");
        return exit(RuntimeExit::Failed);
    }
    // Engine arguments are WebKitSettings properties: refuse unknown or malformed ones up front.
    if let Err(e) = engine::apply_engine_arguments(&webkit2gtk::Settings::new(), &command.options.additional_arguments)
    {
        eprintln!("webpane-runtime: {e}");
        return exit(RuntimeExit::BadArguments);
    }
    let grace = command.grace.unwrap_or(server::DEFAULT_GRACE);
    let server = server::Server::start(folder, command.options, grace);
    gtk::main();

    // Shut down in an order apps can rely on: views gone, children reaped, lock released, and
    // only then the connections closed (when this process exits).
    let (folder, connections) = server.tear_down();
    drop(server);
    while gtk::events_pending() {
        gtk::main_iteration_do(false);
    }
    let reaped = children::terminate_and_reap(Duration::from_secs(5));
    log::info!("reaped {reaped} child processes");
    if let Some(folder) = folder {
        folder.release();
    }
    drop(connections);
    exit(RuntimeExit::Normal)
}

fn exit(how: RuntimeExit) -> ExitCode {
    ExitCode::from(how.code())
}

/// Raises the soft limit on open files to the hard one: every app connection, shared buffer in
/// transit and WebKit child costs descriptors, and a busy browser process should not run out at
/// the usual soft limit of 1,024 while the system allows more.
fn raise_fd_limit() {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current < limit.maximum {
        let raised = rustix::process::Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        if let Err(e) = setrlimit(Resource::Nofile, raised) {
            log::warn!("cannot raise the open-file limit: {e}");
        }
    }
}

/// The GPU render nodes this process may open (`/dev/dri/renderD*`): none means software
/// rendering.
fn render_nodes() -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/dev/dri") else {
        return Vec::new();
    };
    let mut nodes: Vec<String> = entries
        .map_while(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("renderD"))
        })
        .filter(|p| rustix::fs::access(p, rustix::fs::Access::READ_OK | rustix::fs::Access::WRITE_OK).is_ok())
        .map(|p| p.display().to_string())
        .collect();
    nodes.sort();
    nodes
}

/// The WebKitGTK versions this runtime works with: it links nothing newer than 2.40's API
/// (webkit2gtk-rs `v2_40`) and looks newer calls up when used (listing every cookie: 2.42).
const SUPPORTED_WEBKITGTK: &str = "2.40 or newer (tested with 2.50)";

/// What `webpane doctor` wants to know about this runtime, as JSON.
fn doctor() -> String {
    let display = match gtk::init() {
        Ok(()) => Ok(gtk::gdk::Display::default()
            .map(|d| d.name().to_string())
            .unwrap_or_default()),
        Err(e) => Err(e.to_string()),
    };
    let webext = engine::web_extension_source();
    let on_path = engine::on_path;
    serde_json::json!({
        "runtime": std::env::current_exe().ok(),
        "runtime_version": env!("CARGO_PKG_VERSION"),
        "webkitgtk": ffi::webkit_version(),
        "webkitgtk_supported": SUPPORTED_WEBKITGTK,
        "list_all_cookies": ffi::can_list_all_cookies(),
        "display": display.as_ref().ok(),
        "display_backend": display.as_ref().ok().map(|_| engine::display_kind()),
        "session_type": std::env::var("XDG_SESSION_TYPE").ok(),
        "wayland_display": std::env::var("WAYLAND_DISPLAY").ok(),
        "x11_display": std::env::var("DISPLAY").ok(),
        "gdk_backend": std::env::var("GDK_BACKEND").ok(),
        "gpu_render_nodes": render_nodes(),
        "dmabuf_renderer": std::env::var_os("WEBKIT_DISABLE_DMABUF_RENDERER").is_none(),
        "display_error": display.as_ref().err(),
        "web_extension": webext.as_ref().filter(|p| p.is_file()),
        "sandbox_tools": { "bwrap": on_path("bwrap"), "xdg-dbus-proxy": on_path("xdg-dbus-proxy") },
        "sandbox_works": engine::sandbox_works().err().map_or(serde_json::json!(true), |e| error::reason(&e).into()),
        "protocol_version": webpane_ipc::PROTOCOL_VERSION,
    })
    .to_string()
}

struct StderrLogger;

impl log::Log for StderrLogger {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        eprintln!("webpane-runtime[{}]: {}", std::process::id(), record.args());
    }
    fn flush(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use webpane_ipc::protocol::{CustomScheme, RuntimeOptions};

    fn parsed(command: &RuntimeCommand) -> RuntimeCommand {
        let mut argv = vec![std::ffi::OsString::from("webpane-runtime")];
        assert!(
            !command.args().iter().any(|a| a.to_string_lossy().contains("proxy")),
            "the proxy is never on the command line"
        );
        argv.extend(command.args());
        // What the runtime would read from its environment.
        for (name, value) in command.env() {
            assert_eq!(name, webpane_ipc::contract::PROXY_ENV);
            let mut arg = std::ffi::OsString::from("--proxy=");
            arg.push(value);
            argv.push(arg);
        }
        let args = Args::try_parse_from(argv).expect("the runtime parses what the SDK builds");
        let display = args.display_flags();
        RuntimeCommand::from_flags(
            args.user_data_folder.expect("a folder"),
            args.additional_arguments,
            args.language,
            &args.custom_schemes,
            !args.no_sandbox,
            args.in_private,
            args.proxy,
            args.remote_inspector_port,
            args.grace_ms,
            display,
        )
        .expect("valid")
    }

    #[test]
    fn the_command_an_app_builds_is_the_command_the_runtime_reads() {
        let plain = RuntimeCommand {
            user_data_folder: "/tmp/a folder with spaces".into(),
            options: RuntimeOptions::default(),
            grace: None,
        };
        assert_eq!(parsed(&plain), plain);
        let full = RuntimeCommand {
            user_data_folder: "-looks-like-a-flag/--sandbox".into(),
            options: RuntimeOptions {
                additional_arguments: vec!["enable-developer-extras=true".into(), "--looks-like-a-flag=1".into()],
                language: Some("-x".into()),
                custom_schemes: vec![CustomScheme {
                    name: "app".into(),
                    allowed_origins: vec!["https://*.example.com".into(), "null".into()],
                    treat_as_secure: true,
                }],
                sandbox: false,
                in_private: true,
                proxy: Some("http://u:p@proxy.test:3128".into()),
                remote_inspector_port: Some(9222),
                display_backend: webpane_ipc::protocol::DisplayBackend::X11,
                hardware_acceleration: Some(webpane_ipc::protocol::HardwareAcceleration::Never),
                disable_dmabuf_renderer: true,
            },
            grace: Some(Duration::from_millis(1500)),
        };
        assert_eq!(parsed(&full), full);
    }
}
