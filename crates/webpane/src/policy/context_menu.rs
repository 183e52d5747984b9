//! [`ContextMenuRequestedEventArgs`]: the context menu for what was right-clicked, for the app to
//! change, replace, or leave to a menu of its own.

use std::marker::PhantomData;
use std::rc::Rc;

use webpane_ipc::protocol::PolicyAnswer;

use super::responder::PolicyResponder;
use crate::deferral::{Deferral, Deferred};

/// What was right-clicked (WebView2's `CoreWebView2ContextMenuTarget` and `Location`): the
/// page's URI, a link's, an image's or a media element's URI, whether it is editable or has a
/// selection, and where (`x`, `y` in the view's pixels).
pub type ContextMenuTarget = webpane_ipc::protocol::ContextMenuTarget;

/// An item of a context menu (WebView2's `CoreWebView2ContextMenuItem`): WebKit's commands (keep
/// them as they came; their `action` names them, `CopyLinkToClipboard`, …), separators,
/// submenus, and the app's own commands ([`ContextMenuRequestedEventArgs::custom_item`]).
pub type ContextMenuItem = webpane_ipc::protocol::MenuItem;

/// Arguments of [`WebView::on_context_menu_requested`](crate::WebView::on_context_menu_requested).
#[derive(Debug)]
pub struct ContextMenuRequestedEventArgs {
    target: ContextMenuTarget,
    decision: Rc<Deferred<PolicyResponder>>,
    _ui_thread: PhantomData<Rc<()>>,
}

impl ContextMenuRequestedEventArgs {
    pub(super) fn new(target: ContextMenuTarget, decision: Rc<Deferred<PolicyResponder>>) -> Self {
        Self {
            target,
            decision,
            _ui_thread: PhantomData,
        }
    }

    /// What was right-clicked, and where.
    #[doc(alias = "ContextMenuTarget")]
    #[doc(alias = "Location")]
    pub fn context_menu_target(&self) -> &ContextMenuTarget {
        &self.target
    }

    /// The items the menu will show (WebKit's, as they came, until set).
    #[doc(alias = "MenuItems")]
    pub fn menu_items(&self) -> Vec<ContextMenuItem> {
        match &*self.decision.answer.answer.borrow() {
            PolicyAnswer::Menu { items, .. } => items.clone(),
            _ => Vec::new(),
        }
    }

    /// Shows these items instead (keep WebKit's as they came; add the app's with
    /// [`custom_item`](Self::custom_item)).
    #[doc(alias = "MenuItems")]
    pub fn set_menu_items(&self, items: Vec<ContextMenuItem>) {
        let handled = self.handled();
        self.decision
            .answer
            .answer
            .replace(PolicyAnswer::Menu { handled, items });
    }

    /// An item of the app's: when chosen, [`WebView::on_context_menu_item_selected`](crate::WebView::on_context_menu_item_selected)
    /// gets `command_id` (WebView2's `CreateContextMenuItem` and `CustomItemSelected`).
    #[doc(alias = "CreateContextMenuItem")]
    pub fn custom_item(command_id: u32, label: &str) -> ContextMenuItem {
        ContextMenuItem::Command {
            id: command_id,
            label: label.to_owned(),
            action: String::new(),
        }
    }

    /// Whether the app shows a menu of its own (none is shown then).
    #[doc(alias = "Handled")]
    pub fn handled(&self) -> bool {
        matches!(
            &*self.decision.answer.answer.borrow(),
            PolicyAnswer::Menu { handled: true, .. }
        )
    }

    /// The app shows a menu of its own (or not).
    #[doc(alias = "Handled")]
    pub fn set_handled(&self, handled: bool) {
        let items = self.menu_items();
        self.decision
            .answer
            .answer
            .replace(PolicyAnswer::Menu { handled, items });
    }

    /// Holds the menu until the deferral is completed or dropped.
    #[doc(alias = "GetDeferral")]
    pub fn deferral(&self) -> Deferral {
        self.decision.deferral()
    }
}

/// Arguments of [`WebView::on_context_menu_item_selected`](crate::WebView::on_context_menu_item_selected).
#[derive(Debug, Clone)]
pub struct ContextMenuItemSelectedEventArgs {
    pub(crate) command_id: u32,
    pub(crate) _ui_thread: PhantomData<Rc<()>>,
}

impl ContextMenuItemSelectedEventArgs {
    /// The app's id of the chosen item.
    #[doc(alias = "CommandId")]
    pub fn command_id(&self) -> u32 {
        self.command_id
    }
}
