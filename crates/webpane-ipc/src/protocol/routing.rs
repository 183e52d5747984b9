//! Which webview a message is about (the runtime routes requests, the SDK events, by it).

use super::app::AppMessage;
use super::runtime::RuntimeMessage;
use super::view::WebViewId;

impl AppMessage {
    /// The webview the request is about (`None` for `Hello`).
    pub fn webview(&self) -> Option<WebViewId> {
        match self {
            AppMessage::Hello { .. } | AppMessage::Ping { .. } => None,
            AppMessage::CreateWebView { id, .. }
            | AppMessage::Navigate { id, .. }
            | AppMessage::NavigateToString { id, .. }
            | AppMessage::NavigateWithHeaders { id, .. }
            | AppMessage::NavigateWithRequest { id, .. }
            | AppMessage::Stop { id }
            | AppMessage::GoBack { id }
            | AppMessage::GoForward { id }
            | AppMessage::ExecuteScript { id, .. }
            | AppMessage::AddDocumentCreatedScript { id, .. }
            | AppMessage::RemoveDocumentCreatedScript { id, .. }
            | AppMessage::PostWebMessage { id, .. }
            | AppMessage::Fence { id, .. }
            | AppMessage::HostObjectReply { id, .. }
            | AppMessage::PostWorkerMessage { id, .. }
            | AppMessage::AttachFrames { id, .. }
            | AppMessage::ReleaseFrame { id, .. }
            | AppMessage::SendInput { id, .. }
            | AppMessage::PolicyResponse { id, .. }
            | AppMessage::Find { id, .. }
            | AppMessage::SetPermissionState { id, .. }
            | AppMessage::GetPermissionSettings { id, .. }
            | AppMessage::DownloadDecision { id, .. }
            | AppMessage::CancelDownload { id, .. }
            | AppMessage::DevToolsWindow { id, .. }
            | AppMessage::PostWebMessageWithFiles { id, .. }
            | AppMessage::Reload { id }
            | AppMessage::TerminateRenderProcess { id }
            | AppMessage::NavigationStartingResponse { id, .. }
            | AppMessage::AddWebResourceRequestedFilter { id, .. }
            | AppMessage::RemoveWebResourceRequestedFilter { id, .. }
            | AppMessage::WebResourceResponse { id, .. }
            | AppMessage::GetResourceContent { id, .. }
            | AppMessage::NewWindowResponse { id, .. }
            | AppMessage::PostSharedBuffer { id, .. }
            | AppMessage::CapturePreview { id, .. }
            | AppMessage::PrintToPdf { id, .. }
            | AppMessage::SaveAsMhtml { id, .. }
            | AppMessage::GetCookies { id, .. }
            | AppMessage::SetVirtualHostMapping { id, .. }
            | AppMessage::ClearVirtualHostMapping { id, .. }
            | AppMessage::SetCookie { id, .. }
            | AppMessage::DeleteCookie { id, .. }
            | AppMessage::ClearBrowsingData { id, .. }
            | AppMessage::UpdateSetting { id, .. }
            | AppMessage::SetBounds { id, .. }
            | AppMessage::MoveFocus { id, .. }
            | AppMessage::AcceleratorKeyAnswer { id, .. }
            | AppMessage::MoveFocusAnswer { id, .. }
            | AppMessage::NotificationAction { id, .. }
            | AppMessage::TrySuspend { id, .. }
            | AppMessage::Drag { id, .. }
            | AppMessage::Print { id, .. }
            | AppMessage::ShowPrintUi { id, .. }
            | AppMessage::Resume { id }
            | AppMessage::Close { id } => Some(*id),
        }
    }
}

