//! One host's files: its copies of the skills, the context files, its rendered templates and
//! the bundled binaries.

use super::json::canonical_json;
use super::{ADDON, Body, Contents, Ctx, CtxSkill, Error, File, Inputs, Layout, Shared};
use crate::render::{self, Tree};
use crate::target::Target;
use skillwright_model::context::{CONTEXT_PATH, Context, INDEX_PATH, summary};
use skillwright_model::hookspec::EVENTS_PATH;
use skillwright_model::skill::{SKILLWRIGHT_KEYS, SKILLWRIGHT_METADATA_KEYS, Skill, SkillSet};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The files of `target`'s package (or of its part of the universal tree): the skills with the
/// frontmatter keys in `skill_keys`, the context files, the rendered templates, the binaries.
pub(super) fn files(
    inp: &Inputs,
    target: &Target,
    skill_keys: &[String],
    shared: &Shared,
    context: &Context,
    universal_parts: Option<&super::parts::Shared>,
) -> Result<Body, Error> {
    let pack = inp.pack;
    let universal = inp.layout == Layout::Universal;
    // In the universal tree every host's plugin sits at the root.
    let prefix = if universal { String::new() } else { target.plugin_prefix(&pack.name) };
    let tree_prefix = target.plugin_prefix(&pack.name);
    let mut files: BTreeMap<String, File> = BTreeMap::new();
    let mut lost_keys: BTreeMap<&str, usize> = BTreeMap::new();
    let mds = shared.skill_mds.get(skill_keys).ok_or_else(|| Error::Output {
        host: target.id.clone(),
        path: "skills/".into(),
        message: "internal: SKILL.md copies were not rendered for this host's keys".into(),
    })?;
    for ((skill, md), own) in inp.set.skills.iter().zip(mds).zip(&shared.skill_files) {
        let ignored =
            skill.raw.iter().map(|(k, _)| k.as_str()).filter(|k| target.ignored_keys.iter().any(|i| i == k));
        for k in md.lost.iter().copied().chain(ignored) {
            *lost_keys.entry(k).or_default() += 1;
        }
        let dir = format!("{prefix}skills/{}/", skill.dir);
        share(&mut files, format!("{dir}SKILL.md"), &md.bytes);
        for (rel, bytes) in own {
            share(&mut files, format!("{dir}{rel}"), bytes);
        }
    }
    let index_path = format!("{prefix}{INDEX_PATH}");
    share(&mut files, index_path.clone(), &shared.index_json);
    let mut put = |path: String, bytes: Vec<u8>| {
        let exec = bytes.starts_with(b"#!");
        files.insert(path, File::of(bytes, exec));
    };
    let static_context = context.render(None, &[]);
    let mut context_json = serde_json::to_vec_pretty(context).unwrap_or_default();
    context_json.push(b'\n');
    put(format!("{prefix}{CONTEXT_PATH}"), context_json);
    let payload = skillwright_model::context::payload(&target.payload_shape(), &static_context);
    put(format!("{prefix}hooks/static/{}", target.id), payload.into_bytes());
    if let Some(table) = hook_table(inp, target) {
        put(format!("{prefix}{EVENTS_PATH}"), table);
        for (path, bytes) in inp.scripts {
            put(format!("{prefix}{path}"), bytes.clone());
        }
    }
    // MCP server files and `[pack] files`, at their place in the pack.
    for (path, bytes) in inp.files {
        put(format!("{prefix}{path}"), bytes.clone());
    }

    let parts = super::parts::for_host(inp.components, target, universal_parts);
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
        parts: &parts,
    }));
    let items = [
        (
            "command",
            parts
                .commands
                .iter()
                .map(|c| (c.name.clone(), minijinja::Value::from(minijinja::value::Serde(c))))
                .collect(),
        ),
        (
            "agent",
            parts
                .agents
                .iter()
                .map(|a| (a.name.clone(), minijinja::Value::from(minijinja::value::Serde(a))))
                .collect(),
        ),
    ];
    let empty = Tree::new();
    // The runtime (launchers and binaries) goes to hosts that run it: for the session context,
    // for the pack's hooks, or as the pack's MCP server.
    let runtime = target.hook.dynamic
        || !parts.session_hooks.is_empty()
        || !parts.hook_groups.is_empty()
        || inp.components.mcp.iter().any(|s| {
            parts.mcp.contains_key(&s.name)
                && matches!(&s.transport, skillwright_model::component::Transport::Stdio { command, .. }
                    if command.strip_prefix("./") == Some(skillwright_model::component::RUNTIME_LAUNCHER))
        });
    let common = if runtime { inp.templates.get(render::COMMON).unwrap_or(&empty) } else { &empty };
    for (path, bytes) in render::render(render::COMMON, common, &ctx, &pack.name)? {
        put(format!("{prefix}{path}"), bytes);
    }
    for dir in &target.include {
        let tree = inp.templates.get(dir).unwrap_or(&empty);
        for (path, bytes) in render::render_items(dir, tree, &ctx, &pack.name, &items)? {
            put(format!("{prefix}{path}"), bytes);
        }
    }
    let own = inp.templates.get(&target.id).unwrap_or(&empty);
    for (path, bytes) in render::render_items(&target.id, own, &ctx, &pack.name, &items)? {
        // A host's own tree names paths from its package dir; the universal tree re-roots the
        // plugin part of it.
        let path = match path.strip_prefix(&tree_prefix) {
            Some(rest) if universal && !tree_prefix.is_empty() => rest.to_string(),
            _ => path,
        };
        put(path, bytes);
    }
    // Rendered JSON is checked and canonicalized (the index already is); files a skill ships are
    // its own business.
    let skills_dir = format!("{prefix}skills/");
    for (path, file) in files.iter_mut() {
        if path.ends_with(".json")
            && !path.starts_with(&skills_dir)
            && *path != index_path
            && let Some(bytes) = file.bytes()
        {
            *file = File::of(canonical_json(&target.id, path, bytes, pack.version())?, file.exec);
        }
    }
    if runtime {
        for (rel, contents) in inp.binaries {
            let addon = rel.ends_with(&format!("/{ADDON}"));
            if addon && !target.hook.addon {
                continue;
            }
            files.insert(format!("{prefix}bin/{rel}"), File { contents: contents.clone(), exec: !addon });
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
    loss.extend(parts.loss);
    Ok(Body { files, loss, prefix })
}

/// The hook table of `target`'s package (`hooks/events.json`), when the pack has hooks the host
/// runs.
fn hook_table(inp: &Inputs, target: &Target) -> Option<Vec<u8>> {
    use skillwright_model::component::Action;
    use skillwright_model::hookspec::{HookEntry, HookTable};
    let host = target.host_hooks()?;
    let hooks: Vec<HookEntry> = inp
        .components
        .hooks
        .iter()
        // Every hook, whatever this host runs: the universal tree merges the hosts' tables.
        .map(|h| HookEntry {
            index: h.index,
            event: h.event.clone(),
            tools: h.tools.clone(),
            run: match &h.action {
                Action::Run(p) => Some(p.clone()),
                Action::Handler(_) => None,
            },
            handler: match &h.action {
                Action::Handler(n) => Some(n.clone()),
                Action::Run(_) => None,
            },
            timeout: h.timeout,
            on_failure: h.on_failure,
        })
        .collect();
    if !inp.components.hooks.iter().any(|h| host.events.contains_key(&h.event)) {
        return None;
    }
    let table = HookTable { hooks, hosts: [(target.id.clone(), host)].into_iter().collect() };
    let mut bytes = serde_json::to_vec_pretty(&table).unwrap_or_default();
    bytes.push(b'\n');
    Some(bytes)
}

/// Adds a file whose bytes another host's package may hold too (one allocation for all).
fn share(files: &mut BTreeMap<String, File>, path: String, bytes: &Arc<[u8]>) {
    let exec = bytes.starts_with(b"#!");
    files.insert(path, File { contents: Contents::Bytes(Arc::clone(bytes)), exec });
}

/// A skill's SKILL.md for hosts keeping some frontmatter keys, and the standard keys they lose.
pub(super) struct SkillMd<'a> {
    pub(super) bytes: Arc<[u8]>,
    lost: Vec<&'a str>,
}

