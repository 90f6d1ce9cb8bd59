//! The session-start hook: the exact payload a host expects, on every path.
//!
//! Nothing here may fail a session: every problem (no home, unreadable index, corrupt metrics,
//! tampered files) degrades to a smaller context or a note inside it.

use super::context::{self, INDEX_PATH, Index};
use std::path::Path;

/// What the hook read from the host on stdin (all optional).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct HostInput {
    /// `source` (Claude/Codex/Gemini): startup, resume, clear, compact.
    pub source: Option<String>,
}

impl HostInput {
    /// Parses whatever the host sent; garbage gives the default.
    pub fn parse(bytes: &[u8]) -> HostInput {
        let v: serde_json::Value = serde_json::from_slice(bytes).unwrap_or_default();
        HostInput { source: v.get("source").and_then(|s| s.as_str()).map(str::to_string) }
    }
}

/// Builds the payload for `host` from the package at `root`. `runtime` is the command that runs
/// this binary (shown in the context); `disabled` gives a valid empty payload.
pub fn session_start(
    host: &str,
    root: &Path,
    input: &HostInput,
    runtime: Option<&str>,
    disabled: bool,
) -> String {
    let target = crate::target::builtin_one(host);
    let empty = || match &target {
        Some(t) if matches!(&t.hook.output, toml::Value::String(s) if s == "text") => String::new(),
        _ => "{}".to_string(),
    };
    // A resumed session already has the context.
    if disabled || input.source.as_deref() == Some("resume") {
        return empty();
    }
    let index =
        std::fs::read(root.join(INDEX_PATH)).ok().and_then(|b| serde_json::from_slice::<Index>(&b).ok());
    let mut notes = Vec::new();
    let index = match index {
        Some(i) => i,
        None => {
            notes.push(
                "the pack's skill index (hooks/context.json) is missing or unreadable; reinstall the package"
                    .into(),
            );
            Index { pack: "skills".into(), display: "skills".into(), version: "?".into(), skills: Vec::new() }
        }
    };
    notes.extend(declining_note(&index));
    notes.extend(tamper_note(root));
    let text = context::render(&index, runtime, &notes);
    match target {
        Some(t) => t.payload(&text),
        // Unknown host: the shape Claude, Codex and Gemini share.
        None => serde_json::json!({ "hookSpecificOutput": { "hookEventName": "SessionStart", "additionalContext": text } })
            .to_string(),
    }
}

/// A note naming this pack's skills whose recent success rate is falling.
fn declining_note(index: &Index) -> Option<String> {
    let dir = super::metrics::dir().ok()?;
    let (runs, _) = super::metrics::read(&dir, Some(2));
    let names: Vec<String> = super::feedback::compute(&runs, None)
        .into_iter()
        .filter(|f| f.declining && index.skills.iter().any(|s| s.name == f.skill))
        .map(|f| format!("{} ({:.0}% recently)", f.skill, f.recent_rate.unwrap_or(0.0) * 100.0))
        .take(3)
        .collect();
    if names.is_empty() {
        return None;
    }
    Some(format!(
        "recent runs of {} succeed less often than before; reread the skill before using it",
        names.join(", ")
    ))
}

/// A note when package files differ from integrity.json (`bin/` is not hashed here).
///
/// Hashing every file at every session start costs milliseconds, so the verdict is cached in the
/// state directory under a stamp of every file's identity (path, size, mtime, ctime, inode): any
/// write, rename, chmod or replacement changes the stamp and the next start checks again.
fn tamper_note(root: &Path) -> Option<String> {
    let stamp = crate::integrity::sha256(stamp(root).as_bytes());
    let cache = super::home().map(|h| {
        let key = crate::integrity::sha256(root.to_string_lossy().as_bytes());
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
        && super::ensure_dir(dir).is_ok()
        && let Ok(bytes) = serde_json::to_vec(&Verdict { stamp, note: note.clone() })
    {
        let tmp = c.with_extension(format!("tmp{}", std::process::id()));
        if std::fs::write(&tmp, bytes).is_ok() {
            let _ = std::fs::rename(&tmp, &c);
        }
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
    for rel in crate::integrity::list_files(root) {
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
    match crate::integrity::verify_dir(root, None, false) {
        Ok((_, findings)) => {
            let files: Vec<String> = findings
                .iter()
                .filter_map(|f| match f {
                    crate::integrity::Finding::Added(p)
                    | crate::integrity::Finding::Missing(p)
                    | crate::integrity::Finding::Changed(p) => Some(p.clone()),
                    crate::integrity::Finding::Signature(_) => None,
                })
                .collect();
            let sig = findings.iter().any(|f| matches!(f, crate::integrity::Finding::Signature(_)));
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
