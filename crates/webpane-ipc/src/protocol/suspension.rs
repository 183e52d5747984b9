//! Which requests wake a suspended view (WebView2: "some APIs like Navigate will auto resume
//! the WebView"). The SDK and the runtime apply the same rule, so `IsSuspended` in the app and
//! the render process's state never disagree.

use super::app::AppMessage;
use super::view::Setting;

impl AppMessage {
    /// Whether this request, about a suspended view, resumes it first: every request that
    /// needs the page to run (navigation, scripts, messages, input, pictures, printing, focus,
    /// showing the view, closing it). Settings, the profile's data (cookies, permissions,
    /// virtual hosts, browsing data), filters, download decisions, bounds and answers to events
    /// leave it suspended.
    pub fn resumes_suspended_view(&self) -> bool {
        match self {
            AppMessage::UpdateSetting { setting, .. } => matches!(setting, Setting::Visible(true)),
            AppMessage::Hello { .. }
            | AppMessage::Ping { .. }
            | AppMessage::CreateWebView { .. }
            | AppMessage::TrySuspend { .. }
            | AppMessage::Resume { .. }
            | AppMessage::GetCookies { .. }
            | AppMessage::SetCookie { .. }
            | AppMessage::DeleteCookie { .. }
            | AppMessage::ClearBrowsingData { .. }
            | AppMessage::SetPermissionState { .. }
            | AppMessage::GetPermissionSettings { .. }
            | AppMessage::SetVirtualHostMapping { .. }
            | AppMessage::ClearVirtualHostMapping { .. }
            | AppMessage::AddWebResourceRequestedFilter { .. }
            | AppMessage::RemoveWebResourceRequestedFilter { .. }
            | AppMessage::AddDocumentCreatedScript { .. }
            | AppMessage::RemoveDocumentCreatedScript { .. }
            | AppMessage::DownloadDecision { .. }
            | AppMessage::CancelDownload { .. }
            | AppMessage::SetBounds { .. }
            | AppMessage::PolicyResponse { .. }
            | AppMessage::NavigationStartingResponse { .. }
            | AppMessage::WebResourceResponse { .. }
            | AppMessage::NewWindowResponse { .. }
            | AppMessage::AcceleratorKeyAnswer { .. }
            | AppMessage::MoveFocusAnswer { .. }
            | AppMessage::NotificationAction { .. }
            | AppMessage::GetResourceContent { .. } => false,
            AppMessage::Navigate { .. }
            | AppMessage::NavigateToString { .. }
            | AppMessage::NavigateWithHeaders { .. }
            | AppMessage::NavigateWithRequest { .. }
            | AppMessage::Stop { .. }
            | AppMessage::GoBack { .. }
            | AppMessage::GoForward { .. }
            | AppMessage::Reload { .. }
            | AppMessage::ExecuteScript { .. }
            | AppMessage::PostWebMessage { .. }
            | AppMessage::PostWebMessageWithFiles { .. }
            | AppMessage::PostWorkerMessage { .. }
            | AppMessage::PostSharedBuffer { .. }
            | AppMessage::Fence { .. }
            | AppMessage::HostObjectReply { .. }
            | AppMessage::AttachFrames { .. }
            | AppMessage::ReleaseFrame { .. }
            | AppMessage::SendInput { .. }
            | AppMessage::Drag { .. }
            | AppMessage::Find { .. }
            | AppMessage::DevToolsWindow { .. }
            | AppMessage::TerminateRenderProcess { .. }
            | AppMessage::CapturePreview { .. }
            | AppMessage::PrintToPdf { .. }
            | AppMessage::Print { .. }
            | AppMessage::ShowPrintUi { .. }
            | AppMessage::SaveAsMhtml { .. }
            | AppMessage::MoveFocus { .. }
            | AppMessage::Close { .. } => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::WebViewId;

    #[test]
    fn showing_or_navigating_resumes_and_settings_do_not() {
        let id = WebViewId(1);
        assert!(
            AppMessage::UpdateSetting {
                id,
                setting: Setting::Visible(true)
            }
            .resumes_suspended_view()
        );
        assert!(
            !AppMessage::UpdateSetting {
                id,
                setting: Setting::Visible(false)
            }
            .resumes_suspended_view()
        );
        assert!(
            !AppMessage::UpdateSetting {
                id,
                setting: Setting::Muted(true)
            }
            .resumes_suspended_view()
        );
        assert!(AppMessage::Reload { id }.resumes_suspended_view());
        assert!(!AppMessage::Resume { id }.resumes_suspended_view());
        assert!(!AppMessage::TrySuspend { id, request: 1 }.resumes_suspended_view());
    }
}
