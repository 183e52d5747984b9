//! Checks of what crosses the process boundary beyond its type: what GTK and WebKit cannot take,
//! and text that must be JSON. The runtime checks every app request with [`app_message`] before
//! acting on it (a failure drops that app's connection: the SDK refuses such requests before
//! sending). Nothing here can panic, whatever the input (fuzzed:
//! `fuzz/fuzz_targets/runtime_requests.rs`).

use crate::protocol::{AppMessage, DragInput, OutputTarget, RuntimeOptions, ViewMode};

fn no_nul(what: &str, s: &str) -> Result<(), String> {
    if s.contains('\0') {
        Err(format!("the {what} contains a NUL character"))
    } else {
        Ok(())
    }
}

/// Checks the options an app asks a browser process for: engine arguments are `name=value`, no
/// string holds a NUL (it could not be passed on a command line), custom schemes are valid.
pub fn runtime_options(options: &RuntimeOptions) -> Result<(), String> {
    for arg in &options.additional_arguments {
        no_nul("engine argument", arg)?;
        if !arg.contains('=') {
            return Err(format!("engine argument {arg:?} is not name=value"));
        }
    }
    if let Some(language) = &options.language {
        no_nul("language", language)?;
    }
    if let Some(proxy) = &options.proxy {
        no_nul("proxy", proxy)?;
        let scheme = proxy.split_once("://").map(|(s, _)| s).unwrap_or("");
        if !matches!(scheme, "http" | "https" | "socks" | "socks4" | "socks4a" | "socks5") {
            return Err(format!("the proxy {proxy:?} is not an http or socks proxy URI"));
        }
    }
    options.custom_schemes.iter().try_for_each(|scheme| scheme.validate())
}

/// Checks a context menu's labels (no NUL) and depth (at most 8 submenus deep).
fn menu_items(items: &[crate::protocol::MenuItem], depth: usize) -> Result<(), String> {
    if depth > 8 {
        return Err("the context menu nests more than 8 submenus deep".into());
    }
    items.iter().try_for_each(|item| match item {
        crate::protocol::MenuItem::Command { label, .. } => no_nul("menu item", label),
        crate::protocol::MenuItem::Separator => Ok(()),
        crate::protocol::MenuItem::Submenu { label, items } => {
            no_nul("menu item", label)?;
            menu_items(items, depth + 1)
        }
    })
}

