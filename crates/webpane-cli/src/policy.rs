//! The decisions a scripted page needs, as options (in the spirit of browser automation
//! contexts): permissions, HTTP credentials, certificates, script dialogs, virtual hosts.

use std::path::PathBuf;

use webpane::{
    EventLoop, HostResourceAccessKind, PermissionKind, PermissionState, ScriptDialogKind, ServerCertificateErrorAction,
    WebView,
};

/// What the page may do, for `run`, `screenshot` and `pdf`.
#[derive(clap::Args, Debug, Default, Clone)]
pub(crate) struct PolicyArgs {
    /// Grant these permissions without asking (comma-separated): camera, microphone,
    /// display-capture, device-info, geolocation, notifications, clipboard-read, pointer-lock,
    /// media-key-system, storage-access, or all. Others are denied.
    #[arg(long, value_name = "PERMISSION,…", value_delimiter = ',', value_parser = parse_permission)]
    pub(crate) allow: Vec<Permission>,
    /// Deny these permissions (the default for any not allowed; listed to say so in scripts).
    #[arg(long, value_name = "PERMISSION,…", value_delimiter = ',', value_parser = parse_permission)]
    pub(crate) deny: Vec<Permission>,
    /// Answer HTTP authentication (Basic, Digest) with USER:PASS. A command line is readable by
    /// every local user: prefer `--http-credentials-file` or the environment variable.
    #[arg(
        long,
        value_name = "USER:PASS",
        env = "WEBPANE_HTTP_CREDENTIALS",
        hide_env_values = true
    )]
    pub(crate) http_credentials: Option<String>,
    /// Answer HTTP authentication with the USER:PASS in FILE (its first line; keep it 0600).
    #[arg(long, value_name = "FILE", conflicts_with = "http_credentials")]
    pub(crate) http_credentials_file: Option<PathBuf>,
    /// Trust any server's certificate that does not verify (for that host, from the first
    /// error on; the page loads again). For test servers only.
    #[arg(long)]
    pub(crate) ignore_certificate_errors: bool,
    /// Answer alert/confirm/prompt/beforeunload: accept (prompts get their default text) or
    /// dismiss. Each dialog is also printed to stderr as a JSON line. Default: the browser
    /// process's own dialog in a window, dismissed headless.
    #[arg(long, value_name = "accept|dismiss", value_parser = ["accept", "dismiss"])]
    pub(crate) dialogs: Option<String>,
    /// Save the page's downloads into DIR (under the names the server suggests; a name that is
    /// taken becomes `name (1).ext`, and nothing there is replaced). Each download's progress is printed to stderr as JSON lines.
    /// Without it, downloads are cancelled: nothing is written.
    #[arg(long, value_name = "DIR")]
    pub(crate) download_dir: Option<PathBuf>,
    /// Keep cookies, storage and caches in memory only (nothing of them is written to disk).
    #[arg(long)]
    pub(crate) in_private: bool,
    /// Run the page's web process without WebKit's sandbox (bubblewrap), with the user's full
    /// rights. The sandbox is on by default; runs sharing a user data folder must agree.
    #[arg(long)]
    pub(crate) no_sandbox: bool,
    /// Send every connection through this proxy (http://[user:pass@]host:port or
    /// socks5://[user:pass@]host:port) instead of the system's. With credentials, prefer the
    /// environment variable: a command line is readable by every local user.
    #[arg(long, value_name = "URL", env = "WEBPANE_PROXY", hide_env_values = true)]
    pub(crate) proxy: Option<String>,
    /// Serve DIR at https://HOST/ (a secure origin of its own). Repeatable. Every run on the
    /// same user data folder shares one browser process, and a mapped host is served to every
    /// page of that process, whichever run loaded it: what other origins may do with it is
    /// `--virtual-host-access`.
    #[arg(long, value_name = "HOST=DIR", value_parser = parse_virtual_host)]
    pub(crate) virtual_host: Vec<(String, PathBuf)>,
    /// What pages of other origins may do with the virtual hosts' files: `deny-cors` (the
    /// default: load them as scripts, images and stylesheets, but not read them with fetch or
    /// XHR), `deny` (nothing), or `allow` (everything, CORS reads included: any page of any run
    /// on this folder can read DIR).
    #[arg(long, value_name = "deny-cors|deny|allow", default_value = "deny-cors", value_parser = parse_access)]
    pub(crate) virtual_host_access: HostResourceAccessKind,
}

fn parse_access(s: &str) -> Result<HostResourceAccessKind, String> {
    match s {
        "deny-cors" => Ok(HostResourceAccessKind::DenyCors),
        "deny" => Ok(HostResourceAccessKind::Deny),
        "allow" => Ok(HostResourceAccessKind::Allow),
        _ => Err("expected deny-cors, deny or allow".into()),
    }
}

/// A permission as named on the command line (`None`: all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Permission(Option<PermissionKind>);

const PERMISSIONS: &[(&str, PermissionKind)] = &[
    ("camera", PermissionKind::Camera),
    ("microphone", PermissionKind::Microphone),
    ("display-capture", PermissionKind::DisplayCapture),
    ("device-info", PermissionKind::MediaDeviceInfo),
    ("geolocation", PermissionKind::Geolocation),
    ("notifications", PermissionKind::Notifications),
    ("clipboard-read", PermissionKind::ClipboardRead),
    ("pointer-lock", PermissionKind::PointerLock),
    ("media-key-system", PermissionKind::MediaKeySystem),
    ("storage-access", PermissionKind::StorageAccess),
];

