//! Templates: a tree per host in which a file ending `.j2` is rendered with minijinja and any
//! other file is copied. `{pack}` in a path is replaced by the pack name.
//!
//! The built-in trees are embedded in the binary. Like a theme directory, `--templates DIR`
//! overlays them file by file: `DIR/<tree>/<path>` replaces the built-in file of that path, and
//! every file it does not provide keeps the built-in one.

use include_dir::{Dir, include_dir};
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use std::collections::BTreeMap;
use std::path::Path;

/// Template files: path relative to the tree → bytes.
pub type Tree = BTreeMap<String, Vec<u8>>;

/// Directory of templates shared by every host (installed under the plugin root).
pub const COMMON: &str = "common";

/// The templates shipped with skillwright (the repository's `templates/` directory).
pub static BUILTIN_TEMPLATES: Dir<'_> = include_dir!("$SKILLWRIGHT_TEMPLATES_DIR");

/// The template tree `dir`: the built-in one, overlaid file by file by `overlay/<dir>/` when an
/// overlay directory is given.
pub fn tree(dir: &str, overlay: Option<&Path>) -> Result<Tree, Error> {
    let mut out = builtin(dir);
    if let Some(root) = overlay {
        out.extend(from_dir(root, dir)?);
    }
    Ok(out)
}

/// A template that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("template {path}: {message}")]
pub struct Error {
    /// Template path (`<host>/<file>`).
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// The built-in template tree of `dir` (a host id or [`COMMON`]); empty if there is none.
pub fn builtin(dir: &str) -> Tree {
    let mut out = Tree::new();
    if let Some(d) = BUILTIN_TEMPLATES.get_dir(dir) {
        collect_embedded(d, dir, &mut out);
    }
    out
}

fn collect_embedded(d: &include_dir::Dir<'_>, base: &str, out: &mut Tree) {
    for f in d.files() {
        let p = f.path().to_string_lossy().replace('\\', "/");
        out.insert(p[base.len() + 1..].to_string(), f.contents().to_vec());
    }
    for sub in d.dirs() {
        collect_embedded(sub, base, out);
    }
}

/// The template tree of `root/dir` on disk; empty if the directory does not exist.
pub fn from_dir(root: &Path, dir: &str) -> Result<Tree, Error> {
    let base = root.join(dir);
    let mut out = Tree::new();
    if !base.is_dir() {
        return Ok(out);
    }
    for entry in walkdir::WalkDir::new(&base).follow_links(false).sort_by_file_name() {
        let entry = entry.map_err(|e| Error { path: dir.into(), message: e.to_string() })?;
        if entry.path_is_symlink() {
            return Err(Error {
                path: entry.path().display().to_string(),
                message: "symlinks are not allowed in templates".into(),
            });
        }
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(&base).unwrap_or(entry.path());
        let rel =
            rel.to_str().ok_or_else(|| Error { path: dir.into(), message: "non-UTF-8 file name".into() })?;
        let bytes =
            std::fs::read(entry.path()).map_err(|e| Error { path: rel.into(), message: e.to_string() })?;
        out.insert(rel.replace('\\', "/"), bytes);
    }
    Ok(out)
}

/// Things a template is rendered once for each of: a template whose path holds `{<slot>}` (e.g.
/// `commands/{command}.md.j2`) is rendered for every item of that slot, with the item under the
/// slot's name in the context and its name in the path.
pub type Items = [(&'static str, Vec<(String, minijinja::Value)>)];

/// Renders a tree with `ctx`. Returns output path → bytes. `label` names the tree in errors.
pub fn render(label: &str, tree: &Tree, ctx: &minijinja::Value, pack: &str) -> Result<Tree, Error> {
    render_items(label, tree, ctx, pack, &[])
}

/// [`render`], expanding per-item templates over `items`.
pub fn render_items(
    label: &str,
    tree: &Tree,
    ctx: &minijinja::Value,
    pack: &str,
    items: &Items,
) -> Result<Tree, Error> {
    let mut env = Environment::new();
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    if let Ok(syntax) = minijinja::syntax::SyntaxConfig::builder().keep_trailing_newline(true).build() {
        env.set_syntax(syntax);
    }
    // Strings in TOML files (Gemini's commands) are written by a TOML serializer, never by hand.
    env.add_filter("toml", |v: String| toml::Value::String(v).to_string());
    // Bounds a runaway template (huge loops) instead of hanging the build.
    env.set_fuel(Some(50_000_000));
    let mut out = Tree::new();
    for (path, bytes) in tree {
        let err = |message: String| Error { path: format!("{label}/{path}"), message };
        let out_path = path.strip_suffix(".j2").unwrap_or(path).replace("{pack}", pack);
        let slot = items.iter().find(|(slot, _)| out_path.contains(&format!("{{{slot}}}")));
        let instances: Vec<(String, minijinja::Value)> = match slot {
            Some((slot, list)) => list
                .iter()
                .map(|(name, item)| {
                    let ctx = minijinja::Value::from(ctx_with(ctx, slot, item));
                    (out_path.replace(&format!("{{{slot}}}"), name), ctx)
                })
                .collect(),
            None => vec![(out_path.clone(), ctx.clone())],
        };
        for (out_path, ctx) in instances {
            if out_path.split('/').any(|s| s.is_empty() || s == "." || s == "..") {
                return Err(err("path must stay inside the package".into()));
            }
            let content = if path.ends_with(".j2") {
                let src = std::str::from_utf8(bytes).map_err(|_| err("template is not UTF-8".into()))?;
                let text = env.render_str(src, &ctx).map_err(|e| err(format!("{e:#}")))?;
                // A template that renders to nothing is not written: how a file exists in one
                // layout only (`{% if layout == "host" %}…{% endif %}`).
                if text.trim().is_empty() {
                    continue;
                }
                text.into_bytes()
            } else {
                bytes.clone()
            };
            out.insert(out_path, content);
        }
    }
    Ok(out)
}

/// `ctx` with `item` added under `slot`.
fn ctx_with(
    ctx: &minijinja::Value,
    slot: &str,
    item: &minijinja::Value,
) -> std::collections::BTreeMap<String, minijinja::Value> {
    let mut map: std::collections::BTreeMap<String, minijinja::Value> = std::collections::BTreeMap::new();
    if let Ok(keys) = ctx.try_iter() {
        for k in keys {
            if let (Some(name), Ok(v)) = (k.as_str(), ctx.get_item(&k)) {
                map.insert(name.to_string(), v);
            }
        }
    }
    map.insert(slot.to_string(), item.clone());
    map
}
