//! The package's self-check at session start: whether its files (binaries included) still match
//! the integrity manifest, and whether it is signed by the key pinned for its pack.
//!
//! Hashing a package costs time that grows with the pack, so the session-start hot path never
//! does it: it reads a cached verdict (one small file) and checks that the manifest and signature
//! files are the ones the verdict was made for (two file stats). When there is no verdict for
//! them, or it is older than [`TTL`], the caller starts [`refresh`] in the background, which does
//! the full check, pins the pack's key on first use (see [`crate::trust`]) and caches the verdict
//! for the next session. A change to the package is therefore reported from the session after the
//! next background check: at most [`TTL`] late, never missed.

use crate::{Env, state, trust};
use skillwright_model::fsio::{self, Links};
use skillwright_model::integrity::{self, MANIFEST, SIGNATURE, Signature};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// How long a verdict is used before a background check renews it.
pub const TTL: Duration = Duration::from_secs(10 * 60);

/// What the hot path knows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cached {
    /// A note for the context when the last check found a problem.
    pub note: Option<String>,
    /// Whether a background check should run now (no verdict for these files, or an old one).
    pub stale: bool,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Verdict {
    stamp: String,
    checked: u64,
    note: Option<String>,
}

/// The verdict file for the package at `root`.
fn cache_file(root: &Path, env: &Env) -> Option<PathBuf> {
    let dir = state::dir(env, "selfcheck").ok()?;
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let key = integrity::sha256(root.to_string_lossy().as_bytes());
    Some(dir.join(format!("{}.json", &key[..24])))
}

/// What identifies the signed files: size, mtime, ctime and inode of the manifest and signature.
/// Replacing or rewriting either (an update, a re-signing) changes it.
fn stamp(root: &Path) -> String {
    let mut s = String::new();
    for f in [MANIFEST, SIGNATURE] {
        let m = std::fs::symlink_metadata(root.join(f)).ok();
        #[cfg(unix)]
        let id = m.map(|m| {
            use std::os::unix::fs::MetadataExt;
            format!(
                "{} {}.{} {}.{} {} {}",
                m.len(),
                m.mtime(),
                m.mtime_nsec(),
                m.ctime(),
                m.ctime_nsec(),
                m.ino(),
                m.mode()
            )
        });
        #[cfg(not(unix))]
        let id = m.map(|m| format!("{} {:?}", m.len(), m.modified().ok()));
        s.push_str(&format!("{f}\t{}\n", id.unwrap_or_default()));
    }
    s
}

fn secs(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// The cached verdict for the package at `root`, in constant time.
pub fn cached(root: &Path, env: &Env, now: SystemTime) -> Cached {
    let Some(file) = cache_file(root, env) else { return Cached::default() };
    let hit = fsio::read_bounded(&file, 64 * 1024, Links::Refuse)
        .ok()
        .and_then(|b| serde_json::from_slice::<Verdict>(&b).ok())
        .filter(|v| v.stamp == stamp(root));
    match hit {
        Some(v) => Cached { note: v.note, stale: secs(now).saturating_sub(v.checked) >= TTL.as_secs() },
        None => Cached { note: None, stale: true },
    }
}

/// The full check of the package at `root`, cached for [`cached`]. Pins the pack's key on first
/// use. Returns the note (if any) the context will carry.
pub fn refresh(root: &Path, env: &Env) -> Option<String> {
    let stamp = stamp(root);
    let note = full_check(root, env);
    if let Some(file) = cache_file(root, env)
        && let Ok(bytes) =
            serde_json::to_vec(&Verdict { stamp, checked: secs(SystemTime::now()), note: note.clone() })
    {
        let _ = fsio::write_atomic(&file, &bytes, fsio::WriteOptions::STATE);
    }
    note
}

fn full_check(root: &Path, env: &Env) -> Option<String> {
    let check = match integrity::check_dir(root, true) {
        Ok(c) => c,
        Err(_) => return Some("this package has no readable integrity.json, so it cannot be checked".into()),
    };
    if let Signature::Valid { key } = &check.signature {
        let how = format!("first use of {}", root.display());
        let _ = trust::pin_first_use(env, &check.manifest.pack, key, &how);
    }
    match trust::judge(&check, None, &[], &trust::load(env)) {
        trust::Verdict::Failed { problems } => Some(format!(
            "this package is not what was built and signed ({} problem(s), e.g. {}); run `skillwright verify {}`",
            problems.len(),
            problems[0].split_whitespace().collect::<Vec<_>>().join(" "),
            root.display()
        )),
        _ => None,
    }
}
