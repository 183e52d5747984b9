//! Context menus (WebView2's `ContextMenuRequested`): WebKit's menu for what was right-clicked
//! goes to the app, which keeps, removes or adds items, or shows a menu of its own; the runtime
//! then shows the menu the app answered (WebKit's items run WebKit's actions, the app's are
//! reported back when chosen).

use std::rc::Rc;

use gtk::prelude::*;
use webkit2gtk::{ContextMenuExt, ContextMenuItemExt, HitTestResultExt, WebViewExt};
use webpane_ipc::protocol::{ContextMenuTarget, MenuItem, PolicyAnswer, PolicyRequest, RuntimeMessage, WebViewId};

use super::held::{Held, HeldMenu, Policy};
use crate::host::Host;

/// How deep submenus may nest in a menu the app answers.
const MAX_DEPTH: usize = 8;

fn label_of(action: webkit2gtk::ContextMenuAction) -> String {
    use webkit2gtk::ContextMenuAction as A;
    let label = match action {
        A::OpenLink => "Open Link",
        A::OpenLinkInNewWindow => "Open Link in New Window",
        A::DownloadLinkToDisk => "Download Linked File",
        A::CopyLinkToClipboard => "Copy Link Address",
        A::OpenImageInNewWindow => "Open Image in New Window",
        A::DownloadImageToDisk => "Save Image As",
        A::CopyImageToClipboard => "Copy Image",
        A::CopyImageUrlToClipboard => "Copy Image Address",
        A::OpenFrameInNewWindow => "Open Frame in New Window",
        A::GoBack => "Back",
        A::GoForward => "Forward",
        A::Stop => "Stop",
        A::Reload => "Reload",
        A::Copy => "Copy",
        A::Cut => "Cut",
        A::Paste => "Paste",
        A::Delete => "Delete",
        A::SelectAll => "Select All",
        A::InputMethods => "Input Methods",
        A::Unicode => "Insert Unicode Control Character",
        A::SpellingGuess => "Spelling Suggestion",
        A::NoGuessesFound => "No Guesses Found",
        A::IgnoreSpelling => "Ignore Spelling",
        A::LearnSpelling => "Learn Spelling",
        A::IgnoreGrammar => "Ignore Grammar",
        A::FontMenu => "Font",
        A::Bold => "Bold",
        A::Italic => "Italic",
        A::Underline => "Underline",
        A::Outline => "Outline",
        A::InspectElement => "Inspect Element",
        A::OpenVideoInNewWindow => "Open Video in New Window",
        A::OpenAudioInNewWindow => "Open Audio in New Window",
        A::CopyVideoLinkToClipboard => "Copy Video Link",
        A::CopyAudioLinkToClipboard => "Copy Audio Link",
        A::ToggleMediaControls => "Show Controls",
        A::ToggleMediaLoop => "Loop",
        A::EnterVideoFullscreen => "Fullscreen",
        A::MediaPlay => "Play",
        A::MediaPause => "Pause",
        A::MediaMute => "Mute",
        A::DownloadVideoToDisk => "Download Video",
        A::DownloadAudioToDisk => "Download Audio",
        A::InsertEmoji => "Insert Emoji",
        A::PasteAsPlainText => "Paste as Plain Text",
        _ => "",
    };
    if label.is_empty() {
        format!("{action:?}")
    } else {
        label.to_owned()
    }
}

/// WebKit's items as the app sees them; their actions collected by id.
fn items_of(menu: &webkit2gtk::ContextMenu, actions: &mut Vec<Option<gio::Action>>) -> Vec<MenuItem> {
    menu.items()
        .iter()
        .map(|item| {
            if item.is_separator() {
                return MenuItem::Separator;
            }
            let label = label_of(item.stock_action());
            if let Some(submenu) = item.submenu() {
                return MenuItem::Submenu {
                    label,
                    items: items_of(&submenu, actions),
                };
            }
            let id = actions.len() as u32;
            actions.push(item.gaction());
            MenuItem::Command {
                id,
                label,
                action: format!("{:?}", item.stock_action()),
            }
        })
        .collect()
}

