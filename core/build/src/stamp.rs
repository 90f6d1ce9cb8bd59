//! The input fingerprint a build leaves beside its output, so that a rebuild with nothing changed
//! returns after reading it and looking at the inputs' metadata.
//!
//! The stamp records the tool (version and the identity of the running executable), every option
//! that shapes the output, the machine's boot (a power loss may have eaten unsynced output), and
//! every input: each file under the skills root, `commands/` and `agents/` beside the pack file,
//! the `--targets` and `--templates` directories, the pack file, the hook scripts it names and
//! the bundled binaries, each with its metadata and sha256 (the signing key with its metadata
//! only). A file whose metadata differs is hashed again: touched but unchanged is still a no-op.
//! Every output file's metadata is recorded too, so an output edited, replaced or removed by hand
//! makes the next build compare (and repair) everything.
//! A file modified shortly before the stamp was taken is always hashed again, since its
//! modification time cannot tell two writes within one clock tick apart.
//!
//! Inputs are looked at (metadata and hash) before the build reads them, so a file edited while
//! a build runs is seen as changed by the next one. The stamp is removed before a build writes
//! anything and written after it has written everything; `--check` never reads it and always
//! compares contents. What it cannot see: a file added by hand to a package (`--check` names it).

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// The stamp file under `--out`, one per layout (both layouts may share an output directory).
pub fn path(out: &Path, layout: crate::plan::Layout) -> PathBuf {
    let name = match layout {
        crate::plan::Layout::Host => ".skillwright-stamp.json",
        crate::plan::Layout::Universal => ".skillwright-stamp-universal.json",
    };
    out.join(name)
}

const FORMAT: u32 = 1;
/// A file modified less than this long before the stamp was taken is hashed again on every
/// check (file systems with coarse timestamps included).
const RACY: Duration = Duration::from_secs(2);

/// What the build printed, to say again when nothing changed.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Recorded {
    /// The summary table.
    pub table: String,
    /// `(host, loss)` lines.
    pub loss: Vec<(String, String)>,
    /// Output files (packages and report).
    pub files: usize,
    /// Warnings in the skills and the rest of the pack.
    pub warnings: usize,
}

/// File metadata that changes whenever the contents may have.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
struct Meta {
    /// `f` file, `d` directory, `l` symlink, `o` other.
    kind: char,
    len: u64,
    /// Modification and status-change times, ns since the epoch.
    mtime: i64,
    ctime: i64,
    ino: u64,
    mode: u32,
}

fn ns(t: SystemTime) -> i64 {
    match t.duration_since(SystemTime::UNIX_EPOCH) {
        Ok(d) => d.as_nanos().min(i64::MAX as u128) as i64,
        Err(e) => -(e.duration().as_nanos().min(i64::MAX as u128) as i64),
    }
}

impl Meta {
    fn of(m: &std::fs::Metadata) -> Meta {
        let ft = m.file_type();
        let kind = if ft.is_symlink() {
            'l'
        } else if ft.is_dir() {
            'd'
        } else if ft.is_file() {
            'f'
        } else {
            'o'
        };
        #[cfg(unix)]
        let (ctime, ino, mode) = {
            use std::os::unix::fs::MetadataExt;
            (m.ctime().saturating_mul(1_000_000_000).saturating_add(m.ctime_nsec()), m.ino(), m.mode())
        };
        #[cfg(not(unix))]
        let (ctime, ino, mode) = (0, 0, u32::from(m.permissions().readonly()));
        let mtime = m.modified().map(ns).unwrap_or(0);
        Meta { kind, len: if kind == 'd' { 0 } else { m.len() }, mtime, ctime, ino, mode }
    }
}

/// One input: a path (relative to its tree's root, or as given), its metadata and, for files,
/// the sha256 of its contents (`None`: the metadata must match exactly).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct Entry {
    path: String,
    meta: Meta,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hash: Option<String>,
}

/// A directory whose whole contents are inputs (`entries` is `None` when it does not exist).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct Tree {
    root: String,
    entries: Option<Vec<Entry>>,
}

/// An output file and its metadata (a short form: there is one per file of every package).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct Out(String, char, u64, i64, i64, u64);

impl Out {
    fn of(rel: &str, m: &Meta) -> Out {
        Out(rel.to_string(), m.kind, m.len, m.mtime, m.ctime, m.ino)
    }
}

