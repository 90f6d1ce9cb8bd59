//! Writing a plan to disk (atomic per file, unchanged files skipped, stale files removed) and
//! comparing a plan with what is on disk (`--check`).

use crate::plan::{File, Plan};
use skillwright_model::fsio::WriteOptions;
use skillwright_model::integrity::safe_rel_path;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// Ledger of the files earlier builds wrote: a package directory holding anything else is refused.
pub const LEDGER: &str = ".skillwright-files.json";

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
    /// A host directory holds files an earlier build did not write.
    #[error(
        "refusing to replace {0}: skillwright did not write it ({1} such file(s) in that package directory); \
         move them away or choose another --out"
    )]
    Foreign(PathBuf, usize),
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
    all.insert(plan.report_name.to_string(), File { bytes: plan.report.as_bytes().into(), exec: false });
    all
}

/// Prefix of a host's staging directory while its new package is being written.
const STAGE: &str = ".skillwright-stage-";
/// Prefix of a host's previous package while it is being swapped out.
const OLD: &str = ".skillwright-old-";

/// Writes `plan` under `out`.
///
/// Each host's package is staged complete in a sibling directory, then swapped in with one
/// rename, so a build killed at any point leaves every host with either its previous package
/// or the new one, never a mix. A package that is already identical on disk is not touched.
pub fn write(plan: &Plan, out: &Path) -> Result<Summary, Error> {
    for p in &plan.packages {
        for path in p.files.keys() {
            if !safe_rel_path(&format!("{}/{path}", p.host)) {
                return Err(Error::Unsafe(format!("{}/{path}", p.host), "path leaves the output directory"));
            }
        }
    }
    std::fs::create_dir_all(out).map_err(io(out))?;
    let ledger_path = out.join(LEDGER);
    let previous: BTreeSet<String> =
        std::fs::read(&ledger_path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
    let files = outputs(plan);
    // Check every host before touching any, so a refusal leaves the whole output as it was.
    let mut listed = Vec::new();
    for p in &plan.packages {
        recover(out, &p.host)?;
        guard_symlinks(out, &p.host)?;
        let dest = out.join(&p.host);
        let on_disk = skillwright_model::integrity::list_files(&dest);
        let foreign: Vec<&String> = on_disk
            .iter()
            .filter(|f| !p.files.contains_key(*f) && !previous.contains(&format!("{}/{f}", p.host)))
            .collect();
        if let Some(f) = foreign.first() {
            return Err(Error::Foreign(dest.join(f), foreign.len()));
        }
        listed.push(on_disk);
    }
    let mut summary = Summary::default();
    // Comparing with the disk is most of a no-op build: spread it over the cores.
    let changes = crate::parallel::map(&plan.packages, |p| {
        let dest = out.join(&p.host);
        p.files.iter().filter(|(path, f)| !unchanged(&dest.join(path), f)).count()
    });
    // Large files this build already wrote for another host (the same bundled binary), by the
    // address of their shared bytes: later hosts hard-link them instead of writing them again.
    let mut shared: BTreeMap<usize, PathBuf> = BTreeMap::new();
    for ((p, on_disk), changed) in plan.packages.iter().zip(listed).zip(changes) {
        summary.unchanged += p.files.len() - changed;
        let gone = on_disk.iter().filter(|f| !p.files.contains_key(*f)).count();
        if changed == 0 && gone == 0 {
            continue;
        }
        // Remember the new files before they land, so a crash after the swap leaves no file
        // that the next build would take for someone else's.
        let mut both: BTreeSet<String> = previous.clone();
        both.extend(files.keys().cloned());
        write_ledger(&ledger_path, &both)?;
        stage_and_swap(out, &p.host, &p.files, &mut shared)?;
        summary.written += changed;
        summary.removed += gone;
    }
    let report = &files[plan.report_name];
    let report_path = out.join(plan.report_name);
    if std::fs::read(&report_path).ok().as_deref() != Some(&report.bytes[..]) {
        write_atomic(&report_path, &report.bytes, false)?;
        summary.written += 1;
    } else {
        summary.unchanged += 1;
    }
    // Packages of hosts this build did not touch stay, and so do their ledger entries: a build
    // of some hosts, or of the other layout, into the same directory leaves the rest alone.
    let built: BTreeSet<&str> = plan.packages.iter().map(|p| p.host.as_str()).collect();
    let mut ledger: BTreeSet<String> = files.keys().cloned().collect();
    ledger.extend(previous.into_iter().filter(|p| {
        let host = p.split('/').next().unwrap_or_default();
        p.contains('/') && !built.contains(host) && out.join(p).is_file()
    }));
    write_ledger(&ledger_path, &ledger)?;
    Ok(summary)
}

fn write_ledger(path: &Path, entries: &BTreeSet<String>) -> Result<(), Error> {
    let mut bytes = serde_json::to_vec_pretty(entries).unwrap_or_default();
    bytes.push(b'\n');
    if std::fs::read(path).ok().as_deref() != Some(&bytes[..]) {
        // The ledger is what lets the next build tell our files from a user's: keep it durable.
        skillwright_model::fsio::write_atomic(path, &bytes, WriteOptions { mode: 0o644, durable: true })
            .map_err(io(path))?;
    }
    Ok(())
}

/// Whether `path` is a regular file (not a symlink) holding exactly `bytes`; the size is checked
/// before the contents are read.
fn same_file(path: &Path, bytes: &[u8]) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64)
        && std::fs::read(path).is_ok_and(|b| b == bytes)
}

/// [`same_file`] with the planned executable bit too, from the same metadata.
fn unchanged(path: &Path, file: &File) -> bool {
    std::fs::symlink_metadata(path)
        .is_ok_and(|m| m.is_file() && m.len() == file.bytes.len() as u64 && mode_matches(&m, file.exec))
        && std::fs::read(path).is_ok_and(|b| b[..] == file.bytes[..])
}

