//! Writing a plan to disk (atomic per file, unchanged files skipped, stale files removed) and
//! comparing a plan with what is on disk (`--check`).

use crate::plan::{Contents, Copied, File, Plan};
use crate::progress::Progress;
use skillwright_model::fsio::{self, Links, ReadError, WriteOptions};
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
    /// The output holds files an earlier build did not write where this one would write (in a
    /// host's directory, at a host directory's name, the report's or the ledger's).
    #[error(
        "refusing to replace {}: skillwright did not write it{}; move {} away or choose another --out",
        .0.display(),
        if *.1 > 1 { format!(" ({} such files in that package directory)", .1) } else { String::new() },
        if *.1 > 1 { "them" } else { "it" }
    )]
    Foreign(PathBuf, usize),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| Error::Io { path: path.to_path_buf(), source }
}

/// What a write did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Files created or replaced (each host's package is staged whole, so this counts every file
    /// of a package that changed, written or linked).
    pub written: usize,
    /// Of those, how many were hard links to a file with the same contents and mode that this
    /// build wrote for another path (another host's copy of a skill, a bundled binary).
    pub linked: usize,
    /// Bytes of file contents actually written (hard links write none).
    pub bytes: u64,
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
    all.insert(plan.report_name.to_string(), File::of(plan.report.as_bytes(), false));
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
pub fn write(plan: &Plan, out: &Path, progress: &dyn Progress) -> Result<Summary, Error> {
    for p in &plan.packages {
        for path in p.files.keys() {
            if !safe_rel_path(&format!("{}/{path}", p.host)) {
                return Err(Error::Unsafe(format!("{}/{path}", p.host), "path leaves the output directory"));
            }
        }
    }
    std::fs::create_dir_all(out).map_err(io(out))?;
    let ledger_path = out.join(LEDGER);
    let previous = read_ledger(&ledger_path)?;
    let files = outputs(plan);
    // A report that is not ours (a user's own REPORT.md) is never replaced. Ours is in the ledger,
    // or (written before ledgers kept reports) starts with the line a report starts with. It is
    // read once: the write below compares with the same bytes.
    let report_path = out.join(plan.report_name);
    let report = plan.report.as_bytes();
    let report_on_disk = fsio::read_bounded(&report_path, 16 << 20, Links::Refuse).ok();
    let first_line = |b: &[u8]| b.split(|&c| c == b'\n').next().filter(|l| !l.is_empty()).map(<[u8]>::to_vec);
    let looks_ours = report_on_disk
        .as_deref()
        .is_some_and(|b| b == report || first_line(b).is_some_and(|l| Some(l) == first_line(report)));
    if !previous.contains(plan.report_name) && std::fs::symlink_metadata(&report_path).is_ok() && !looks_ours
    {
        return Err(Error::Foreign(report_path, 1));
    }
    // Check every host before touching any, so a refusal leaves the whole output as it was.
    let mut listed = Vec::new();
    for p in &plan.packages {
        recover(out, &p.host)?;
        guard_symlinks(out, &p.host)?;
        let dest = out.join(&p.host);
        // Something else by a host's name (a file, a FIFO) is not a package to replace.
        if std::fs::symlink_metadata(&dest).is_ok_and(|m| !m.is_dir()) {
            return Err(Error::Foreign(dest, 1));
        }
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
    progress.step("comparing with the disk", files.len() as u64);
    let hashed = Hashed::default();
    let packages: Vec<_> = plan.packages.iter().zip(&listed).collect();
    let changes = crate::parallel::map(&packages, |(p, on_disk)| {
        let dest = out.join(&p.host);
        // A package not on disk yet (a cold build) has nothing to compare.
        let changed = if on_disk.is_empty() {
            p.files.len()
        } else {
            p.files.iter().filter(|(path, f)| !unchanged(&dest.join(path), f, &hashed)).count()
        };
        progress.advance(p.files.len() as u64);
        changed
    });
    let gone: Vec<usize> = plan
        .packages
        .iter()
        .zip(&listed)
        .map(|(p, on_disk)| on_disk.iter().filter(|f| !p.files.contains_key(*f)).count())
        .collect();
    let staging: Vec<&crate::plan::Package> = plan
        .packages
        .iter()
        .zip(changes.iter().zip(&gone))
        .filter(|(_, (changed, gone))| **changed > 0 || **gone > 0)
        .map(|(p, _)| p)
        .collect();
    if !staging.is_empty() {
        // Remember the new files before they land: a crash after a swap then leaves no file
        // that the next build would take for someone else's.
        let mut both: BTreeSet<String> = previous.clone();
        both.extend(files.keys().cloned());
        write_ledger(&ledger_path, &both)?;
        // Creating directories is most of a cold build's time in the kernel (the file system
        // allocates each one): every package's staging tree is made on every core.
        let made = crate::parallel::map(&staging, |p| stage_dirs(out, &p.host, &p.files));
        if let Some(e) = made.into_iter().find_map(Result::err) {
            unstage(out, &staging);
            return Err(e);
        }
    }
    // Every file this build writes, by contents and mode: a later file with the same ones (the
    // same skill in another host's package, a bundled binary) is a hard link to it.
    progress.step("writing", staging.iter().map(|p| p.files.len() as u64).sum());
    let mut shared = Shared::default();
    for ((p, changed), gone) in plan.packages.iter().zip(changes).zip(gone) {
        summary.unchanged += p.files.len() - changed;
        if changed == 0 && gone == 0 {
            continue;
        }
        let staged = match stage_and_swap(out, &p.host, &p.files, &mut shared, progress) {
            Ok(s) => s,
            Err(e) => {
                unstage(out, &staging);
                return Err(e);
            }
        };
        summary.written += changed;
        summary.linked += staged.linked;
        summary.bytes += staged.bytes;
        summary.removed += gone;
    }
    if report_on_disk.as_deref() != Some(report) {
        write_atomic(&report_path, report, false)?;
        summary.written += 1;
        summary.bytes += report.len() as u64;
    } else {
        summary.unchanged += 1;
    }
    // Packages of hosts this build did not touch stay, and so do their ledger entries: a build
    // of some hosts, or of the other layout, into the same directory leaves the rest alone.
    let built: BTreeSet<&str> = plan.packages.iter().map(|p| p.host.as_str()).collect();
    let mut ledger: BTreeSet<String> = files.keys().cloned().collect();
    ledger.extend(previous.into_iter().filter(|p| {
        // Another layout's report stays ours, and so do the packages of hosts not built now.
        let keep = match p.split_once('/') {
            Some((host, _)) => !built.contains(host),
            None => p != plan.report_name && p != LEDGER,
        };
        keep && out.join(p).is_file()
    }));
    write_ledger(&ledger_path, &ledger)?;
    Ok(summary)
}

/// The files earlier builds wrote, from the ledger (none when there is no ledger). A file at the
/// ledger's name that is not one is refused, never overwritten.
fn read_ledger(path: &Path) -> Result<BTreeSet<String>, Error> {
    match fsio::read_bounded(path, 64 << 20, Links::Refuse) {
        Err(e) if e.is_not_found() => Ok(BTreeSet::new()),
        Err(ReadError::Io(_, e)) => Err(Error::Io { path: path.to_path_buf(), source: e }),
        Err(_) => Err(Error::Foreign(path.to_path_buf(), 1)),
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|_| Error::Foreign(path.to_path_buf(), 1)),
    }
}

