//! HTTP/1.1 request heads, as the proxy reads them from WebKit (parsed by `httparse`, at most
//! [`MAX_HEAD`] bytes, at most 96 headers).

use std::io::{self, Read};

/// The most a request head may take.
pub const MAX_HEAD: usize = 64 * 1024;

/// One request's head.
pub struct Head {
    /// The method (`GET`, `CONNECT`, …).
    pub method: String,
    /// The request target as sent (`/path?query`, or an absolute URI).
    pub target: String,
    /// The headers, in order (values decoded lossily as UTF-8).
    pub headers: Vec<(String, String)>,
    /// Bytes read after the head (a pipelined request, a body).
    pub rest: Vec<u8>,
}

impl Head {
    /// The value of the first header named `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

/// The value of the first header of `headers` named `name` (any case): the one lookup of a
/// header by name, for heads read here and for headers from WebKit or an app.
pub fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Reads one request head from `stream` (`pending`: bytes already read). `Ok(None)`: the peer
/// closed the connection between requests.
pub fn read_head(stream: &mut impl Read, mut pending: Vec<u8>) -> io::Result<Option<Head>> {
    let mut chunk = [0u8; 8192];
    loop {
        if let Some(end) = find_head_end(&pending) {
            let mut headers = [httparse::EMPTY_HEADER; 96];
            let mut request = httparse::Request::new(&mut headers);
            let parsed = request
                .parse(&pending[..end])
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
            if parsed.is_partial() {
                return Err(io::Error::new(io::ErrorKind::InvalidData, "a partial request head"));
            }
            let head = Head {
                method: request.method.unwrap_or("").to_owned(),
                target: request.path.unwrap_or("").to_owned(),
                headers: request
                    .headers
                    .iter()
                    .map(|h| (h.name.to_owned(), String::from_utf8_lossy(h.value).into_owned()))
                    .collect(),
                rest: pending[end..].to_vec(),
            };
            return Ok(Some(head));
        }
        if pending.len() > MAX_HEAD {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "the request head is too large",
            ));
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return if pending.is_empty() {
                Ok(None)
            } else {
                Err(io::ErrorKind::UnexpectedEof.into())
            };
        }
        pending.extend_from_slice(&chunk[..n]);
    }
}

fn find_head_end(bytes: &[u8]) -> Option<usize> {
    bytes.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_are_read_one_at_a_time() {
        let bytes = b"GET /a HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\r\nPOST /b HTTP/1.1\r\n\r\nbody".to_vec();
        let mut stream = io::Cursor::new(bytes);
        let first = read_head(&mut stream, Vec::new()).unwrap().unwrap();
        assert_eq!((first.method.as_str(), first.target.as_str()), ("GET", "/a"));
        assert_eq!(first.header("x-a"), Some("1"));
        let second = read_head(&mut io::empty(), first.rest).unwrap().unwrap();
        assert_eq!(second.method, "POST");
        assert_eq!(second.rest, b"body");
        assert!(
            read_head(&mut io::empty(), Vec::new()).unwrap().is_none(),
            "closed between requests"
        );
        assert!(
            read_head(&mut io::Cursor::new(b"GET / HT".to_vec()), Vec::new()).is_err(),
            "cut short"
        );
        assert!(read_head(&mut io::Cursor::new(b"\0\0 / HTTP/1.1\r\n\r\n".to_vec()), Vec::new()).is_err());
        let huge = vec![b'a'; MAX_HEAD + 10];
        assert!(read_head(&mut io::Cursor::new(huge), Vec::new()).is_err(), "too large");
    }
}
