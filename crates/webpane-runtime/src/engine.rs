//! The engine's set-up shared by every view: engine arguments (WebKitSettings properties) and the
//! web process extension.

use glib::prelude::*;

use crate::udf::OwnedFolder;

/// The file name of webpane's web process extension.
const WEBEXT_NAME: &str = "libwebpane_webext.so";

/// Where the web process extension is taken from: `$WEBPANE_WEBEXT`, or next to this binary.
pub fn web_extension_source() -> Option<std::path::PathBuf> {
    match std::env::var_os("WEBPANE_WEBEXT") {
        Some(path) => Some(std::path::PathBuf::from(path)),
        None => Some(std::env::current_exe().ok()?.parent()?.join(WEBEXT_NAME)),
    }
}

/// Why the web process extension is not installed.
#[derive(Debug, thiserror::Error)]
pub enum ExtensionError {
    /// The binary's own path is unknown.
    #[error("cannot tell where this binary is")]
    NoSource,
    /// The library is not where it should be.
    #[error("the web process extension is not at {0}")]
    Missing(std::path::PathBuf),
    /// The folder for it could not be made or opened.
    #[error("cannot prepare the extensions folder")]
    Folder(#[source] webpane_ipc::FolderError),
    /// The copy failed.
    #[error("cannot install the web process extension")]
    Copy(#[source] webpane_ipc::FolderError),
}

/// Why WebKit's sandbox cannot work here.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    /// `bwrap` cannot be started.
    #[error("bwrap cannot be run; install bubblewrap")]
    NoBwrap(#[source] std::io::Error),
    /// `bwrap` ran and failed.
    #[error("bwrap cannot make a sandbox here ({status}): {stderr}")]
    Refused {
        /// Its exit status.
        status: std::process::ExitStatus,
        /// What it printed.
        stderr: String,
    },
    /// `xdg-dbus-proxy` is missing.
    #[error("xdg-dbus-proxy is not installed")]
    NoDbusProxy,
}

/// An engine argument that cannot be applied.
#[derive(Debug, thiserror::Error)]
#[error("engine argument {argument:?}: {problem}")]
pub struct EngineArgumentError {
    /// The argument as given.
    pub argument: String,
    /// What is wrong with it.
    pub problem: String,
}

/// Puts the web process extension (`$WEBPANE_WEBEXT`, or next to this binary) into a folder of
/// its own under the user data folder (WebKit loads every library in the folder it is given, and
/// adds it read-only to the sandbox). Without it, frames are not reported and cannot be reached,
/// and shared buffers cannot be delivered. The copy is atomic and checked: a full disk leaves no
/// truncated library for WebKit to load.
pub fn install_extension(folder: &OwnedFolder) -> Result<std::path::PathBuf, ExtensionError> {
    let source = web_extension_source().ok_or(ExtensionError::NoSource)?;
    if !source.is_file() {
        return Err(ExtensionError::Missing(source));
    }
    let webkit = webpane_ipc::Folder::open(folder.webkit_dir(), false).map_err(ExtensionError::Folder)?;
    let dir = webkit.subfolder("extensions").map_err(ExtensionError::Folder)?;
    let dir_folder = webpane_ipc::Folder::open(&dir, false).map_err(ExtensionError::Folder)?;
    dir_folder
        .install_copy(&source, WEBEXT_NAME)
        .map_err(ExtensionError::Copy)?;
    Ok(dir)
}

/// Whether WebKit's web process sandbox can work here: `bwrap` (bubblewrap) and
/// `xdg-dbus-proxy` are on the path, and `bwrap` can make the namespaces WebKit asks for (it
/// cannot where user namespaces are off). WebKit itself would only fail once a page loads.
pub fn sandbox_works() -> Result<(), SandboxError> {
    let probe = std::process::Command::new("bwrap")
        .args(["--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .output();
    match probe {
        Err(e) => Err(SandboxError::NoBwrap(e)),
        Ok(out) if !out.status.success() => Err(SandboxError::Refused {
            status: out.status,
            stderr: String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        }),
        Ok(_) if !on_path("xdg-dbus-proxy") => Err(SandboxError::NoDbusProxy),
        Ok(_) => Ok(()),
    }
}

/// Whether `program` is an executable file in a folder of `$PATH`.
pub fn on_path(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            std::fs::metadata(dir.join(program)).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    })
}

/// Applies engine arguments (`name=value`, a WebKitSettings property) to `settings`.
pub fn apply_engine_arguments(settings: &webkit2gtk::Settings, args: &[String]) -> Result<(), EngineArgumentError> {
    for arg in args {
        let refuse = |problem: String| EngineArgumentError {
            argument: arg.clone(),
            problem,
        };
        let (name, value) = arg
            .split_once('=')
            .ok_or_else(|| refuse("it is not name=value".into()))?;
        if name.contains('\0') || value.contains('\0') {
            return Err(refuse("it contains a NUL character".into()));
        }
        let spec = settings
            .find_property(name)
            .ok_or_else(|| refuse(format!("WebKitSettings has no property {name:?}")))?;
        // set_property_* panics on properties it cannot set: check first.
        let flags = spec.flags();
        if !flags.contains(glib::ParamFlags::WRITABLE) || flags.contains(glib::ParamFlags::CONSTRUCT_ONLY) {
            return Err(refuse(format!("{name:?} cannot be set")));
        }
        let bad = || refuse(format!("{value:?} is not a valid {}", spec.value_type()));
        let value: glib::Value = match spec.value_type() {
            t if t == glib::Type::BOOL => value.parse::<bool>().map_err(|_| bad())?.into(),
            t if t == glib::Type::U32 => value.parse::<u32>().map_err(|_| bad())?.into(),
            t if t == glib::Type::I32 => value.parse::<i32>().map_err(|_| bad())?.into(),
            t if t == glib::Type::STRING => value.into(),
            _ => {
                return Err(refuse(format!(
                    "properties of type {} are not supported",
                    spec.value_type()
                )));
            }
        };
        settings.set_property_from_value(name, &value);
    }
    Ok(())
}

/// Applies WebKit's hardware acceleration policy to a view.
pub fn set_hardware_acceleration(view: &webkit2gtk::WebView, policy: webpane_ipc::protocol::HardwareAcceleration) {
    use webkit2gtk::{HardwareAccelerationPolicy as P, SettingsExt, WebViewExt};
    use webpane_ipc::protocol::HardwareAcceleration as H;
    if let Some(settings) = WebViewExt::settings(view) {
        settings.set_hardware_acceleration_policy(match policy {
            H::OnDemand => P::OnDemand,
            H::Always => P::Always,
            H::Never => P::Never,
        });
    }
}

/// What GTK's default display is: `Wayland`, `X11`, or the GDK type's name.
pub fn display_kind() -> String {
    use glib::prelude::ObjectExt;
    match gtk::gdk::Display::default() {
        None => "without a display".into(),
        Some(display) => match display.type_().name() {
            "GdkWaylandDisplay" => "Wayland".into(),
            "GdkX11Display" => "X11".into(),
            other => other.to_owned(),
        },
    }
}

/// Whether GTK's default display is an X11 one.
pub fn on_x11() -> bool {
    display_kind() == "X11"
}
