//! A small durable key/value store: one file per key under `<state>/store/`, replaced atomically
//! (temporary file, fsync, rename) under an exclusive lock, so concurrent writers never lose an
//! update and a reader never sees half a value.
//!
//! Each file holds a record: the key, the value, when it was written and the project it came
//! from, so stored knowledge can be searched and traced. A key whose file name would be too long
//! for the file system is stored under a hash of itself; its record still names it.

use crate::Env;
use serde::{Deserialize, Serialize};
use skillwright_model::fsio::{self, Links, ReadError};
use std::path::{Path, PathBuf};

/// Largest value accepted, in bytes.
pub const MAX_VALUE: usize = 1024 * 1024;
/// Longest key accepted, in bytes.
pub const MAX_KEY: usize = 1024;
/// File names longer than this are stored under a hash of the key (file systems allow 255 bytes).
const MAX_FILE_NAME: usize = 200;
/// Largest record file read (a value at the limit, escaped in JSON).
const MAX_RECORD: u64 = 8 * MAX_VALUE as u64;

/// Store failures.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The state directory cannot be used.
    #[error(transparent)]
    State(#[from] crate::state::Error),
    /// The key is not acceptable.
    #[error(
        "invalid key `{}`: use segments of letters, digits, '.', '_', '-', ':' separated by '/', at most {MAX_KEY} bytes, no '.' or '..' segments",
        skillwright_model::text::one_line(.0, 120)
    )]
    BadKey(String),
    /// `incr` on a value that is not an integer.
    #[error("value of `{0}` is not an integer")]
    NotInteger(String),
    /// The value is too large.
    #[error("value is {0} bytes; the limit is {MAX_VALUE}")]
    TooLarge(usize),
    /// A value file was refused (not a regular file, too large) or unreadable.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// I/O failure.
    #[error("{}: {source}", .path.display())]
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

/// One stored value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The key.
    pub key: String,
    /// The value.
    pub value: String,
    /// When it was last written (RFC 3339 UTC), if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ts: Option<String>,
    /// The project it was written from, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
}

/// The on-disk record.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    format: u32,
    #[serde(flatten)]
    entry: Entry,
}

/// The store at a directory.
pub struct Store {
    dir: PathBuf,
    project: Option<String>,
}

/// Whether `key` is acceptable.
pub fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= MAX_KEY
        && key.split('/').all(|seg| {
            !seg.is_empty()
                && seg != "."
                && seg != ".."
                && seg.chars().all(|c| c.is_ascii_alphanumeric() || "._-:".contains(c))
        })
}

