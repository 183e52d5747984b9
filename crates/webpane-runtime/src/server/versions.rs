//! New versions: the runtime binary, the WebKitGTK library, or a newer install beside this one.

use std::rc::Rc;

use gio::prelude::*;

use super::state::*;

impl Server {
    /// Watches the files this browser process runs from: its binary and the WebKitGTK library it
    /// loaded. When either is replaced on disk, apps hear of it (the next runtime uses the new one).
    pub(super) fn watch_for_new_versions(self: &Rc<Self>) {
        let mut paths: Vec<std::path::PathBuf> = std::fs::read_link("/proc/self/exe").into_iter().collect();
        if let Ok(maps) = std::fs::read_to_string("/proc/self/maps")
            && let Some(lib) = maps
                .lines()
                .filter_map(|l| l.split_whitespace().nth(5))
                .find(|p| p.contains("libwebkit2gtk-4.1.so"))
        {
            paths.push(lib.into());
        }
        for path in paths {
            let file = gio::File::for_path(&path);
            let monitor = match file.monitor_file(gio::FileMonitorFlags::NONE, None::<&gio::Cancellable>) {
                Ok(m) => m,
                Err(e) => {
                    log::warn!("cannot watch {}: {e}", path.display());
                    continue;
                }
            };
            let weak = Rc::downgrade(self);
            monitor.connect_changed(move |_, _, _, event| {
                use gio::FileMonitorEvent as E;
                if matches!(
                    event,
                    E::Created | E::Deleted | E::ChangesDoneHint | E::MovedIn | E::Renamed
                ) && let Some(server) = weak.upgrade()
                {
                    server.new_version_available();
                }
            });
            self.monitors.borrow_mut().push(monitor);
        }
        self.watch_install_folder();
    }

    /// A runtime installed in a versioned layout (`<install>/<version>/webpane-runtime`): a newer
    /// version folder appearing beside its own (a package installed while apps run) is a new
    /// version too.
    fn watch_install_folder(self: &Rc<Self>) {
        let Ok(exe) = std::fs::read_link("/proc/self/exe") else {
            return;
        };
        let Some(ours) = exe
            .parent()
            .and_then(|d| d.file_name())
            .and_then(|n| n.to_str())
            .and_then(|n| semver::Version::parse(n).ok())
        else {
            return;
        };
        let Some(install) = exe.parent().and_then(|d| d.parent()) else {
            return;
        };
        let monitor = match gio::File::for_path(install)
            .monitor_directory(gio::FileMonitorFlags::WATCH_MOVES, None::<&gio::Cancellable>)
        {
            Ok(m) => m,
            Err(e) => {
                log::warn!("cannot watch {}: {e}", install.display());
                return;
            }
        };
        log::debug!("watching {} for versions newer than {ours}", install.display());
        let weak = Rc::downgrade(self);
        monitor.connect_changed(move |_, file, other, event| {
            use gio::FileMonitorEvent as E;
            let named = match event {
                E::Created | E::MovedIn => Some(file),
                E::Renamed => other,
                _ => None,
            };
            let newer = named
                .and_then(|f| f.basename())
                .and_then(|n| n.to_str().and_then(|n| semver::Version::parse(n).ok()))
                .is_some_and(|v| v > ours);
            if newer && let Some(server) = weak.upgrade() {
                server.new_version_available();
            }
        });
        self.monitors.borrow_mut().push(monitor);
    }
}