/// Every skill's SKILL.md for each list of kept keys, in skill order. A copy depends only on
/// which of the skill's own keys are kept, so each skill is rendered once per distinct choice
/// (once in all, when its keys are ones every host reads), and equal copies share one allocation.
/// Skills are rendered on every core.
pub(super) fn skill_mds<'a>(
    set: &'a SkillSet,
    key_lists: &[&'a [String]],
) -> BTreeMap<&'a [String], Vec<SkillMd<'a>>> {
    let order: Vec<usize> = (0..set.skills.len()).collect();
    let per_skill = crate::parallel::map(&order, |&i| {
        let skill: &'a Skill = &set.skills[i];
        let mut done: Vec<(Vec<bool>, Arc<[u8]>)> = Vec::new();
        key_lists
            .iter()
            .map(|keep| {
                let kept: Vec<bool> = skill.raw.iter().map(|(k, _)| keep.iter().any(|x| x == k)).collect();
                let (bytes, lost) = match done.iter().find(|(m, _)| *m == kept) {
                    Some((_, b)) => (Arc::clone(b), lost_keys(skill, keep)),
                    None => {
                        let (md, lost) = skill_md(skill, keep);
                        let md: Arc<[u8]> = md.into();
                        done.push((kept, Arc::clone(&md)));
                        (md, lost)
                    }
                };
                SkillMd { bytes, lost }
            })
            .collect::<Vec<_>>()
    });
    let mut out: BTreeMap<&[String], Vec<SkillMd>> = key_lists.iter().map(|k| (*k, Vec::new())).collect();
    for mds in per_skill {
        for (keep, md) in key_lists.iter().zip(mds) {
            if let Some(v) = out.get_mut(keep) {
                v.push(md);
            }
        }
    }
    out
}

