//! Reading one skill directory: every file into memory, within size limits, under one symlink
//! rule.
//!
//! **Symlinks.** A link whose target stays inside the skills root is followed: its target is
//! read (a file) or walked (a directory) and packaged under the link's own name, as a plain file.
//! A link that leaves the root is an error naming the link and its target (`SW012`), so is a
//! link to nothing; a link that loops back to a directory being walked, or that the system
//! cannot resolve for looping, is a warning (`SW014`) and is not followed. Either way the walk
//! goes on, so every other file and skill is still read.

use crate::discover::{MAX_DEPTH, MAX_FILE, MAX_FILES_PER_SKILL, MAX_PACK, MAX_SKILL_MD};
use skillwright_model::diag::Diagnostic;
use skillwright_model::fsio::{self, Links, ReadError};
use skillwright_model::names;
use std::collections::{BTreeMap, BTreeSet};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Where a walk is, and what it has found so far.
pub(crate) struct Walk<'a> {
    /// The skills root, resolved.
    pub root_real: &'a Path,
    /// The root as diagnostics show it (with a trailing `/`, or empty).
    pub prefix: &'a str,
    /// The skill's directory name.
    pub skill: &'a str,
    /// Bytes read for the whole pack so far (skills are read on several threads).
    pub total: &'a AtomicU64,
    /// Problems found.
    pub diags: &'a mut Vec<Diagnostic>,
    /// The skill's files: path relative to the skill dir → bytes (SKILL.md included).
    pub files: BTreeMap<String, Vec<u8>>,
    /// The skill's directories, relative to the skill dir.
    pub dirs: BTreeSet<String>,
    /// Whether SKILL.md is there but was refused (too large, unreadable, a link out, …).
    pub skill_md_refused: bool,
    /// Whether the file count limit was hit.
    full: bool,
}

impl<'a> Walk<'a> {
    pub(crate) fn new(
        root_real: &'a Path,
        prefix: &'a str,
        skill: &'a str,
        total: &'a AtomicU64,
        diags: &'a mut Vec<Diagnostic>,
    ) -> Self {
        Walk {
            root_real,
            prefix,
            skill,
            total,
            diags,
            files: BTreeMap::new(),
            dirs: BTreeSet::new(),
            skill_md_refused: false,
            full: false,
        }
    }

    /// How diagnostics name `rel` (relative to the skill dir; empty for the skill dir itself).
    pub(crate) fn shown(&self, rel: &str) -> String {
        if rel.is_empty() {
            format!("{}{}", self.prefix, self.skill)
        } else {
            format!("{}{}/{rel}", self.prefix, self.skill)
        }
    }

    fn push(&mut self, code: &'static str, rel: &str, msg: String) {
        let d = Diagnostic::new(code, self.shown(rel), msg);
        self.diags.push(d);
    }

