//! Permissions decided per origin (WebView2's `SetPermissionStateAsync`), kept with the profile:
//! a JSON file in the user data folder (in memory only in private). A page asking for one of
//! them is answered from here; the app is not asked again.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::PathBuf;

use webpane_ipc::protocol::{PermissionKind, PermissionSetting};

/// The profile's decided permissions.
#[derive(Default)]
pub struct Permissions {
    /// Where they are kept (`None`: in memory only).
    file: Option<PathBuf>,
    decided: RefCell<BTreeMap<(String, PermissionKind), bool>>,
}

impl Permissions {
    /// The permissions kept in `file` (none yet if it does not exist or cannot be read).
    pub fn load(file: Option<PathBuf>) -> Permissions {
        let decided = file
            .as_ref()
            .and_then(|f| std::fs::read(f).ok())
            .and_then(|bytes| serde_json::from_slice::<Vec<PermissionSetting>>(&bytes).ok())
            .unwrap_or_default()
            .into_iter()
            .map(|s| ((s.origin, s.kind), s.allow))
            .collect();
        Permissions {
            file,
            decided: RefCell::new(decided),
        }
    }

    /// The decision for `origin` and `kind`, if there is one.
    pub fn get(&self, origin: &str, kind: PermissionKind) -> Option<bool> {
        self.decided.borrow().get(&(origin.to_owned(), kind)).copied()
    }

    /// Decides (or, `None`, forgets) a permission; kept at once.
    pub fn set(&self, origin: &str, kind: PermissionKind, allow: Option<bool>) -> Result<(), String> {
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
    pub fn clear(&self) -> Result<(), String> {
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

    fn save(&self) -> Result<(), String> {
        let Some(file) = &self.file else { return Ok(()) };
        let json = serde_json::to_vec(&self.list()).map_err(|e| e.to_string())?;
        // Whole or not at all: written aside, then renamed over.
        let partial = file.with_extension("json.partial");
        std::fs::write(&partial, json)
            .and_then(|()| std::fs::rename(&partial, file))
            .map_err(|e| format!("cannot keep the permissions in {}: {e}", file.display()))
    }
}

/// The origin (`scheme://host[:port]`) of a page URI.
pub fn origin_of(uri: &str) -> String {
    match url::Url::parse(uri) {
        Ok(url) => url.origin().ascii_serialization(),
        Err(_) => uri.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_are_kept_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("permissions.json");
        let kept = Permissions::load(Some(file.clone()));
        kept.set("https://a.example", PermissionKind::Camera, Some(true))
            .unwrap();
        kept.set("https://b.example", PermissionKind::Geolocation, Some(false))
            .unwrap();
        let again = Permissions::load(Some(file.clone()));
        assert_eq!(again.get("https://a.example", PermissionKind::Camera), Some(true));
        assert_eq!(again.get("https://b.example", PermissionKind::Geolocation), Some(false));
        assert_eq!(again.get("https://a.example", PermissionKind::Microphone), None);
        again.set("https://a.example", PermissionKind::Camera, None).unwrap();
        assert_eq!(Permissions::load(Some(file.clone())).list().len(), 1);
        again.clear().unwrap();
        assert!(Permissions::load(Some(file)).list().is_empty());
        assert_eq!(origin_of("https://a.example:8443/x?y"), "https://a.example:8443");
    }
}
