//! Finding skills: in a skills root (one directory per skill), in a single skill directory, or
//! from a SKILL.md path (what pre-commit passes), any number at once.
//!
//! A directory in a skills root without SKILL.md is not a skill: a warning (`SW002`), skipped,
//! unless it holds a near miss such as `skill.md` (`SW003`, an error with the fix). A SKILL.md
//! that is there but refused (too large, unreadable, a link out of the root) is reported for what
//! it is, never as missing. Symlinks follow the rule in [`crate::walk`]; hidden entries are
//! skipped; size limits bound what a hostile pack can make us read.

use crate::parse::parse_skill;
use crate::walk::{Walk, io_reason};
use skillwright_model::diag::Diagnostic;
use skillwright_model::names;
use skillwright_model::skill::SkillSet;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Largest SKILL.md accepted.
pub const MAX_SKILL_MD: u64 = 1024 * 1024;
/// Largest other file accepted.
pub const MAX_FILE: u64 = 16 * 1024 * 1024;
/// Most files in one skill.
pub const MAX_FILES_PER_SKILL: usize = 2000;
/// Largest total pack size.
pub const MAX_PACK: u64 = 256 * 1024 * 1024;
/// Deepest directory nesting read inside a skill.
pub const MAX_DEPTH: usize = 32;
/// From this many skill directories on, skills are read and parsed on every core.
const PARALLEL_FROM: usize = 64;

/// Names close enough to SKILL.md that a directory holding one was meant to be a skill.
const NEAR_MISSES: &[&str] = &[
    "skill.md",
    "skills.md",
    "skill.markdown",
    "skill.md.txt",
    "skill.txt",
    "skill",
    "skill.mdx",
    "skil.md",
];

/// A path given to read skills from could not be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The root does not exist or is not a directory.
    #[error("skills root {0} is not a directory")]
    NotADir(PathBuf),
    /// Listing the root failed.
    #[error("cannot read skills root {path}: {source}")]
    Io {
        /// The root.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Reads every skill under `root`, naming files relative to it. Problems with individual skills
/// become diagnostics.
pub fn discover(root: &Path) -> Result<(SkillSet, Vec<Diagnostic>), Error> {
    let meta = std::fs::metadata(root).map_err(|source| Error::Io { path: root.to_path_buf(), source })?;
    if !meta.is_dir() {
        return Err(Error::NotADir(root.to_path_buf()));
    }
    let mut acc = Acc::default();
    read_root(root, "", None, &mut acc)?;
    Ok(acc.finish())
}

/// Reads the skills named by `paths`, each a skills root, a skill directory (it holds SKILL.md),
/// or a file in a skill (SKILL.md or any other: its skill is read). Files are named as the paths
/// were given. A skill named twice is read once.
pub fn discover_paths(paths: &[PathBuf]) -> Result<(SkillSet, Vec<Diagnostic>), Error> {
    let mut acc = Acc::default();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|source| Error::Io { path: path.clone(), source })?;
        if meta.is_dir() && !holds_skill_md(path) {
            read_root(path, &prefix_of(path), None, &mut acc)?;
            continue;
        }
        let start = if meta.is_dir() { Some(path.as_path()) } else { path.parent() };
        let skill_dir = start
            .into_iter()
            .flat_map(Path::ancestors)
            .take(MAX_DEPTH + 1)
            .find(|d| holds_skill_md(&dir_or_dot(d)));
        let Some(skill_dir) = skill_dir else { continue };
        let skill_dir = dir_or_dot(skill_dir);
        let name = skill_dir
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_string))
            .unwrap_or_default();
        let root = match skill_dir.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            Some(_) => PathBuf::from("."),
            None => skill_dir.join(".."),
        };
        let prefix = if skill_dir.file_name().and_then(|n| n.to_str()) == Some(name.as_str()) {
            prefix_of(&root)
        } else {
            // `.`, `..` or a path ending in `/`: show the skill under its resolved root.
            prefix_of(&std::fs::canonicalize(&root).unwrap_or(root.clone()))
        };
        read_root(&root, &prefix, Some(&name), &mut acc)?;
    }
    Ok(acc.finish())
}

/// `d`, or `.` for the empty path.
fn dir_or_dot(d: &Path) -> PathBuf {
    if d.as_os_str().is_empty() { PathBuf::from(".") } else { d.to_path_buf() }
}

