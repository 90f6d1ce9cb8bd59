//! `skillwright.toml`: the pack's name, description, version, author and links (`[pack]`).

use skillwright_model::Pack;
use std::path::{Path, PathBuf};

/// Largest pack file read.
pub const MAX_PACK_FILE: u64 = 1024 * 1024;

/// A pack file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// There is no pack file.
    #[error("no pack file at {}; run `skillwright init` to write one", .0.display())]
    Missing(PathBuf),
    /// Reading failed (or the path is not a small regular file).
    #[error("cannot read pack file: {0}")]
    Read(#[from] skillwright_model::fsio::ReadError),
    /// Not valid TOML, or fields of the wrong shape.
    #[error("pack file {}{}: {message}{}", .path.display(), .at.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default(), .hint.as_deref().map(|h| format!("\n  = help: {h}")).unwrap_or_default())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line and column, when known.
        at: Option<(usize, usize)>,
        /// What is wrong.
        message: String,
        /// The right form, when the mistake is a common one.
        hint: Option<String>,
    },
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PackFile {
    pack: Pack,
}

/// Reads and checks the pack file at `path`; `version` fills in a missing version.
pub fn load(path: &Path, version: Option<&str>) -> Result<Pack, Error> {
    use skillwright_model::fsio::{Links, read_text_bounded};
    let text = read_text_bounded(path, MAX_PACK_FILE, Links::Follow).map_err(|e| match e {
        e if e.is_not_found() => Error::Missing(path.to_path_buf()),
        e => Error::Read(e),
    })?;
    parse(path, &text, version)
}

/// Parses pack-file text; `path` names it in errors.
pub fn parse(path: &Path, text: &str, version: Option<&str>) -> Result<Pack, Error> {
    let invalid = |at, message: String, hint: Option<String>| Error::Invalid {
        path: path.to_path_buf(),
        at,
        message,
        hint,
    };
    let mut pack = match toml::from_str::<PackFile>(text) {
        Ok(f) => f.pack,
        Err(e) => {
            let at = e.span().map(|s| line_col(text, s.start));
            let message = e.message().trim().to_string();
            return Err(invalid(at, message.clone(), hint(&message)));
        }
    };
    if pack.version.is_none() {
        pack.version = version.map(str::to_string);
    }
    pack.check().map_err(|m| invalid(None, m, None))?;
    Ok(pack)
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// The right form for the mistakes people make most often in a pack file.
fn hint(message: &str) -> Option<String> {
    if message.contains("missing field `pack`") {
        return Some("the pack's fields go under a `[pack]` table:\n      [pack]\n      name = \"my-pack\"\n      description = \"…\"\n      version = \"0.1.0\"\n      [pack.author]\n      name = \"Jane Doe\"".into());
    }
    if message.contains("invalid type") && message.contains("struct Author") {
        return Some("`author` is a table, not a string:\n      [pack.author]\n      name = \"Jane Doe\"\n      email = \"jane@example.com\"   # optional".into());
    }
    if message.contains("unknown field") {
        return Some("`[pack]` takes name, display-name, description, version, author, license, homepage, repository, keywords and category".into());
    }
    None
}
