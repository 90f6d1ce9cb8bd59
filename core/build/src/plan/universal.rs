//! The universal layout: every host's files merged into one tree.

/// Every chosen host's files merged into one tree. Files two hosts both write must be identical,
/// or JSON objects that merge without disagreeing (OpenCode's and Pi's package.json); anything
/// else is a collision and fails the build, naming both hosts.
use super::json::canonical_json;
use super::{Body, Error, File, Inputs, Layout, Package, Shared, UNIVERSAL, seal};
use crate::render::{self, Tree};
use std::collections::BTreeMap;

/// Plans the one tree. Every host's plugin sits at its root; `hooks/context.json` carries every
/// host's payload shape.
pub(super) fn plan(inp: &Inputs, shared: &Shared, keys: &[String]) -> Result<Package, Error> {
    let mut merged = Body::default();
    let mut owner: BTreeMap<String, String> = BTreeMap::new();
    let empty = Tree::new();
    let shared_tree = inp.templates.get(UNIVERSAL).unwrap_or(&empty);
    let (session_hooks, hook_groups) = shared_hooks(inp);
    let ctx = minijinja::Value::from(minijinja::value::Serde(serde_json::json!({
        "pack": inp.pack, "version": inp.pack.version(), "layout": Layout::Universal,
        "hosts": inp.targets.iter().map(|t| &t.id).collect::<Vec<_>>(),
        "session_hooks": session_hooks, "hook_groups": hook_groups,
    })));
    let context = shared.context(&inp.targets);
    // Files hosts share carry every key some host reads (each ignores the others).
    let union = |f: &dyn Fn(&crate::target::Target) -> Vec<String>| {
        let mut all: Vec<String> = inp.targets.iter().flat_map(|t| f(t)).collect();
        all.sort();
        all.dedup();
        all
    };
    let parts = super::parts::Shared {
        command_keys: union(&|t| {
            t.commands.as_ref().filter(|c| c.shared).map(|c| c.keys.clone()).unwrap_or_default()
        }),
        agent_keys: union(&|t| {
            t.agents.as_ref().filter(|a| a.shared).map(|a| a.keys.clone()).unwrap_or_default()
        }),
    };
    let mut bodies = Vec::new();
    for t in &inp.targets {
        bodies.push((t.id.clone(), super::host::files(inp, t, keys, shared, &context, Some(&parts))?));
    }
    // The shared hooks file names each event once per dialect: a sharing host ignores the others'.
    let natives: std::collections::BTreeSet<&str> =
        hook_groups.iter().filter_map(|g| g["native"].as_str()).collect();
    let mut foreign: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for t in inp.targets.iter().filter(|t| t.shared_hooks) {
        let others: Vec<&str> =
            natives.iter().copied().filter(|n| !t.events.values().any(|e| e.name == *n)).collect();
        if !others.is_empty() {
            foreign.entry(t.id.clone()).or_default().push(format!(
                "the shared hooks/hooks.json also names {} for the other hosts that read it; {} ignores {} at run time (its strict plugin validation may warn of {})",
                others.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "),
                t.display,
                if others.len() == 1 { "it" } else { "them" },
                if others.len() == 1 { "it" } else { "them" },
            ));
        }
    }
    // Hosts that load another target's manifest here carry what that one carries.
    let display =
        |id: &str| inp.targets.iter().find(|t| t.id == id).map_or(id.to_string(), |t| t.display.clone());
    let mut reads: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for t in &inp.targets {
        let Some(other) = t.universal_reads.as_ref() else { continue };
        let Some((_, body)) = bodies.iter().find(|(id, _)| id == other) else { continue };
        let other = display(other);
        let mut lines = vec![format!(
            "reads the universal tree as {other} (whose manifest it prefers to its own), so it carries only what {other} carries; its per-host package carries the rest:"
        )];
        // Key losses are the shared skills/' line, as for every host.
        let carried = body.loss.iter().filter(|l| !l.starts_with("frontmatter `"));
        lines.extend(carried.map(|l| format!("as {other}: {l}")));
        reads.insert(t.id.clone(), lines);
    }
    let mut shared_body = Body::default();
    for (path, bytes) in render::render(UNIVERSAL, shared_tree, &ctx, &inp.pack.name)? {
        let bytes = if path.ends_with(".json") {
            canonical_json(UNIVERSAL, &path, &bytes, inp.pack.version())?
        } else {
            bytes
        };
        let exec = bytes.starts_with(b"#!");
        shared_body.files.insert(path, File::of(bytes, exec));
    }
    bodies.push((UNIVERSAL.to_string(), shared_body));
    for (host, body) in bodies {
        for (path, file) in body.files {
            match merged.files.get(&path) {
                None => {
                    owner.insert(path.clone(), host.clone());
                    merged.files.insert(path, file);
                }
                Some(have) if have == &file => {}
                Some(have) => {
                    let first = owner.get(&path).cloned().unwrap_or_default();
                    let both = have.bytes().zip(file.bytes()).and_then(|(a, b)| merge_json(a, b));
                    let both = both.ok_or_else(|| Error::Output {
                        host: UNIVERSAL.into(),
                        path: path.clone(),
                        message: format!("{first} and {host} both write this file, differently"),
                    })?;
                    merged.files.insert(path, File::of(both, false));
                }
            }
        }
        let name = display(&host);
        // Per-host key losses are replaced by the one line below.
        let own: Vec<String> = match reads.remove(&host) {
            Some(lines) => lines,
            None => body.loss.into_iter().filter(|l| !l.starts_with("frontmatter `")).collect(),
        };
        let extra = foreign.remove(&host).unwrap_or_default().into_iter().chain(
            inp.targets.iter().filter(|t| t.id == host).flat_map(|t| t.universal_loss.iter().cloned()),
        );
        merged.loss.extend(own.into_iter().chain(extra).map(|l| format!("{name}: {l}")));
    }
    let mut dropped: Vec<String> = Vec::new();
    for t in &inp.targets {
        for k in &t.skill_keys {
            let used = inp.set.skills.iter().filter(|s| s.raw.iter().any(|(key, _)| key == k)).count();
            let line = format!("`{k}` ({used} skill{})", if used == 1 { "" } else { "s" });
            if !keys.contains(k) && used > 0 && !dropped.contains(&line) {
                dropped.push(line);
            }
        }
    }
    if !dropped.is_empty() {
        merged.loss.insert(
            0,
            format!(
                "the shared skills/ keeps only the frontmatter every host reads, so {} {} left out; the per-host layout keeps them",
                dropped.join(", "),
                if dropped.len() == 1 { "is" } else { "are" }
            ),
        );
    }
    Ok(seal(inp, UNIVERSAL.into(), "All hosts (one tree)".into(), merged, shared))
}

