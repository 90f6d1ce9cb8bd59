//! Reading an installed package: its precomputed context, its skill index and its skills. Every
//! read is bounded and refuses anything but a regular file, and a skill is only ever read from
//! `skills/<name>/SKILL.md` for a name the index lists.

use skillwright_model::context::{CONTEXT_PATH, Context, INDEX_PATH, Index, MAX_CONTEXT_FILE};
use skillwright_model::fsio::{Links, ReadError, read_bounded, read_text_bounded};
use skillwright_model::names::valid_name;
use std::path::{Path, PathBuf};

/// Largest skill index read (a pack of thousands of skills stays far below it).
pub const MAX_INDEX: u64 = 16 * 1024 * 1024;
/// Largest SKILL.md shown.
pub const MAX_SKILL_MD: u64 = 1024 * 1024;

/// A package that cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The directory holds no skillwright package.
    #[error("{} is not a skillwright package (no {file}); pass --root with the package directory", .root.display())]
    NotAPackage {
        /// The directory.
        root: PathBuf,
        /// The file that was looked for.
        file: &'static str,
    },
    /// A package file was refused or unreadable.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// A package file is not what the build writes.
    #[error("{}: {message}", .path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The pack has no such skill.
    #[error("no skill `{0}` in this pack; `skillwright skills list` shows them")]
    NoSkill(String),
}

fn read_json<T: serde::de::DeserializeOwned>(
    root: &Path,
    file: &'static str,
    limit: u64,
) -> Result<T, Error> {
    let path = root.join(file);
    let bytes = read_bounded(&path, limit, Links::Refuse).map_err(|e| match e {
        ReadError::NotFound(_) => Error::NotAPackage { root: root.to_path_buf(), file },
        e => Error::Read(e),
    })?;
    serde_json::from_slice(&bytes).map_err(|e| Error::Invalid { path, message: e.to_string() })
}

/// The precomputed session context (`hooks/context.json`).
pub fn context(root: &Path) -> Result<Context, Error> {
    read_json(root, CONTEXT_PATH, MAX_CONTEXT_FILE)
}

/// The skill index (`hooks/skills.json`).
pub fn index(root: &Path) -> Result<Index, Error> {
    read_json(root, INDEX_PATH, MAX_INDEX)
}

/// The SKILL.md of skill `name`, which the index must list.
pub fn skill_md(root: &Path, index: &Index, name: &str) -> Result<String, Error> {
    let skill = index.get(name).ok_or_else(|| Error::NoSkill(name.to_string()))?;
    let dir = if skill.dir.is_empty() { &skill.name } else { &skill.dir };
    // The index is package data: a directory name that is not a plain skill name could point
    // anywhere, so it is refused rather than joined.
    if !valid_name(dir) {
        return Err(Error::Invalid {
            path: root.join(INDEX_PATH),
            message: format!("skill directory `{dir}` is not a skill name"),
        });
    }
    let path = root.join("skills").join(dir).join("SKILL.md");
    Ok(read_text_bounded(&path, MAX_SKILL_MD, Links::Refuse)?)
}

/// The package that ships the binary at `exe` (`<root>/bin/<triple>/skillwright`), if that is
/// where it runs from.
pub fn enclosing(exe: &Path) -> Option<PathBuf> {
    let root = exe.parent()?.parent()?.parent()?;
    (exe.parent()?.parent()?.file_name()? == "bin" && root.join(CONTEXT_PATH).is_file())
        .then(|| root.to_path_buf())
}