/// The fingerprint of one build's inputs, and what that build printed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Stamp {
    format: u32,
    /// Tool identity and options; must be equal.
    key: String,
    boot: Option<String>,
    /// When the inputs were first looked at (ns since the epoch).
    at: i64,
    trees: Vec<Tree>,
    files: Vec<Entry>,
    /// Every output file with its metadata, which must be unchanged: an output edited, replaced
    /// or removed by hand makes the next build compare everything.
    outputs: Vec<Out>,
    /// What to print again.
    pub recorded: Recorded,
}

/// What one input is: a file hashed by contents, or one whose metadata alone identifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// Compared by contents when its metadata changes.
    Hashed,
    /// Compared by metadata only (a secret key: its hash is not written down).
    Metadata,
}

/// The machine's boot, where the system says (a stamp from before a reboot is not trusted: the
/// unsynced output it vouches for may have been lost).
fn boot() -> Option<String> {
    #[cfg(target_os = "linux")]
    {
        std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok().map(|s| s.trim().to_string())
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// The running program's version and identity: a rebuilt skillwright may render differently.
pub fn tool() -> String {
    let exe = std::env::current_exe().ok().and_then(|p| std::fs::metadata(p).ok()).map(|m| Meta::of(&m));
    match exe {
        Some(m) => format!("skillwright {} ({} {} {})", env!("CARGO_PKG_VERSION"), m.len, m.mtime, m.ino),
        None => format!(
            "skillwright {} (unknown executable {})",
            env!("CARGO_PKG_VERSION"),
            ns(SystemTime::now())
        ),
    }
}

fn hash_file(path: &Path) -> Option<String> {
    std::fs::read(path).ok().map(|b| skillwright_model::integrity::sha256(&b))
}

/// Every entry under `root` (not following symlinks), sorted; `Err` if any could not be read.
fn walk(root: &Path, hashes: bool) -> Result<Option<Vec<Entry>>, ()> {
    match std::fs::symlink_metadata(root) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(_) => return Err(()),
        Ok(_) => {}
    }
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(root).follow_links(false).min_depth(1).sort_by_file_name() {
        let e = e.map_err(|_| ())?;
        let rel = e.path().strip_prefix(root).map_err(|_| ())?.to_string_lossy().replace('\\', "/");
        let meta = Meta::of(&e.metadata().map_err(|_| ())?);
        let hash = match meta.kind {
            'f' if hashes => Some(hash_file(e.path()).ok_or(())?),
            'l' => Some(std::fs::read_link(e.path()).map_err(|_| ())?.to_string_lossy().into_owned()),
            _ => None,
        };
        out.push(Entry { path: rel, meta, hash });
    }
    Ok(Some(out))
}

/// Collects a build's inputs as it goes: each is looked at before the build reads it.
pub struct Collector {
    stamp: Option<Stamp>,
}

impl Collector {
    /// Starts a stamp for a build whose tool identity and options are `key`.
    pub fn start(key: String) -> Collector {
        let stamp = Stamp {
            format: FORMAT,
            key,
            boot: boot(),
            at: ns(SystemTime::now()),
            trees: Vec::new(),
            files: Vec::new(),
            outputs: Vec::new(),
            recorded: Recorded::default(),
        };
        Collector { stamp: Some(stamp) }
    }

    /// Adds every file under `root` (a missing root is recorded as missing). Anything unreadable
    /// means no stamp: the next build compares everything.
    pub fn tree(&mut self, root: &Path) {
        if let Some(s) = &mut self.stamp {
            match walk(root, true) {
                Ok(entries) => s.trees.push(Tree { root: root.to_string_lossy().into_owned(), entries }),
                Err(()) => self.stamp = None,
            }
        }
    }

    /// Adds one file, read through symlinks (a missing file is recorded as missing).
    pub fn file(&mut self, path: &Path, how: Input) {
        let Some(s) = &mut self.stamp else { return };
        let meta = match std::fs::metadata(path) {
            Ok(m) => Meta::of(&m),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Meta { kind: '-', ..Meta::default() },
            Err(_) => {
                self.stamp = None;
                return;
            }
        };
        let hash = match (meta.kind, how) {
            ('f', Input::Hashed) => match hash_file(path) {
                Some(h) => Some(h),
                None => {
                    self.stamp = None;
                    return;
                }
            },
            _ => None,
        };
        s.files.push(Entry { path: path.to_string_lossy().into_owned(), meta, hash });
    }

    /// Adds one file the caller has read and hashed itself, with the metadata its open file had
    /// before it was read (a later change then shows in the metadata).
    pub fn hashed(&mut self, path: &Path, meta: &std::fs::Metadata, sha256: &str) {
        if let Some(s) = &mut self.stamp {
            let path = path.to_string_lossy().into_owned();
            s.files.push(Entry { path, meta: Meta::of(meta), hash: Some(sha256.to_string()) });
        }
    }

    /// Adds one input held in memory (a binary the caller already has), by its hash.
    pub fn bytes(&mut self, name: &str, bytes: &[u8]) {
        if let Some(s) = &mut self.stamp {
            s.key.push_str(&format!("\n{name} {}", skillwright_model::integrity::sha256(bytes)));
        }
    }

    /// Finishes the stamp once the build has written `outputs` (paths under `out`).
    pub fn finish(self, out: &Path, outputs: &[String], recorded: Recorded) -> Option<Stamp> {
        let mut s = self.stamp?;
        for rel in outputs {
            let m = std::fs::symlink_metadata(out.join(rel)).ok()?;
            s.outputs.push(Out::of(rel, &Meta::of(&m)));
        }
        s.recorded = recorded;
        Some(s)
    }
}

impl Stamp {
    /// Writes the stamp (not fsynced: losing it only costs a full comparison, and a reboot
    /// voids it anyway).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let bytes = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        skillwright_model::fsio::write_atomic(path, &bytes, skillwright_model::fsio::WriteOptions::OUTPUT)
    }

    /// The stamp at `path`, if there is one this version can read.
    pub fn load(path: &Path) -> Option<Stamp> {
        let s: Stamp = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
        (s.format == FORMAT).then_some(s)
    }

    /// Whether nothing the build depends on changed since this stamp was taken, for a build
    /// whose key is `key` writing into `out`. Returns the stamp to write back when it is
    /// fresh but some metadata moved (a touched file): `Some(None)` fresh as it is,
    /// `Some(Some(updated))` fresh with new metadata, `None` stale.
    pub fn fresh(&self, key: &str, out: &Path) -> Option<Option<Stamp>> {
        if self.key != key || self.boot != boot() || self.boot.is_none() && cfg!(target_os = "linux") {
            return None;
        }
        let now = ns(SystemTime::now());
        let racy = self.at.saturating_sub(RACY.as_nanos() as i64);
        let mut moved = false;
        for o in &self.outputs {
            let m = std::fs::symlink_metadata(out.join(&o.0)).ok()?;
            if Out::of(&o.0, &Meta::of(&m)) != *o {
                return None;
            }
        }
        let mut updated = self.clone();
        for (i, f) in self.files.iter().enumerate() {
            let meta = match std::fs::metadata(&f.path) {
                Ok(m) => Meta::of(&m),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Meta { kind: '-', ..Meta::default() },
                Err(_) => return None,
            };
            let new = same(f, meta, racy, || hash_file(Path::new(&f.path)))?;
            moved |= new != f.meta;
            updated.files[i].meta = new;
        }
        for (t, tree) in self.trees.iter().enumerate() {
            let root = Path::new(&tree.root);
            let now_there = walk(root, false).ok()?;
            match (&tree.entries, now_there) {
                (None, None) => {}
                (Some(was), Some(is)) if was.len() == is.len() => {
                    for (i, (w, e)) in was.iter().zip(is).enumerate() {
                        if w.path != e.path || w.meta.kind != e.meta.kind {
                            return None;
                        }
                        if w.meta.kind == 'l' {
                            if w.hash != e.hash {
                                return None;
                            }
                            continue;
                        }
                        if w.meta.kind != 'f' {
                            continue;
                        }
                        let new = same(w, e.meta, racy, || hash_file(&root.join(&w.path)))?;
                        moved |= new != w.meta;
                        if let Some(entries) = &mut updated.trees[t].entries {
                            entries[i].meta = new;
                        }
                    }
                }
                _ => return None,
            }
        }
        if !moved && self.at >= racy_limit(&self.files, &self.trees) {
            return Some(None);
        }
        updated.at = now;
        Some(Some(updated))
    }
}

