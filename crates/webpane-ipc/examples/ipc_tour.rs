//! A tour of webpane's foundation across two real processes.
//!
//! The "app" starts a copy of itself as the "peer" (standing in for the browser process), then:
//! 1. connects through a listener (handshake, peer credentials);
//! 2. shares a 64 MiB buffer read-write: the peer fills it, the app reads it — no bytes in messages;
//! 3. shares it read-only: the kernel refuses the peer a writable mapping and a truncation;
//! 4. hands the peer a file it opened (take mode) and the peer writes a report into it;
//! 5. sends a mislabelled fd, which the peer rejects as a bad message without losing the connection.
//!
//! Run it with `cargo xtask demo` or `cargo run --release -p webpane-ipc --example ipc_tour`.

use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsFd;
use std::process::Command;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use webpane_ipc::{Connection, FdKind, FdRef, FileAccess, FileForTransit, IpcError, Listener, Outgoing, SharedBuffer};

#[derive(Debug, Serialize, Deserialize)]
enum ToPeer {
    FillBuffer { memory: FdRef, byte: u8 },
    TryToWrite { memory: FdRef },
    WriteReport { file: FdRef },
    Mislabelled { fd: FdRef },
    Bye,
}

#[derive(Debug, Serialize, Deserialize)]
enum ToApp {
    Filled { bytes: u64 },
    WriteRefused { map_error: String, truncate_error: String },
    ReportWritten,
    Rejected { error: String },
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--peer") {
        return peer(&args[2]);
    }
    app()
}

fn app() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("webpane.sock");
    let listener = Listener::bind(&path)?;
    let started = Instant::now();
    let mut child = Command::new(std::env::current_exe()?)
        .arg("--peer")
        .arg(&path)
        .spawn()?;
    let conn = listener.accept(Duration::from_secs(10))?;
    let cred = conn.peer_credentials();
    println!(
        "1. peer connected: pid {} uid {} (child pid {}), {:?} after spawn",
        cred.pid,
        cred.uid,
        child.id(),
        started.elapsed()
    );

    // 2. Zero-copy, read-write.
    const SIZE: usize = 64 << 20;
    let buffer = SharedBuffer::new(SIZE)?;
    let t = Instant::now();
    buffer.with_memory(|memory| {
        let mut out = Outgoing::new();
        let r = out.shared_memory(memory);
        conn.send(&ToPeer::FillBuffer { memory: r, byte: 0xA5 }, out)
    })??;
    let ToApp::Filled { bytes } = conn.recv::<ToApp>()?.message else {
        panic!("unexpected reply")
    };
    let elapsed = t.elapsed();
    let mut sample = vec![0u8; SIZE];
    buffer.read_at(0, &mut sample)?;
    assert!(sample.iter().all(|b| *b == 0xA5));
    println!(
        "2. peer filled {} MiB of the app's buffer in {:?} (post + fill + reply); the app reads it all: ok",
        bytes >> 20,
        elapsed
    );

    // 3. Read-only, enforced by the kernel.
    let ro = buffer.read_only_memory()?;
    let mut out = Outgoing::new();
    let r = out.shared_memory_read_only(&ro);
    conn.send(&ToPeer::TryToWrite { memory: r }, out)?;
    let ToApp::WriteRefused {
        map_error,
        truncate_error,
    } = conn.recv::<ToApp>()?.message
    else {
        panic!("unexpected reply")
    };
    println!("3. read-only share: writable map refused ({map_error}), truncate refused ({truncate_error})");

    // 4. File handle delivery, take mode.
    let mut file = tempfile::tempfile()?;
    let keep = file.try_clone()?; // our own second handle, to read the result back
    let mut out = Outgoing::new();
    let r = out.file(FileForTransit::take(file)?);
    conn.send(&ToPeer::WriteReport { file: r }, out)?;
    let ToApp::ReportWritten = conn.recv::<ToApp>()?.message else {
        panic!("unexpected reply")
    };
    file = keep;
    let mut report = String::new();
    file.seek(SeekFrom::Start(0))?;
    file.read_to_string(&mut report)?;
    println!("4. the peer wrote into a file it never opened: {report:?}");

    // 5. A lie about an fd's kind is a bad message, and the connection goes on.
    let (pipe_r, _pipe_w) = rustix::pipe::pipe()?;
    let mut out = Outgoing::new();
    let r = out.raw(
        FdKind::File {
            access: FileAccess::ReadWrite,
        },
        pipe_r.as_fd(),
    );
    conn.send(&ToPeer::Mislabelled { fd: r }, out)?;
    let ToApp::Rejected { error } = conn.recv::<ToApp>()?.message else {
        panic!("unexpected reply")
    };
    println!("5. a pipe labelled as a file: {error}");

    conn.send(&ToPeer::Bye, Outgoing::new())?;
    let status = child.wait()?;
    buffer.close()?;
    println!("peer exited with {status}; buffer closed: {}", buffer.is_closed());
    Ok(())
}

fn peer(path: &str) -> Result<(), Box<dyn std::error::Error>> {
    let conn = Connection::connect(path)?;
    loop {
        let mut got = match conn.recv::<ToPeer>() {
            Ok(got) => got,
            Err(IpcError::BadMessage(e)) => {
                conn.send(&ToApp::Rejected { error: e.to_string() }, Outgoing::new())?;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        match got.message {
            ToPeer::FillBuffer { memory, byte } => {
                let map = got.fds.take_shared_memory(memory)?.map()?;
                map.atomic_bytes()
                    .iter()
                    .for_each(|b| b.store(byte, std::sync::atomic::Ordering::Relaxed));
                conn.send(
                    &ToApp::Filled {
                        bytes: map.len() as u64,
                    },
                    Outgoing::new(),
                )?;
            }
            ToPeer::TryToWrite { memory } => {
                let ro = got.fds.take_shared_memory_read_only(memory)?;
                // SAFETY: a fresh mapping at a kernel-chosen address; the kernel refuses it.
                let map_error = match unsafe {
                    rustix::mm::mmap(
                        std::ptr::null_mut(),
                        ro.size(),
                        rustix::mm::ProtFlags::READ | rustix::mm::ProtFlags::WRITE,
                        rustix::mm::MapFlags::SHARED,
                        ro.as_fd(),
                        0,
                    )
                } {
                    Err(e) => e.to_string(),
                    Ok(_) => "NOT REFUSED".into(),
                };
                let truncate_error = match rustix::fs::ftruncate(ro.as_fd(), 0) {
                    Err(e) => e.to_string(),
                    Ok(()) => "NOT REFUSED".into(),
                };
                conn.send(
                    &ToApp::WriteRefused {
                        map_error,
                        truncate_error,
                    },
                    Outgoing::new(),
                )?;
            }
            ToPeer::WriteReport { file } => {
                let (mut file, _) = got.fds.take_file(file)?;
                write!(file, "hello from pid {}", std::process::id())?;
                conn.send(&ToApp::ReportWritten, Outgoing::new())?;
            }
            ToPeer::Mislabelled { .. } => unreachable!("rejected on receipt"),
            ToPeer::Bye => return Ok(()),
        }
    }
}
