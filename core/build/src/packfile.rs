//! `skillwright.toml`: the pack's name, description, version, author and links (`[pack]`).
//!
//! Every error says where (line and column when the TOML parser knows), which rule it breaks, and
//! for the mistakes people make most, shows the right form.

use skillwright_model::Pack;
use skillwright_model::text::escape;
use std::path::{Path, PathBuf};

/// Largest pack file read.
pub const MAX_PACK_FILE: u64 = 1024 * 1024;

/// The fields `[pack]` takes.
const FIELDS: &[&str] = &[
    "name",
    "display-name",
    "description",
    "version",
    "author",
    "license",
    "homepage",
    "repository",
    "keywords",
    "category",
];

/// A pack file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// There is no pack file.
    #[error("no pack file at {}; run `skillwright init` to write one", .0.display())]
    Missing(PathBuf),
    /// Reading failed (or the path is not a small regular file).
    #[error("cannot read pack file: {0}")]
    Read(#[from] skillwright_model::fsio::ReadError),
    /// Not valid TOML, or fields of the wrong shape or with wrong values.
    #[error("pack file {}{}: {message} [{code}]{}", .path.display(), .at.map(|(l, c)| format!(":{l}:{c}")).unwrap_or_default(), .hint.as_deref().map(|h| format!("\n  = help: {h}")).unwrap_or_default())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line and column, when known.
        at: Option<(usize, usize)>,
        /// Rule code: `SW017` for a control character in a field, `SW019` otherwise.
        code: &'static str,
        /// What is wrong (user text escaped).
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

/// Every problem with the pack file at `path`, as diagnostics on that file (for `validate
/// --pack`), with the file's text for snippets. A missing version is not a problem here: a build
/// may supply one. Fails only when the file cannot be read.
pub fn diagnostics(path: &Path) -> Result<(Vec<skillwright_model::Diagnostic>, String), Error> {
    use skillwright_model::fsio::{Links, read_text_bounded};
    let text = read_text_bounded(path, MAX_PACK_FILE, Links::Follow).map_err(|e| match e {
        e if e.is_not_found() => Error::Missing(path.to_path_buf()),
        e => Error::Read(e),
    })?;
    let errors = match read(path, &text) {
        Err(e) => vec![e],
        Ok(mut pack) => {
            pack.version.get_or_insert_with(|| "0.0.0".into());
            problems(path, &text, &pack)
        }
    };
    let file = path.display().to_string();
    let diags = errors
        .into_iter()
        .filter_map(|e| match e {
            Error::Invalid { at, code, message, hint, .. } => {
                let mut d = skillwright_model::Diagnostic::new(code, &file, message);
                if let Some((l, c)) = at {
                    d = d.at(l as u32, c as u32, 1);
                }
                Some(match hint {
                    Some(h) => d.with_help(h.replace("\n      ", "\n")),
                    None => d,
                })
            }
            _ => None,
        })
        .collect();
    Ok((diags, text))
}

/// Parses pack-file text; `path` names it in errors.
pub fn parse(path: &Path, text: &str, version: Option<&str>) -> Result<Pack, Error> {
    let mut pack = read(path, text)?;
    if pack.version.is_none() {
        pack.version = version.map(str::to_string);
    }
    match problems(path, text, &pack).into_iter().next() {
        Some(e) => Err(e),
        None => Ok(pack),
    }
}

/// The pack in `text`, if it is valid TOML of the right shape (its values unchecked).
pub fn read(path: &Path, text: &str) -> Result<Pack, Error> {
    toml::from_str::<PackFile>(text).map(|f| f.pack).map_err(|e| {
        let at = e.span().map(|s| line_col(text, s.start));
        let message = e.message().trim().to_string();
        let line = at.and_then(|(l, _)| text.lines().nth(l - 1)).unwrap_or("");
        Error::Invalid {
            path: path.to_path_buf(),
            at,
            code: "SW019",
            hint: hint(&message, line),
            message: escape(&message).into_owned(),
        }
    })
}

/// Every problem with the values of `pack` (read from `text`), each located at its field.
pub fn problems(path: &Path, text: &str, pack: &Pack) -> Vec<Error> {
    pack.problems()
        .into_iter()
        .map(|p| Error::Invalid {
            path: path.to_path_buf(),
            at: locate(text, &p.field),
            code: p.code,
            message: p.message,
            hint: None,
        })
        .collect()
}

/// Where field `field` (`description`, `author.name`) is set in the pack file, roughly: the first
/// line that assigns its last part.
fn locate(text: &str, field: &str) -> Option<(usize, usize)> {
    let (table, key) = match field.rsplit_once('.') {
        Some((t, k)) => (Some(format!("[pack.{t}]")), k),
        None => (None, field),
    };
    let from = match &table {
        Some(t) => text.lines().position(|l| l.trim() == t)? + 1,
        None => 0,
    };
    text.lines().enumerate().skip(from).find_map(|(i, l)| {
        let t = l.trim_start();
        let rest = t.strip_prefix(key)?;
        rest.trim_start().starts_with('=').then(|| (i + 1, l.len() - t.len() + 1))
    })
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// The right form for the mistakes people make most often in a pack file, from the parser's
/// message and the line it points at.
fn hint(message: &str, line: &str) -> Option<String> {
    let unknown =
        message.strip_prefix("unknown field `").and_then(|r| r.split('`').next()).map(str::to_string);
    if message.contains("missing field `pack`") {
        return Some(format!("the pack's fields go under a `[pack]` table:\n      {}", example()));
    }
    if let Some(field) = &unknown
        && message.contains("expected `pack`")
    {
        let where_ = if FIELDS.contains(&field.as_str()) {
            format!("`{field}` is a field of the pack: move it below the `[pack]` line")
        } else {
            format!("only a `[pack]` table may be at the top level, and `{field}` is not one of its fields")
        };
        return Some(format!("{where_}:\n      {}", example()));
    }
    if message.contains("struct Author")
        || (line.trim_start().starts_with("author") && message.contains("invalid type"))
    {
        let name = line.split_once('=').map(|(_, v)| v.trim().trim_matches('"')).filter(|v| !v.is_empty());
        return Some(format!(
            "`author` is a table, not a string:\n      [pack.author]\n      name = \"{}\"\n      email = \"jane@example.com\"   # optional",
            escape(name.unwrap_or("Jane Doe"))
        ));
    }
    if let Some(field) = &unknown {
        let close = FIELDS.iter().find(|f| similar(f, field));
        return Some(match close {
            Some(f) => format!("did you mean `{f}`? `[pack]` takes {}", FIELDS.join(", ")),
            None => format!("`[pack]` takes {}", FIELDS.join(", ")),
        });
    }
    if message.contains("invalid type") && message.contains("expected a string") {
        let (key, value) = line.split_once('=')?;
        let v = value.trim();
        let fixed = if key.trim() == "version" && !v.contains('"') {
            match v.matches('.').count() {
                0 => format!("\"{v}.0.0\""),
                1 => format!("\"{v}.0\""),
                _ => format!("\"{v}\""),
            }
        } else {
            format!("\"{}\"", v.trim_matches(['[', ']']))
        };
        return Some(format!("quote it: `{} = {fixed}`", key.trim()));
    }
    if message.contains("invalid type") && message.contains("expected a sequence") {
        let (key, value) = line.split_once('=')?;
        let items: Vec<String> = value
            .trim()
            .trim_matches('"')
            .split([',', ' '])
            .filter(|s| !s.is_empty())
            .map(|s| format!("\"{s}\""))
            .collect();
        return Some(format!("a list: `{} = [{}]`", key.trim(), items.join(", ")));
    }
    None
}

fn example() -> &'static str {
    "[pack]\n      name = \"my-pack\"\n      description = \"…\"\n      version = \"0.1.0\"\n      [pack.author]\n      name = \"Jane Doe\""
}

/// Whether `a` and `b` are one typo apart (an edit, a plural, a dash for an underscore).
fn similar(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.to_lowercase().replace('_', "-");
    let (a, b) = (norm(a), norm(b));
    if a == b || a.trim_end_matches('s') == b.trim_end_matches('s') || b.starts_with(&a) || a.starts_with(&b)
    {
        return !b.is_empty();
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push((prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()] <= 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(text: &str) -> String {
        parse(Path::new("skillwright.toml"), text, Some("1.0.0")).unwrap_err().to_string()
    }

    const OK: &str = "[pack]\nname = \"p\"\ndescription = \"d\"\n[pack.author]\nname = \"A\"\n";

    #[test]
    fn common_mistakes_show_the_right_form() {
        let e = err("[pack]\nname = \"p\"\ndescription = \"d\"\nauthor = \"Jane\"\n");
        assert!(e.contains("skillwright.toml:4:10") && e.contains("[SW019]"), "{e}");
        assert!(e.contains("[pack.author]\n      name = \"Jane\""), "{e}");
        let e = err(&format!("name = \"p\"\n{OK}"));
        assert!(e.contains("`name` is a field of the pack: move it below the `[pack]` line"), "{e}");
        let e = err("[package]\nname = \"p\"\n");
        assert!(e.contains("only a `[pack]` table may be at the top level"), "{e}");
        let e = err(&OK.replace("description", "descripton"));
        assert!(e.contains("did you mean `description`?"), "{e}");
        let e = err(&OK.replace("name = \"p\"", "name = \"p\"\nversion = 1.5"));
        assert!(e.contains("quote it: `version = \"1.5.0\"`"), "{e}");
        let e = err(&OK.replace("name = \"p\"", "name = \"p\"\nkeywords = \"a, b\""));
        assert!(e.contains("a list: `keywords = [\"a\", \"b\"]`"), "{e}");
    }

    #[test]
    fn control_characters_in_fields_are_caught_and_cannot_forge_a_line() {
        let text = OK.replace("name = \"A\"", "name = \"A\\nerror: forged\\u001b[2J\"");
        let e = err(&text);
        assert!(e.contains("[SW017]") && e.contains("U+000A (LF)") && e.contains(":5:1"), "{e}");
        assert_eq!(e.lines().count(), 1, "{e}");
        assert!(!e.contains('\x1b'));
        // A description may span lines.
        let multi = OK.replace("description = \"d\"", "description = \"\"\"a\nb\"\"\"");
        assert!(parse(Path::new("p.toml"), &multi, Some("1.0.0")).is_ok());
    }
}
