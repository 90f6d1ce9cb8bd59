//! `skillwright.toml`: the pack's name, description, version, author and links (`[pack]`), its
//! MCP servers (`[mcp.<name>]`) and its hooks (`[[hooks]]`).
//!
//! A malformed file (not TOML, a wrong type, an unknown key) or a bad `[pack]` value is an error
//! that stops the build, saying where, which rule it breaks, and for the mistakes people make
//! most, the right form; what is well-formed but wrong about a server or a hook becomes a
//! diagnostic, every one of them reported with its line and column.

use serde::Deserialize;
use skillwright_model::Pack;
use skillwright_model::component::{Action, Hook, McpServer, OnFailure, Transport};
use skillwright_model::diag::Diagnostic;
use skillwright_model::text::escape;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use toml::Spanned;

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    pack: Pack,
    #[serde(default)]
    mcp: BTreeMap<Spanned<String>, Spanned<RawMcp>>,
    #[serde(default)]
    hooks: Vec<Spanned<RawHook>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawMcp {
    #[serde(rename = "type")]
    kind: Option<String>,
    command: Option<Spanned<String>>,
    #[serde(default)]
    args: Vec<Spanned<String>>,
    #[serde(default)]
    env: BTreeMap<Spanned<String>, String>,
    cwd: Option<Spanned<String>>,
    url: Option<Spanned<String>>,
    #[serde(default)]
    headers: BTreeMap<Spanned<String>, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawHook {
    event: Spanned<String>,
    #[serde(default)]
    tools: Option<Spanned<Vec<String>>>,
    run: Option<Spanned<String>>,
    handler: Option<Spanned<String>>,
    timeout: Option<Spanned<i64>>,
    #[serde(default)]
    on_failure: OnFailureRaw,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum OnFailureRaw {
    #[default]
    Allow,
    Block,
}

/// Everything the pack file declares.
#[derive(Debug, Clone)]
pub struct PackFile {
    /// The pack's metadata.
    pub pack: Pack,
    /// Its MCP servers, by name.
    pub mcp: Vec<McpServer>,
    /// Its hooks, in order.
    pub hooks: Vec<Hook>,
    /// Where each server and hook was declared (`mcp.<name>`, `hooks[<i>]`) and each of their
    /// fields (`mcp.<name>.command`, `mcp.<name>.env.<KEY>`, `mcp.<name>.args[<i>]`,
    /// `hooks[<i>].run`, …) → (line, column).
    pub spans: BTreeMap<String, (u32, u32)>,
    /// The file's text (for diagnostic snippets).
    pub source: String,
    /// Problems with declarations that were left out (a server with both or neither of
    /// `command` and `url`, a hook with both or neither of `run` and `handler`).
    pub diagnostics: Vec<Diagnostic>,
}

/// Reads and checks the pack file at `path`; `version` fills in a missing version.
pub fn load(path: &Path, version: Option<&str>) -> Result<Pack, Error> {
    load_all(path, version).map(|f| f.pack)
}

/// Reads the whole pack file: metadata, MCP servers and hooks.
pub fn load_all(path: &Path, version: Option<&str>) -> Result<PackFile, Error> {
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
pub fn parse(path: &Path, text: &str, version: Option<&str>) -> Result<PackFile, Error> {
    let raw = raw(path, text)?;
    let mut pack = raw.pack;
    if pack.version.is_none() {
        pack.version = version.map(str::to_string);
    }
    if let Some(e) = problems(path, text, &pack).into_iter().next() {
        return Err(e);
    }
    let pos = |span: std::ops::Range<usize>| {
        let (l, c) = line_col(text, span.start);
        (l as u32, c as u32)
    };
    let file =
        path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    let mut spans = BTreeMap::new();
    let mut diagnostics = Vec::new();
    let mut mcp = Vec::new();
    for (name, server) in raw.mcp {
        let (line, col) = pos(name.span());
        spans.insert(format!("mcp.{}", name.get_ref()), (line, col));
        let s = server.into_inner();
        let mut field = |key: String, span: std::ops::Range<usize>| {
            spans.insert(format!("mcp.{}.{key}", name.get_ref()), pos(span));
        };
        for (key, v) in [("command", &s.command), ("cwd", &s.cwd), ("url", &s.url)] {
            if let Some(v) = v {
                field(key.into(), v.span());
            }
        }
        for (i, a) in s.args.iter().enumerate() {
            field(format!("args[{i}]"), a.span());
        }
        for k in s.env.keys() {
            field(format!("env.{}", k.get_ref()), k.span());
        }
        for k in s.headers.keys() {
            field(format!("headers.{}", k.get_ref()), k.span());
        }
        let plain =
            |m: BTreeMap<Spanned<String>, String>| m.into_iter().map(|(k, v)| (k.into_inner(), v)).collect();
        let (command, cwd, url) = (
            s.command.map(Spanned::into_inner),
            s.cwd.map(Spanned::into_inner),
            s.url.map(Spanned::into_inner),
        );
        let args = s.args.into_iter().map(Spanned::into_inner).collect();
        let (env, headers) = (plain(s.env), plain(s.headers));
        let shown = skillwright_model::text::one_line(name.get_ref(), 64);
        let invalid =
            |msg: String| Diagnostic::new("SW441", &file, msg).at(line, col, shown.chars().count() as u32);
        let transport = match (command, url, s.kind.as_deref()) {
            (Some(command), None, None | Some("stdio")) => Transport::Stdio { command, args, env, cwd },
            (None, Some(url), Some("sse")) => Transport::Sse { url, headers },
            (None, Some(url), None | Some("http" | "streamable-http")) => Transport::Http { url, headers },
            (Some(_), Some(_), _) => {
                diagnostics
                    .push(invalid(format!("MCP server `{shown}` has both `command` and `url`: keep one")));
                continue;
            }
            (None, None, _) => {
                diagnostics.push(invalid(format!(
                    "MCP server `{shown}` has neither `command` (a stdio server) nor `url` (an HTTP server)"
                )));
                continue;
            }
            (_, _, Some(kind)) => {
                diagnostics.push(invalid(format!(
                    "MCP server `{shown}`: `type = \"{}\"` does not fit it (stdio with `command`; http or sse with `url`)",
                    skillwright_model::text::one_line(kind, 40)
                )));
                continue;
            }
        };
        if !skillwright_model::names::valid_name(name.get_ref()) {
            diagnostics.push(invalid(format!(
                "MCP server name `{shown}` must be lowercase letters, digits and single hyphens"
            )));
            continue;
        }
        mcp.push(McpServer { name: name.into_inner(), transport });
    }
    let mut hooks = Vec::new();
    for (index, h) in raw.hooks.into_iter().enumerate() {
        let (line, col) = pos(h.span());
        spans.insert(format!("hooks[{index}]"), (line, col));
        let h = h.into_inner();
        let fields = [
            ("event", Some(h.event.span())),
            ("tools", h.tools.as_ref().map(Spanned::span)),
            ("run", h.run.as_ref().map(Spanned::span)),
            ("handler", h.handler.as_ref().map(Spanned::span)),
            ("timeout", h.timeout.as_ref().map(Spanned::span)),
        ];
        for (key, span) in fields {
            if let Some(span) = span {
                spans.insert(format!("hooks[{index}].{key}"), pos(span));
            }
        }
        let action = match (h.run, h.handler) {
            (Some(r), None) => Action::Run(r.into_inner()),
            (None, Some(n)) => Action::Handler(n.into_inner()),
            (Some(_), Some(_)) => {
                diagnostics.push(
                    Diagnostic::new("SW464", &file, "a hook has both `run` and `handler`: keep one")
                        .at(line, col, 1),
                );
                continue;
            }
            (None, None) => {
                diagnostics.push(
                    Diagnostic::new(
                        "SW464",
                        &file,
                        "a hook needs `run = \"path/to/script\"` or `handler = \"skill-usage\"`",
                    )
                    .at(line, col, 1),
                );
                continue;
            }
        };
        hooks.push(Hook {
            index,
            event: h.event.into_inner(),
            tools: h.tools.map(Spanned::into_inner).unwrap_or_default(),
            action,
            timeout: h.timeout.map_or(10, |t| u32::try_from(*t.get_ref()).unwrap_or(0)),
            on_failure: match h.on_failure {
                OnFailureRaw::Allow => OnFailure::Allow,
                OnFailureRaw::Block => OnFailure::Block,
            },
        });
    }
    Ok(PackFile { pack, mcp, hooks, spans, source: text.to_string(), diagnostics })
}

impl PackFile {
    /// A diagnostic of rule `code` at `what`: a field (`mcp.<name>.cwd`, `hooks[<i>].run`) or,
    /// when that field was not written, the declaration holding it.
    pub fn diagnostic(&self, file: &str, code: &'static str, what: &str, msg: String) -> Diagnostic {
        let d = Diagnostic::new(code, file, msg);
        let mut at = what;
        loop {
            if let Some((l, c)) = self.spans.get(at) {
                return d.at(*l, *c, 1);
            }
            match at.rsplit_once('.') {
                Some((parent, _)) => at = parent,
                None => return d,
            }
        }
    }
}

/// The pack in `text`, if it is valid TOML of the right shape (its values unchecked).
pub fn read(path: &Path, text: &str) -> Result<Pack, Error> {
    raw(path, text).map(|f| f.pack)
}

/// The whole file, if it is valid TOML of the right shape.
fn raw(path: &Path, text: &str) -> Result<RawFile, Error> {
    toml::from_str::<RawFile>(text).map_err(|e| {
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
        && (message.contains("expected `pack`") || message.contains("expected one of `pack`"))
    {
        let where_ = if FIELDS.contains(&field.as_str()) {
            format!("`{field}` is a field of the pack: move it below the `[pack]` line")
        } else {
            format!(
                "only `[pack]`, `[mcp.<name>]` and `[[hooks]]` may be at the top level, and `{field}` is not a field of the pack"
            )
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
        assert!(e.contains("only `[pack]`, `[mcp.<name>]` and `[[hooks]]` may be at the top level"), "{e}");
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
