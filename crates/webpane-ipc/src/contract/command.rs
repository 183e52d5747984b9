//! The runtime's command line and exit codes.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

use crate::protocol::{CustomScheme, RuntimeOptions};

/// How the runtime (`webpane-runtime`) ended, as its exit code says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RuntimeExit {
    /// A normal shutdown (0).
    Normal,
    /// Any other start-up failure (1); its reason is on stderr.
    Failed,
    /// Another runtime already owns the user data folder (3): connect to that one.
    AlreadyOwned,
    /// Engine arguments that are not `name=value` WebKitSettings properties, or a custom scheme
    /// that is not valid (4).
    BadArguments,
    /// The web process sandbox was asked for (the default) and cannot work on this machine: no
    /// `bwrap`, or no user namespaces (5). The reason is on stderr.
    SandboxUnavailable,
}

impl RuntimeExit {
    /// The process exit code.
    pub const fn code(self) -> u8 {
        match self {
            RuntimeExit::Normal => 0,
            RuntimeExit::Failed => 1,
            RuntimeExit::AlreadyOwned => 3,
            RuntimeExit::BadArguments => 4,
            RuntimeExit::SandboxUnavailable => 5,
        }
    }

    /// The exit this code means; `None` for a code the runtime never uses (then it did not end
    /// the way it meant to).
    pub fn from_code(code: i32) -> Option<RuntimeExit> {
        [
            RuntimeExit::Normal,
            RuntimeExit::Failed,
            RuntimeExit::AlreadyOwned,
            RuntimeExit::BadArguments,
            RuntimeExit::SandboxUnavailable,
        ]
        .into_iter()
        .find(|exit| i32::from(exit.code()) == code)
    }
}

/// The runtime's command-line flags (long names, without `--`).
pub mod flag {
    /// The user data folder the runtime owns (value: a path).
    pub const USER_DATA_FOLDER: &str = "user-data-folder";
    /// Print what the runtime would run with, as JSON, and exit.
    pub const DOCTOR: &str = "doctor";
    /// One engine argument, `name=value` (repeatable).
    pub const ENGINE_ARG: &str = "engine-arg";
    /// The UI language (value: a BCP 47 tag).
    pub const LANGUAGE: &str = "language";
    /// One custom scheme as JSON (repeatable).
    pub const CUSTOM_SCHEME: &str = "custom-scheme";
    /// Run web processes without WebKit's sandbox (it is on unless this is given).
    pub const NO_SANDBOX: &str = "no-sandbox";
    /// Keep the profile in memory only.
    pub const IN_PRIVATE: &str = "in-private";
    /// The proxy to use. The SDK passes it in [`PROXY_ENV`](super::PROXY_ENV) instead: a
    /// proxy's credentials on the command line would be readable by every local user.
    pub const PROXY: &str = "proxy";
    /// The remote inspector's port.
    pub const REMOTE_INSPECTOR_PORT: &str = "remote-inspector-port";
    /// Milliseconds to stay after the last webview closed.
    pub const GRACE_MS: &str = "grace-ms";
    /// The display backend (`auto`, `wayland`, `x11`).
    pub const DISPLAY_BACKEND: &str = "display-backend";
    /// WebKit's hardware acceleration policy (`on-demand`, `always`, `never`).
    pub const HARDWARE_ACCELERATION: &str = "hardware-acceleration";
    /// Turn WebKit's DMA-BUF renderer off.
    pub const DISABLE_DMABUF_RENDERER: &str = "disable-dmabuf-renderer";
}

/// The environment variable the SDK passes the proxy in (with its credentials): a process's
/// environment is readable by its own user only (`/proc/PID/environ` is 0400), its command line
/// by everyone. The runtime takes it out of its environment once read, so that WebKit's
/// children do not inherit it.
pub const PROXY_ENV: &str = "WEBPANE_RUNTIME_PROXY";

/// How an app starts a runtime for a user data folder: turned into arguments by the app
/// ([`args`](Self::args)) and rebuilt from the parsed flags by the runtime
/// ([`from_flags`](Self::from_flags)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeCommand {
    /// The folder the runtime will own.
    pub user_data_folder: PathBuf,
    /// What every app sharing the runtime must agree on.
    pub options: RuntimeOptions,
    /// How long to stay after the last webview closed; the runtime's default when `None`.
    pub grace: Option<Duration>,
}

/// Why the runtime's flags do not make a [`RuntimeCommand`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// A `--custom-scheme` value that is not a scheme's JSON.
    #[error("--{flag} {json:?}: {reason}", flag = flag::CUSTOM_SCHEME)]
    CustomScheme {
        /// The value given.
        json: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A display backend or hardware acceleration value the runtime does not know.
    #[error("--{flag} {value:?}: not one of {allowed}")]
    BadValue {
        /// The flag.
        flag: &'static str,
        /// The value given.
        value: String,
        /// What it may be.
        allowed: &'static str,
    },
}

/// The flags of the renderer and display (as parsed, before they are checked).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DisplayFlags {
    /// `--display-backend`.
    pub display_backend: Option<String>,
    /// `--hardware-acceleration`.
    pub hardware_acceleration: Option<String>,
    /// `--disable-dmabuf-renderer`.
    pub disable_dmabuf_renderer: bool,
}

