//! A small durable key/value store: one file per key under `<home>/store/`, written atomically
//! (temp file, fsync, rename) under an exclusive lock so concurrent writers never lose an update.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};

/// Largest value accepted, in bytes.
pub const MAX_VALUE: usize = 1024 * 1024;
/// Longest key accepted, in characters.
pub const MAX_KEY: usize = 200;

/// Store failures.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No home directory could be found.
    #[error("no state directory: set SKILLWRIGHT_HOME or HOME")]
    NoHome,
    /// The key is not acceptable.
    #[error(
        "invalid key `{0}`: use segments of letters, digits, '.', '_', '-', ':' separated by '/', at most {MAX_KEY} characters, no '.' or '..' segments"
    )]
    BadKey(String),
    /// `incr` on a value that is not an integer.
    #[error("value of `{0}` is not an integer")]
    NotInteger(String),
    /// The value is too large.
    #[error("value is {0} bytes; the limit is {MAX_VALUE}")]
    TooLarge(usize),
    /// I/O failure.
    #[error("{path}: {source}")]
    Io {
        /// Path involved.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_path_buf(), source }
}

/// The store at a directory.
pub struct Store {
    dir: PathBuf,
}

/// Whether `key` is acceptable.
pub fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.chars().count() <= MAX_KEY
        && key.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg.chars().all(|c| c.is_ascii_alphanumeric() || "._-:".contains(c))
        })
}

/// File name for a key: every byte outside `[A-Za-z0-9._-]` percent-encoded (portable everywhere).
fn encode(key: &str) -> String {
    let mut s = String::new();
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

fn decode(name: &str) -> Option<String> {
    let mut out = Vec::new();
    let b = name.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(u8::from_str_radix(name.get(i + 1..i + 3)?, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

impl Store {
    /// The store under the state directory of `env`.
    pub fn open(env: &crate::Env) -> Result<Store, Error> {
        Ok(Store { dir: env.home().map_err(|_| Error::NoHome)?.join("store") })
    }

    /// A store in `dir`.
    pub fn at(dir: PathBuf) -> Store {
        Store { dir }
    }

    fn path(&self, key: &str) -> Result<PathBuf, Error> {
        if !valid_key(key) {
            return Err(Error::BadKey(key.to_string()));
        }
        Ok(self.dir.join(format!("{}.val", encode(key))))
    }

    /// Runs `f` holding the store's exclusive lock.
    fn locked<T>(&self, f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
        crate::ensure_dir(&self.dir).map_err(io(&self.dir))?;
        let lock_path = self.dir.join(".lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io(&lock_path))?;
        lock.lock().map_err(io(&lock_path))?;
        let result = f();
        let _ = lock.unlock();
        result
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Result<Option<String>, Error> {
        let p = self.path(key)?;
        match std::fs::read(&p) {
            Ok(b) => Ok(Some(String::from_utf8_lossy(&b).into_owned())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::Io { path: p, source: e }),
        }
    }

    /// Sets `key` to `value`.
    pub fn set(&self, key: &str, value: &str) -> Result<(), Error> {
        let p = self.path(key)?;
        if value.len() > MAX_VALUE {
            return Err(Error::TooLarge(value.len()));
        }
        self.locked(|| write_atomic(&p, value.as_bytes()))
    }

    /// Removes `key`; true if it existed.
    pub fn delete(&self, key: &str) -> Result<bool, Error> {
        let p = self.path(key)?;
        self.locked(|| match std::fs::remove_file(&p) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::Io { path: p.clone(), source: e }),
        })
    }

    /// Appends `line` (and a newline) to the value of `key`.
    pub fn append(&self, key: &str, line: &str) -> Result<(), Error> {
        let p = self.path(key)?;
        self.locked(|| {
            let mut v = std::fs::read(&p).unwrap_or_default();
            if !v.is_empty() && !v.ends_with(b"\n") {
                v.push(b'\n');
            }
            v.extend_from_slice(line.as_bytes());
            v.push(b'\n');
            if v.len() > MAX_VALUE {
                return Err(Error::TooLarge(v.len()));
            }
            write_atomic(&p, &v)
        })
    }

    /// Adds `by` to the integer value of `key` (missing = 0) and returns the new value.
    pub fn incr(&self, key: &str, by: i64) -> Result<i64, Error> {
        let p = self.path(key)?;
        self.locked(|| {
            let current = match std::fs::read_to_string(&p) {
                Ok(s) => s.trim().parse::<i64>().map_err(|_| Error::NotInteger(key.to_string()))?,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
                Err(e) => return Err(Error::Io { path: p.clone(), source: e }),
            };
            let next = current.saturating_add(by);
            write_atomic(&p, next.to_string().as_bytes())?;
            Ok(next)
        })
    }

    /// Keys starting with `prefix`, sorted.
    pub fn list(&self, prefix: &str) -> Result<Vec<String>, Error> {
        let rd = match std::fs::read_dir(&self.dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::Io { path: self.dir.clone(), source: e }),
        };
        let mut keys: Vec<String> = rd
            .filter_map(Result::ok)
            .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".val")).and_then(decode))
            .filter(|k| k.starts_with(prefix) && valid_key(k))
            .collect();
        keys.sort();
        Ok(keys)
    }
}

/// Replaces the value file in one rename, fsynced: a reader never sees half a value.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    skillwright_model::fsio::write_atomic(path, bytes, skillwright_model::fsio::WriteOptions::STATE)
        .map_err(io(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        for ok in ["a", "knowledge/rust/cargo-offline", "sdd:plan:status", "x.y_z-1"] {
            assert!(valid_key(ok), "{ok}");
            assert_eq!(decode(&encode(ok)).as_deref(), Some(ok));
        }
        for bad in
            ["", "/a", "a/", "a//b", "../x", "a/../b", "a/./b", "sp ace", "é", "a\\b", &"k".repeat(201)]
        {
            assert!(!valid_key(bad), "{bad}");
        }
    }

    #[test]
    fn set_get_append_incr_list_delete() {
        let tmp = tempfile::tempdir().unwrap();
        let s = Store::at(tmp.path().join("store"));
        assert_eq!(s.get("a/b").unwrap(), None);
        s.set("a/b", "v").unwrap();
        assert_eq!(s.get("a/b").unwrap().as_deref(), Some("v"));
        s.append("log", "one").unwrap();
        s.append("log", "two").unwrap();
        assert_eq!(s.get("log").unwrap().as_deref(), Some("one\ntwo\n"));
        assert_eq!(s.incr("n", 5).unwrap(), 5);
        assert_eq!(s.incr("n", -2).unwrap(), 3);
        assert!(matches!(s.incr("a/b", 1), Err(Error::NotInteger(_))));
        assert_eq!(s.list("").unwrap(), ["a/b", "log", "n"]);
        assert_eq!(s.list("a/").unwrap(), ["a/b"]);
        assert!(s.delete("a/b").unwrap());
        assert!(!s.delete("a/b").unwrap());
    }
}
