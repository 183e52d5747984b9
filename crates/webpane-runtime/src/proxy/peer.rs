//! Who is at the other end of a loopback TCP connection: the kernel's table of TCP sockets
//! (`/proc/net/tcp`, which lists each socket's owner) has the client's socket, whose local
//! address is our peer's and whose remote address is ours. A loopback connection has no
//! `SO_PEERCRED`; this is the same fact, read from the other side.

use std::net::{SocketAddr, TcpStream};

/// The uid that owns the socket at the other end of `conn`, if the kernel lists it (a client
/// that already closed its end is no longer there).
pub fn uid_of_peer(conn: &TcpStream) -> Option<u32> {
    let (ours, theirs) = (conn.local_addr().ok()?, conn.peer_addr().ok()?);
    let table = match theirs {
        SocketAddr::V4(_) => "/proc/net/tcp",
        SocketAddr::V6(_) => "/proc/net/tcp6",
    };
    owner_in(&std::fs::read_to_string(table).ok()?, theirs, ours)
}

/// The owner of the socket from `local` to `remote` in a `/proc/net/tcp` table.
fn owner_in(table: &str, local: SocketAddr, remote: SocketAddr) -> Option<u32> {
    let (local, remote) = (hex_address(local)?, hex_address(remote)?);
    table.lines().skip(1).find_map(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let matches = fields.get(1)? == &local && fields.get(2)? == &remote;
        matches.then(|| fields.get(7)?.parse().ok())?
    })
}

/// An IPv4 socket address as the table writes it: the address as the host's 32-bit number in
/// hex (little-endian here), the port in hex.
fn hex_address(address: SocketAddr) -> Option<String> {
    match address {
        SocketAddr::V4(v4) => Some(format!(
            "{:08X}:{:04X}",
            u32::from_ne_bytes(v4.ip().octets()),
            v4.port()
        )),
        SocketAddr::V6(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peer_of_a_connection_of_ours_is_us() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        assert_eq!(uid_of_peer(&server), Some(rustix::process::getuid().as_raw()));
        drop(client);
    }

    #[test]
    fn rows_are_matched_on_both_addresses() {
        let table = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:A000 0100007F:1F90 01 00000000:00000000 00:00000000 00000000 65534        0 1 1\n   1: 0100007F:1F90 0100007F:A000 01 00000000:00000000 00:00000000 00000000     0        0 2 1\n";
        let a: SocketAddr = "127.0.0.1:40960".parse().unwrap();
        let b: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        assert_eq!(owner_in(table, a, b), Some(65534));
        assert_eq!(owner_in(table, b, a), Some(0));
        assert_eq!(owner_in(table, a, a), None);
    }
}