    /// Walks directory `dir` (a real path, links resolved), which the skill shows as `rel`.
    /// `ancestors` are the resolved directories above it, for loop detection.
    pub(crate) fn dir(&mut self, dir: &Path, rel: &str, ancestors: &mut Vec<PathBuf>) {
        if ancestors.len() > MAX_DEPTH {
            self.push(
                "SW006",
                rel,
                format!("directories nest more than {MAX_DEPTH} deep here; what is below is not read"),
            );
            return;
        }
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                return self.push(
                    "SW001",
                    rel,
                    format!("cannot list this directory: {}", io_reason(&e, dir)),
                );
            }
        };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_cached_key(|e| e.file_name());
        let mut folded: BTreeMap<String, String> = BTreeMap::new();
        for entry in entries {
            if self.full {
                return;
            }
            let os_name = entry.file_name();
            let Some(name) = os_name.to_str() else {
                let shown = join(rel, &os_name.to_string_lossy());
                self.push("SW013", &shown, "file name is not valid UTF-8; the file is not read".into());
                continue;
            };
            if name.starts_with('.') {
                continue;
            }
            let child = join(rel, name);
            if let Some(why) = names::unportable(name) {
                self.push("SW013", &child, format!("file name {why}; the file is not read"));
                continue;
            }
            if let Some(first) = folded.insert(names::fold(name), name.to_string()) {
                self.push(
                    "SW018",
                    &child,
                    format!("`{name}` and `{first}` differ only in case: installed on Windows or macOS, one replaces the other"),
                );
            }
            let path = entry.path();
            // From the directory listing (no stat, where the file system tells).
            let Ok(ft) = entry.file_type() else { continue };
            if ft.is_symlink() {
                self.link(&path, &child, ancestors);
            } else if ft.is_dir() {
                self.subdir(&path, &child, ancestors);
            } else if ft.is_file() {
                self.file(&path, &child, Links::Refuse);
            } else {
                let what = fsio::kind(&ft);
                if child == "SKILL.md" {
                    self.skill_md_refused = true;
                }
                self.push("SW013", &child, format!("not a regular file ({what}); it is not read"));
            }
        }
    }

    fn subdir(&mut self, real: &Path, rel: &str, ancestors: &mut Vec<PathBuf>) {
        if rel == "SKILL.md" {
            self.skill_md_refused = true;
            self.push("SW013", rel, "`SKILL.md` is a directory; it must be the skill's Markdown file".into());
            return;
        }
        self.dirs.insert(rel.to_string());
        // Canonical already: a directory (not a symlink) listed in a canonical directory.
        ancestors.push(real.to_path_buf());
        self.dir(real, rel, ancestors);
        ancestors.pop();
    }

    /// A symlink `rel` at `path`: followed when it stays inside the skills root.
    fn link(&mut self, path: &Path, rel: &str, ancestors: &mut Vec<PathBuf>) {
        let target = std::fs::read_link(path).map(|t| t.display().to_string()).unwrap_or_default();
        let refuse = |w: &mut Self| {
            if rel == "SKILL.md" {
                w.skill_md_refused = true;
            }
        };
        let real = match std::fs::canonicalize(path) {
            Ok(r) => r,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                refuse(self);
                return self.push(
                    "SW012",
                    rel,
                    format!("symlink `{rel}` points to `{target}`, which does not exist"),
                );
            }
            Err(e) if is_loop(&e) => {
                refuse(self);
                return self.push(
                    "SW014",
                    rel,
                    format!(
                        "symlink `{rel}` → `{target}` is a loop that never reaches a file; it is not followed"
                    ),
                );
            }
            Err(e) => {
                refuse(self);
                return self.push("SW001", rel, format!("cannot follow symlink `{rel}` → `{target}`: {e}"));
            }
        };
        if !real.starts_with(self.root_real) {
            refuse(self);
            return self.push(
                "SW012",
                rel,
                format!(
                    "symlink `{rel}` points to `{target}` ({}), outside the skills root; copy the file in instead",
                    real.display()
                ),
            );
        }
        if real.is_dir() {
            if let Some(a) = ancestors.iter().find(|a| **a == real) {
                let back =
                    a.strip_prefix(self.root_real).map(|p| p.display().to_string()).unwrap_or_default();
                return self.push(
                    "SW014",
                    rel,
                    format!("symlink `{rel}` → `{target}` leads back to `{back}`, which contains it (a loop); it is not followed"),
                );
            }
            self.subdir(&real, rel, ancestors);
        } else {
            // The resolved path has no symlink left in it: read it without following any.
            self.file(&real, rel, Links::Refuse);
        }
    }

    /// Reads file `rel` (at `path`) within the limits.
    fn file(&mut self, path: &Path, rel: &str, links: Links) {
        let is_skill_md = rel == "SKILL.md";
        let limit = if is_skill_md { MAX_SKILL_MD } else { MAX_FILE };
        // Opened once (no FIFO blocks it, a final symlink is refused unless `links` says), then
        // sized from the open file and read from it.
        let (file, len) = match fsio::open_regular(path, links) {
            Ok(opened) => opened,
            Err(e) => {
                self.skill_md_refused |= is_skill_md;
                let (code, msg) = read_problem(rel, &e, path);
                return self.push(code, rel, msg);
            }
        };
        if len > limit {
            self.skill_md_refused |= is_skill_md;
            return self.push("SW006", rel, too_large(rel, len, limit));
        }
        if self.files.len() >= MAX_FILES_PER_SKILL {
            self.full = true;
            return self.push(
                "SW006",
                "",
                format!("skill has more than {MAX_FILES_PER_SKILL} files; the rest are not read"),
            );
        }
        // Reserve the bytes first: other threads read other skills of the same pack meanwhile.
        if self.total.fetch_add(len, Ordering::Relaxed) + len > MAX_PACK {
            self.total.fetch_sub(len, Ordering::Relaxed);
            self.full = true;
            self.skill_md_refused |= is_skill_md;
            return self.push(
                "SW006",
                rel,
                format!("the pack exceeds {MAX_PACK} bytes here; the rest is not read"),
            );
        }
        match fsio::read_opened(path, file, len, limit) {
            Ok(bytes) => {
                self.files.insert(rel.to_string(), bytes);
            }
            Err(e) => {
                self.skill_md_refused |= is_skill_md;
                let (code, msg) = read_problem(rel, &e, path);
                self.push(code, rel, msg);
            }
        }
    }
}