/// Whether `text` is one JSON document. Skipping (`IgnoredAny`) does not recurse: JSON of any
/// depth is no stack overflow.
pub fn json_text(text: &str) -> Result<(), String> {
    serde_json::from_str::<serde::de::IgnoredAny>(text)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Checks what a client sent: finite points, at most as many files as one message carries
/// fds, names without NUL, text within [`crate::protocol::MAX_DRAG_TEXT`].
fn drag(input: &DragInput) -> Result<(), String> {
    let (points, names, text): (Vec<f64>, Vec<&str>, Option<&str>) = match input {
        DragInput::Enter { files, text, x, y } => (
            vec![*x, *y],
            files.iter().map(String::as_str).collect(),
            text.as_deref(),
        ),
        DragInput::Over { x, y } => (vec![*x, *y], Vec::new(), None),
        DragInput::Leave => (Vec::new(), Vec::new(), None),
        DragInput::Drop { files, text, x, y } => (
            vec![*x, *y],
            files.iter().map(|(_, name)| name.as_str()).collect(),
            text.as_deref(),
        ),
    };
    if points.iter().any(|p| !p.is_finite()) {
        return Err("a drag's point must be finite".into());
    }
    if names.len() > crate::MAX_FDS_PER_MESSAGE {
        return Err(format!("a drag carries at most {} files", crate::MAX_FDS_PER_MESSAGE));
    }
    if names.iter().any(|n| n.contains('\0')) {
        return Err("a dragged file's name contains NUL".into());
    }
    if text.is_some_and(|t| t.len() > crate::protocol::MAX_DRAG_TEXT) {
        return Err(format!(
            "a drag carries at most {} bytes of text",
            crate::protocol::MAX_DRAG_TEXT
        ));
    }
    Ok(())
}

/// Checks what GTK and WebKit cannot take: C strings with interior NULs (glib-rs panics on them
/// in debug builds and truncates in release), bad window sizes, web messages that are not JSON.
pub fn app_message(message: &AppMessage) -> Result<(), String> {
    match message {
        AppMessage::Hello { options } => runtime_options(options),
        AppMessage::ExecuteScript { script, .. } | AppMessage::AddDocumentCreatedScript { script, .. } => {
            no_nul("script", script)
        }
        AppMessage::PostWebMessage { json, .. } => {
            // Delivered as a JavaScript literal: it must be JSON, and nothing more.
            json_text(json).map_err(|e| format!("the web message is not JSON: {e}"))
        }
        AppMessage::SetVirtualHostMapping { host, folder, .. } => {
            crate::protocol::validate_virtual_host(host)?;
            no_nul("folder", folder)?;
            if !folder.starts_with('/') {
                return Err(format!("the folder {folder:?} is not an absolute path"));
            }
            Ok(())
        }
        AppMessage::ClearVirtualHostMapping { host, .. } => no_nul("host", host),
        AppMessage::Drag { input, .. } => drag(input),
        AppMessage::PostWebMessageWithFiles { json, files, .. } => {
            json_text(json).map_err(|e| format!("the web message is not JSON: {e}"))?;
            if files.len() > crate::MAX_FDS_PER_MESSAGE {
                return Err(format!(
                    "{} files in one message (at most {})",
                    files.len(),
                    crate::MAX_FDS_PER_MESSAGE
                ));
            }
            files.iter().try_for_each(|(_, info)| no_nul("file name", &info.name))
        }
        AppMessage::DownloadDecision {
            destination: Some(path),
            ..
        } => {
            no_nul("destination", path)?;
            if !path.starts_with('/') {
                return Err(format!("the destination {path:?} is not an absolute path"));
            }
            Ok(())
        }
        AppMessage::Find {
            command: crate::protocol::FindCommand::Start { text, .. },
            ..
        } => no_nul("text", text),
        AppMessage::SetPermissionState { origin, .. } => no_nul("origin", origin),
        AppMessage::PolicyResponse { answer, .. } => match answer {
            crate::protocol::PolicyAnswer::Credentials { user, password } => {
                no_nul("user name", user)?;
                no_nul("password", password)
            }
            crate::protocol::PolicyAnswer::Text(text) => no_nul("text", text),
            crate::protocol::PolicyAnswer::Certificate { pem } => client_certificate_pem(pem),
            crate::protocol::PolicyAnswer::Menu { items, .. } => menu_items(items, 0),
            _ => Ok(()),
        },
        AppMessage::HostObjectReply { json, .. } => {
            json_text(json).map_err(|e| format!("the host object answer is not JSON: {e}"))
        }
        AppMessage::CreateWebView { mode, .. } => mode.validate(),
        AppMessage::SetBounds { width, height, .. } => ViewMode::Headless {
            width: *width,
            height: *height,
        }
        .validate(),
        AppMessage::Navigate { uri, .. } => no_nul("URI", uri),
        AppMessage::NavigateWithHeaders { uri, headers, .. } => {
            no_nul("URI", uri)?;
            crate::protocol::validate_headers(headers)
        }
        AppMessage::NavigateWithRequest {
            uri, method, headers, ..
        } => {
            no_nul("URI", uri)?;
            if !crate::protocol::is_http_token(method) {
                return Err(format!("{method:?} is not an HTTP method"));
            }
            crate::protocol::validate_headers(headers)
        }
        AppMessage::NavigateToString { html, .. } => no_nul("document", html),
        AppMessage::AddWebResourceRequestedFilter { filter, .. }
        | AppMessage::RemoveWebResourceRequestedFilter { filter, .. } => no_nul("filter", filter),
        AppMessage::WebResourceResponse {
            response: Some(response),
            ..
        } => response.validate(),
        AppMessage::GetCookies { uri: Some(uri), .. } => no_nul("URI", uri),
        AppMessage::SetCookie { cookie, .. } | AppMessage::DeleteCookie { cookie, .. } => {
            for (what, text) in [
                ("cookie name", &cookie.name),
                ("cookie value", &cookie.value),
                ("cookie domain", &cookie.domain),
                ("cookie path", &cookie.path),
            ] {
                no_nul(what, text)?;
            }
            if cookie.name.is_empty() || cookie.domain.is_empty() {
                return Err("a cookie needs a name and a domain".into());
            }
            Ok(())
        }
        AppMessage::PrintToPdf { target, settings, .. } => {
            if let OutputTarget::Path(path) = target {
                no_nul("path", path)?;
            }
            settings.validate()
        }
        AppMessage::Print { page, printer, .. } => page.validate().and_then(|()| printer.validate()),
        AppMessage::UpdateSetting { setting, .. } => match setting {
            crate::protocol::Setting::UserAgent(Some(agent)) => no_nul("user agent", agent),
            crate::protocol::Setting::ZoomFactor(z) if !(z.is_finite() && (0.1..=10.0).contains(z)) => {
                Err(format!("zoom factor {z} is outside 0.1..=10"))
            }
            crate::protocol::Setting::RasterizationScale(s) if !(s.is_finite() && (0.25..=8.0).contains(s)) => {
                Err(format!("rasterization scale {s} is outside 0.25..=8"))
            }
            _ => Ok(()),
        },
        AppMessage::PostSharedBuffer {
            additional_data: Some(json),
            ..
        } => json_text(json).map_err(|e| format!("the additional data is not JSON: {e}")),
        AppMessage::AttachFrames {
            width, height, buffers, ..
        } => {
            ViewMode::Headless {
                width: *width,
                height: *height,
            }
            .validate()?;
            if !(2..=8).contains(&buffers.len()) {
                return Err(format!("{} frame buffers (2 to 8)", buffers.len()));
            }
            Ok(())
        }
        AppMessage::SendInput { input, .. } => match input {
            crate::protocol::InputEvent::Text(text) | crate::protocol::InputEvent::Composition { text, .. }
                if text.len() > crate::protocol::MAX_TEXT_INPUT =>
            {
                Err(format!(
                    "{} bytes of text input; at most {} go in at once",
                    text.len(),
                    crate::protocol::MAX_TEXT_INPUT
                ))
            }
            crate::protocol::InputEvent::Text(text) => no_nul("text", text),
            crate::protocol::InputEvent::Mouse(m) => {
                if [m.x, m.y, m.delta_x, m.delta_y].iter().all(|v| v.is_finite()) {
                    Ok(())
                } else {
                    Err("a mouse event with a coordinate or delta that is not a number".into())
                }
            }
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

/// A client certificate's PEM: at most 1 MiB, with a certificate and a private key block.
pub fn client_certificate_pem(pem: &str) -> Result<(), String> {
    if pem.len() > 1 << 20 {
        return Err("a client certificate's PEM is over 1 MiB".into());
    }
    if !pem.contains("-----BEGIN CERTIFICATE-----") {
        return Err("the client certificate's PEM has no CERTIFICATE block".into());
    }
    if !pem.contains("PRIVATE KEY-----") {
        return Err("the client certificate's PEM has no PRIVATE KEY block (the key must come with it)".into());
    }
    no_nul("certificate", pem)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drag_is_checked() {
        use crate::protocol::{DragInput, MAX_DRAG_TEXT};
        let enter = |names: Vec<String>, text: Option<String>| DragInput::Enter {
            files: names,
            text,
            x: 1.0,
            y: 2.0,
        };
        assert!(drag(&enter(vec!["a.txt".into()], None)).is_ok());
        assert!(drag(&enter(vec!["a\0b".into()], None)).is_err());
        assert!(drag(&enter(vec!["f".into(); crate::MAX_FDS_PER_MESSAGE + 1], None)).is_err());
        assert!(drag(&enter(vec![], Some("x".repeat(MAX_DRAG_TEXT + 1)))).is_err());
        assert!(drag(&DragInput::Over { x: f64::NAN, y: 0.0 }).is_err());
        assert!(drag(&DragInput::Leave).is_ok());
    }

    use crate::protocol::{Cookie, Setting, WebViewId};

    #[test]
    fn json_of_any_depth_is_checked_without_recursion() {
        assert!(json_text(r#"{"a":[1,"\ud800"]}"#).is_ok());
        assert!(json_text("").is_err());
        assert!(json_text("[1,]").is_err());
        assert!(json_text("1 2").is_err());
        let deep = "[".repeat(200_000) + &"]".repeat(200_000);
        assert!(json_text(&deep).is_ok());
        assert!(json_text(&deep[1..]).is_err());
    }

    #[test]
    fn requests_the_engine_cannot_take_are_refused_with_a_reason() {
        let id = WebViewId(1);
        let refused = [
            AppMessage::ExecuteScript {
                id,
                frame: None,
                request: 1,
                script: "a\0b".into(),
                with_result: false,
            },
            AppMessage::PostWebMessage {
                id,
                frame: None,
                json: "{not json".into(),
            },
            AppMessage::Navigate {
                id,
                uri: "about:\0".into(),
            },
            AppMessage::UpdateSetting {
                id,
                setting: Setting::ZoomFactor(f64::NAN),
            },
            AppMessage::UpdateSetting {
                id,
                setting: Setting::ZoomFactor(100.0),
            },
            AppMessage::NavigateWithRequest {
                id,
                uri: "https://example.com/".into(),
                method: "PO ST".into(),
                headers: vec![],
                body: vec![],
            },
            AppMessage::NavigateWithRequest {
                id,
                uri: "https://example.com/".into(),
                method: "POST".into(),
                headers: vec![("X-A".into(), "a\r\nb".into())],
                body: vec![],
            },
        ];
        for message in refused {
            let why = app_message(&message).expect_err("must be refused");
            assert!(!why.is_empty());
        }
        assert!(
            app_message(&AppMessage::PostWebMessage {
                id,
                frame: None,
                json: "[1,2]".into(),
            })
            .is_ok()
        );
        let cookie = Cookie {
            name: String::new(),
            value: "v".into(),
            domain: "example.com".into(),
            path: "/".into(),
            expires: None,
            http_only: false,
            secure: false,
            same_site: "Lax".into(),
        };
        assert!(
            app_message(&AppMessage::SetCookie { id, request: 1, cookie }).is_err(),
            "a cookie needs a name"
        );
    }
}
