//! The colour scheme pages are told the user prefers (CSS `prefers-color-scheme`), for every view
//! of the browser process: WebKitGTK reads it from GTK's settings (a theme preferring dark, or a
//! theme whose name says dark), and follows their changes in pages already open.

use std::cell::OnceCell;

use gtk::prelude::*;
use webpane_ipc::protocol::ColorScheme;

/// GTK's settings as the desktop gave them, before webpane changed them: what `Auto` restores.
struct Desktop {
    prefer_dark: bool,
    theme: Option<String>,
}

thread_local! {
    static DESKTOP: OnceCell<Desktop> = const { OnceCell::new() };
}

/// Whether a GTK theme's name says it is dark (`Adwaita-dark`, `Adwaita:dark`, `Foo-dark-blue`).
fn theme_is_dark(theme: &str) -> bool {
    let theme = theme.to_ascii_lowercase();
    theme.ends_with("-dark") || theme.ends_with(":dark") || theme.contains("-dark-")
}

/// The light variant of a theme's name (`Adwaita-dark` → `Adwaita`).
fn light_theme(theme: &str) -> String {
    let lower = theme.to_ascii_lowercase();
    for suffix in ["-dark", ":dark"] {
        if lower.ends_with(suffix) {
            return theme[..theme.len() - suffix.len()].to_owned();
        }
    }
    theme.replacen("-dark-", "-", 1)
}

/// Tells every page of the browser process that the user prefers `scheme`.
pub fn set_color_scheme(scheme: ColorScheme) {
    let Some(settings) = gtk::Settings::default() else {
        log::warn!("no GTK settings: the colour scheme stays as it is");
        return;
    };
    DESKTOP.with(|desktop| {
        let desktop = desktop.get_or_init(|| Desktop {
            prefer_dark: settings.is_gtk_application_prefer_dark_theme(),
            theme: settings.gtk_theme_name().map(|t| t.to_string()),
        });
        let (prefer_dark, theme) = match scheme {
            ColorScheme::Auto => (desktop.prefer_dark, desktop.theme.clone()),
            ColorScheme::Dark => (true, desktop.theme.clone()),
            ColorScheme::Light => (
                false,
                desktop
                    .theme
                    .as_deref()
                    .map(|t| if theme_is_dark(t) { light_theme(t) } else { t.to_owned() }),
            ),
        };
        if settings.gtk_theme_name().map(|t| t.to_string()) != theme {
            settings.set_gtk_theme_name(theme.as_deref());
        }
        settings.set_gtk_application_prefer_dark_theme(prefer_dark);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dark_themes_are_told_by_name_and_have_a_light_variant() {
        assert!(theme_is_dark("Adwaita-dark") && theme_is_dark("Adwaita:dark") && theme_is_dark("Foo-dark-blue"));
        assert!(!theme_is_dark("Adwaita") && !theme_is_dark("Darkness"));
        assert_eq!(light_theme("Adwaita-dark"), "Adwaita");
        assert_eq!(light_theme("Adwaita:dark"), "Adwaita");
        assert_eq!(light_theme("Foo-dark-blue"), "Foo-blue");
    }
}
