//! Walking a skills root: one directory per skill, every file read into memory.
//!
//! Symlinks are never followed (each is reported), hidden entries are skipped, and size limits
//! bound what a hostile pack can make us read.

use crate::parse::parse_skill;
use skillwright_model::diag::Diagnostic;
use skillwright_model::skill::SkillSet;
use std::path::{Path, PathBuf};

/// Largest SKILL.md accepted.
pub const MAX_SKILL_MD: u64 = 1024 * 1024;
/// Largest other file accepted.
pub const MAX_FILE: u64 = 16 * 1024 * 1024;
/// Most files in one skill.
pub const MAX_FILES_PER_SKILL: usize = 2000;
/// Largest total pack size.
pub const MAX_PACK: u64 = 256 * 1024 * 1024;

/// The skills root itself could not be used.
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

/// Reads every skill under `root`. Problems with individual skills become diagnostics.
pub fn discover(root: &Path) -> Result<(SkillSet, Vec<Diagnostic>), Error> {
    let meta = std::fs::metadata(root).map_err(|source| Error::Io { path: root.to_path_buf(), source })?;
    if !meta.is_dir() {
        return Err(Error::NotADir(root.to_path_buf()));
    }
    let mut entries: Vec<_> = std::fs::read_dir(root)
        .map_err(|source| Error::Io { path: root.to_path_buf(), source })?
        .filter_map(Result::ok)
        .collect();
    entries.sort_by_key(|e| e.file_name());

    let mut set = SkillSet::default();
    let mut diags = Vec::new();
    let mut total: u64 = 0;
    for entry in entries {
        let os_name = entry.file_name();
        let Some(name) = os_name.to_str() else {
            diags.push(Diagnostic::new(
                "SW013",
                os_name.to_string_lossy(),
                "directory name is not valid UTF-8",
            ));
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        let Ok(ft) = entry.file_type() else { continue };
        if ft.is_symlink() {
            diags.push(Diagnostic::new("SW012", name, "symlink in the skills root is not followed"));
            continue;
        }
        if !ft.is_dir() {
            continue; // README.md and the like beside the skills
        }
        if let Some(bad) = bad_name(name) {
            diags.push(Diagnostic::new("SW013", name, format!("directory name {bad}")));
            continue;
        }
        read_skill(root, name, &mut set, &mut diags, &mut total);
    }
    Ok((set, diags))
}

fn read_skill(root: &Path, dir: &str, set: &mut SkillSet, diags: &mut Vec<Diagnostic>, total: &mut u64) {
    let skill_dir = root.join(dir);
    let mut files = std::collections::BTreeMap::new();
    let mut skill_md: Option<Vec<u8>> = None;
    let mut misnamed: Option<String> = None;
    let walker = walkdir::WalkDir::new(&skill_dir)
        .follow_links(false)
        .min_depth(1)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| !e.file_name().to_str().is_some_and(|n| n.starts_with('.')));
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                let rel = e.path().and_then(|p| rel(root, p)).unwrap_or_else(|| dir.to_string());
                diags.push(Diagnostic::new("SW001", rel, format!("cannot read: {e}")));
                continue;
            }
        };
        let Some(rel_root) = rel(root, entry.path()) else {
            diags.push(Diagnostic::new(
                "SW013",
                format!("{dir}/{}", entry.path().to_string_lossy()),
                "file name is not valid UTF-8",
            ));
            continue;
        };
        let rel_skill = rel_root[dir.len() + 1..].to_string();
        if entry.path_is_symlink() {
            diags.push(Diagnostic::new(
                "SW012",
                rel_root,
                "symlink is not followed; replace it with a real file",
            ));
            continue;
        }
        if let Some(bad) = rel_skill.split('/').find_map(bad_name) {
            diags.push(Diagnostic::new("SW013", rel_root, format!("file name {bad}")));
            continue;
        }
        if entry.file_type().is_dir() {
            continue;
        }
        if !entry.file_type().is_file() {
            diags.push(Diagnostic::new("SW013", rel_root, "not a regular file (device, socket or pipe)"));
            continue;
        }
        let len = entry.metadata().map(|m| m.len()).unwrap_or(0);
        let limit = if rel_skill == "SKILL.md" { MAX_SKILL_MD } else { MAX_FILE };
        if len > limit {
            diags.push(Diagnostic::new(
                "SW006",
                rel_root,
                format!("file is {len} bytes; the limit is {limit}"),
            ));
            continue;
        }
        if files.len() >= MAX_FILES_PER_SKILL {
            diags.push(Diagnostic::new(
                "SW006",
                dir,
                format!("skill has more than {MAX_FILES_PER_SKILL} files; the rest are not read"),
            ));
            break;
        }
        *total += len;
        if *total > MAX_PACK {
            diags.push(Diagnostic::new("SW006", rel_root, format!("pack exceeds {MAX_PACK} bytes")));
            return;
        }
        let bytes = match std::fs::read(entry.path()) {
            Ok(b) => b,
            Err(e) => {
                diags.push(Diagnostic::new("SW001", rel_root, format!("cannot read: {e}")));
                continue;
            }
        };
        if rel_skill == "SKILL.md" {
            skill_md = Some(bytes);
        } else {
            if rel_skill.eq_ignore_ascii_case("SKILL.md") {
                misnamed = Some(rel_skill.clone());
            }
            files.insert(rel_skill, bytes);
        }
    }
    let file = format!("{dir}/SKILL.md");
    let Some(bytes) = skill_md else {
        match misnamed {
            Some(m) => diags.push(Diagnostic::new(
                "SW003",
                format!("{dir}/{m}"),
                format!("found `{m}`; hosts only read `SKILL.md` (exact case)"),
            )),
            None => {
                diags.push(Diagnostic::new("SW002", dir, format!("skill directory `{dir}` has no SKILL.md")))
            }
        }
        return;
    };
    let (skill, problems) = parse_skill(dir, &file, &bytes);
    diags.extend(problems);
    if let Some(mut skill) = skill {
        skill.files = files;
        set.skills.push(skill);
    }
}

/// `p` relative to `root`, `/`-separated, if it is valid UTF-8.
fn rel(root: &Path, p: &Path) -> Option<String> {
    let r = p.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = r.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

/// Why a path segment cannot be packaged portably, if it cannot.
fn bad_name(seg: &str) -> Option<&'static str> {
    if seg.chars().any(char::is_control) {
        Some("contains a control character")
    } else if seg.contains(['\\', '<', '>', ':', '"', '|', '?', '*']) {
        Some("contains a character Windows forbids (\\ < > : \" | ? *)")
    } else if seg.ends_with(['.', ' ']) {
        Some("ends with a dot or space, which Windows strips")
    } else {
        None
    }
}