/// One build at a time writes into an output directory: the lock file beside the packages.
pub const LOCK: &str = ".skillwright.lock";

/// An exclusive hold on an output directory; released when dropped (or when the process dies).
#[derive(Debug)]
pub struct Lock(#[allow(dead_code)] std::fs::File);

/// Takes `out`'s lock, creating `out` if needed. When another build holds it, calls `waiting`
/// once, then waits for that build to finish.
pub fn lock(out: &Path, waiting: impl FnOnce()) -> Result<Lock, Error> {
    std::fs::create_dir_all(out).map_err(io(out))?;
    let path = out.join(LOCK);
    let file = fsio::open_lock_file(&path).map_err(io(&path))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            waiting();
            file.lock().map_err(io(&path))?;
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(Error::Io { path, source: e }),
    }
    Ok(Lock(file))
}

/// Refuses an output directory that is the file-system root, the user's home directory, or the
/// skills root itself (whose next read would take the packages for skills).
pub fn refuse_out(out: &Path, skills: &Path) -> Result<(), Error> {
    let out_abs = resolved(out);
    if out_abs.parent().is_none() {
        return Err(Error::Unsafe(
            out.display().to_string(),
            "it is the root of the file system; choose a directory for the packages, e.g. `--out dist`",
        ));
    }
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE")).filter(|h| !h.is_empty());
    if home.is_some_and(|h| resolved(Path::new(&h)) == out_abs) {
        return Err(Error::Unsafe(
            out.display().to_string(),
            "it is your home directory; choose a directory for the packages, e.g. `--out dist`",
        ));
    }
    if out_abs == resolved(skills) {
        return Err(Error::Unsafe(
            out.display().to_string(),
            "it is the skills root, where the packages would be read as skills",
        ));
    }
    Ok(())
}