/// The newest modification time among the input files, plus the racy window: a stamp taken after
/// it needs no refresh (a directory's time does not matter: its listing is compared).
fn racy_limit(files: &[Entry], trees: &[Tree]) -> i64 {
    let newest = files
        .iter()
        .chain(trees.iter().flat_map(|t| t.entries.iter().flatten()))
        .filter(|e| e.meta.kind == 'f')
        .map(|e| e.meta.mtime)
        .max()
        .unwrap_or(0);
    newest.saturating_add(RACY.as_nanos() as i64)
}

/// The metadata to record for an input that is unchanged (`None`: it changed). Equal metadata
/// is trusted unless the file was modified within the racy window before the stamp; otherwise
/// the contents decide (and the mode must match: a script that lost its executable bit fails).
fn same(was: &Entry, now: Meta, racy: i64, hash: impl FnOnce() -> Option<String>) -> Option<Meta> {
    if was.meta.kind != now.kind {
        return None;
    }
    if now.kind != 'f' {
        return (was.meta == now).then_some(now);
    }
    if was.meta == now && now.mtime < racy {
        return Some(now);
    }
    let Some(want) = &was.hash else { return (was.meta == now).then_some(now) };
    (was.meta.mode == now.mode && was.meta.len == now.len && hash().as_ref() == Some(want)).then_some(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> String {
        "k".into()
    }

    fn stamp_of(dir: &Path, out: &Path) -> Stamp {
        let mut c = Collector::start(key());
        c.tree(&dir.join("skills"));
        c.tree(&dir.join("commands"));
        c.file(&dir.join("pack.toml"), Input::Hashed);
        c.finish(out, &[], Recorded::default()).unwrap()
    }

    fn set_mtime(p: &Path, secs_ago: u64) {
        let f = std::fs::File::options().write(true).open(p).unwrap();
        f.set_modified(SystemTime::now() - Duration::from_secs(secs_ago)).unwrap();
    }

    #[test]
    fn unchanged_touched_edited_added_and_removed_inputs() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        std::fs::create_dir_all(d.join("skills/a")).unwrap();
        std::fs::write(d.join("skills/a/SKILL.md"), "one").unwrap();
        std::fs::write(d.join("pack.toml"), "p").unwrap();
        for f in ["skills/a/SKILL.md", "pack.toml"] {
            set_mtime(&d.join(f), 60);
        }
        let s = stamp_of(d, d);
        assert_eq!(s.fresh(&key(), d).map(|u| u.is_some()), Some(false), "unchanged: fresh as it is");
        assert!(s.fresh("other options", d).is_none(), "another key is stale");

        // Touched but unchanged: fresh, with new metadata to write back.
        set_mtime(&d.join("skills/a/SKILL.md"), 30);
        let updated = s.fresh(&key(), d).unwrap().expect("metadata moved");
        assert_eq!(updated.fresh(&key(), d).map(|u| u.is_some()), Some(false));

        // Same size, new contents: stale, however old its timestamp claims to be.
        std::fs::write(d.join("skills/a/SKILL.md"), "two").unwrap();
        set_mtime(&d.join("skills/a/SKILL.md"), 60);
        assert!(s.fresh(&key(), d).is_none());
        std::fs::write(d.join("skills/a/SKILL.md"), "one").unwrap();
        assert!(s.fresh(&key(), d).is_some(), "put back as it was");

        std::fs::write(d.join("skills/a/notes.md"), "x").unwrap();
        assert!(s.fresh(&key(), d).is_none(), "a new file");
        std::fs::remove_file(d.join("skills/a/notes.md")).unwrap();
        std::fs::create_dir(d.join("commands")).unwrap();
        assert!(s.fresh(&key(), d).is_none(), "a directory that was missing");
        std::fs::remove_dir(d.join("commands")).unwrap();
        std::fs::remove_file(d.join("pack.toml")).unwrap();
        assert!(s.fresh(&key(), d).is_none(), "a file gone");
    }

    #[cfg(unix)]
    #[test]
    fn a_mode_change_is_a_change() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        std::fs::create_dir_all(d.join("skills")).unwrap();
        std::fs::write(d.join("pack.toml"), "p").unwrap();
        let s = stamp_of(d, d);
        std::fs::set_permissions(d.join("pack.toml"), std::fs::Permissions::from_mode(0o755)).unwrap();
        assert!(s.fresh(&key(), d).is_none());
    }

    #[test]
    fn an_output_touched_or_gone_voids_the_stamp() {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        std::fs::create_dir_all(d.join("skills")).unwrap();
        std::fs::write(d.join("pack.toml"), "p").unwrap();
        std::fs::write(d.join("REPORT.md"), "r").unwrap();
        let mut c = Collector::start(key());
        c.tree(&d.join("skills"));
        let s = c.finish(d, &["REPORT.md".into()], Recorded::default()).unwrap();
        assert!(s.fresh(&key(), d).is_some());
        std::fs::remove_file(d.join("REPORT.md")).unwrap();
        assert!(s.fresh(&key(), d).is_none());
    }
}
