//! Non-client regions of a [`WebView`] (WebView2's `IsNonClientRegionSupportEnabled`,
//! `QueryNonClientRegion`, `GetNonClientRegionAtPoint`, `NonClientRegionChanged`): the parts of
//! the page that drag the window, for frameless windows.
//!
//! WebKitGTK's CSS has no `app-region` property (it drops `app-region: drag` and
//! `-webkit-app-region: drag` as unknown), so a page marks its drag regions with the custom
//! property `--app-region: drag` (and `--app-region: no-drag` for the controls inside them);
//! writing both, `app-region: drag; --app-region: drag`, serves WebView2 and webpane alike.

use std::cell::{Cell, RefCell};
use std::marker::PhantomData;
use std::rc::Rc;

use webpane_ipc::protocol::{AppMessage, Setting};

use crate::error::Result;
use crate::objects::WebView;

/// The kind of a non-client region (WebView2's `CoreWebView2NonClientRegionKind`).
#[doc(alias = "CoreWebView2NonClientRegionKind")]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NonClientRegionKind {
    /// Outside the view.
    Nowhere,
    /// The page, where input goes to the page.
    Client,
    /// A drag region: pressing there drags the window (`--app-region: drag`).
    Caption,
}

/// A rectangle of a region, in view pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RegionRect {
    /// Left edge.
    pub x: i32,
    /// Top edge.
    pub y: i32,
    /// Width.
    pub width: i32,
    /// Height.
    pub height: i32,
}

impl RegionRect {
    /// Whether `(x, y)` is inside.
    pub fn contains(&self, x: i32, y: i32) -> bool {
        self.x <= x && x < self.x + self.width && self.y <= y && y < self.y + self.height
    }
}

/// Arguments of [`WebView::on_non_client_region_changed`].
#[derive(Debug, Clone)]
pub struct NonClientRegionChangedEventArgs {
    _ui_thread: PhantomData<Rc<()>>,
}

impl NonClientRegionChangedEventArgs {
    /// The kind of region that changed (always [`NonClientRegionKind::Caption`]).
    #[doc(alias = "RegionKind")]
    pub fn region_kind(&self) -> NonClientRegionKind {
        NonClientRegionKind::Caption
    }
}

/// Whether regions are followed, and the caption region last told.
#[derive(Default)]
struct RegionState {
    enabled: Cell<bool>,
    caption: RefCell<Vec<RegionRect>>,
    size: Cell<Option<(u32, u32)>>,
}

impl WebView {
    fn region_state(&self) -> Rc<RegionState> {
        self.inner.features.get()
    }

    /// Follows the page's drag regions (`--app-region: drag`) or stops (default off, as in
    /// WebView2). While on, [`query_non_client_region`](Self::query_non_client_region) and
    /// [`non_client_region_at_point`](Self::non_client_region_at_point) answer from the last
    /// region told, `NonClientRegionChanged` says when it changes, and in the browser process's
    /// own window (`WebViewOptions::window`) a press in a drag region moves the window. An
    /// embedded or offscreen view's app moves its own window where the region says.
    #[doc(alias = "IsNonClientRegionSupportEnabled")]
    pub fn set_non_client_region_support_enabled(&self, enabled: bool) -> Result<()> {
        self.request(AppMessage::UpdateSetting {
            id: self.id(),
            setting: Setting::NonClientRegions(enabled),
        })?;
        let state = self.region_state();
        state.enabled.set(enabled);
        if !enabled {
            state.caption.borrow_mut().clear();
        }
        Ok(())
    }

    /// Whether drag regions are followed.
    #[doc(alias = "IsNonClientRegionSupportEnabled")]
    pub fn is_non_client_region_support_enabled(&self) -> bool {
        self.region_state().enabled.get()
    }

    /// The rectangles of the region of `kind`, in view pixels, none overlapping: the drag
    /// regions for [`NonClientRegionKind::Caption`], none for the other kinds.
    #[doc(alias = "QueryNonClientRegion")]
    pub fn query_non_client_region(&self, kind: NonClientRegionKind) -> Vec<RegionRect> {
        match kind {
            NonClientRegionKind::Caption => self.region_state().caption.borrow().clone(),
            _ => Vec::new(),
        }
    }

    /// What is at `(x, y)` (view pixels): `Caption` in a drag region, `Nowhere` outside the
    /// view (as last told with the region), else `Client`.
    #[doc(alias = "GetNonClientRegionAtPoint")]
    pub fn non_client_region_at_point(&self, x: i32, y: i32) -> NonClientRegionKind {
        let state = self.region_state();
        if let Some((width, height)) = state.size.get()
            && (x < 0 || y < 0 || x as u32 >= width || y as u32 >= height)
        {
            return NonClientRegionKind::Nowhere;
        }
        if state.caption.borrow().iter().any(|r| r.contains(x, y)) {
            NonClientRegionKind::Caption
        } else {
            NonClientRegionKind::Client
        }
    }

    /// The browser process told a new caption region.
    pub(crate) fn non_client_region_changed(&self, caption: Vec<[i32; 4]>, size: [u32; 2]) {
        let state = self.region_state();
        *state.caption.borrow_mut() = caption
            .into_iter()
            .map(|[x, y, width, height]| RegionRect { x, y, width, height })
            .collect();
        state.size.set(Some((size[0], size[1])));
        let args = NonClientRegionChangedEventArgs {
            _ui_thread: PhantomData,
        };
        self.inner.events.raise(self, &args);
    }

    crate::handlers::event_methods! { WebView {
        /// the page's drag regions changed (with support enabled); read them with
        /// [`query_non_client_region`](Self::query_non_client_region).
        on_non_client_region_changed, remove_non_client_region_changed, NonClientRegionChangedEventArgs, "add_NonClientRegionChanged", "remove_NonClientRegionChanged";
    }}
}