/// Holds WebKit's context menu (not shown) and asks the app.
pub(super) fn wire(webview: &webkit2gtk::WebView, policy: &Rc<Policy>, host: &Rc<dyn Host>, id: WebViewId) {
    let (policy, host) = (policy.clone(), host.clone());
    webview.connect_context_menu(move |view, menu, event, hit| {
        let (x, y) = event.coords().unwrap_or_default();
        let some = |s: Option<glib::GString>| s.map(|s| s.to_string()).filter(|s| !s.is_empty());
        let target = ContextMenuTarget {
            page_uri: view.uri().map(|u| u.to_string()).unwrap_or_default(),
            link_uri: hit.context_is_link().then(|| some(hit.link_uri())).flatten(),
            image_uri: hit.context_is_image().then(|| some(hit.image_uri())).flatten(),
            media_uri: hit.context_is_media().then(|| some(hit.media_uri())).flatten(),
            is_editable: hit.context_is_editable(),
            has_selection: hit.context_is_selection(),
            x: x as i32,
            y: y as i32,
        };
        let mut actions = Vec::new();
        let items = items_of(menu, &mut actions);
        let held = HeldMenu {
            event: event.clone(),
            actions,
            items: items.clone(),
        };
        let request = Policy::hold(&policy, Held::ContextMenu(held));
        host.send(RuntimeMessage::PolicyRequested {
            id,
            request,
            what: PolicyRequest::ContextMenu { target, items },
        });
        // Shown once the app answered (or not at all).
        true
    });
}

/// Shows the menu the app answered.
pub(super) fn answer(
    webview: &webkit2gtk::WebView,
    host: &Rc<dyn Host>,
    id: WebViewId,
    request: u64,
    held: HeldMenu,
    answer: PolicyAnswer,
) {
    let items = match answer {
        PolicyAnswer::Default => held.items.clone(),
        PolicyAnswer::Menu { handled: false, items } => items,
        _ => return,
    };
    if items.is_empty() {
        return;
    }
    let menu = build(&items, &held.actions, host, id, request, 0);
    menu.set_attach_widget(Some(webview));
    menu.show_all();
    menu.popup_at_pointer(Some(&held.event));
}

/// Closes the menu shown for `webview`, if it is open, as a press outside it would: input the
/// app sends to an offscreen view goes past the menu's grab (GTK would hand it to the menu,
/// and the page would get none of it while the menu is open).
pub(super) fn dismiss(webview: &webkit2gtk::WebView) {
    let Some(mut widget) = gtk::grab_get_current() else {
        return;
    };
    // From the grabbing (sub)menu to the menu shown for the view.
    for _ in 0..=MAX_DEPTH {
        let Some(menu) = widget
            .ancestor(gtk::Menu::static_type())
            .and_then(|m| m.downcast::<gtk::Menu>().ok())
        else {
            return;
        };
        match menu.attach_widget() {
            Some(attached) if attached == *webview.upcast_ref::<gtk::Widget>() => {
                menu.deactivate();
                return;
            }
            Some(attached) => widget = attached,
            None => return,
        }
    }
}

fn build(
    items: &[MenuItem],
    actions: &[Option<gio::Action>],
    host: &Rc<dyn Host>,
    id: WebViewId,
    request: u64,
    depth: usize,
) -> gtk::Menu {
    let menu = gtk::Menu::new();
    for item in items {
        match item {
            MenuItem::Separator => menu.append(&gtk::SeparatorMenuItem::new()),
            MenuItem::Submenu { label, items } if depth < MAX_DEPTH => {
                let entry = gtk::MenuItem::with_label(label);
                entry.set_submenu(Some(&build(items, actions, host, id, request, depth + 1)));
                menu.append(&entry);
            }
            MenuItem::Submenu { .. } => {}
            MenuItem::Command {
                id: command,
                label,
                action,
            } => {
                let entry = gtk::MenuItem::with_label(label);
                if action.is_empty() {
                    // The app's: reported back when chosen.
                    let (host, command) = (host.clone(), *command);
                    entry.connect_activate(move |_| {
                        host.send(RuntimeMessage::ContextMenuItemSelected {
                            id,
                            request,
                            command_id: command,
                        })
                    });
                } else {
                    // WebKit's (by the id it was offered with): its action runs.
                    match actions.get(*command as usize).cloned().flatten() {
                        Some(gaction) => {
                            entry.connect_activate(move |_| gaction.activate(None));
                        }
                        None => continue,
                    }
                }
                menu.append(&entry);
            }
        }
    }
    menu
}
