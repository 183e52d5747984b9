//! `webpane-runtime`: the browser process of webpane.
//!
//! Started by the `webpane` SDK (not by hand) for one user data folder; serves every app that
//! uses that folder. See `udf.rs` for the folder's layout and `server.rs` for the main loop.
//!
//! Exit codes: 0 after a normal shutdown, 3 when another runtime already owns the folder, 4 for
//! engine arguments that are not `name=value` WebKitSettings properties, 1 on any other start-up
//! failure.

mod children;
mod downloads;
mod ffi;
mod output;
mod page_messages;
mod profile;
mod schemes;
mod server;
mod udf;
mod view;
mod watchdog;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use webpane_ipc::protocol::{CustomScheme, RuntimeOptions};

/// Exit code when another runtime already owns the user data folder.
const EXIT_ALREADY_OWNED: u8 = 3;
/// Exit code for engine arguments that are not WebKitSettings properties.
const EXIT_BAD_ARGUMENTS: u8 = 4;

/// webpane's browser process (started by the webpane SDK).
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// The user data folder this runtime owns.
    #[arg(long, required_unless_present = "doctor")]
    user_data_folder: Option<PathBuf>,
    /// Print what this runtime would run with (WebKitGTK version, display, sandbox, web process
    /// extension) as JSON, and exit; used by `webpane doctor`.
    #[arg(long)]
    doctor: bool,
    /// Engine arguments: `name=value` WebKitSettings properties (e.g. `enable-developer-extras=true`);
    /// must match between apps sharing the runtime.
    #[arg(long = "engine-arg", allow_hyphen_values = true)]
    additional_arguments: Vec<String>,
    /// UI language, such as en-US.
    #[arg(long)]
    language: Option<String>,
    /// A custom URI scheme to serve through apps, as JSON (`{"name":"app","allowed_origins":[],
    /// "treat_as_secure":true}`); repeatable. Must match between apps sharing the runtime.
    #[arg(long = "custom-scheme")]
    custom_schemes: Vec<String>,
    /// Run web processes in WebKit's sandbox (bubblewrap).
    #[arg(long)]
    sandbox: bool,
    /// Milliseconds to stay after the last webview closed.
    #[arg(long, default_value_t = server::DEFAULT_GRACE.as_millis() as u64)]
    grace_ms: u64,
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
    if args.doctor {
        println!("{}", doctor());
        return ExitCode::SUCCESS;
    }
    raise_fd_limit();
    let Some(user_data_folder) = &args.user_data_folder else {
        eprintln!("webpane-runtime: --user-data-folder is required");
        return ExitCode::FAILURE;
    };
    let folder = match udf::OwnedFolder::acquire(user_data_folder) {
        Ok(folder) => folder,
        Err(udf::UdfError::AlreadyOwned(path)) => {
            // Expected when several apps start at once: the others connect to the winner.
            log::info!("{} is owned by another runtime", path.display());
            return ExitCode::from(EXIT_ALREADY_OWNED);
        }
        Err(e) => {
            eprintln!("webpane-runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = gtk::init() {
        eprintln!("webpane-runtime: cannot initialise GTK (is there a display?): {e}");
        return ExitCode::FAILURE;
    }
    // Engine arguments are WebKitSettings properties: refuse unknown or malformed ones up front.
    if let Err(e) = server::apply_engine_arguments(&webkit2gtk::Settings::new(), &args.additional_arguments) {
        eprintln!("webpane-runtime: {e}");
        return ExitCode::from(EXIT_BAD_ARGUMENTS);
    }
    let mut custom_schemes = Vec::new();
    for json in &args.custom_schemes {
        let scheme: CustomScheme = match serde_json::from_str(json) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("webpane-runtime: --custom-scheme {json:?}: {e}");
                return ExitCode::from(EXIT_BAD_ARGUMENTS);
            }
        };
        if let Err(e) = scheme.validate() {
            eprintln!("webpane-runtime: --custom-scheme: {e}");
            return ExitCode::from(EXIT_BAD_ARGUMENTS);
        }
        custom_schemes.push(scheme);
    }
    let options = RuntimeOptions {
        additional_arguments: args.additional_arguments,
        language: args.language,
        custom_schemes,
        sandbox: args.sandbox,
    };
    let server = server::Server::start(folder, options, Duration::from_millis(args.grace_ms));
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
    ExitCode::SUCCESS
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

/// What `webpane doctor` wants to know about this runtime, as JSON.
fn doctor() -> String {
    let display = match gtk::init() {
        Ok(()) => Ok(gtk::gdk::Display::default()
            .map(|d| d.name().to_string())
            .unwrap_or_default()),
        Err(e) => Err(e.to_string()),
    };
    let webext = server::web_extension_source();
    let on_path = |tool: &str| {
        std::env::var_os("PATH")
            .map(|p| std::env::split_paths(&p).any(|d| d.join(tool).is_file()))
            .unwrap_or(false)
    };
    serde_json::json!({
        "runtime": std::env::current_exe().ok(),
        "runtime_version": env!("CARGO_PKG_VERSION"),
        "webkitgtk": ffi::webkit_version(),
        "display": display.as_ref().ok(),
        "display_error": display.as_ref().err(),
        "web_extension": webext.as_ref().filter(|p| p.is_file()),
        "sandbox_tools": { "bwrap": on_path("bwrap"), "xdg-dbus-proxy": on_path("xdg-dbus-proxy") },
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