/// `p` made absolute with its existing part's symlinks resolved (the rest as written).
fn resolved(p: &Path) -> PathBuf {
    let abs = std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(c) = existing.canonicalize() {
            return rest.iter().rev().fold(c, |acc: PathBuf, seg| acc.join(seg));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return abs,
        }
    }
}

fn write_ledger(path: &Path, entries: &BTreeSet<String>) -> Result<(), Error> {
    let mut bytes = serde_json::to_vec_pretty(entries).unwrap_or_default();
    bytes.push(b'\n');
    if std::fs::read(path).ok().as_deref() != Some(&bytes[..]) {
        // The ledger is what lets the next build tell our files from a user's: keep it durable.
        fsio::write_atomic(path, &bytes, WriteOptions { mode: 0o644, durable: true }).map_err(io(path))?;
    }
    Ok(())
}

/// Whether `path` is a regular file (not a symlink) holding exactly `file`'s bytes with its
/// executable bit; size and mode are checked (from one metadata call) before the contents are read.
fn unchanged(path: &Path, file: &File, hashed: &Hashed) -> bool {
    std::fs::symlink_metadata(path)
        .is_ok_and(|m| m.is_file() && m.len() == file.len() && mode_matches(&m, file.exec))
        && on_disk(path, &file.contents, hashed).unwrap_or(false)
}

/// The sha256 of files on disk already hashed, by identity: every host's hard link to the same
/// bundled binary is read once.
type Hashed = std::sync::Mutex<std::collections::HashMap<FileId, String>>;

/// Whether the regular file `path` (not a symlink) holds `contents`: compared piece by piece with
/// bytes in memory, by sha256 with a copied file.
fn on_disk(path: &Path, contents: &Contents, hashed: &Hashed) -> Result<bool, ReadError> {
    match contents {
        Contents::Bytes(b) => fsio::same_contents(path, b, Links::Refuse),
        Contents::Copy(c) => {
            let (f, len) = fsio::open_regular(path, Links::Refuse)?;
            if len != c.len {
                return Ok(false);
            }
            // Only where a file's identity includes its inode: elsewhere two files could match.
            let id = f.metadata().ok().map(|m| FileId::from_meta(&m)).filter(|id| id.dev_ino != (0, 0));
            let known = id.and_then(|id| hashed.lock().ok()?.get(&id).cloned());
            let hash = match known {
                Some(h) => h,
                None => {
                    // One byte more than planned is enough to tell a file that grew meanwhile.
                    let h = skillwright_model::integrity::sha256_reader(std::io::Read::take(f, c.len + 1))
                        .map_err(|e| ReadError::Io(path.into(), e))?;
                    if let (Some(id), Ok(mut m)) = (id, hashed.lock()) {
                        m.insert(id, h.clone());
                    }
                    h
                }
            };
            Ok(hash == c.sha256)
        }
    }
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

/// Contents and mode of a planned file, as a key: files equal under it can share one inode.
#[derive(Clone, Copy)]
struct Content<'a> {
    exec: bool,
    contents: &'a Contents,
}

impl std::hash::Hash for Content<'_> {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        match self.contents {
            Contents::Bytes(b) => {
                // Length, mode and both ends: enough to tell files apart cheaply; equality decides.
                const END: usize = 4096;
                (self.exec, b.len()).hash(h);
                b[..b.len().min(END)].hash(h);
                b[b.len().saturating_sub(END)..].hash(h);
            }
            Contents::Copy(c) => (self.exec, c.len, &c.sha256).hash(h),
        }
    }
}

impl PartialEq for Content<'_> {
    fn eq(&self, o: &Self) -> bool {
        self.exec == o.exec
            && match (self.contents, o.contents) {
                (Contents::Bytes(a), Contents::Bytes(b)) => {
                    a.len() == b.len() && (std::ptr::eq(a.as_ptr(), b.as_ptr()) || a == b)
                }
                (Contents::Copy(a), Contents::Copy(b)) => a.len == b.len && a.sha256 == b.sha256,
                _ => false,
            }
    }
}
impl Eq for Content<'_> {}

