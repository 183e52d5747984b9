//! Serves a virtual host's folder over one HTTP/1.1 connection (inside TLS for https): GET, HEAD
//! and CORS preflights; files streamed in chunks, single byte ranges, MIME types from the file
//! name; nothing outside the folder (`openat2` with `RESOLVE_BENEATH`: `..`, absolute and
//! escaping symbolic links fail), and the access kind applied to other origins.

use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, OwnedFd};

use rustix::fs::{Mode, OFlags, ResolveFlags};
use webpane_ipc::protocol::HostResourceAccess;
pub use webpane_proxy_wire::http_head::{Head, read_head};

/// How much of a file is read and sent at a time.
const CHUNK: usize = 256 * 1024;

/// A mapped folder as the server uses it.
pub struct Site {
    pub host: String,
    pub folder: OwnedFd,
    pub access: HostResourceAccess,
    /// Cleared when the host is no longer mapped: open connections close before their next
    /// request.
    pub live: std::sync::atomic::AtomicBool,
}

/// The method and body a navigation gets on its way out (`NavigateWithRequest`: WebKitGTK
/// navigates with GET only).
pub struct Rewrite {
    pub method: String,
    pub body: Vec<u8>,
}

/// Serves requests on `stream` until the peer closes it, a request asks to, or the host is no
/// longer mapped; `first`: a request already read.
pub fn serve(stream: &mut (impl Read + Write), site: &Site, scheme: &str, first: Option<Head>) -> io::Result<()> {
    let origin = format!("{scheme}://{}", site.host);
    let mut next = first;
    loop {
        if !site.live.load(std::sync::atomic::Ordering::Acquire) {
            return Ok(());
        }
        let head = match next.take() {
            Some(head) => head,
            None => match read_head(stream, Vec::new())? {
                Some(head) => head,
                None => return Ok(()),
            },
        };
        let close = head
            .header("connection")
            .is_some_and(|c| c.eq_ignore_ascii_case("close"))
            || head.header("content-length").is_some_and(|l| l.trim() != "0")
            || head.header("transfer-encoding").is_some();
        respond(stream, site, &origin, &head, close)?;
        stream.flush()?;
        if close {
            return Ok(());
        }
        if !head.rest.is_empty() {
            next = read_head(stream, head.rest)?;
            if next.is_none() {
                return Ok(());
            }
        }
    }
}

/// Whether the request comes from a document of another origin (and is not a navigation).
fn cross_origin(head: &Head, origin: &str) -> bool {
    if let Some(from) = head.header("origin") {
        return !from.eq_ignore_ascii_case(origin);
    }
    if matches!(head.header("sec-fetch-mode"), Some("navigate")) {
        return false;
    }
    match head.header("sec-fetch-site") {
        Some("same-origin") | Some("none") => false,
        Some(_) => true,
        None => head
            .header("referer")
            .is_some_and(|r| !r.to_ascii_lowercase().starts_with(&format!("{origin}/"))),
    }
}

pub fn respond(stream: &mut impl Write, site: &Site, origin: &str, head: &Head, close: bool) -> io::Result<()> {
    let connection = if close { "close" } else { "keep-alive" };
    let cross = cross_origin(head, origin);
    log::debug!(
        "{origin}: {} {} (origin {:?}, sec-fetch-site {:?}, referer {:?}; cross-origin: {cross})",
        head.method,
        head.target,
        head.header("origin"),
        head.header("sec-fetch-site"),
        head.header("referer")
    );
    if cross && site.access == HostResourceAccess::Deny {
        return simple(stream, 403, "Forbidden", connection, &[]);
    }
    let cors: Vec<(&str, String)> = match (site.access, head.header("origin")) {
        (HostResourceAccess::Allow, Some(_)) => vec![("Access-Control-Allow-Origin", "*".into())],
        _ => Vec::new(),
    };
    match head.method.as_str() {
        "GET" | "HEAD" => {}
        "OPTIONS" if cross && site.access == HostResourceAccess::Allow => {
            let mut headers = cors.clone();
            headers.push(("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS".into()));
            if let Some(asked) = head.header("access-control-request-headers") {
                headers.push(("Access-Control-Allow-Headers", asked.to_owned()));
            }
            return simple(stream, 204, "No Content", connection, &headers);
        }
        _ => {
            let mut headers = cors.clone();
            headers.push(("Allow", "GET, HEAD".into()));
            return simple(stream, 405, "Method Not Allowed", connection, &headers);
        }
    }
    let path = head.target.split(['?', '#']).next().unwrap_or("/");
    let path = path.strip_prefix(origin).unwrap_or(path);
    respond_file(stream, site, path, head, connection, &cors)
}