/// Whether resolving a path failed because its symlinks loop (ELOOP).
pub(crate) fn is_loop(e: &std::io::Error) -> bool {
    const ELOOP: i32 = if cfg!(any(target_os = "linux", target_os = "android")) { 40 } else { 62 };
    cfg!(unix) && e.raw_os_error() == Some(ELOOP)
}

/// `rel/name`, or `name` at the top.
fn join(rel: &str, name: &str) -> String {
    if rel.is_empty() { name.to_string() } else { format!("{rel}/{name}") }
}

/// The message for a file over its size limit: its size and the limit, both in bytes and in MiB.
pub(crate) fn too_large(rel: &str, len: u64, limit: u64) -> String {
    let mib = |n: u64| n as f64 / (1024.0 * 1024.0);
    format!(
        "`{rel}` is {len} bytes ({:.2} MiB); the limit is {limit} bytes ({:.0} MiB), so it is not read",
        mib(len),
        mib(limit)
    )
}

/// The rule and message for a file that could not be read.
pub(crate) fn read_problem(rel: &str, e: &ReadError, path: &Path) -> (&'static str, String) {
    match e {
        ReadError::TooLarge(_, len, limit) => ("SW006", too_large(rel, *len, *limit)),
        ReadError::NotRegular(_, what) => {
            ("SW013", format!("`{rel}` is not a regular file ({what}); it is not read"))
        }
        ReadError::NotFound(_) => ("SW001", format!("`{rel}` disappeared while it was being read")),
        ReadError::Io(_, err) => ("SW001", format!("cannot read `{rel}`: {}", io_reason(err, path))),
    }
}

/// An I/O error in words, with the file's permissions when they are the reason.
pub(crate) fn io_reason(e: &std::io::Error, path: &Path) -> String {
    if e.kind() != ErrorKind::PermissionDenied {
        return e.to_string();
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::metadata(path) {
            return format!(
                "permission denied (mode {:03o}); make it readable: `chmod u+r`",
                m.permissions().mode() & 0o777
            );
        }
    }
    let _ = path;
    "permission denied".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_say_what_is_wrong() {
        let p = Path::new("/x");
        let e = ReadError::Io(p.into(), std::io::Error::from(ErrorKind::PermissionDenied));
        assert_eq!(
            read_problem("SKILL.md", &e, Path::new("/nonexistent")).1,
            "cannot read `SKILL.md`: permission denied"
        );
        let e = ReadError::TooLarge(p.into(), 2 * 1024 * 1024, MAX_SKILL_MD);
        let (code, msg) = read_problem("SKILL.md", &e, p);
        assert_eq!(code, "SW006");
        assert_eq!(
            msg,
            "`SKILL.md` is 2097152 bytes (2.00 MiB); the limit is 1048576 bytes (1 MiB), so it is not read"
        );
    }

    #[cfg(unix)]
    #[test]
    fn permission_problems_name_the_mode() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::tempdir().unwrap();
        let f = tmp.path().join("f");
        std::fs::write(&f, "x").unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o200)).unwrap();
        let e = std::io::Error::from(ErrorKind::PermissionDenied);
        assert_eq!(io_reason(&e, &f), "permission denied (mode 200); make it readable: `chmod u+r`");
    }
}
