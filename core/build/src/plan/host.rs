//! One host's files: its copies of the skills, the context files, its rendered templates and
//! the bundled binaries.

use super::json::canonical_json;
use super::{ADDON, Body, Ctx, CtxSkill, Error, File, Inputs, Layout, Shared};
use crate::render::{self, Tree};
use crate::target::Target;
use skillwright_model::context::{CONTEXT_PATH, Context, INDEX_PATH, summary};
use skillwright_model::skill::{SKILLWRIGHT_KEYS, SKILLWRIGHT_METADATA_KEYS, Skill};
use std::collections::BTreeMap;

/// The files of `target`'s package (or of its part of the universal tree): the skills with the
/// frontmatter keys in `skill_keys`, the context files, the rendered templates, the binaries.
pub(super) fn files(
    inp: &Inputs,
    target: &Target,
    skill_keys: &[String],
    shared: &Shared,
    context: &Context,
) -> Result<Body, Error> {
    let pack = inp.pack;
    let universal = inp.layout == Layout::Universal;
    // In the universal tree every host's plugin sits at the root.
    let prefix = if universal { String::new() } else { target.plugin_prefix(&pack.name) };
    let tree_prefix = target.plugin_prefix(&pack.name);
    let mut files: BTreeMap<String, File> = BTreeMap::new();
    let mut put = |path: String, bytes: Vec<u8>| {
        let exec = bytes.starts_with(b"#!");
        files.insert(path, File { bytes: bytes.into(), exec });
    };
    let mut lost_keys: BTreeMap<&str, usize> = BTreeMap::new();
    for skill in &inp.set.skills {
        let (md, lost) = skill_md(skill, skill_keys);
        let ignored =
            skill.raw.iter().map(|(k, _)| k.as_str()).filter(|k| target.ignored_keys.iter().any(|i| i == k));
        for k in lost.into_iter().chain(ignored) {
            *lost_keys.entry(k).or_default() += 1;
        }
        put(format!("{prefix}skills/{}/SKILL.md", skill.dir), md);
        for (rel, bytes) in &skill.files {
            put(format!("{prefix}skills/{}/{rel}", skill.dir), bytes.clone());
        }
    }
    let static_context = context.render(None, &[]);
    put(format!("{prefix}{INDEX_PATH}"), shared.index_json.clone());
    let mut context_json = serde_json::to_vec_pretty(context).unwrap_or_default();
    context_json.push(b'\n');
    put(format!("{prefix}{CONTEXT_PATH}"), context_json);
    let payload = skillwright_model::context::payload(&target.payload_shape(), &static_context);
    put(format!("{prefix}hooks/static/{}", target.id), payload.into_bytes());

    let ctx = minijinja::Value::from(minijinja::value::Serde(Ctx {
        pack,
        version: pack.version(),
        display: pack.display(),
        short_description: summary(&pack.description, 120),
        skills: inp
            .set
            .skills
            .iter()
            .map(|s| CtxSkill { name: s.name(), description: s.description(), dir: &s.dir })
            .collect(),
        target,
        context: static_context.clone(),
        plugin_root: prefix.trim_end_matches('/').to_string(),
        layout: inp.layout,
    }));
    let empty = Tree::new();
    // Launchers are only for hosts that run the runtime hook.
    let common =
        if target.hook.dynamic { inp.templates.get(render::COMMON).unwrap_or(&empty) } else { &empty };
    for (path, bytes) in render::render(render::COMMON, common, &ctx, &pack.name)? {
        put(format!("{prefix}{path}"), bytes);
    }
    for dir in &target.include {
        let tree = inp.templates.get(dir).unwrap_or(&empty);
        for (path, bytes) in render::render(dir, tree, &ctx, &pack.name)? {
            put(format!("{prefix}{path}"), bytes);
        }
    }
    let own = inp.templates.get(&target.id).unwrap_or(&empty);
    for (path, bytes) in render::render(&target.id, own, &ctx, &pack.name)? {
        // A host's own tree names paths from its package dir; the universal tree re-roots the
        // plugin part of it.
        let path = match path.strip_prefix(&tree_prefix) {
            Some(rest) if universal && !tree_prefix.is_empty() => rest.to_string(),
            _ => path,
        };
        put(path, bytes);
    }
    // Rendered JSON is checked and canonicalized; files a skill ships are its own business.
    let skills_dir = format!("{prefix}skills/");
    for (path, file) in files.iter_mut() {
        if path.ends_with(".json") && !path.starts_with(&skills_dir) {
            file.bytes = canonical_json(&target.id, path, &file.bytes, pack.version())?.into();
        }
    }
    let mut bins = BTreeMap::new();
    if target.hook.dynamic {
        for (rel, bytes) in inp.binaries {
            let addon = rel.ends_with(&format!("/{ADDON}"));
            if addon && !target.hook.addon {
                continue;
            }
            files.insert(format!("{prefix}bin/{rel}"), File { bytes: bytes.clone(), exec: !addon });
            bins.insert(format!("bin/{rel}"), rel.clone());
        }
    }
    let mut loss: Vec<String> = lost_keys
        .into_iter()
        .map(|(k, n)| {
            format!(
                "frontmatter `{k}` ({n} skill{}) is not honoured by {}",
                if n == 1 { "" } else { "s" },
                target.display
            )
        })
        .collect();
    loss.extend(target.loss.iter().cloned());
    Ok(Body { files, bins, loss, prefix })
}

/// The host's copy of SKILL.md: only the frontmatter keys it reads, re-serialized safely, and
/// the body verbatim. Returns the lost standard keys (skillwright's own keys are not a loss: the
/// runtime reads them from the index). skillwright's keys are left out in both their forms, at
/// the top level and under `metadata` (a `metadata` left empty goes too), so a pack migrated to
/// the standard form renders exactly as before.
fn skill_md<'a>(skill: &'a Skill, keep: &[String]) -> (Vec<u8>, Vec<&'a str>) {
    let mut map = serde_yaml::Mapping::new();
    let mut lost = Vec::new();
    for (k, v) in &skill.raw {
        let v = match (k.as_str(), v) {
            ("metadata", serde_yaml::Value::Mapping(m)) => {
                let mut m = m.clone();
                m.retain(|mk, _| !mk.as_str().is_some_and(|mk| SKILLWRIGHT_METADATA_KEYS.contains(&mk)));
                if m.is_empty() {
                    continue;
                }
                serde_yaml::Value::Mapping(m)
            }
            _ => v.clone(),
        };
        if keep.iter().any(|x| x == k) {
            map.insert(serde_yaml::Value::String(k.clone()), v);
        } else if !SKILLWRIGHT_KEYS.contains(&k.as_str()) {
            lost.push(k.as_str());
        }
    }
    let yaml = if map.is_empty() { String::new() } else { serde_yaml::to_string(&map).unwrap_or_default() };
    let mut out = format!("---\n{yaml}---\n").into_bytes();
    out.extend_from_slice(skill.body.as_bytes());
    (out, lost)
}