/// One skills/ for every host: only the frontmatter keys all of them read.
pub(super) fn skill_keys(targets: &[&crate::target::Target]) -> Vec<String> {
    let mut keys: Vec<String> = targets.first().map(|t| t.skill_keys.clone()).unwrap_or_default();
    keys.retain(|k| targets.iter().all(|t| t.skill_keys.contains(k)));
    keys
}

/// The pack's hooks for the hosts that share one hooks file in the universal tree, by the hosts'
/// event name: one entry per hook, whose matcher names every sharing host's tools (their names
/// differ), so that each host runs each hook once. Returns (session-start hooks, the others).
fn shared_hooks(inp: &Inputs) -> (Vec<serde_json::Value>, Vec<serde_json::Value>) {
    let sharing: Vec<&crate::target::Target> =
        inp.targets.iter().copied().filter(|t| t.shared_hooks).collect();
    let mut session = Vec::new();
    let mut groups: Vec<(usize, String, Vec<serde_json::Value>)> = Vec::new();
    for h in &inp.components.hooks {
        let mut by_native: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for t in &sharing {
            let (Some(spec), Some(event)) = (&t.hooks, t.events.get(&h.event)) else { continue };
            let tools = by_native.entry(event.name.clone()).or_default();
            tools.extend(h.tools.iter().filter_map(|c| spec.tools.get(c).map(|x| x.name.clone())));
        }
        for (native, mut tools) in by_native {
            tools.sort();
            tools.dedup();
            if !h.tools.is_empty() && tools.is_empty() {
                continue;
            }
            let matcher = if h.tools.is_empty() { String::new() } else { format!("^({})$", tools.join("|")) };
            // One bound that is sane read as seconds and as milliseconds.
            let entry = serde_json::json!({ "index": h.index, "matcher": matcher, "timeout": (u64::from(h.timeout) + 5) * 1000 });
            if h.event == "session-start" {
                session.push(entry);
            } else {
                let order = skillwright_model::component::EVENTS
                    .iter()
                    .position(|e| *e == h.event)
                    .unwrap_or(usize::MAX);
                match groups.iter_mut().find(|g| g.1 == native) {
                    Some(g) => g.2.push(entry),
                    None => groups.push((order, native, vec![entry])),
                }
            }
        }
    }
    groups.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    let groups = groups
        .into_iter()
        .map(|(_, native, hooks)| serde_json::json!({ "native": native, "hooks": hooks }))
        .collect();
    (session, groups)
}

/// Two JSON objects merged key by key; `None` if they disagree on a value or are not both JSON
/// objects.
fn merge_json(a: &[u8], b: &[u8]) -> Option<Vec<u8>> {
    fn merge(a: serde_json::Value, b: serde_json::Value) -> Option<serde_json::Value> {
        use serde_json::Value::Object;
        match (a, b) {
            (Object(mut x), Object(y)) => {
                for (k, v) in y {
                    let m = match x.remove(&k) {
                        Some(old) => merge(old, v)?,
                        None => v,
                    };
                    x.insert(k, m);
                }
                Some(Object(x))
            }
            (x, y) if x == y => Some(x),
            _ => None,
        }
    }
    let a: serde_json::Value = serde_json::from_slice(a).ok()?;
    let b: serde_json::Value = serde_json::from_slice(b).ok()?;
    if !a.is_object() {
        return None;
    }
    let mut out = serde_json::to_vec_pretty(&merge(a, b)?).ok()?;
    out.push(b'\n');
    Some(out)
}
