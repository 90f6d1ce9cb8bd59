//! The package's self-check: whether its files still match the integrity manifest the build wrote.
//!
//! Hashing every file at every session start costs milliseconds, so the verdict is cached in the
//! state directory under a stamp of every file's identity (path, size, mtime, ctime, inode): any
//! write, rename, chmod or replacement changes the stamp and the next start checks again.

use crate::Env;
use skillwright_model::integrity::{self, Finding};
use std::path::Path;

/// A note for the context when package files differ from integrity.json (`bin/` is not hashed
/// here); `None` when they match or when there is nothing to compare.
pub fn note(root: &Path, env: &Env) -> Option<String> {
    let stamp = integrity::sha256(stamp(root).as_bytes());
    let cache = env.home.as_ref().map(|h| {
        let key = integrity::sha256(root.to_string_lossy().as_bytes());
        h.join("selfcheck").join(format!("{}.json", &key[..24]))
    });
    if let Some(c) = &cache
        && let Ok(b) = std::fs::read(c)
        && let Ok(hit) = serde_json::from_slice::<Verdict>(&b)
        && hit.stamp == stamp
    {
        return hit.note;
    }
    let note = full_check(root);
    if let Some(c) = cache
        && let Some(dir) = c.parent()
        && crate::ensure_dir(dir).is_ok()
        && let Ok(bytes) = serde_json::to_vec(&Verdict { stamp, note: note.clone() })
    {
        let _ =
            skillwright_model::fsio::write_atomic(&c, &bytes, skillwright_model::fsio::WriteOptions::STATE);
    }
    note
}

#[derive(serde::Serialize, serde::Deserialize)]
struct Verdict {
    stamp: String,
    note: Option<String>,
}
/// One line per file outside `bin/`: what changes whenever the file does.
fn stamp(root: &Path) -> String {
    let mut s = String::new();
    for rel in integrity::list_files(root) {
        if rel.starts_with("bin/") {
            continue;
        }
        let m = std::fs::symlink_metadata(root.join(&rel)).ok();
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
        s.push_str(&format!("{rel}\t{}\n", id.unwrap_or_default()));
    }
    s
}

fn full_check(root: &Path) -> Option<String> {
    match integrity::verify_dir(root, None, false) {
        Ok((_, findings)) => {
            let files: Vec<String> = findings
                .iter()
                .filter_map(|f| match f {
                    Finding::Added(p) | Finding::Missing(p) | Finding::Changed(p) => Some(p.clone()),
                    Finding::Signature(_) => None,
                })
                .collect();
            let sig = findings.iter().any(|f| matches!(f, Finding::Signature(_)));
            if files.is_empty() && !sig {
                return None;
            }
            let what = if files.is_empty() {
                "its signature does not verify".to_string()
            } else {
                format!("{} file(s) differ from what was built (e.g. {})", files.len(), files[0])
            };
            Some(format!(
                "this package was modified after it was built: {what}; run `skillwright verify` on it"
            ))
        }
        Err(_) => Some("this package has no readable integrity.json, so it cannot be checked".into()),
    }
}