/// Whether directory `dir` has an entry called SKILL.md (of any type: a refused one is reported).
fn holds_skill_md(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir.join("SKILL.md")).is_ok()
}

/// How diagnostics show files under `root`: `root/` (nothing for `.`).
fn prefix_of(root: &Path) -> String {
    let s = root.to_string_lossy();
    let s = s.trim_end_matches('/');
    if s.is_empty() || s == "." { String::new() } else { format!("{s}/") }
}

#[derive(Default)]
struct Acc {
    set: SkillSet,
    diags: Vec<Diagnostic>,
    total: std::sync::atomic::AtomicU64,
    /// Skills read, as shown (`prefix` + dir), so none is read twice.
    seen: BTreeSet<String>,
}

impl Acc {
    fn finish(mut self) -> (SkillSet, Vec<Diagnostic>) {
        self.set.skills.sort_by(|a, b| (&a.prefix, &a.dir).cmp(&(&b.prefix, &b.dir)));
        (self.set, self.diags)
    }
}

/// Reads the skills of `root` (only the one called `only`, when given).
fn read_root(root: &Path, prefix: &str, only: Option<&str>, acc: &mut Acc) -> Result<(), Error> {
    let io = |source| Error::Io { path: root.to_path_buf(), source };
    let root_real = std::fs::canonicalize(root).map_err(io)?;
    let mut entries: Vec<_> = std::fs::read_dir(root).map_err(io)?.filter_map(Result::ok).collect();
    entries.sort_by_cached_key(|e| e.file_name());
    let mut folded: BTreeMap<String, String> = BTreeMap::new();
    // The skill directories to read, in order; read (and parsed) on every core below.
    let mut dirs: Vec<(String, PathBuf)> = Vec::new();
    for entry in entries {
        let os_name = entry.file_name();
        let shown = |n: &str| format!("{prefix}{n}");
        let Some(name) = os_name.to_str() else {
            let n = os_name.to_string_lossy();
            acc.diags.push(Diagnostic::new("SW013", shown(&n), "directory name is not valid UTF-8"));
            continue;
        };
        if name.starts_with('.') || only.is_some_and(|o| o != name) {
            continue;
        }
        let path = entry.path();
        // The directory listing says what each entry is (no stat, where the file system tells).
        let Ok(kind) = entry.file_type() else { continue };
        let real = if kind.is_symlink() {
            let target = std::fs::read_link(&path).map(|t| t.display().to_string()).unwrap_or_default();
            match std::fs::canonicalize(&path) {
                Ok(r) if !r.starts_with(&root_real) => {
                    acc.diags.push(Diagnostic::new(
                        "SW012",
                        shown(name),
                        format!("symlink `{name}` points to `{target}` ({}), outside the skills root; it is not read", r.display()),
                    ));
                    continue;
                }
                Ok(r) if r.is_dir() => r,
                Ok(_) => continue, // a symlink to a file
                Err(e) if crate::walk::is_loop(&e) => {
                    acc.diags.push(Diagnostic::new(
                        "SW014",
                        shown(name),
                        format!("symlink `{name}` → `{target}` is a loop that never reaches a directory; it is not followed"),
                    ));
                    continue;
                }
                Err(_) => {
                    acc.diags.push(Diagnostic::new(
                        "SW012",
                        shown(name),
                        format!("symlink `{name}` points to `{target}`, which does not exist"),
                    ));
                    continue;
                }
            }
        } else if kind.is_dir() {
            // Canonical already: a plain directory in the canonical root.
            root_real.join(name)
        } else {
            continue; // README.md and the like beside the skills
        };
        if let Some(why) = names::unportable(name) {
            acc.diags.push(Diagnostic::new(
                "SW013",
                shown(name),
                format!("directory name {why}; it is not read"),
            ));
            continue;
        }
        if let Some(first) = folded.insert(names::fold(name), name.to_string()) {
            acc.diags.push(Diagnostic::new(
                "SW018",
                shown(name),
                format!("skill directories `{name}` and `{first}` differ only in case: installed on Windows or macOS, one replaces the other"),
            ));
        }
        if acc.seen.insert(shown(name)) {
            dirs.push((name.to_string(), real));
        }
    }
    let total = &acc.total;
    let one = |(name, dir): &(String, PathBuf)| read_skill(&root_real, prefix, name, dir, total);
    // Threads cost more than they save on a few skills.
    let read: Vec<_> = if dirs.len() >= PARALLEL_FROM {
        crate::parallel::map(&dirs, one)
    } else {
        dirs.iter().map(one).collect()
    };
    for (skill, diags) in read {
        acc.diags.extend(diags);
        acc.set.skills.extend(skill);
    }
    Ok(())
}