/// The standard keys of `skill` that a host keeping `keep` loses (as [`skill_md`] counts them).
fn lost_keys<'a>(skill: &'a Skill, keep: &[String]) -> Vec<&'a str> {
    skill
        .raw
        .iter()
        .filter(|(k, v)| {
            carried(k, v).is_some() && !keep.iter().any(|x| x == k) && !SKILLWRIGHT_KEYS.contains(&k.as_str())
        })
        .map(|(k, _)| k.as_str())
        .collect()
}

/// What a host's copy carries of the frontmatter entry `k: v`: `metadata` without skillwright's
/// own keys (nothing, when they were all it held), every other value as it is.
fn carried(k: &str, v: &serde_yaml::Value) -> Option<serde_yaml::Value> {
    match (k, v) {
        ("metadata", serde_yaml::Value::Mapping(m)) => {
            let mut m = m.clone();
            m.retain(|mk, _| !mk.as_str().is_some_and(|mk| SKILLWRIGHT_METADATA_KEYS.contains(&mk)));
            (!m.is_empty()).then_some(serde_yaml::Value::Mapping(m))
        }
        _ => Some(v.clone()),
    }
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
        let Some(v) = carried(k, v) else { continue };
        if keep.iter().any(|x| x == k) {
            map.insert(serde_yaml::Value::String(k.clone()), v);
        } else if !SKILLWRIGHT_KEYS.contains(&k.as_str()) {
            lost.push(k.as_str());
        }
    }
    let yaml = crate::frontmatter::write(&map);
    let mut out = format!("---\n{yaml}---\n").into_bytes();
    out.extend_from_slice(skill.body.as_bytes());
    (out, lost)
}
