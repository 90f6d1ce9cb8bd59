//! File I/O that a hostile or shared file system cannot turn against us: bounded reads of regular
//! files only (a FIFO, device or socket is refused before anything can block on it), and atomic
//! replacement through a temporary file in the same directory.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Why a bounded read was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Nothing at that path.
    #[error("{}: no such file", .0.display())]
    NotFound(PathBuf),
    /// Something other than a regular file (directory, FIFO, socket, device, or a symlink when
    /// links are not followed).
    #[error("{path}: not a regular file ({what})", path = .0.display(), what = .1)]
    NotRegular(PathBuf, &'static str),
    /// Larger than the caller's limit.
    #[error("{path}: {size} bytes; the limit is {limit}", path = .0.display(), size = .1, limit = .2)]
    TooLarge(PathBuf, u64, u64),
    /// Any other I/O error.
    #[error("{path}: {err}", path = .0.display(), err = .1)]
    Io(PathBuf, std::io::Error),
}

impl ReadError {
    /// Whether the file simply does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ReadError::NotFound(_))
    }
}

/// For callers that speak `std::io::Error`: the same message (path included), and the kind of the
/// underlying error where there is one.
impl From<ReadError> for std::io::Error {
    fn from(e: ReadError) -> std::io::Error {
        let kind = match &e {
            ReadError::NotFound(_) => std::io::ErrorKind::NotFound,
            ReadError::Io(_, err) => err.kind(),
            ReadError::NotRegular(..) | ReadError::TooLarge(..) => std::io::ErrorKind::InvalidInput,
        };
        std::io::Error::new(kind, e.to_string())
    }
}

/// Whether a bounded read follows a symlink at the final path component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// Follow it (the target must still be a regular file).
    Follow,
    /// Refuse it.
    Refuse,
}

/// What a non-regular file is, for messages ("a FIFO", "a directory").
pub fn kind(ft: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_block_device() || ft.is_char_device() {
            return "a device";
        }
    }
    if ft.is_dir() {
        "a directory"
    } else if ft.is_symlink() {
        "a symlink"
    } else {
        "not a file"
    }
}

/// Opens `path` for reading if it is a regular file, without blocking on a FIFO or device and,
/// with [`Links::Refuse`], without following a final symlink. Returns the file and its size.
pub fn open_regular(path: &Path, links: Links) -> Result<(std::fs::File, u64), ReadError> {
    let err = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => ReadError::NotFound(path.to_path_buf()),
        _ => ReadError::Io(path.to_path_buf(), e),
    };
    let file = open_nonblocking(path, links).map_err(|e| {
        // O_NOFOLLOW reports a final symlink as ELOOP: say what it is.
        if links == Links::Refuse && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
        {
            return ReadError::NotRegular(path.to_path_buf(), "a symlink");
        }
        err(e)
    })?;
    let meta = file.metadata().map_err(err)?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular(path.to_path_buf(), kind(&meta.file_type())));
    }
    Ok((file, meta.len()))
}

/// The last `limit` bytes of the regular file `path` (all of it when smaller), starting at a line
/// boundary when cut: for append-only logs that may grow without bound.
pub fn read_tail(path: &Path, limit: u64, links: Links) -> Result<Vec<u8>, ReadError> {
    use std::io::{Seek, SeekFrom};
    let (mut file, len) = open_regular(path, links)?;
    let io = |e| ReadError::Io(path.to_path_buf(), e);
    let mut buf = Vec::new();
    if len > limit {
        file.seek(SeekFrom::Start(len - limit)).map_err(io)?;
        file.take(limit).read_to_end(&mut buf).map_err(io)?;
        let first = buf.iter().position(|&b| b == b'\n').map_or(buf.len(), |i| i + 1);
        buf.drain(..first);
    } else {
        file.take(limit).read_to_end(&mut buf).map_err(io)?;
    }
    Ok(buf)
}

/// Opens (creating it, mode 0600) the lock file `path` and takes an exclusive lock on it. A
/// symlink, FIFO or anything else that is not a regular file is refused before it can block.
pub fn lock(path: &Path) -> std::io::Result<std::fs::File> {
    let file = open_lock_file(path)?;
    file.lock()?;
    Ok(file)
}

/// Opens (creating it, mode 0600) the lock file `path` without locking it; a symlink, FIFO or
/// anything else that is not a regular file is refused before it can block.
pub fn open_lock_file(path: &Path) -> std::io::Result<std::fs::File> {
    let file = open_lock(path)?;
    if !file.metadata()?.is_file() {
        // Callers name the path.
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"));
    }
    Ok(file)
}