/// Reads skill directory `name` (at `dir`, canonical, inside `root_real`): the skill, when it has one, and
/// the problems found. `total` counts the bytes read for the whole pack.
fn read_skill(
    root_real: &Path,
    prefix: &str,
    name: &str,
    dir: &Path,
    total: &std::sync::atomic::AtomicU64,
) -> (Option<skillwright_model::Skill>, Vec<Diagnostic>) {
    let shown = format!("{prefix}{name}");
    if !holds_skill_md(dir) {
        return (None, vec![missing_skill_md(dir, name, &shown)]);
    }
    let mut diags = Vec::new();
    let mut walk = Walk::new(root_real, prefix, name, total, &mut diags);
    // `dir` is canonical (read_root resolved it), as the walk's loop check needs.
    let mut ancestors = vec![dir.to_path_buf()];
    walk.dir(dir, "", &mut ancestors);
    let Walk { mut files, dirs, skill_md_refused, .. } = walk;
    let Some(bytes) = files.remove("SKILL.md") else {
        if !skill_md_refused {
            diags.push(missing_skill_md(dir, name, &shown));
        }
        return (None, diags);
    };
    let file = format!("{shown}/SKILL.md");
    let (skill, problems) = parse_skill(name, &file, &bytes);
    diags.extend(problems);
    let skill = skill.map(|mut skill| {
        skill.prefix = prefix.to_string();
        skill.files = files;
        skill.dirs = dirs;
        skill
    });
    (skill, diags)
}

/// The diagnostic for a directory without SKILL.md: an error with the fix when it holds a near
/// miss, else a warning that it is skipped (saying where SKILL.md files sit deeper, if they do).
fn missing_skill_md(dir: &Path, name: &str, shown: &str) -> Diagnostic {
    let mut near = None;
    let mut nested = Vec::new();
    match std::fs::read_dir(dir) {
        Ok(entries) => {
            let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
            entries.sort_by_cached_key(|e| e.file_name());
            for e in entries {
                let Some(n) = e.file_name().to_str().map(str::to_string) else { continue };
                if near.is_none() && NEAR_MISSES.contains(&n.to_lowercase().as_str()) && !e.path().is_dir() {
                    near = Some(n);
                } else if e.path().is_dir() && holds_skill_md(&e.path()) {
                    nested.push(n);
                }
            }
        }
        Err(e) => {
            return Diagnostic::new(
                "SW001",
                shown,
                format!("cannot list directory `{name}`: {}", io_reason(&e, dir)),
            );
        }
    }
    if let Some(n) = near {
        return Diagnostic::new(
            "SW003",
            format!("{shown}/{n}"),
            format!("found `{n}`; hosts only read `SKILL.md` (exact name and case)"),
        )
        .with_help(format!("rename it: `git mv {shown}/{n} {shown}/SKILL.md`"));
    }
    let d = Diagnostic::new(
        "SW002",
        shown,
        format!("directory `{name}` has no SKILL.md, so it is not a skill; it is skipped"),
    );
    match nested.as_slice() {
        [] => d.with_help("add a SKILL.md (`skillwright new NAME` writes one), or move the directory out of the skills root"),
        _ => {
            // A pack root given as the skills root would otherwise list every skill it has.
            const SHOWN: usize = 3;
            let listed = nested.iter().take(SHOWN).map(|n| format!("`{name}/{n}`")).collect::<Vec<_>>();
            let more = match nested.len().saturating_sub(SHOWN) {
                0 => String::new(),
                n => format!(" and {n} more"),
            };
            d.with_help(format!(
                "hosts read only <root>/<skill>/SKILL.md, so the skills in {}{more} are not read: move them up a level, or check them with `{shown}` as the skills root",
                listed.join(", ")
            ))
        }
    }
}