fn respond_file(
    stream: &mut impl Write,
    site: &Site,
    path: &str,
    head: &Head,
    connection: &str,
    cors: &[(&str, String)],
) -> io::Result<()> {
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8_lossy()
        .into_owned();
    let relative = decoded.trim_start_matches('/');
    if relative.contains('\0') || relative.split('/').any(|s| s == "..") {
        return simple(stream, 404, "Not Found", connection, cors);
    }
    let (file, name) = match open_beneath(&site.folder, relative) {
        Ok(found) => found,
        Err(Found::Directory) => {
            // A folder without its trailing slash: relative URLs in its index need one.
            let mut headers = cors.to_vec();
            headers.push(("Location", format!("{path}/")));
            return simple(stream, 301, "Moved Permanently", connection, &headers);
        }
        Err(Found::Nothing) => return simple(stream, 404, "Not Found", connection, cors),
    };
    let size = file.metadata()?.len();
    let mime = mime_guess::from_path(&name).first_or_octet_stream();
    let content_type = match mime.type_() {
        mime_guess::mime::TEXT => format!("{mime}; charset=utf-8"),
        _ if mime.subtype() == "javascript" => "text/javascript; charset=utf-8".to_owned(),
        _ => mime.to_string(),
    };
    let range = head.header("range").and_then(|r| parse_range(r, size));
    let (status, reason, start, length) = match range {
        Some(Ok((start, end))) => (206, "Partial Content", start, end - start + 1),
        Some(Err(())) => {
            let mut headers = cors.to_vec();
            headers.push(("Content-Range", format!("bytes */{size}")));
            return simple(stream, 416, "Range Not Satisfiable", connection, &headers);
        }
        None => (200, "OK", 0, size),
    };
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\n\
         Accept-Ranges: bytes\r\nCache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\nConnection: {connection}\r\n"
    );
    if status == 206 {
        out.push_str(&format!(
            "Content-Range: bytes {start}-{}/{size}\r\n",
            start + length - 1
        ));
    }
    for (name, value) in cors {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    stream.write_all(out.as_bytes())?;
    if head.method == "HEAD" {
        return Ok(());
    }
    let mut file = file;
    if start > 0 {
        io::Seek::seek(&mut file, io::SeekFrom::Start(start))?;
    }
    // Streamed in chunks: a big file is never held whole.
    let mut chunk = vec![0u8; CHUNK.min(length as usize).max(1)];
    let mut copied = 0u64;
    while copied < length {
        let want = chunk.len().min((length - copied) as usize);
        let n = file.read(&mut chunk[..want])?;
        if n == 0 {
            break;
        }
        stream.write_all(&chunk[..n])?;
        copied += n as u64;
    }
    if copied != length {
        // The file shrank meanwhile: the length promised cannot be kept.
        return Err(io::ErrorKind::UnexpectedEof.into());
    }
    Ok(())
}

#[derive(Debug)]
enum Found {
    Directory,
    Nothing,
}

/// Opens `relative` beneath the folder; a folder gives its `index.html` when asked with a
/// trailing slash.
fn open_beneath(folder: &OwnedFd, relative: &str) -> Result<(File, String), Found> {
    let open = |path: &str| {
        rustix::fs::openat2(
            folder.as_fd(),
            if path.is_empty() { "." } else { path },
            OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOCTTY | OFlags::NONBLOCK,
            Mode::empty(),
            ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS,
        )
    };
    let fd = open(relative).map_err(|_| Found::Nothing)?;
    let stat = rustix::fs::fstat(&fd).map_err(|_| Found::Nothing)?;
    let kind = rustix::fs::FileType::from_raw_mode(stat.st_mode);
    if kind.is_dir() {
        if !(relative.is_empty() || relative.ends_with('/')) {
            return Err(Found::Directory);
        }
        let index = format!("{relative}index.html");
        let fd = open(&index).map_err(|_| Found::Nothing)?;
        return regular(fd, index);
    }
    regular(fd, relative.to_owned())
}

