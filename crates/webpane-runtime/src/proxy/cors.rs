//! CORS preflights for intercepted hosts. The runtime answers a preflight for a URI some view
//! filters on (so that the app's handler can serve cross-origin requests with methods and
//! headers of its choice), and remembers what it approved. When the request that follows is not
//! the app's after all (its handler left it unanswered), it may go to the real server only if
//! the server approves the same preflight itself: the proxy asks it first, and otherwise answers
//! 403 with no CORS headers (the page sees the network error it would have seen). So nothing
//! reaches a real server that the server did not approve.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::serve::Head;
use webpane_proxy_wire::http_head::header;

/// A server's answer to a request head: its status and headers (`None`: no answer).
pub type Answer = Option<(u16, Vec<(String, String)>)>;

/// How long an approval is remembered: as long as the engine may cache it
/// (`Access-Control-Max-Age` of the runtime's answer).
const REMEMBERED: Duration = Duration::from_secs(600);

/// At most this many approvals are remembered (the oldest go first).
const MAX_REMEMBERED: usize = 4096;

/// What the runtime approved for an origin and a URI.
#[derive(Debug, Clone)]
struct Approval {
    method: String,
    headers: Option<String>,
    at: Instant,
}

/// The preflights the runtime approved, by (origin, URI).
#[derive(Default)]
pub struct Approvals(Mutex<HashMap<(String, String), Approval>>);

impl Approvals {
    /// The runtime approves the preflight for `uri` with these headers.
    pub fn record(&self, uri: &str, headers: &[(String, String)]) {
        let (Some(origin), Some(method)) = (
            header(headers, "Origin"),
            header(headers, "Access-Control-Request-Method"),
        ) else {
            return;
        };
        let mut approvals = self.0.lock().unwrap_or_else(|e| e.into_inner());
        approvals.retain(|_, a| a.at.elapsed() < REMEMBERED);
        if approvals.len() >= MAX_REMEMBERED
            && let Some(oldest) = approvals.iter().min_by_key(|(_, a)| a.at).map(|(k, _)| k.clone())
        {
            approvals.remove(&oldest);
        }
        approvals.insert(
            (origin.to_owned(), uri.to_owned()),
            Approval {
                method: method.to_owned(),
                headers: header(headers, "Access-Control-Request-Headers").map(str::to_owned),
                at: Instant::now(),
            },
        );
    }

    /// What the runtime approved for `origin`'s requests to `uri` (`None`: nothing; the
    /// request needed no approval of the runtime's).
    fn approved_for(&self, uri: &str, origin: &str) -> Option<Approval> {
        let approvals = self.0.lock().unwrap_or_else(|e| e.into_inner());
        approvals
            .get(&(origin.to_owned(), uri.to_owned()))
            .filter(|a| a.at.elapsed() < REMEMBERED)
            .cloned()
    }

    /// Whether the request `head` to `uri` (on `host`), which the app left unanswered, may go
    /// to the real server: yes if the runtime approved nothing for it, else only if the server
    /// approves the same preflight (`ask` sends it to the server).
    pub fn may_forward(&self, host: &str, uri: &str, head: &Head, ask: impl FnOnce(&Head) -> Answer) -> bool {
        let Some(origin) = head.header("Origin") else {
            return true;
        };
        let Some(approval) = self.approved_for(uri, origin) else {
            return true;
        };
        let origin = origin.to_owned();
        let mut headers = vec![
            ("Host".to_owned(), head.header("Host").unwrap_or(host).to_owned()),
            ("Origin".to_owned(), origin.clone()),
            ("Access-Control-Request-Method".to_owned(), approval.method.clone()),
        ];
        if let Some(asked) = &approval.headers {
            headers.push(("Access-Control-Request-Headers".to_owned(), asked.clone()));
        }
        let preflight = Head {
            method: "OPTIONS".into(),
            target: head.target.clone(),
            headers,
            rest: Vec::new(),
        };
        match ask(&preflight) {
            Some((status, answer)) => approves(status, &answer, &origin, &approval),
            None => false,
        }
    }
}

/// Whether a server's answer to a preflight approves `approval` for `origin` (the Fetch
/// standard's CORS check, without credentials).
fn approves(status: u16, answer: &[(String, String)], origin: &str, approval: &Approval) -> bool {
    let list = |name: &str| -> Vec<String> {
        header(answer, name)
            .unwrap_or_default()
            .split(',')
            .map(|v| v.trim().to_ascii_lowercase())
            .filter(|v| !v.is_empty())
            .collect()
    };
    let allowed_origin = header(answer, "Access-Control-Allow-Origin").map(str::trim);
    if !(200..300).contains(&status) || !matches!(allowed_origin, Some(o) if o == "*" || o == origin) {
        return false;
    }
    let method = approval.method.to_ascii_uppercase();
    let methods = list("Access-Control-Allow-Methods");
    let method_ok = matches!(method.as_str(), "GET" | "HEAD" | "POST")
        || methods.iter().any(|m| m == "*" || m.eq_ignore_ascii_case(&method));
    let allowed_headers = list("Access-Control-Allow-Headers");
    let headers_ok = approval.headers.as_deref().unwrap_or_default().split(',').all(|h| {
        let h = h.trim().to_ascii_lowercase();
        h.is_empty() || allowed_headers.iter().any(|a| a == "*" || *a == h)
    });
    method_ok && headers_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn approval(method: &str, headers: Option<&str>) -> Approval {
        Approval {
            method: method.into(),
            headers: headers.map(str::to_owned),
            at: Instant::now(),
        }
    }

    fn answer(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(n, v)| ((*n).into(), (*v).into())).collect()
    }

    #[test]
    fn a_server_approves_only_what_it_says() {
        let o = "http://app.test";
        let open = answer(&[
            ("Access-Control-Allow-Origin", "*"),
            ("Access-Control-Allow-Methods", "GET, DELETE"),
            ("Access-Control-Allow-Headers", "X-Token"),
        ]);
        assert!(approves(204, &open, o, &approval("DELETE", Some("x-token"))));
        assert!(approves(200, &open, o, &approval("POST", None)));
        assert!(!approves(204, &open, o, &approval("PUT", None)), "PUT not listed");
        assert!(!approves(204, &open, o, &approval("DELETE", Some("x-other"))));
        assert!(!approves(403, &open, o, &approval("GET", None)), "not 2xx");
        let other = answer(&[("Access-Control-Allow-Origin", "http://else.test")]);
        assert!(!approves(200, &other, o, &approval("GET", None)));
        let none = answer(&[]);
        assert!(!approves(200, &none, o, &approval("GET", None)), "no CORS at all");
        let star = answer(&[
            ("Access-Control-Allow-Origin", o),
            ("Access-Control-Allow-Methods", "*"),
            ("Access-Control-Allow-Headers", "*"),
        ]);
        assert!(approves(204, &star, o, &approval("PATCH", Some("a, b"))));
    }

    #[test]
    fn approvals_are_kept_per_origin_and_uri() {
        let approvals = Approvals::default();
        approvals.record(
            "https://api.test/x",
            &answer(&[
                ("Origin", "http://app.test"),
                ("Access-Control-Request-Method", "DELETE"),
            ]),
        );
        assert!(
            approvals
                .approved_for("https://api.test/x", "http://app.test")
                .is_some()
        );
        assert!(
            approvals
                .approved_for("https://api.test/y", "http://app.test")
                .is_none()
        );
        assert!(approvals.approved_for("https://api.test/x", "http://b.test").is_none());
    }
}