impl RuntimeCommand {
    /// The arguments to start the runtime with, in the order the runtime documents.
    pub fn args(&self) -> Vec<OsString> {
        // Values always ride in the same argument (`--name=value`): a folder or language that
        // starts with `-` is never taken for a flag.
        let valued = |name: &str, value: &std::ffi::OsStr| {
            let mut arg = OsString::from(format!("--{name}="));
            arg.push(value);
            arg
        };
        let mut args = vec![valued(flag::USER_DATA_FOLDER, self.user_data_folder.as_os_str())];
        for arg in &self.options.additional_arguments {
            args.push(valued(flag::ENGINE_ARG, arg.as_ref()));
        }
        if let Some(language) = &self.options.language {
            args.push(valued(flag::LANGUAGE, language.as_ref()));
        }
        for scheme in &self.options.custom_schemes {
            // A struct of strings and bools: serializing it cannot fail.
            let json = serde_json::to_string(scheme).unwrap_or_default();
            args.push(valued(flag::CUSTOM_SCHEME, json.as_ref()));
        }
        if !self.options.sandbox {
            args.push(format!("--{}", flag::NO_SANDBOX).into());
        }
        if self.options.in_private {
            args.push(format!("--{}", flag::IN_PRIVATE).into());
        }
        if let Some(port) = self.options.remote_inspector_port {
            args.push(valued(flag::REMOTE_INSPECTOR_PORT, port.to_string().as_ref()));
        }
        if self.options.display_backend != crate::protocol::DisplayBackend::Auto {
            args.push(valued(
                flag::DISPLAY_BACKEND,
                self.options.display_backend.as_str().as_ref(),
            ));
        }
        if let Some(policy) = self.options.hardware_acceleration {
            args.push(valued(flag::HARDWARE_ACCELERATION, policy.as_str().as_ref()));
        }
        if self.options.disable_dmabuf_renderer {
            args.push(format!("--{}", flag::DISABLE_DMABUF_RENDERER).into());
        }
        if let Some(grace) = self.grace {
            args.push(valued(flag::GRACE_MS, grace.as_millis().to_string().as_ref()));
        }
        args
    }

    /// The environment variables to start the runtime with besides [`args`](Self::args): what
    /// must not be on a command line (the proxy, whose URI may hold credentials).
    pub fn env(&self) -> Vec<(&'static str, OsString)> {
        self.options
            .proxy
            .iter()
            .map(|proxy| (PROXY_ENV, OsString::from(proxy)))
            .collect()
    }

    /// The command the runtime was started with, from its parsed flags; each custom scheme is
    /// decoded and [validated](CustomScheme::validate).
    #[allow(clippy::too_many_arguments)] // one per flag, as the runtime's parser reads them
    pub fn from_flags(
        user_data_folder: PathBuf,
        engine_args: Vec<String>,
        language: Option<String>,
        custom_schemes: &[String],
        sandbox: bool,
        in_private: bool,
        proxy: Option<String>,
        remote_inspector_port: Option<u16>,
        grace_ms: Option<u64>,
        display: DisplayFlags,
    ) -> Result<RuntimeCommand, CommandError> {
        use crate::protocol::{DisplayBackend, HardwareAcceleration};
        let display_backend = match display.display_backend {
            None => DisplayBackend::Auto,
            Some(value) => DisplayBackend::parse(&value).ok_or(CommandError::BadValue {
                flag: flag::DISPLAY_BACKEND,
                value,
                allowed: "auto, wayland, x11",
            })?,
        };
        let hardware_acceleration = match display.hardware_acceleration {
            None => None,
            Some(value) => Some(HardwareAcceleration::parse(&value).ok_or(CommandError::BadValue {
                flag: flag::HARDWARE_ACCELERATION,
                value,
                allowed: "on-demand, always, never",
            })?),
        };
        let custom_schemes = custom_schemes
            .iter()
            .map(|json| {
                let scheme: CustomScheme = serde_json::from_str(json).map_err(|e| CommandError::CustomScheme {
                    json: json.clone(),
                    reason: e.to_string(),
                })?;
                scheme.validate().map_err(|reason| CommandError::CustomScheme {
                    json: json.clone(),
                    reason,
                })?;
                Ok(scheme)
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RuntimeCommand {
            user_data_folder,
            options: RuntimeOptions {
                additional_arguments: engine_args,
                language,
                custom_schemes,
                sandbox,
                in_private,
                proxy,
                remote_inspector_port,
                display_backend,
                hardware_acceleration,
                disable_dmabuf_renderer: display.disable_dmabuf_renderer,
            },
            grace: grace_ms.map(Duration::from_millis),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exit_code_reads_back_as_itself() {
        for exit in [
            RuntimeExit::Normal,
            RuntimeExit::Failed,
            RuntimeExit::AlreadyOwned,
            RuntimeExit::BadArguments,
            RuntimeExit::SandboxUnavailable,
        ] {
            assert_eq!(RuntimeExit::from_code(exit.code().into()), Some(exit));
        }
        assert_eq!(RuntimeExit::from_code(2), None);
        assert_eq!(RuntimeExit::from_code(-1), None);
    }

    #[test]
    fn a_bad_custom_scheme_flag_is_refused_with_its_value() {
        let err = RuntimeCommand::from_flags(
            "/f".into(),
            vec![],
            None,
            &["{nope".into()],
            false,
            false,
            None,
            None,
            None,
            DisplayFlags::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("--custom-scheme \"{nope\""), "{err}");
        let reserved = r#"{"name":"http","allowed_origins":[],"treat_as_secure":false}"#.to_string();
        assert!(
            RuntimeCommand::from_flags(
                "/f".into(),
                vec![],
                None,
                &[reserved],
                false,
                false,
                None,
                None,
                None,
                DisplayFlags::default()
            )
            .is_err()
        );
    }
}
