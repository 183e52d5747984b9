//! `webpane run --share FILE`: a file's bytes as a shared buffer for the page.
//!
//! Regular files only (not `/dev/zero`, a FIFO or a folder), at most [`MAX_SHARE`] bytes. The
//! bytes are read straight into the buffer; all-zero stretches are skipped, so a sparse file
//! costs only what it holds. Saving the page's writes writes back only the chunks the page
//! changed ([`CHUNK`] bytes each, told apart by a hash of each chunk as it was read): the rest of
//! the file, including anything another program appended or changed elsewhere meanwhile, is
//! left alone. The file is opened once, at start: saving goes to the same file even if it is
//! renamed meanwhile.

use std::fs::File;
use std::hash::Hasher;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use webpane::{SharedBuffer, SharedBufferAccess};

/// The largest file `--share` takes: the page holds it in memory.
pub const MAX_SHARE: u64 = 1 << 30;
/// The unit in which changes are found and written back.
pub const CHUNK: usize = 64 * 1024;

/// A file shared with the page.
pub struct Share {
    pub path: PathBuf,
    pub buffer: SharedBuffer,
    pub access: SharedBufferAccess,
    file: File,
    /// Per chunk: the hash of what the file holds there (as read, or as last saved).
    saved: Vec<u64>,
}

fn hash(bytes: &[u8]) -> u64 {
    let mut h = std::hash::DefaultHasher::new();
    h.write(bytes);
    h.finish()
}

impl Share {
    pub fn open(path: &Path, access: SharedBufferAccess) -> Result<Share, String> {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(access == SharedBufferAccess::ReadWrite)
            // Not blocking on a FIFO before it is refused below.
            .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
            .open(path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        let meta = file.metadata().map_err(|e| format!("{}: {e}", path.display()))?;
        if !meta.file_type().is_file() {
            return Err(format!(
                "{} is not a regular file: only regular files can be shared",
                path.display()
            ));
        }
        let size = meta.len();
        if size == 0 {
            return Err(format!("{} is empty: there is nothing to share", path.display()));
        }
        if size > MAX_SHARE {
            return Err(format!(
                "{} has {size} bytes; --share takes at most {MAX_SHARE} (1 GiB)",
                path.display()
            ));
        }
        let buffer = SharedBuffer::new(size as usize).map_err(|e| e.to_string())?;
        let mut chunk = vec![0u8; CHUNK];
        let mut saved = Vec::with_capacity((size as usize).div_ceil(CHUNK));
        let mut offset = 0u64;
        while offset < size {
            let n = ((size - offset) as usize).min(CHUNK);
            file.read_exact_at(&mut chunk[..n], offset)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            // A fresh buffer is zeros: skipping zero chunks keeps sparse files sparse in memory.
            if chunk[..n].iter().any(|b| *b != 0) {
                buffer
                    .write_at(offset as usize, &chunk[..n])
                    .map_err(|e| e.to_string())?;
            }
            saved.push(hash(&chunk[..n]));
            offset += n as u64;
        }
        Ok(Share {
            path: path.to_owned(),
            buffer,
            access,
            file,
            saved,
        })
    }

    pub fn additional_data(&self) -> String {
        serde_json::json!({
            "name": self.path.file_name().map(|n| n.to_string_lossy().into_owned()),
            "path": self.path.to_string_lossy(),
            "access": match self.access {
                SharedBufferAccess::ReadOnly => "ReadOnly",
                SharedBufferAccess::ReadWrite => "ReadWrite",
            },
        })
        .to_string()
    }

    /// Writes back the chunks the page changed since the last save (read-write shares only);
    /// returns how many bytes were written.
    pub fn save(&mut self) -> usize {
        if self.access != SharedBufferAccess::ReadWrite {
            return 0;
        }
        let Ok(size) = self.buffer.size() else { return 0 };
        let mut chunk = vec![0u8; CHUNK];
        let mut written = 0;
        for (i, saved) in self.saved.iter_mut().enumerate() {
            let offset = i * CHUNK;
            let n = (size - offset).min(CHUNK);
            if self.buffer.read_at(offset, &mut chunk[..n]).is_err() {
                return written;
            }
            let now = hash(&chunk[..n]);
            if now == *saved {
                continue;
            }
            match self.file.write_all_at(&chunk[..n], offset as u64) {
                Ok(()) => {
                    *saved = now;
                    written += n;
                }
                Err(e) => {
                    eprintln!("webpane: cannot save the page's writes to {}: {e}", self.path.display());
                    return written;
                }
            }
        }
        written
    }
}