#[cfg(unix)]
fn open_lock(path: &Path) -> std::io::Result<std::fs::File> {
    use rustix::fs::{Mode, OFlags, open};
    let flags = OFlags::RDWR
        | OFlags::CREATE
        | OFlags::NONBLOCK
        | OFlags::NOFOLLOW
        | OFlags::CLOEXEC
        | OFlags::NOCTTY;
    Ok(std::fs::File::from(open(path, flags, Mode::from_raw_mode(0o600))?))
}

#[cfg(not(unix))]
fn open_lock(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(path)
}

/// Reads the whole of `path` if it is a regular file of at most `limit` bytes.
///
/// On Unix the file is opened non-blocking (and without following a final symlink when `links`
/// is [`Links::Refuse`]) and its type is checked on the open descriptor, so a FIFO swapped in
/// after a check cannot make the read hang.
pub fn read_bounded(path: &Path, limit: u64, links: Links) -> Result<Vec<u8>, ReadError> {
    let (file, len) = open_regular(path, links)?;
    read_opened(path, file, len, limit)
}

/// The rest of `file` (opened by [`open_regular`], `len` bytes then), if it is at most `limit`
/// bytes: what [`read_bounded`] does once the file is open, for callers that look at its size
/// first.
pub fn read_opened(path: &Path, file: std::fs::File, len: u64, limit: u64) -> Result<Vec<u8>, ReadError> {
    if len > limit {
        return Err(ReadError::TooLarge(path.to_path_buf(), len, limit));
    }
    let mut buf = Vec::with_capacity(len as usize);
    // The file may grow after the check: never read more than the limit allows.
    file.take(limit + 1).read_to_end(&mut buf).map_err(|e| ReadError::Io(path.to_path_buf(), e))?;
    if buf.len() as u64 > limit {
        return Err(ReadError::TooLarge(path.to_path_buf(), buf.len() as u64, limit));
    }
    Ok(buf)
}

/// Whether the regular file `path` holds exactly `expected`, read in small pieces: comparing a
/// large file (a bundled binary) costs a fixed buffer, not a second copy of it in memory. A file
/// of another size is told apart from its metadata alone.
pub fn same_contents(path: &Path, expected: &[u8], links: Links) -> Result<bool, ReadError> {
    let (mut file, len) = open_regular(path, links)?;
    if len != expected.len() as u64 {
        return Ok(false);
    }
    let io = |e| ReadError::Io(path.to_path_buf(), e);
    let mut buf = vec![0u8; 64 * 1024];
    let mut rest = expected;
    loop {
        let n = match file.read(&mut buf) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(io(e)),
        };
        if n == 0 {
            return Ok(rest.is_empty());
        }
        // The file grew after its size was read: more bytes than expected.
        if n > rest.len() || buf[..n] != rest[..n] {
            return Ok(false);
        }
        rest = &rest[n..];
    }
}

/// [`read_bounded`] as UTF-8 text (invalid sequences replaced).
pub fn read_text_bounded(path: &Path, limit: u64, links: Links) -> Result<String, ReadError> {
    read_bounded(path, limit, links)
        .map(|b| String::from_utf8(b).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
}

#[cfg(unix)]
fn open_nonblocking(path: &Path, links: Links) -> std::io::Result<std::fs::File> {
    use rustix::fs::{Mode, OFlags, open};
    let mut flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC | OFlags::NOCTTY;
    if links == Links::Refuse {
        flags |= OFlags::NOFOLLOW;
    }
    Ok(std::fs::File::from(open(path, flags, Mode::empty())?))
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path, links: Links) -> std::io::Result<std::fs::File> {
    let m = std::fs::symlink_metadata(path)?;
    if links == Links::Refuse && m.file_type().is_symlink() {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "a symlink"));
    }
    std::fs::File::open(path)
}

/// The first part of the relative path `rel` under `dir` that is a symlink, if any (`dir` itself
/// is taken as given). A file reached through a linked directory may be anywhere on the machine.
pub fn symlink_on_path(dir: &Path, rel: &str) -> Option<PathBuf> {
    let mut p = dir.to_path_buf();
    for part in rel.split('/').filter(|s| !s.is_empty()) {
        p.push(part);
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => return Some(p),
            Ok(_) => {}
            Err(_) => return None,
        }
    }
    None
}

/// How [`write_atomic`] writes.
#[derive(Debug, Clone, Copy)]
pub struct WriteOptions {
    /// Unix permission bits of the new file.
    pub mode: u32,
    /// Flush the file and its directory to disk before returning (state a rebuild cannot restore).
    pub durable: bool,
}

