//! Closing a page's script dialog with the app's answer, or — when the app leaves it to the
//! runtime — with the user's, in a dialog of the runtime's own (a view without a window on
//! screen dismisses it instead: `alert` closes, `confirm` is false, `prompt` is null, and a page
//! asking before it is left is left).

use gtk::prelude::*;
use webpane_ipc::protocol::PolicyAnswer;

/// The title of the runtime's own dialogs.
const DIALOG_TITLE: &str = "The page asks";

fn close_with(dialog: &webkit2gtk::ScriptDialog, accept: bool, text: Option<&str>) {
    match dialog.dialog_type() {
        webkit2gtk::ScriptDialogType::Confirm | webkit2gtk::ScriptDialogType::BeforeUnloadConfirm => {
            dialog.confirm_set_confirmed(accept)
        }
        webkit2gtk::ScriptDialogType::Prompt if accept => {
            let default = dialog
                .prompt_get_default_text()
                .map(|t| t.to_string())
                .unwrap_or_default();
            dialog.prompt_set_text(text.unwrap_or(&default));
        }
        _ => {}
    }
    dialog.close();
}

/// Closes `dialog` as `answer` says; `Default` asks the user (in a window of the runtime's own)
/// when the view is on screen.
pub(super) fn answer(parent: &gtk::Window, on_screen: bool, dialog: &webkit2gtk::ScriptDialog, answer: PolicyAnswer) {
    match answer {
        PolicyAnswer::Allow => close_with(dialog, true, None),
        PolicyAnswer::Text(text) => close_with(dialog, true, Some(&text)),
        PolicyAnswer::Default if on_screen => ask_the_user(parent, dialog),
        PolicyAnswer::Default => {
            let leave = dialog.dialog_type() == webkit2gtk::ScriptDialogType::BeforeUnloadConfirm;
            close_with(dialog, leave, None)
        }
        PolicyAnswer::Deny
        | PolicyAnswer::Credentials { .. }
        | PolicyAnswer::Menu { .. }
        | PolicyAnswer::Certificate { .. } => close_with(dialog, false, None),
    }
}

fn ask_the_user(parent: &gtk::Window, dialog: &webkit2gtk::ScriptDialog) {
    let kind = dialog.dialog_type();
    let buttons = match kind {
        webkit2gtk::ScriptDialogType::Alert => gtk::ButtonsType::Ok,
        _ => gtk::ButtonsType::OkCancel,
    };
    let message = dialog.message().map(|m| m.to_string()).unwrap_or_default();
    let window = gtk::MessageDialog::new(
        Some(parent),
        gtk::DialogFlags::MODAL | gtk::DialogFlags::DESTROY_WITH_PARENT,
        gtk::MessageType::Question,
        buttons,
        &message,
    );
    let entry = (kind == webkit2gtk::ScriptDialogType::Prompt).then(|| {
        let entry = gtk::Entry::new();
        entry.set_text(
            &dialog
                .prompt_get_default_text()
                .map(|t| t.to_string())
                .unwrap_or_default(),
        );
        window.content_area().add(&entry);
        entry
    });
    window.set_title(DIALOG_TITLE);
    window.set_default_response(gtk::ResponseType::Ok);
    if let Some(entry) = &entry {
        entry.set_activates_default(true);
    }
    let dialog = dialog.clone();
    window.connect_response(move |window, response| {
        let accept = response == gtk::ResponseType::Ok;
        let text = entry.as_ref().map(|e| e.text().to_string());
        close_with(&dialog, accept, text.as_deref());
        // Our own window: closed (and so destroyed) once answered.
        window.close();
    });
    window.show_all();
}