/// Undoes what a killed build left: a previous package parked but not put back, stray stages.
fn recover(out: &Path, host: &str) -> Result<(), Error> {
    let dest = out.join(host);
    let old = out.join(format!("{OLD}{host}"));
    let stage = out.join(format!("{STAGE}{host}"));
    if std::fs::symlink_metadata(&old).is_ok_and(|m| m.is_dir()) {
        if std::fs::symlink_metadata(&dest).is_err() {
            std::fs::rename(&old, &dest).map_err(io(&dest))?;
        } else {
            std::fs::remove_dir_all(&old).map_err(io(&old))?;
        }
    }
    if std::fs::symlink_metadata(&stage).is_ok() {
        std::fs::remove_dir_all(&stage).map_err(io(&stage))?;
    }
    Ok(())
}

/// Writes a whole package into a staging directory beside `out/<host>`, then swaps it in.
///
/// The swap is what makes a killed build safe. Files are not fsynced one by one: like other build
/// tools, skillwright leaves durability across power loss to the file system (a rebuild repairs
/// anything lost), which keeps a cold build of thousands of files fast.
fn stage_and_swap(
    out: &Path,
    host: &str,
    files: &BTreeMap<String, File>,
    shared: &mut BTreeMap<usize, PathBuf>,
) -> Result<(), Error> {
    let dest = out.join(host);
    let stage = out.join(format!("{STAGE}{host}"));
    let staged = (|| {
        std::fs::create_dir(&stage).map_err(io(&stage))?;
        // Each directory once, parents first (the map is sorted), then the files.
        let dirs: BTreeSet<&str> = files.keys().filter_map(|p| p.rsplit_once('/').map(|(d, _)| d)).collect();
        for d in dirs {
            let p = stage.join(d);
            std::fs::create_dir_all(&p).map_err(io(&p))?;
        }
        for (path, file) in files {
            let to = stage.join(path);
            let linked = file.bytes.len() >= SHARE_MIN
                && shared.get(&key(file)).is_some_and(|from| {
                    same_file(from, &file.bytes) && std::fs::hard_link(from, &to).is_ok()
                });
            if !linked {
                write_new(&to, &file.bytes, file.exec)?;
            }
        }
        Ok(())
    })();
    if let Err(e) = staged {
        let _ = std::fs::remove_dir_all(&stage);
        return Err(e);
    }
    if std::fs::symlink_metadata(&dest).is_err() {
        std::fs::rename(&stage, &dest).map_err(io(&dest))?;
    } else if !exchange(&stage, &dest) {
        // No atomic exchange here: park the old package, move the new one in, then drop the
        // old. A kill between the two renames is undone by `recover` on the next build.
        let old = out.join(format!("{OLD}{host}"));
        std::fs::rename(&dest, &old).map_err(io(&dest))?;
        std::fs::rename(&stage, &dest).map_err(io(&dest))?;
        std::fs::remove_dir_all(&old).map_err(io(&old))?;
    } else {
        std::fs::remove_dir_all(&stage).map_err(io(&stage))?;
    }
    for (path, file) in files {
        if file.bytes.len() >= SHARE_MIN {
            shared.entry(key(file)).or_insert_with(|| dest.join(path));
        }
    }
    Ok(())
}

/// Files at least this large are hard-linked between hosts when their bytes are shared.
const SHARE_MIN: usize = 64 * 1024;

fn key(file: &File) -> usize {
    file.bytes.as_ptr() as usize
}

/// Swaps two directories in one step where the OS can (Linux `renameat2(RENAME_EXCHANGE)`).
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> bool {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    renameat_with(CWD, a, CWD, b, RenameFlags::EXCHANGE).is_ok()
}
#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> bool {
    false
}

/// Creates a file that does not exist yet (inside a fresh staging directory).
fn write_new(dest: &Path, bytes: &[u8], exec: bool) -> Result<(), Error> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    let mut f = opts.open(dest).map_err(io(dest))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if exec { 0o755 } else { 0o644 };
        f.set_permissions(std::fs::Permissions::from_mode(mode)).map_err(io(dest))?;
    }
    #[cfg(not(unix))]
    let _ = exec;
    f.write_all(bytes).map_err(io(dest))?;
    Ok(())
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

fn exec_matches(p: &Path, exec: bool) -> bool {
    std::fs::metadata(p).is_ok_and(|m| mode_matches(&m, exec))
}

#[cfg(unix)]
fn mode_matches(m: &std::fs::Metadata, exec: bool) -> bool {
    use std::os::unix::fs::PermissionsExt;
    (m.permissions().mode() & 0o111 != 0) == exec
}
#[cfg(not(unix))]
fn mode_matches(_: &std::fs::Metadata, _: bool) -> bool {
    true
}

/// Replaces `dest` atomically (not fsynced: a rebuild restores build output).
pub fn write_atomic(dest: &Path, bytes: &[u8], exec: bool) -> Result<(), Error> {
    let dir = dest.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mode = if exec { 0o755 } else { 0o644 };
    skillwright_model::fsio::write_atomic(dest, bytes, WriteOptions { mode, durable: false })
        .map_err(io(dest))
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
            Ok(disk) if disk[..] != file.bytes[..] => {
                stale.push(Stale { path: path.clone(), detail: diff(path, &disk, &file.bytes) })
            }
            Ok(_) if !exec_matches(&dest, file.exec) => {
                stale.push(Stale { path: path.clone(), detail: "file mode differs (executable bit)".into() })
            }
            Ok(_) => {}
        }
    }
    for p in &plan.packages {
        for rel in skillwright_model::integrity::list_files(&out.join(&p.host)) {
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