/// Where this build wrote a file first: its package, its path there, and the identity of the
/// file it created (so a link is only ever made to that very file, never to one put there since).
struct Origin<'a> {
    host: &'a str,
    path: &'a str,
    id: FileId,
}

/// Files this build wrote, by contents and mode.
#[derive(Default)]
struct Shared<'a> {
    first: std::collections::HashMap<Content<'a>, Origin<'a>>,
}

/// What staging one package did.
#[derive(Default)]
struct Staged {
    linked: usize,
    bytes: u64,
}

/// Creates a package's staging directory beside `out/<host>` and every directory in it.
fn stage_dirs(out: &Path, host: &str, files: &BTreeMap<String, File>) -> Result<(), Error> {
    let stage = out.join(format!("{STAGE}{host}"));
    std::fs::create_dir(&stage).map_err(io(&stage))?;
    // Each directory once, parents first (the map is sorted).
    let dirs: BTreeSet<&str> = files.keys().filter_map(|p| p.rsplit_once('/').map(|(d, _)| d)).collect();
    for d in dirs {
        let p = stage.join(d);
        std::fs::create_dir_all(&p).map_err(io(&p))?;
    }
    Ok(())
}

/// Removes whatever staging directories a failed write left.
fn unstage(out: &Path, packages: &[&crate::plan::Package]) {
    for p in packages {
        let _ = std::fs::remove_dir_all(out.join(format!("{STAGE}{}", p.host)));
    }
}