fn regular(fd: OwnedFd, name: String) -> Result<(File, String), Found> {
    let stat = rustix::fs::fstat(&fd).map_err(|_| Found::Nothing)?;
    if !rustix::fs::FileType::from_raw_mode(stat.st_mode).is_file() {
        return Err(Found::Nothing);
    }
    // Reads block as usual from here on.
    let flags = rustix::fs::fcntl_getfl(&fd).map_err(|_| Found::Nothing)?;
    rustix::fs::fcntl_setfl(&fd, flags - OFlags::NONBLOCK).map_err(|_| Found::Nothing)?;
    Ok((File::from(fd), name))
}

/// `bytes=a-b`, `bytes=a-`, `bytes=-n` (one range); `Err` if it cannot be satisfied.
fn parse_range(value: &str, size: u64) -> Option<Result<(u64, u64), ()>> {
    let spec = value.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None; // several ranges: the whole file instead
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let range = match (a.parse::<u64>().ok(), b.parse::<u64>().ok()) {
        (Some(start), Some(end)) if start <= end => (start, end.min(size.saturating_sub(1))),
        (Some(start), None) if b.is_empty() => (start, size.saturating_sub(1)),
        (None, Some(n)) if a.is_empty() && n > 0 => (size.saturating_sub(n), size.saturating_sub(1)),
        _ => return None,
    };
    if size == 0 || range.0 >= size {
        return Some(Err(()));
    }
    Some(Ok(range))
}

/// A response without a body of its own (a short text).
pub fn simple(
    stream: &mut impl Write,
    status: u16,
    reason: &str,
    connection: &str,
    headers: &[(&str, String)],
) -> io::Result<()> {
    let body = if status == 204 || status == 301 {
        String::new()
    } else {
        format!("{status} {reason}\n")
    };
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: {connection}\r\n",
        body.len()
    );
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(&body);
    stream.write_all(out.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_http_says() {
        assert_eq!(parse_range("bytes=0-9", 100), Some(Ok((0, 9))));
        assert_eq!(parse_range("bytes=90-", 100), Some(Ok((90, 99))));
        assert_eq!(parse_range("bytes=-10", 100), Some(Ok((90, 99))));
        assert_eq!(parse_range("bytes=50-500", 100), Some(Ok((50, 99))));
        assert_eq!(parse_range("bytes=100-", 100), Some(Err(())));
        assert_eq!(parse_range("bytes=0-1,5-6", 100), None);
        assert_eq!(parse_range("lines=1-2", 100), None);
    }

    #[test]
    fn nothing_outside_the_folder_opens() {
        let root = tempfile::tempdir().unwrap();
        let site = root.path().join("site");
        std::fs::create_dir_all(site.join("sub")).unwrap();
        std::fs::write(site.join("sub/index.html"), "index").unwrap();
        std::fs::write(site.join("a.txt"), "a").unwrap();
        std::fs::write(root.path().join("secret"), "secret").unwrap();
        std::os::unix::fs::symlink("../secret", site.join("out")).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", site.join("abs")).unwrap();
        std::os::unix::fs::symlink("a.txt", site.join("in")).unwrap();
        let folder: OwnedFd = File::open(&site).unwrap().into();
        assert!(open_beneath(&folder, "a.txt").is_ok());
        assert!(open_beneath(&folder, "in").is_ok(), "a link that stays inside");
        assert!(matches!(open_beneath(&folder, "sub"), Err(Found::Directory)));
        assert_eq!(open_beneath(&folder, "sub/").unwrap().1, "sub/index.html");
        for escape in ["out", "abs", "../secret", "sub/../../secret", "/etc/passwd"] {
            assert!(matches!(open_beneath(&folder, escape), Err(Found::Nothing)), "{escape}");
        }
    }
}