impl RuntimeMessage {
    /// The webview an event is about (`None` for messages about the runtime or the connection).
    pub fn webview(&self) -> Option<WebViewId> {
        match self {
            RuntimeMessage::WebViewCreated { id }
            | RuntimeMessage::WebViewClosed { id, .. }
            | RuntimeMessage::NavigationStarting { id, .. }
            | RuntimeMessage::ContentLoading { id, .. }
            | RuntimeMessage::SourceChanged { id, .. }
            | RuntimeMessage::HistoryChanged { id, .. }
            | RuntimeMessage::DocumentTitleChanged { id, .. }
            | RuntimeMessage::DomContentLoaded { id, .. }
            | RuntimeMessage::ScriptResult { id, .. }
            | RuntimeMessage::WebMessageReceived { id, .. }
            | RuntimeMessage::PageChannel { id, .. }
            | RuntimeMessage::PageFence { id, .. }
            | RuntimeMessage::HostObjectCall { id, .. }
            | RuntimeMessage::WorkerEvent { id, .. }
            | RuntimeMessage::FrameReady { id, .. }
            | RuntimeMessage::CursorChanged { id, .. }
            | RuntimeMessage::TextInputChanged { id, .. }
            | RuntimeMessage::TooltipChanged { id, .. }
            | RuntimeMessage::PolicyRequested { id, .. }
            | RuntimeMessage::FindChanged { id, .. }
            | RuntimeMessage::PermissionSettings { id, .. }
            | RuntimeMessage::WindowCloseRequested { id }
            | RuntimeMessage::AudioChanged { id, .. }
            | RuntimeMessage::ZoomFactorChanged { id, .. }
            | RuntimeMessage::NonClientRegionChanged { id, .. }
            | RuntimeMessage::FocusChanged { id, .. }
            | RuntimeMessage::NotificationReceived { id, .. }
            | RuntimeMessage::NotificationClosed { id, .. }
            | RuntimeMessage::MoveFocusRequested { id, .. }
            | RuntimeMessage::AcceleratorKeyPressed { id, .. }
            | RuntimeMessage::WebResourceResponseReceived { id, .. }
            | RuntimeMessage::ResourceContent { id, .. }
            | RuntimeMessage::FullScreenChanged { id, .. }
            | RuntimeMessage::StatusBarTextChanged { id, .. }
            | RuntimeMessage::FaviconChanged { id, .. }
            | RuntimeMessage::FrameNavigationEvent { id, .. }
            | RuntimeMessage::ContextMenuItemSelected { id, .. }
            | RuntimeMessage::DownloadStarting { id, .. }
            | RuntimeMessage::DownloadChanged { id, .. }
            | RuntimeMessage::WebMessageWithFilesReceived { id, .. }
            | RuntimeMessage::WebResourceRequested { id, .. }
            | RuntimeMessage::NewWindowRequested { id, .. }
            | RuntimeMessage::FrameCreated { id, .. }
            | RuntimeMessage::SharedBufferDelivered { id, .. }
            | RuntimeMessage::CaptureResult { id, .. }
            | RuntimeMessage::CookiesResult { id, .. }
            | RuntimeMessage::OperationDone { id, .. }
            | RuntimeMessage::SuspendDone { id, .. }
            | RuntimeMessage::DragDone { id, .. }
            | RuntimeMessage::PrintDone { id, .. }
            | RuntimeMessage::SharedBufferReleased { id, .. }
            | RuntimeMessage::FrameNavigated { id, .. }
            | RuntimeMessage::FrameDestroyed { id, .. }
            | RuntimeMessage::NavigationCompleted { id, .. }
            | RuntimeMessage::ProcessFailed { id, .. } => Some(*id),
            RuntimeMessage::RequestFailed { id, .. } => *id,
            RuntimeMessage::Welcome { .. }
            | RuntimeMessage::OptionsMismatch { .. }
            | RuntimeMessage::ChildProcesses { .. }
            | RuntimeMessage::Exiting
            | RuntimeMessage::Disconnecting { .. }
            | RuntimeMessage::Pong { .. }
            | RuntimeMessage::NewBrowserVersionAvailable => None,
        }
    }
}
