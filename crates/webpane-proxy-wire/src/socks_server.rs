//! The server side of a SOCKS5 handshake (RFC 1928) with username/password authentication
//! (RFC 1929): the only method accepted, so only a client that knows the credentials gets a
//! connection. GIO speaks the client side for WebKit's network process, for every connection
//! (http and https alike), sending host names unresolved.

use std::io::{self, Read, Write};

/// What a client asked to connect to.
#[derive(Debug, PartialEq, Eq)]
pub struct Target {
    /// The host (lower case), a name or an address.
    pub host: String,
    /// The port.
    pub port: u16,
}

/// Why a handshake failed (the connection is closed after the reply, if any, is sent).
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// The first byte is not SOCKS version 5.
    #[error("not SOCKS5")]
    NotSocks,
    /// The client offers no username/password authentication.
    #[error("the client offers no username/password authentication")]
    NoAcceptableMethod,
    /// Wrong credentials.
    #[error("wrong credentials")]
    BadCredentials,
    /// A command other than CONNECT.
    #[error("only CONNECT is served (command {0})")]
    Command(u8),
    /// Bytes that are not a SOCKS5 request.
    #[error("a malformed request")]
    Malformed,
    /// Reading or writing failed (the client went, or took too long).
    #[error(transparent)]
    Io(#[from] io::Error),
}

fn byte(stream: &mut impl Read) -> io::Result<u8> {
    let mut b = [0u8; 1];
    stream.read_exact(&mut b)?;
    Ok(b[0])
}

fn bytes(stream: &mut impl Read, n: usize) -> io::Result<Vec<u8>> {
    let mut v = vec![0u8; n];
    stream.read_exact(&mut v)?;
    Ok(v)
}

/// Runs the handshake up to the client's request; the caller answers it with [`reply`].
pub fn handshake(stream: &mut (impl Read + Write), user: &str, password: &str) -> Result<Target, Refused> {
    if byte(stream)? != 5 {
        return Err(Refused::NotSocks);
    }
    let count = byte(stream)? as usize;
    let methods = bytes(stream, count)?;
    if !methods.contains(&2) {
        stream.write_all(&[5, 0xff])?;
        return Err(Refused::NoAcceptableMethod);
    }
    stream.write_all(&[5, 2])?;
    if byte(stream)? != 1 {
        return Err(Refused::Malformed);
    }
    let len = byte(stream)? as usize;
    let given_user = bytes(stream, len)?;
    let len = byte(stream)? as usize;
    let given_password = bytes(stream, len)?;
    // Compared whole, in constant time for equal lengths.
    let matches = |given: &[u8], expected: &str| {
        given.len() == expected.len()
            && given
                .iter()
                .zip(expected.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    };
    if !(matches(&given_user, user) & matches(&given_password, password)) {
        stream.write_all(&[1, 1])?;
        return Err(Refused::BadCredentials);
    }
    stream.write_all(&[1, 0])?;
    let head = bytes(stream, 4)?;
    if head[0] != 5 {
        return Err(Refused::Malformed);
    }
    if head[1] != 1 {
        reply(stream, 7)?;
        return Err(Refused::Command(head[1]));
    }
    let host = match head[3] {
        1 => std::net::Ipv4Addr::from(<[u8; 4]>::try_from(bytes(stream, 4)?).map_err(|_| Refused::Malformed)?)
            .to_string(),
        3 => {
            let len = byte(stream)? as usize;
            String::from_utf8(bytes(stream, len)?).map_err(|_| Refused::Malformed)?
        }
        4 => std::net::Ipv6Addr::from(<[u8; 16]>::try_from(bytes(stream, 16)?).map_err(|_| Refused::Malformed)?)
            .to_string(),
        _ => return Err(Refused::Malformed),
    };
    let port = bytes(stream, 2)?;
    Ok(Target {
        host: host.to_ascii_lowercase(),
        port: u16::from_be_bytes([port[0], port[1]]),
    })
}

/// Answers the request: 0 succeeded, 1 general failure, 4 host unreachable, 5 refused, 7
/// command not supported.
pub fn reply(stream: &mut impl Write, code: u8) -> io::Result<()> {
    stream.write_all(&[5, code, 0, 1, 0, 0, 0, 0, 0, 0])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client's bytes in, the server's bytes out.
    struct Script {
        input: io::Cursor<Vec<u8>>,
        output: Vec<u8>,
    }

    impl Read for Script {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.input.read(buf)
        }
    }

    impl Write for Script {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.output.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn run(input: Vec<u8>) -> (Result<Target, Refused>, Vec<u8>) {
        let mut script = Script {
            input: io::Cursor::new(input),
            output: Vec::new(),
        };
        let result = handshake(&mut script, "u", "pw");
        (result, script.output)
    }

    fn hello(user: &[u8], password: &[u8]) -> Vec<u8> {
        let mut v = vec![5, 2, 0, 2, 1, user.len() as u8];
        v.extend_from_slice(user);
        v.push(password.len() as u8);
        v.extend_from_slice(password);
        v
    }

    #[test]
    fn a_client_with_the_credentials_gets_its_target() {
        let mut input = hello(b"u", b"pw");
        input.extend_from_slice(&[5, 1, 0, 3, 17]);
        input.extend_from_slice(b"AppAssets.Example");
        input.extend_from_slice(&443u16.to_be_bytes());
        let (result, output) = run(input);
        assert_eq!(
            result.unwrap(),
            Target {
                host: "appassets.example".into(),
                port: 443
            }
        );
        assert_eq!(output, [5, 2, 1, 0]);
    }

    #[test]
    fn anyone_else_is_refused() {
        let (result, output) = run(hello(b"u", b"px"));
        assert!(matches!(result, Err(Refused::BadCredentials)));
        assert_eq!(output, [5, 2, 1, 1]);
        let (result, output) = run(vec![5, 1, 0]);
        assert!(
            matches!(result, Err(Refused::NoAcceptableMethod)),
            "no authentication offered"
        );
        assert_eq!(output, [5, 0xff]);
        let (result, _) = run(b"GET / HTTP/1.1\r\n\r\n".to_vec());
        assert!(matches!(result, Err(Refused::NotSocks)));
        let (result, _) = run(vec![5, 1, 2, 1, 1]);
        assert!(matches!(result, Err(Refused::Io(_))), "cut short");
        let mut bind = hello(b"u", b"pw");
        bind.extend_from_slice(&[5, 2, 0, 1, 127, 0, 0, 1, 0, 80]);
        assert!(matches!(run(bind).0, Err(Refused::Command(2))));
    }
}
