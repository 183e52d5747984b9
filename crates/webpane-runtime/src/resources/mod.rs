//! WebResourceRequested: requests a view's app answers, of two kinds that share one table.
//!
//! - **Custom schemes** (`scheme.rs`): every scheme in the runtime's options is registered on
//!   the WebKit context; WebKit hands each request to [`Server`](crate::server::Server), which
//!   finds the view that asked and gives the request to that view's [`Resources`]. The
//!   requesting origin is checked against the scheme's allowed origins (documents of the scheme
//!   itself always pass; a refused request fails like a network error); a CORS preflight from
//!   an allowed origin is answered without the app; a request no filter matches gets the
//!   default response (404).
//! - **http(s)** (`proxied.rs`): the loopback proxy intercepts hosts the view's filters name and
//!   hands each request here; one no filter matches goes on to the network.
//!
//! Either way the app gets `WebResourceRequested` (the one path: [`Resources::to_app`]), with
//! the request body (if any) streamed to it through a pipe as it comes, never gathered; its
//! answer carries the body inline (small), or as an fd (a file, a memfd, or a socket the app
//! writes from any thread) read as a stream (`body.rs`). A request still pending when its view
//! closes fails.

mod body;
mod proxied;
mod scheme;
mod table;

use webpane_ipc::ReceivedFds;
use webpane_ipc::protocol::ResourceResponse;

pub use body::ResponseError;
pub use proxied::preflight_answer;
pub use scheme::fail;
pub use table::Resources;

use crate::proxy::ProxyReply;
use table::Pending;

impl Resources {
    /// Answers request `number` with the app's response (`None`: the default one, which for
    /// http(s) is the network). An answer the engine cannot take fails the request and returns
    /// why; unknown numbers are ignored.
    pub fn answer(
        &self,
        number: u64,
        response: Option<ResourceResponse>,
        fds: &mut ReceivedFds,
    ) -> Result<(), ResponseError> {
        match self.pending.borrow_mut().remove(&number) {
            None => Ok(()),
            Some(Pending::Scheme { request, cors_origin }) => {
                scheme::answer(&request, cors_origin.as_deref(), response, fds)
            }
            Some(Pending::Proxy(reply)) => proxied::answer(&reply, response, fds),
        }
    }

    /// Fails every request still waiting (the view is closing).
    pub fn fail_pending(&self) {
        let pending: Vec<Pending> = self.pending.borrow_mut().drain().map(|(_, p)| p).collect();
        for p in pending {
            match p {
                Pending::Scheme { request, .. } => fail(&request, "the webview closed"),
                Pending::Proxy(reply) => {
                    let _ = reply.send(ProxyReply::Fail("the webview closed".into()));
                }
            }
        }
    }
}
