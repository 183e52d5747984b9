//! Permissions decided per origin (WebView2's `SetPermissionStateAsync`), kept with the profile:
//! a JSON file in the user data folder (in memory only in private). A page asking for one of
//! them is answered from here; the app is not asked again.

use std::cell::RefCell;
use std::collections::BTreeMap;

use webpane_ipc::Folder;

use webpane_ipc::protocol::{PermissionKind, PermissionSetting};

/// The file they are kept in, in the profile's folder.
const FILE: &str = "permissions.json";

/// Why a permission decision could not be kept.
#[derive(Debug, thiserror::Error)]
pub enum PermissionsError {
    /// The decisions could not be written as JSON.
    #[error("cannot encode the permissions")]
    Encode(#[source] serde_json::Error),
    /// The file could not be written.
    #[error("cannot keep the permissions")]
    Keep(#[source] webpane_ipc::FolderError),
}

/// The profile's decided permissions.
#[derive(Default)]
pub struct Permissions {
    /// The folder they are kept in (`None`: in memory only). The file is read and written by the
    /// folder's rules: never through a link, never a FIFO or a device, replaced atomically.
    folder: Option<Folder>,
    decided: RefCell<BTreeMap<(String, PermissionKind), bool>>,
}

impl Permissions {
    /// The permissions kept in `folder` (none yet if there is no file; one that is not a
    /// regular file, or not JSON, is said in the log and taken as none).
    pub fn load(folder: Option<Folder>) -> Permissions {
        let bytes = folder.as_ref().and_then(|f| match f.read_file(FILE) {
            Ok(bytes) => bytes,
            Err(e) => {
                log::warn!("the permissions are not read: {e}");
                None
            }
        });
        let decided = bytes
            .and_then(|bytes| serde_json::from_slice::<Vec<PermissionSetting>>(&bytes).ok())
            .unwrap_or_default()
            .into_iter()
            .map(|s| ((s.origin, s.kind), s.allow))
            .collect();
        Permissions {
            folder,
            decided: RefCell::new(decided),
        }
    }

    /// The decision for `origin` and `kind`, if there is one.
    pub fn get(&self, origin: &str, kind: PermissionKind) -> Option<bool> {
        self.decided.borrow().get(&(origin.to_owned(), kind)).copied()
    }

    /// Decides (or, `None`, forgets) a permission; kept at once.
    pub fn set(&self, origin: &str, kind: PermissionKind, allow: Option<bool>) -> Result<(), PermissionsError> {
        {
            let mut decided = self.decided.borrow_mut();
            match allow {
                Some(allow) => decided.insert((origin.to_owned(), kind), allow),
                None => decided.remove(&(origin.to_owned(), kind)),
            };
        }
        self.save()
    }

    /// Forgets every decision.
    pub fn clear(&self) -> Result<(), PermissionsError> {
        self.decided.borrow_mut().clear();
        self.save()
    }

    /// Every decision.
    pub fn list(&self) -> Vec<PermissionSetting> {
        self.decided
            .borrow()
            .iter()
            .map(|((origin, kind), allow)| PermissionSetting {
                kind: *kind,
                origin: origin.clone(),
                allow: *allow,
            })
            .collect()
    }

    fn save(&self) -> Result<(), PermissionsError> {
        let Some(folder) = &self.folder else { return Ok(()) };
        let json = serde_json::to_vec(&self.list()).map_err(PermissionsError::Encode)?;
        // Whole or not at all, and never through a planted link.
        folder.write_atomic(FILE, &json).map_err(PermissionsError::Keep)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_are_kept_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let folder = || Some(Folder::open(dir.path(), false).unwrap());
        let kept = Permissions::load(folder());
        kept.set("https://a.example", PermissionKind::Camera, Some(true))
            .unwrap();
        kept.set("https://b.example", PermissionKind::Geolocation, Some(false))
            .unwrap();
        let again = Permissions::load(folder());
        assert_eq!(again.get("https://a.example", PermissionKind::Camera), Some(true));
        assert_eq!(again.get("https://b.example", PermissionKind::Geolocation), Some(false));
        assert_eq!(again.get("https://a.example", PermissionKind::Microphone), None);
        again.set("https://a.example", PermissionKind::Camera, None).unwrap();
        assert_eq!(Permissions::load(folder()).list().len(), 1);
        again.clear().unwrap();
        assert!(Permissions::load(folder()).list().is_empty());
    }
}

#[cfg(test)]
mod folder_rules {
    use super::*;

    /// A FIFO at the file's name is not opened for reading (which would wait for a writer
    /// forever), and links planted at the file's or the temporary file's name are never
    /// written through.
    #[test]
    fn a_fifo_or_a_planted_link_is_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let folder = || Some(Folder::open(dir.path(), false).unwrap());
        rustix::fs::mknodat(
            rustix::fs::CWD,
            dir.path().join(FILE),
            rustix::fs::FileType::Fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
            0,
        )
        .unwrap();
        let (done, finished) = std::sync::mpsc::channel();
        let f = folder();
        std::thread::spawn(move || done.send(Permissions::load(f).list().len()).unwrap());
        let read = finished.recv_timeout(std::time::Duration::from_secs(20));
        assert_eq!(read, Ok(0), "loading with a FIFO in place must not wait");

        std::fs::remove_file(dir.path().join(FILE)).unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        std::os::unix::fs::symlink(&victim, dir.path().join(FILE)).unwrap();
        let temp = format!(".{FILE}.{}.tmp", std::process::id());
        std::os::unix::fs::symlink(&victim, dir.path().join(&temp)).unwrap();
        std::os::unix::fs::symlink(&victim, dir.path().join("permissions.json.partial")).unwrap();
        let kept = Permissions::load(folder());
        kept.set("https://a.example", PermissionKind::Camera, Some(true))
            .unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        let meta = std::fs::symlink_metadata(dir.path().join(FILE)).unwrap();
        assert!(meta.file_type().is_file(), "the link was replaced by the file itself");
        assert_eq!(
            Permissions::load(folder()).get("https://a.example", PermissionKind::Camera),
            Some(true)
        );
    }
}
