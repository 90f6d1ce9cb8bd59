//! Writing a plan to disk (atomic per file, unchanged files skipped, stale files removed) and
//! comparing a plan with what is on disk (`--check`).

use crate::integrity::safe_rel_path;
use crate::plan::{File, Plan};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Ledger of the files a previous build wrote, so only those are ever removed.
pub const LEDGER: &str = ".skillwright-files.json";
/// The loss report, at the output root.
pub const REPORT: &str = "REPORT.md";

/// A write that failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An I/O operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The output would leave `--out` or pass through a symlink.
    #[error("refusing to write {0}: {1}")]
    Unsafe(String, &'static str),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_path_buf(), source }
}

/// What a write did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Files created or replaced.
    pub written: usize,
    /// Files already identical.
    pub unchanged: usize,
    /// Stale files from a previous build removed.
    pub removed: usize,
}

/// Every output file: path relative to `--out` → file.
fn outputs(plan: &Plan) -> BTreeMap<String, File> {
    let mut all = BTreeMap::new();
    for p in &plan.packages {
        for (path, f) in &p.files {
            all.insert(format!("{}/{path}", p.host), f.clone());
        }
    }
    all.insert(REPORT.to_string(), File { bytes: plan.report.clone().into_bytes(), exec: false });
    all
}

/// Writes `plan` under `out`.
pub fn write(plan: &Plan, out: &Path) -> Result<Summary, Error> {
    let files = outputs(plan);
    for path in files.keys() {
        if !safe_rel_path(path) {
            return Err(Error::Unsafe(path.clone(), "path leaves the output directory"));
        }
    }
    std::fs::create_dir_all(out).map_err(io(out))?;
    let mut summary = Summary::default();
    for (path, file) in &files {
        let dest = out.join(path);
        guard_symlinks(out, path)?;
        if std::fs::read(&dest).is_ok_and(|b| b == file.bytes) && exec_matches(&dest, file.exec) {
            summary.unchanged += 1;
            continue;
        }
        write_atomic(&dest, &file.bytes, file.exec)?;
        summary.written += 1;
    }
    let ledger_path = out.join(LEDGER);
    let previous: BTreeSet<String> =
        std::fs::read(&ledger_path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
    for stale in previous.iter().filter(|p| !files.contains_key(*p) && safe_rel_path(p)) {
        guard_symlinks(out, stale)?;
        let p = out.join(stale);
        if std::fs::symlink_metadata(&p).is_ok_and(|m| m.is_file()) {
            std::fs::remove_file(&p).map_err(io(&p))?;
            summary.removed += 1;
            remove_empty_parents(out, &p);
        }
    }
    let ledger: BTreeSet<&String> = files.keys().collect();
    let mut bytes = serde_json::to_vec_pretty(&ledger).unwrap_or_default();
    bytes.push(b'\n');
    if std::fs::read(&ledger_path).ok().as_deref() != Some(&bytes[..]) {
        write_atomic(&ledger_path, &bytes, false)?;
    }
    Ok(summary)
}

/// Refuses a path whose existing parts under `out` include a symlink.
fn guard_symlinks(out: &Path, rel: &str) -> Result<(), Error> {
    let mut p = out.to_path_buf();
    for seg in rel.split('/') {
        p.push(seg);
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                return Err(Error::Unsafe(p.display().to_string(), "a symlink is in the way"));
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    Ok(())
}

#[cfg(unix)]
fn exec_matches(p: &Path, exec: bool) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| (m.permissions().mode() & 0o111 != 0) == exec)
}
#[cfg(not(unix))]
fn exec_matches(_: &Path, _: bool) -> bool {
    true
}

/// Writes via a temporary file in the same directory, fsync, then rename.
pub fn write_atomic(dest: &Path, bytes: &[u8], exec: bool) -> Result<(), Error> {
    let dir = dest.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut tmp = tempfile::Builder::new().prefix(".skillwright-").tempfile_in(dir).map_err(io(dir))?;
    tmp.write_all(bytes).map_err(io(dest))?;
    tmp.as_file().sync_all().map_err(io(dest))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if exec { 0o755 } else { 0o644 };
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(mode)).map_err(io(dest))?;
    }
    #[cfg(not(unix))]
    let _ = exec;
    tmp.persist(dest).map_err(|e| Error::Io { path: dest.to_path_buf(), source: e.error })?;
    Ok(())
}

fn remove_empty_parents(out: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d == out || std::fs::remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

/// One difference between the plan and the disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    /// Path relative to `--out`.
    pub path: String,
    /// What differs: a unified diff, or a sentence.
    pub detail: String,
}

/// Compares `plan` with `out` without writing. Empty when the disk is up to date.
pub fn check(plan: &Plan, out: &Path) -> Vec<Stale> {
    let files = outputs(plan);
    let mut stale = Vec::new();
    for (path, file) in &files {
        let dest = out.join(path);
        match std::fs::read(&dest) {
            Err(_) => {
                stale.push(Stale { path: path.clone(), detail: "missing: the build would create it".into() })
            }
            Ok(disk) if disk != file.bytes => {
                stale.push(Stale { path: path.clone(), detail: diff(path, &disk, &file.bytes) })
            }
            Ok(_) if !exec_matches(&dest, file.exec) => {
                stale.push(Stale { path: path.clone(), detail: "file mode differs (executable bit)".into() })
            }
            Ok(_) => {}
        }
    }
    for p in &plan.packages {
        for rel in crate::integrity::list_files(&out.join(&p.host)) {
            let path = format!("{}/{rel}", p.host);
            if !files.contains_key(&path) {
                stale
                    .push(Stale { path, detail: "unexpected: the build would not produce this file".into() });
            }
        }
    }
    stale.sort_by(|a, b| a.path.cmp(&b.path));
    stale
}

fn diff(path: &str, old: &[u8], new: &[u8]) -> String {
    match (std::str::from_utf8(old), std::str::from_utf8(new)) {
        (Ok(a), Ok(b)) => similar::TextDiff::from_lines(a, b)
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{path} (on disk)"), &format!("b/{path} (planned)"))
            .to_string(),
        _ => format!("binary content differs ({} bytes on disk, {} planned)", old.len(), new.len()),
    }
}
