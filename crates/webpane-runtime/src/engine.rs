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

/// Puts the web process extension (`$WEBPANE_WEBEXT`, or next to this binary) into a folder of
/// its own under the user data folder (WebKit loads every library in the folder it is given, and
/// adds it read-only to the sandbox). Without it, frames are not reported and cannot be reached,
/// and shared buffers cannot be delivered. The copy is atomic and checked: a full disk leaves no
/// truncated library for WebKit to load.
pub fn install_extension(folder: &OwnedFolder) -> Result<std::path::PathBuf, String> {
    let source = web_extension_source().ok_or("cannot tell where this binary is")?;
    if !source.is_file() {
        return Err(format!("the web process extension is not at {}", source.display()));
    }
    let webkit = webpane_ipc::Folder::open(folder.webkit_dir(), false).map_err(|e| e.to_string())?;
    let dir = webkit.subfolder("extensions").map_err(|e| e.to_string())?;
    let dir_folder = webpane_ipc::Folder::open(&dir, false).map_err(|e| e.to_string())?;
    dir_folder
        .install_copy(&source, WEBEXT_NAME)
        .map_err(|e| format!("cannot install the web process extension: {e}"))?;
    Ok(dir)
}

/// Whether WebKit's web process sandbox can work here: `bwrap` (bubblewrap) and
/// `xdg-dbus-proxy` are on the path, and `bwrap` can make the namespaces WebKit asks for (it
/// cannot where user namespaces are off). WebKit itself would only fail once a page loads.
pub fn sandbox_works() -> Result<(), String> {
    let probe = std::process::Command::new("bwrap")
        .args(["--ro-bind", "/", "/", "--unshare-all", "--die-with-parent", "true"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .output();
    match probe {
        Err(e) => Err(format!("bwrap cannot be run ({e}); install bubblewrap")),
        Ok(out) if !out.status.success() => Err(format!(
            "bwrap cannot make a sandbox here ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Ok(_) if !on_path("xdg-dbus-proxy") => Err("xdg-dbus-proxy is not installed".into()),
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
pub fn apply_engine_arguments(settings: &webkit2gtk::Settings, args: &[String]) -> Result<(), String> {
    for arg in args {
        let (name, value) = arg
            .split_once('=')
            .ok_or_else(|| format!("engine argument {arg:?} is not name=value"))?;
        if name.contains('\0') || value.contains('\0') {
            return Err(format!("engine argument {arg:?} contains a NUL character"));
        }
        let spec = settings
            .find_property(name)
            .ok_or_else(|| format!("engine argument {arg:?}: WebKitSettings has no property {name:?}"))?;
        // set_property_* panics on properties it cannot set: check first.
        let flags = spec.flags();
        if !flags.contains(glib::ParamFlags::WRITABLE) || flags.contains(glib::ParamFlags::CONSTRUCT_ONLY) {
            return Err(format!("engine argument {arg:?}: {name:?} cannot be set"));
        }
        let bad = || {
            format!(
                "engine argument {arg:?}: {value:?} is not a valid {}",
                spec.value_type()
            )
        };
        let value: glib::Value = match spec.value_type() {
            t if t == glib::Type::BOOL => value.parse::<bool>().map_err(|_| bad())?.into(),
            t if t == glib::Type::U32 => value.parse::<u32>().map_err(|_| bad())?.into(),
            t if t == glib::Type::I32 => value.parse::<i32>().map_err(|_| bad())?.into(),
            t if t == glib::Type::STRING => value.into(),
            _ => {
                return Err(format!(
                    "engine argument {arg:?}: properties of type {} are not supported",
                    spec.value_type()
                ));
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
