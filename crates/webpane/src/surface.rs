//! What the page does to its surroundings (WebView2's `WindowCloseRequested`, sound,
//! `ContainsFullScreenElementChanged`, `StatusBarTextChanged`), and muting it.

use std::cell::{Cell, RefCell};
use std::marker::PhantomData;
use std::rc::Rc;

use webpane_ipc::protocol::Setting;

use crate::error::Result;
use crate::objects::WebView;

/// What the page last reported of its sound, full screen, status text and icon: only this
/// module reads or changes it.
#[derive(Default)]
pub(crate) struct SurfaceState {
    /// Playing, muted.
    audio: Cell<(bool, bool)>,
    full_screen: Cell<bool>,
    /// The link under the pointer.
    status_text: RefCell<String>,
    /// Where the icon came from, and the icon as PNG.
    favicon: RefCell<(String, Vec<u8>)>,
}

macro_rules! empty_args {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone)]
        pub struct $name {
            _ui_thread: PhantomData<Rc<()>>,
        }
        impl $name {
            fn new() -> Self {
                Self { _ui_thread: PhantomData }
            }
        }
    )*};
}

empty_args! {
    /// Arguments of [`WebView::on_window_close_requested`]: the page called `window.close()`.
    WindowCloseRequestedEventArgs;
    /// Arguments of [`WebView::on_is_document_playing_audio_changed`].
    IsDocumentPlayingAudioChangedEventArgs;
    /// Arguments of [`WebView::on_is_muted_changed`].
    IsMutedChangedEventArgs;
    /// Arguments of [`WebView::on_contains_full_screen_element_changed`].
    ContainsFullScreenElementChangedEventArgs;
    /// Arguments of [`WebView::on_status_bar_text_changed`].
    StatusBarTextChangedEventArgs;
    /// Arguments of [`WebView::on_favicon_changed`].
    FaviconChangedEventArgs;
}

impl WebView {
    /// Whether the page plays sound (muted or not), as last reported.
    #[doc(alias = "IsDocumentPlayingAudio")]
    pub fn is_document_playing_audio(&self) -> bool {
        self.inner.features.get::<SurfaceState>().audio.get().0
    }

    /// Whether the page is muted, as last reported.
    #[doc(alias = "IsMuted")]
    pub fn is_muted(&self) -> bool {
        self.inner.features.get::<SurfaceState>().audio.get().1
    }

    /// Mutes or unmutes the page.
    #[doc(alias = "IsMuted")]
    pub fn set_muted(&self, muted: bool) -> Result<()> {
        self.request(webpane_ipc::protocol::AppMessage::UpdateSetting {
            id: self.id(),
            setting: Setting::Muted(muted),
        })
    }

    /// Whether an element of the page is full screen, as last reported.
    #[doc(alias = "ContainsFullScreenElement")]
    pub fn contains_full_screen_element(&self) -> bool {
        self.inner.features.get::<SurfaceState>().full_screen.get()
    }

    /// The link under the pointer, as a status bar would show it (empty: none).
    #[doc(alias = "StatusBarText")]
    pub fn status_bar_text(&self) -> String {
        self.inner.features.get::<SurfaceState>().status_text.borrow().clone()
    }

    /// Where the page's icon came from, as last reported (empty: none known).
    #[doc(alias = "FaviconUri")]
    pub fn favicon_uri(&self) -> String {
        self.inner.features.get::<SurfaceState>().favicon.borrow().0.clone()
    }

    /// The page's icon as PNG, as last reported (empty: none). WebView2's `GetFaviconAsync`
    /// with `PNG`, without the wait: the icon came with its event.
    #[doc(alias = "GetFaviconAsync")]
    pub fn favicon_png(&self) -> Vec<u8> {
        self.inner.features.get::<SurfaceState>().favicon.borrow().1.clone()
    }

    pub(crate) fn favicon_changed(&self, uri: String, png: Vec<u8>) {
        self.inner.features.get::<SurfaceState>().favicon.replace((uri, png));
        self.inner.events.raise(self, &FaviconChangedEventArgs::new());
    }

    pub(crate) fn window_close_requested(&self) {
        self.inner.events.raise(self, &WindowCloseRequestedEventArgs::new());
    }

    pub(crate) fn audio_changed(&self, playing: bool, muted: bool) {
        let (was_playing, was_muted) = self
            .inner
            .features
            .get::<SurfaceState>()
            .audio
            .replace((playing, muted));
        if was_playing != playing {
            self.inner
                .events
                .raise(self, &IsDocumentPlayingAudioChangedEventArgs::new());
        }
        if was_muted != muted {
            self.inner.events.raise(self, &IsMutedChangedEventArgs::new());
        }
    }

    pub(crate) fn full_screen_changed(&self, full_screen: bool) {
        if self
            .inner
            .features
            .get::<SurfaceState>()
            .full_screen
            .replace(full_screen)
            != full_screen
        {
            self.inner
                .events
                .raise(self, &ContainsFullScreenElementChangedEventArgs::new());
        }
    }

    pub(crate) fn status_bar_text_changed(&self, text: String) {
        self.inner.features.get::<SurfaceState>().status_text.replace(text);
        self.inner.events.raise(self, &StatusBarTextChangedEventArgs::new());
    }

    crate::handlers::event_methods! { WebView {
        /// the page called `window.close()`. As in WebView2 the webview stays open: close it
        /// here if the app agrees.
        on_window_close_requested, remove_window_close_requested, WindowCloseRequestedEventArgs, "add_WindowCloseRequested", "remove_WindowCloseRequested";
        /// the page started or stopped playing sound ([`is_document_playing_audio`](Self::is_document_playing_audio)).
        on_is_document_playing_audio_changed, remove_is_document_playing_audio_changed, IsDocumentPlayingAudioChangedEventArgs, "add_IsDocumentPlayingAudioChanged", "remove_IsDocumentPlayingAudioChanged";
        /// the page was muted or unmuted ([`is_muted`](Self::is_muted)).
        on_is_muted_changed, remove_is_muted_changed, IsMutedChangedEventArgs, "add_IsMutedChanged", "remove_IsMutedChanged";
        /// an element of the page went full screen or left it ([`contains_full_screen_element`](Self::contains_full_screen_element)).
        on_contains_full_screen_element_changed, remove_contains_full_screen_element_changed, ContainsFullScreenElementChangedEventArgs, "add_ContainsFullScreenElementChanged", "remove_ContainsFullScreenElementChanged";
        /// the link under the pointer changed ([`status_bar_text`](Self::status_bar_text)).
        on_status_bar_text_changed, remove_status_bar_text_changed, StatusBarTextChangedEventArgs, "add_StatusBarTextChanged", "remove_StatusBarTextChanged";
        /// the page's icon changed ([`favicon_png`](Self::favicon_png), [`favicon_uri`](Self::favicon_uri)).
        on_favicon_changed, remove_favicon_changed, FaviconChangedEventArgs, "add_FaviconChanged", "remove_FaviconChanged";
    }}
}