impl WriteOptions {
    /// A regular, non-executable file, not fsynced (build output: a rebuild restores it).
    pub const OUTPUT: WriteOptions = WriteOptions { mode: 0o644, durable: false };
    /// Private state (store values, caches): 0600 and fsynced.
    pub const STATE: WriteOptions = WriteOptions { mode: 0o600, durable: true };
}

/// Replaces `path` with `bytes` in one rename: a reader sees the old file or the new one, never a
/// mix, and a symlink at `path` is replaced, not written through. The parent must exist.
pub fn write_atomic(path: &Path, bytes: &[u8], opts: WriteOptions) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new().prefix(".skillwright-tmp-").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file().set_permissions(std::fs::Permissions::from_mode(opts.mode))?;
    }
    if opts.durable {
        tmp.as_file().sync_all()?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    if opts.durable
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_reads_refuse_what_is_not_a_small_regular_file() {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("f");
        std::fs::write(&f, b"hello").unwrap();
        assert_eq!(read_bounded(&f, 5, Links::Refuse).unwrap(), b"hello");
        assert!(matches!(read_bounded(&f, 4, Links::Refuse), Err(ReadError::TooLarge(_, 5, 4))));
        assert!(read_bounded(&tmp.path().join("none"), 5, Links::Follow).unwrap_err().is_not_found());
        assert!(matches!(read_bounded(tmp.path(), 5, Links::Follow), Err(ReadError::NotRegular(_, _))));
        #[cfg(unix)]
        {
            let link = tmp.path().join("link");
            std::os::unix::fs::symlink(&f, &link).unwrap();
            assert_eq!(read_bounded(&link, 5, Links::Follow).unwrap(), b"hello");
            let e = read_bounded(&link, 5, Links::Refuse).unwrap_err();
            assert!(matches!(e, ReadError::NotRegular(_, "a symlink")), "{e}");
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_fifo_is_refused_without_blocking() {
        let tmp = tempfile::tempdir().unwrap();
        let fifo = tmp.path().join("fifo");
        rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, rustix::fs::Mode::from_raw_mode(0o600)).unwrap();
        let e = read_bounded(&fifo, 100, Links::Refuse).unwrap_err();
        assert!(e.to_string().contains("not a regular file (a FIFO)"), "{e}");
    }

    #[test]
    fn contents_are_compared_piece_by_piece_to_the_last_byte() {
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("f");
        // Several read buffers long, and not a multiple of one.
        let bytes: Vec<u8> = (0..200_003u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&f, &bytes).unwrap();
        assert!(same_contents(&f, &bytes, Links::Refuse).unwrap());
        let mut last = bytes.clone();
        *last.last_mut().unwrap() ^= 1;
        assert!(!same_contents(&f, &last, Links::Refuse).unwrap(), "the last byte differs");
        let mut first = bytes.clone();
        first[0] ^= 1;
        assert!(!same_contents(&f, &first, Links::Refuse).unwrap(), "the first byte differs");
        assert!(!same_contents(&f, &bytes[1..], Links::Refuse).unwrap(), "one byte shorter");
        assert!(same_contents(&tmp.path().join("none"), b"", Links::Refuse).unwrap_err().is_not_found());
        #[cfg(unix)]
        {
            let link = tmp.path().join("link");
            std::os::unix::fs::symlink(&f, &link).unwrap();
            assert!(same_contents(&link, &bytes, Links::Follow).unwrap());
            let e = same_contents(&link, &bytes, Links::Refuse).unwrap_err();
            assert!(matches!(e, ReadError::NotRegular(_, "a symlink")), "{e}");
        }
        #[cfg(target_os = "linux")]
        {
            let fifo = tmp.path().join("fifo");
            rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, rustix::fs::Mode::from_raw_mode(0o600)).unwrap();
            let e = same_contents(&fifo, b"", Links::Refuse).unwrap_err();
            assert!(matches!(e, ReadError::NotRegular(_, "a FIFO")), "{e}");
        }
    }

    #[test]
    fn atomic_writes_replace_a_symlink_instead_of_writing_through_it() {
        let tmp = tempfile::tempdir().unwrap();
        let victim = tmp.path().join("victim");
        std::fs::write(&victim, b"keep").unwrap();
        let p = tmp.path().join("p");
        #[cfg(unix)]
        std::os::unix::fs::symlink(&victim, &p).unwrap();
        write_atomic(&p, b"new", WriteOptions::STATE).unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new");
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
    }
}
