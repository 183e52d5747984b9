//! The client side of SOCKS5 (RFC 1928, with RFC 1929 username/password) and SOCKS4a, for the
//! next proxy the app or the system names: the runtime's own proxy passes other traffic through
//! it. Host names are sent unresolved, as GIO does for WebKit.

use std::io::{self, Read, Write};

fn refused(why: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionRefused, why.into())
}

/// Asks a SOCKS5 proxy (connected as `stream`) for a connection to `host:port`.
pub fn connect5(
    stream: &mut (impl Read + Write),
    credentials: Option<&(String, String)>,
    host: &str,
    port: u16,
) -> io::Result<()> {
    let method = if credentials.is_some() { 2 } else { 0 };
    stream.write_all(&[5, 1, method])?;
    let mut answer = [0u8; 2];
    stream.read_exact(&mut answer)?;
    if answer != [5, method] {
        return Err(refused(format!(
            "the SOCKS5 proxy refused authentication method {method}"
        )));
    }
    if let Some((user, password)) = credentials {
        let (user, password) = (user.as_bytes(), password.as_bytes());
        if user.len() > 255 || password.len() > 255 {
            return Err(refused("SOCKS5 credentials are at most 255 bytes each"));
        }
        let mut hello = vec![1, user.len() as u8];
        hello.extend_from_slice(user);
        hello.push(password.len() as u8);
        hello.extend_from_slice(password);
        stream.write_all(&hello)?;
        stream.read_exact(&mut answer)?;
        if answer[1] != 0 {
            return Err(refused("the SOCKS5 proxy refused the credentials"));
        }
    }
    let name = host.as_bytes();
    if name.len() > 255 {
        return Err(refused("a host name longer than SOCKS5 carries"));
    }
    let mut request = vec![5, 1, 0, 3, name.len() as u8];
    request.extend_from_slice(name);
    request.extend_from_slice(&port.to_be_bytes());
    stream.write_all(&request)?;
    let mut head = [0u8; 4];
    stream.read_exact(&mut head)?;
    if head[0] != 5 || head[1] != 0 {
        return Err(refused(format!(
            "the SOCKS5 proxy could not reach {host}:{port} (reply {})",
            head[1]
        )));
    }
    // The address the proxy bound, which nothing here needs.
    let skip = match head[3] {
        1 => 4,
        4 => 16,
        3 => {
            let mut len = [0u8; 1];
            stream.read_exact(&mut len)?;
            usize::from(len[0])
        }
        _ => return Err(refused("a malformed SOCKS5 reply")),
    };
    let mut rest = vec![0u8; skip + 2];
    stream.read_exact(&mut rest)
}

/// Asks a SOCKS4a proxy for a connection to `host:port` (the user name, if any, as its user id).
pub fn connect4a(
    stream: &mut (impl Read + Write),
    credentials: Option<&(String, String)>,
    host: &str,
    port: u16,
) -> io::Result<()> {
    let user = credentials.map(|(user, _)| user.as_str()).unwrap_or("");
    if user.contains('\0') || host.contains('\0') {
        return Err(refused("a NUL in a SOCKS4a user or host"));
    }
    let mut request = vec![4, 1];
    request.extend_from_slice(&port.to_be_bytes());
    // 0.0.0.1: the host name follows (SOCKS4a).
    request.extend_from_slice(&[0, 0, 0, 1]);
    request.extend_from_slice(user.as_bytes());
    request.push(0);
    request.extend_from_slice(host.as_bytes());
    request.push(0);
    stream.write_all(&request)?;
    let mut reply = [0u8; 8];
    stream.read_exact(&mut reply)?;
    if reply[1] != 0x5a {
        return Err(refused(format!(
            "the SOCKS4a proxy could not reach {host}:{port} (reply {})",
            reply[1]
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A proxy's bytes in, the client's bytes out.
    struct Peer {
        input: io::Cursor<Vec<u8>>,
        output: Vec<u8>,
    }

    impl Read for Peer {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.input.read(buf)
        }
    }

    impl Write for Peer {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.output.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn peer(input: &[u8]) -> Peer {
        Peer {
            input: io::Cursor::new(input.to_vec()),
            output: Vec::new(),
        }
    }

    #[test]
    fn socks5_with_and_without_credentials() {
        let mut p = peer(&[5, 0, 5, 0, 0, 1, 127, 0, 0, 1, 0, 80]);
        connect5(&mut p, None, "a.test", 443).unwrap();
        assert_eq!(
            p.output,
            [&[5u8, 1, 0, 5, 1, 0, 3, 6][..], b"a.test", &[1, 187]].concat()
        );
        let credentials = ("u".to_owned(), "pw".to_owned());
        let mut p = peer(&[5, 2, 1, 0, 5, 0, 0, 3, 1, b'x', 0, 80]);
        connect5(&mut p, Some(&credentials), "a.test", 80).unwrap();
        assert!(p.output.starts_with(&[5, 1, 2, 1, 1, b'u', 2, b'p', b'w', 5, 1, 0, 3]));
        assert!(connect5(&mut peer(&[5, 0xff]), None, "a.test", 80).is_err());
        assert!(connect5(&mut peer(&[5, 2, 1, 1]), Some(&credentials), "a.test", 80).is_err());
        assert!(connect5(&mut peer(&[5, 0, 5, 5, 0, 1]), None, "a.test", 80).is_err());
        assert!(connect5(&mut peer(&[5, 0, 5, 0, 0, 9]), None, "a.test", 80).is_err());
        assert!(connect5(&mut peer(&[5]), None, "a.test", 80).is_err(), "cut short");
    }

    #[test]
    fn socks4a_sends_the_name() {
        let mut p = peer(&[0, 0x5a, 0, 0, 0, 0, 0, 0]);
        connect4a(&mut p, None, "a.test", 80).unwrap();
        assert_eq!(p.output, [&[4u8, 1, 0, 80, 0, 0, 0, 1, 0][..], b"a.test\0"].concat());
        assert!(connect4a(&mut peer(&[0, 0x5b, 0, 0, 0, 0, 0, 0]), None, "a.test", 80).is_err());
    }
}