fn parse_permission(s: &str) -> Result<Permission, String> {
    if s == "all" {
        return Ok(Permission(None));
    }
    PERMISSIONS
        .iter()
        .find(|(name, _)| *name == s)
        .map(|(_, kind)| Permission(Some(*kind)))
        .ok_or_else(|| {
            let names: Vec<&str> = PERMISSIONS.iter().map(|(n, _)| *n).collect();
            format!("no permission {s:?}; one of: {}, all", names.join(", "))
        })
}

fn parse_virtual_host(s: &str) -> Result<(String, PathBuf), String> {
    let (host, dir) = s
        .split_once('=')
        .ok_or("expected HOST=DIR, such as app.example=./web")?;
    Ok((host.to_ascii_lowercase(), PathBuf::from(dir)))
}

fn allowed(list: &[Permission], kind: PermissionKind) -> bool {
    let covers = |p: &Permission| p.0.is_none_or(|k| k == kind);
    // Both camera and microphone must be allowed for a request of both.
    match kind {
        PermissionKind::CameraAndMicrophone => {
            allowed(list, PermissionKind::Camera) && allowed(list, PermissionKind::Microphone)
        }
        _ => list.iter().any(covers),
    }
}

impl PolicyArgs {
    /// Registers the handlers these options ask for, and maps the virtual hosts.
    pub(crate) fn apply(&self, event_loop: &EventLoop, webview: &WebView) -> Result<(), String> {
        for (host, dir) in &self.virtual_host {
            event_loop
                .block_on(webview.set_virtual_host_name_to_folder_mapping(host, dir, self.virtual_host_access))
                .map_err(|e| e.to_string())?
                .map_err(|e| format!("--virtual-host {host}={}: {e}", dir.display()))?;
        }
        if !self.allow.is_empty() || !self.deny.is_empty() {
            let (allow, deny) = (self.allow.clone(), self.deny.clone());
            webview.on_permission_requested(move |_, args| {
                let kind = args.permission_kind();
                let state = if allowed(&allow, kind) && !allowed(&deny, kind) {
                    PermissionState::Allow
                } else {
                    PermissionState::Deny
                };
                args.set_state(state);
            });
        }
        let from_file = match &self.http_credentials_file {
            Some(file) => {
                let text = std::fs::read_to_string(file)
                    .map_err(|e| format!("--http-credentials-file {}: {e}", file.display()))?;
                Some(text.lines().next().unwrap_or("").to_owned())
            }
            None => None,
        };
        if let Some(credentials) = from_file.as_ref().or(self.http_credentials.as_ref()) {
            let (user, password) = credentials
                .split_once(':')
                .ok_or("--http-credentials: expected USER:PASS")?;
            let (user, password) = (user.to_owned(), password.to_owned());
            webview.on_basic_authentication_requested(move |_, args| {
                if args.is_retry() {
                    // Refused once already: answering again would only loop.
                    args.set_cancel(true);
                } else {
                    args.set_credentials(&user, &password);
                }
            });
        }
        if self.ignore_certificate_errors {
            webview.on_server_certificate_error_detected(|_, args| {
                eprintln!(
                    "webpane: trusting the certificate of {} (--ignore-certificate-errors)",
                    args.host()
                );
                args.set_action(ServerCertificateErrorAction::AlwaysAllow);
            });
        }
        if let Some(dir) = &self.download_dir {
            let dir = std::path::absolute(dir).map_err(|e| format!("--download-dir {}: {e}", dir.display()))?;
            if !dir.is_dir() {
                return Err(format!("--download-dir {}: not a folder", dir.display()));
            }
            webview.on_download_starting(move |_, args| {
                let operation = args.download_operation();
                let name = std::path::Path::new(operation.suggested_file_name())
                    .file_name()
                    .map(|n| n.to_owned())
                    .unwrap_or_else(|| "download".into());
                args.set_result_file_path(dir.join(name));
                let report = |op: &webpane::DownloadOperation| {
                    let line = serde_json::json!({
                        "download": op.uri(),
                        "path": op.result_file_path(),
                        "received": op.bytes_received(),
                        "total": op.total_bytes_to_receive(),
                        "state": format!("{:?}", op.state()),
                        "reason": op.interrupt_reason(),
                    });
                    eprintln!("{line}");
                };
                operation.on_bytes_received_changed(move |op, _| report(op));
                operation.on_state_changed(move |op, _| report(op));
            });
        }
        if let Some(mode) = &self.dialogs {
            let accept = mode == "accept";
            webview.on_script_dialog_opening(move |_, args| {
                let kind = match args.kind() {
                    ScriptDialogKind::Alert => "alert",
                    ScriptDialogKind::Confirm => "confirm",
                    ScriptDialogKind::Prompt => "prompt",
                    _ => "beforeunload",
                };
                let line = serde_json::json!({
                    "dialog": kind,
                    "message": args.message(),
                    "default_text": args.default_text(),
                    "uri": args.uri(),
                    "answer": if accept { "accept" } else { "dismiss" },
                });
                eprintln!("{line}");
                if accept {
                    args.accept();
                }
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_are_named_as_in_the_help() {
        assert_eq!(
            parse_permission("camera").unwrap(),
            Permission(Some(PermissionKind::Camera))
        );
        assert_eq!(parse_permission("all").unwrap(), Permission(None));
        assert!(parse_permission("telepathy").unwrap_err().contains("geolocation"));
        let list = [Permission(Some(PermissionKind::Camera))];
        assert!(allowed(&list, PermissionKind::Camera));
        assert!(!allowed(&list, PermissionKind::CameraAndMicrophone));
        assert!(allowed(&[Permission(None)], PermissionKind::CameraAndMicrophone));
        assert_eq!(
            parse_virtual_host("App.Example=./web").unwrap(),
            ("app.example".to_owned(), PathBuf::from("./web"))
        );
        assert!(parse_virtual_host("nodir").is_err());
    }
}