/// Writes a whole package into its staging directory (made by [`stage_dirs`]), then swaps it in.
///
/// The swap is what makes a killed build safe. Files are not fsynced one by one: like other build
/// tools, skillwright leaves durability across power loss to the file system (a rebuild repairs
/// anything lost), which keeps a cold build of thousands of files fast. A file with the same
/// contents and mode as one this build already wrote (here or in another host's package) is a
/// hard link to it; where a link cannot be made it is written.
fn stage_and_swap<'a>(
    out: &Path,
    host: &'a str,
    files: &'a BTreeMap<String, File>,
    shared: &mut Shared<'a>,
    progress: &dyn Progress,
) -> Result<Staged, Error> {
    let dest = out.join(host);
    let stage = out.join(format!("{STAGE}{host}"));
    let mut done = Staged::default();
    let staged = (|| {
        for (path, file) in files {
            progress.advance(1);
            let to = stage.join(path);
            let key = Content { exec: file.exec, contents: &file.contents };
            let linked = shared.first.get(&key).is_some_and(|o| {
                // Packages already swapped in sit at `out/<host>`; this one is still staged.
                let from = if o.host == host { stage.join(o.path) } else { out.join(o.host).join(o.path) };
                FileId::of(&from).is_some_and(|id| id == o.id) && std::fs::hard_link(&from, &to).is_ok()
            });
            if linked {
                done.linked += 1;
                continue;
            }
            let id = write_new(&to, &file.contents, file.exec)?;
            done.bytes += file.len();
            shared.first.entry(key).or_insert(Origin { host, path, id });
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
    Ok(done)
}

/// The identity of a file this build created: device and inode, size and modification time
/// (on other systems: size and modification time).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct FileId {
    dev_ino: (u64, u64),
    len: u64,
    modified: Option<std::time::SystemTime>,
}

impl FileId {
    fn from_meta(m: &std::fs::Metadata) -> FileId {
        #[cfg(unix)]
        let dev_ino = {
            use std::os::unix::fs::MetadataExt;
            (m.dev(), m.ino())
        };
        #[cfg(not(unix))]
        let dev_ino = (0, 0);
        FileId { dev_ino, len: m.len(), modified: m.modified().ok() }
    }

    /// The identity of the regular file at `path` (not following a symlink).
    fn of(path: &Path) -> Option<FileId> {
        std::fs::symlink_metadata(path).ok().filter(|m| m.is_file()).map(|m| FileId::from_meta(&m))
    }
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

/// Creates a file that does not exist yet (inside a fresh staging directory); returns its identity.
fn write_new(dest: &Path, contents: &Contents, exec: bool) -> Result<FileId, Error> {
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
    match contents {
        Contents::Bytes(b) => f.write_all(b).map_err(io(dest))?,
        Contents::Copy(c) => copy_into(c, &mut f).map_err(io(dest))?,
    }
    Ok(FileId::from_meta(&f.metadata().map_err(io(dest))?))
}

/// Copies a bundled binary into `to` (in the kernel where it can), refusing a source whose
/// size or modification time changed since it was hashed: its bytes would not be the ones the
/// package's manifest lists.
fn copy_into(c: &Copied, to: &mut std::fs::File) -> std::io::Result<()> {
    let changed = || {
        std::io::Error::other(format!(
            "{} changed while the build was running; build again",
            c.path.display()
        ))
    };
    let (from, _) = fsio::open_regular(&c.path, Links::Follow)?;
    let meta = from.metadata()?;
    if meta.len() != c.len || meta.modified().ok() != c.modified {
        return Err(changed());
    }
    if std::io::copy(&mut std::io::Read::take(from, c.len + 1), to)? != c.len {
        return Err(changed());
    }
    Ok(())
}

/// Refuses a path whose existing parts under `out` include a symlink.
fn guard_symlinks(out: &Path, rel: &str) -> Result<(), Error> {
    match fsio::symlink_on_path(out, rel) {
        Some(p) => Err(Error::Unsafe(p.display().to_string(), "a symlink is in the way")),
        None => Ok(()),
    }
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
    fsio::write_atomic(dest, bytes, WriteOptions { mode, durable: false }).map_err(io(dest))
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
pub fn check(plan: &Plan, out: &Path, progress: &dyn Progress) -> Vec<Stale> {
    let files = outputs(plan);
    let mut stale = Vec::new();
    progress.step("comparing with the disk", files.len() as u64);
    let hashed = Hashed::default();
    for (path, file) in &files {
        progress.advance(1);
        let dest = out.join(path);
        let detail = match on_disk(&dest, &file.contents, &hashed) {
            Err(e) if e.is_not_found() => "missing: the build would create it".into(),
            Err(ReadError::NotRegular(_, what)) => format!("{what} where the build puts a file"),
            Err(e) => format!("cannot be read: {e}"),
            Ok(false) => diff(path, &dest, file),
            Ok(true) if !exec_matches(&dest, file.exec) => "file mode differs (executable bit)".into(),
            Ok(true) => continue,
        };
        stale.push(Stale { path: path.clone(), detail });
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

/// What differs between the file at `dest` and the planned one: a unified diff of text files
/// (on-disk side read bounded), otherwise their sizes.
fn diff(path: &str, dest: &Path, new: &File) -> String {
    /// Larger on-disk files are not diffed line by line.
    const DIFF_LIMIT: u64 = 4 << 20;
    let text = new.bytes().and_then(|b| std::str::from_utf8(b).ok());
    let old = text.and_then(|_| fsio::read_bounded(dest, DIFF_LIMIT, Links::Refuse).ok());
    match (old.as_deref().map(std::str::from_utf8), text) {
        (Some(Ok(a)), Some(b)) => similar::TextDiff::from_lines(a, b)
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{path} (on disk)"), &format!("b/{path} (planned)"))
            .to_string(),
        _ => {
            let on_disk = std::fs::symlink_metadata(dest).map_or(0, |m| m.len());
            format!("binary content differs ({on_disk} bytes on disk, {} planned)", new.len())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundled_binary_that_changed_since_it_was_hashed_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("skillwright");
        std::fs::write(&src, b"the binary as hashed").unwrap();
        let meta = std::fs::metadata(&src).unwrap();
        let copied = |len: u64| Copied {
            path: src.clone(),
            len,
            modified: meta.modified().ok(),
            sha256: skillwright_model::integrity::sha256(b"the binary as hashed"),
        };
        let dest = tmp.path().join("copy");
        let mut f = std::fs::File::create(&dest).unwrap();
        copy_into(&copied(meta.len()), &mut f).unwrap();
        assert_eq!(std::fs::read(&dest).unwrap(), b"the binary as hashed");
        // Another size than when it was hashed (it was rebuilt meanwhile): not copied.
        let mut f = std::fs::File::create(tmp.path().join("other")).unwrap();
        let e = copy_into(&copied(meta.len() - 1), &mut f).unwrap_err().to_string();
        assert!(e.contains("changed while the build was running"), "{e}");
        // Another modification time, same size.
        let older = Copied { modified: Some(std::time::SystemTime::UNIX_EPOCH), ..copied(meta.len()) };
        let e = copy_into(&older, &mut f).unwrap_err().to_string();
        assert!(e.contains("changed while the build was running"), "{e}");
    }
}