/// File name for a key: every byte outside `[A-Za-z0-9._-]` percent-encoded (portable everywhere),
/// or `~` and a hash when that would be too long.
fn file_name(key: &str) -> String {
    let mut s = String::new();
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || b"._-".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    if s.len() > MAX_FILE_NAME {
        s = format!("~{}", &skillwright_model::integrity::sha256(key.as_bytes())[..48]);
    }
    s + ".val"
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

fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

impl Store {
    /// The store under the state directory of `env`, writing `env`'s project into new records.
    pub fn open(env: &Env) -> Result<Store, Error> {
        let project = env.project.as_ref().map(|p| p.display().to_string());
        Ok(Store { dir: crate::state::dir(env, "store")?, project })
    }

    /// A store in `dir` (which must exist), recording no project.
    pub fn at(dir: PathBuf) -> Store {
        Store { dir, project: None }
    }

    fn path(&self, key: &str) -> Result<PathBuf, Error> {
        if !valid_key(key) {
            return Err(Error::BadKey(key.to_string()));
        }
        Ok(self.dir.join(file_name(key)))
    }

    /// Runs `f` holding the store's exclusive lock.
    fn locked<T>(&self, f: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
        crate::ensure_dir(&self.dir).map_err(io(&self.dir))?;
        let lock_path = self.dir.join(".lock");
        let lock = fsio::lock(&lock_path).map_err(io(&lock_path))?;
        let result = f();
        let _ = lock.unlock();
        result
    }

    /// Reads the record at `path`; a file that is not a record (written by hand, or by an older
    /// version) is its own value.
    fn read(&self, path: &Path, key: Option<&str>) -> Result<Option<Entry>, Error> {
        let bytes = match fsio::read_bounded(path, MAX_RECORD, Links::Refuse) {
            Ok(b) => b,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        if let Ok(r) = serde_json::from_slice::<Record>(&bytes) {
            // A hashed name must hold the key asked for (a different key with the same hash
            // prefix is, for all practical purposes, impossible, but never answer for it).
            return Ok((key.is_none_or(|k| k == r.entry.key)).then_some(r.entry));
        }
        let name = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".val"));
        let key = key.map(str::to_string).or_else(|| name.and_then(decode)).filter(|k| valid_key(k));
        Ok(key.map(|key| Entry {
            key,
            value: String::from_utf8_lossy(&bytes).into_owned(),
            ts: None,
            project: None,
        }))
    }

    fn write(&self, path: &Path, key: &str, value: String) -> Result<(), Error> {
        if value.len() > MAX_VALUE {
            return Err(Error::TooLarge(value.len()));
        }
        let entry = Entry { key: key.to_string(), value, ts: Some(now()), project: self.project.clone() };
        let bytes = serde_json::to_vec(&Record { format: 1, entry })
            .map_err(|e| Error::Io { path: path.to_path_buf(), source: std::io::Error::other(e) })?;
        fsio::write_atomic(path, &bytes, fsio::WriteOptions::STATE).map_err(io(path))
    }

    /// The value of `key`, if set.
    pub fn get(&self, key: &str) -> Result<Option<String>, Error> {
        Ok(self.entry(key)?.map(|e| e.value))
    }

    /// The entry of `key` (value, time, project), if set.
    pub fn entry(&self, key: &str) -> Result<Option<Entry>, Error> {
        let p = self.path(key)?;
        self.read(&p, Some(key))
    }

    /// Sets `key` to `value`.
    pub fn set(&self, key: &str, value: &str) -> Result<(), Error> {
        let p = self.path(key)?;
        if value.len() > MAX_VALUE {
            return Err(Error::TooLarge(value.len()));
        }
        self.locked(|| self.write(&p, key, value.to_string()))
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
            let mut v = self.read(&p, Some(key))?.map(|e| e.value).unwrap_or_default();
            if !v.is_empty() && !v.ends_with('\n') {
                v.push('\n');
            }
            v.push_str(line);
            v.push('\n');
            self.write(&p, key, v)
        })
    }

    /// Adds `by` to the integer value of `key` (missing = 0) and returns the new value.
    pub fn incr(&self, key: &str, by: i64) -> Result<i64, Error> {
        let p = self.path(key)?;
        self.locked(|| {
            let current = match self.read(&p, Some(key))? {
                Some(e) => e.value.trim().parse::<i64>().map_err(|_| Error::NotInteger(key.to_string()))?,
                None => 0,
            };
            let next = current.saturating_add(by);
            self.write(&p, key, next.to_string())?;
            Ok(next)
        })
    }

    /// Every entry whose key starts with `prefix`, by key. Unreadable files are skipped.
    pub fn entries(&self, prefix: &str) -> Result<Vec<Entry>, Error> {
        let rd = match std::fs::read_dir(&self.dir) {
            Ok(rd) => rd,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::Io { path: self.dir.clone(), source: e }),
        };
        let mut out: Vec<Entry> = rd
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_str().is_some_and(|n| n.ends_with(".val") && !n.starts_with('.')))
            .filter_map(|e| self.read(&e.path(), None).ok().flatten())
            .filter(|e| e.key.starts_with(prefix) && valid_key(&e.key))
            .collect();
        out.sort_by(|a, b| a.key.cmp(&b.key));
        out.dedup_by(|a, b| a.key == b.key);
        Ok(out)
    }

    /// Keys starting with `prefix`, sorted.
    pub fn list(&self, prefix: &str) -> Result<Vec<String>, Error> {
        Ok(self.entries(prefix)?.into_iter().map(|e| e.key).collect())
    }

    /// Entries whose key starts with `prefix`, ranked by how well their key and value match
    /// `query` (the ranking skill search uses), best first, at most `limit`.
    pub fn search(&self, query: &str, prefix: &str, limit: usize) -> Result<Vec<(Entry, f64)>, Error> {
        let entries = self.entries(prefix)?;
        let docs: Vec<(&str, &str)> = entries.iter().map(|e| (e.key.as_str(), e.value.as_str())).collect();
        let ranked = crate::search::rank(&docs, query);
        Ok(ranked.into_iter().take(limit).map(|(i, score)| (entries[i].clone(), score)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        for ok in ["a", "knowledge/rust/cargo-offline", "sdd:plan:status", "x.y_z-1"] {
            assert!(valid_key(ok), "{ok}");
            let name = file_name(ok);
            assert_eq!(decode(name.strip_suffix(".val").unwrap()).as_deref(), Some(ok));
        }
        for bad in
            ["", "/a", "a/", "a//b", "../x", "a/../b", "a/./b", "sp ace", "é", "a\\b", &"k".repeat(1025)]
        {
            assert!(!valid_key(bad), "{bad}");
        }
        // A key whose encoded name would pass the file-system limit gets a hashed name.
        let long = ["seg:"; 100].concat() + "end";
        assert!(valid_key(&long));
        assert!(file_name(&long).starts_with('~') && file_name(&long).len() < 60);
    }

    #[test]
    fn set_get_append_incr_list_delete_search() {
        let tmp = tempfile::tempdir().unwrap();
        let s = Store::at(tmp.path().join("store"));
        assert_eq!(s.get("a/b").unwrap(), None);
        s.set("a/b", "v").unwrap();
        assert_eq!(s.get("a/b").unwrap().as_deref(), Some("v"));
        assert!(s.entry("a/b").unwrap().unwrap().ts.is_some());
        s.append("log", "one").unwrap();
        s.append("log", "two").unwrap();
        assert_eq!(s.get("log").unwrap().as_deref(), Some("one\ntwo\n"));
        assert_eq!(s.incr("n", 5).unwrap(), 5);
        assert_eq!(s.incr("n", -2).unwrap(), 3);
        assert!(matches!(s.incr("a/b", 1), Err(Error::NotInteger(_))));
        let long = ["seg:"; 100].concat() + "end";
        s.set(&long, "stored under a hash").unwrap();
        assert_eq!(s.get(&long).unwrap().as_deref(), Some("stored under a hash"));
        assert_eq!(s.list("").unwrap(), vec!["a/b".to_string(), "log".into(), "n".into(), long.clone()]);
        assert_eq!(s.list("a/").unwrap(), ["a/b"]);
        // A value file written by hand (or an older version) is its own value.
        std::fs::write(tmp.path().join("store/plain.val"), "by hand").unwrap();
        assert_eq!(s.get("plain").unwrap().as_deref(), Some("by hand"));
        s.set("hypotheses/e0382-borrow", "moved value used after move in the loop; clone before").unwrap();
        let hits = s.search("borrow moved value", "", 5).unwrap();
        assert_eq!(hits[0].0.key, "hypotheses/e0382-borrow");
        assert!(s.search("borrow", "log", 5).unwrap().is_empty(), "the prefix limits the search");
        assert!(s.delete("a/b").unwrap());
        assert!(!s.delete("a/b").unwrap());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_fifo_for_a_value_is_refused_without_blocking_or_holding_the_lock() {
        let tmp = tempfile::tempdir().unwrap();
        let s = Store::at(tmp.path().to_path_buf());
        let fifo = tmp.path().join("k.val");
        rustix::fs::mkfifoat(rustix::fs::CWD, &fifo, rustix::fs::Mode::from_raw_mode(0o600)).unwrap();
        assert!(s.get("k").unwrap_err().to_string().contains("not a regular file"));
        assert!(s.append("k", "x").unwrap_err().to_string().contains("not a regular file"));
        s.set("other", "fine").unwrap(); // the lock was released
    }
}
