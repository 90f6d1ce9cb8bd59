//! Cursor, which has no CLI to drive: its manifest and hooks file, and its hook run as Cursor runs it.

use crate::e2e::QUICK;
use crate::e2e::checks::is_kebab;
use crate::e2e::package::{Pack, read_json};
use crate::e2e::process::exec;
use crate::e2e::report::{Report, expect, fail};
use crate::e2e::space::Space;
use serde_json::{Value, json};
use std::path::Path;

/// The keys Cursor's plugin schema allows in plugin.json (docs/host-formats.md §3).
const KEYS: &[&str] = &[
    "name",
    "displayName",
    "description",
    "version",
    "minClientVersions",
    "author",
    "publisher",
    "homepage",
    "repository",
    "license",
    "logo",
    "keywords",
    "category",
    "tags",
    "commands",
    "agents",
    "skills",
    "rules",
    "hooks",
    "mcpServers",
];
/// The keys whose values are paths inside the plugin.
const PATHS: &[&str] = &["commands", "agents", "skills", "rules", "hooks", "mcpServers", "logo"];
/// The hook events Cursor knows.
const EVENTS: &[&str] = &[
    "sessionStart",
    "sessionEnd",
    "preToolUse",
    "postToolUse",
    "postToolUseFailure",
    "subagentStart",
    "subagentStop",
    "beforeShellExecution",
    "afterShellExecution",
    "beforeMCPExecution",
    "afterMCPExecution",
    "beforeReadFile",
    "afterFileEdit",
    "beforeSubmitPrompt",
    "preCompact",
    "stop",
    "afterAgentResponse",
    "afterAgentThought",
    "beforeTabFileRead",
    "afterTabFileEdit",
];

pub(super) fn check(space: &mut Space, pack: &Pack, report: &mut Report) {
    let host = space.label.clone();
    let manifest_path = pack.root.join(".cursor-plugin/plugin.json");
    let manifest = read_json(&manifest_path);
    report.record(&host, ".cursor-plugin/plugin.json structure", {
        manifest.as_ref().map_err(|e| fail(e.clone())).and_then(|m| check_manifest(m, pack).map_err(fail))
    });

    let hooks_file = manifest.as_ref().ok().and_then(|m| m["hooks"].as_str()).map(|p| pack.root.join(p));
    let hooks = hooks_file.as_ref().map(|p| read_json(p)).unwrap_or_else(|| Err("no \"hooks\" path".into()));
    report.record(&host, "hooks file structure", {
        hooks.as_ref().map_err(|e| fail(e.clone())).and_then(|h| check_hooks(h, pack).map_err(fail))
    });

    report.record(&host, "sessionStart hook prints additional_context", {
        (|| {
            let hooks = hooks.as_ref().map_err(|e| fail(e.clone()))?;
            let commands: Vec<&str> = hooks["hooks"]["sessionStart"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|h| h["command"].as_str())
                .collect();
            expect(commands.len() == 1, || format!("{} sessionStart commands, expected 1", commands.len()))?;
            let input = json!({
                "hook_event_name": "sessionStart",
                "session_id": "e2e",
                "conversation_id": "e2e",
                "workspace_roots": [space.project.display().to_string()],
                "is_background_agent": false,
            });
            let mut cmd = space.command("sh");
            cmd.args(["-c", commands[0]])
                .current_dir(&pack.root)
                .env("CURSOR_PLUGIN_ROOT", &pack.root)
                .env("CURSOR_PROJECT_DIR", &space.project);
            let out = exec(cmd, QUICK, &space.log("session-start"), Some(&input.to_string()));
            let v = out.json()?;
            let context =
                v["additional_context"].as_str().ok_or_else(|| fail("no \"additional_context\" string"))?;
            let count = context.matches(&pack.context).count();
            expect(count == 1, || format!("the context appears {count} times"))?;
            Ok(format!("{} bytes", context.len()))
        })()
    });
}

/// plugin.json against the schema's rules: keys, name, version, author, paths.
fn check_manifest(m: &Value, pack: &Pack) -> Result<String, String> {
    let object = m.as_object().ok_or("not a JSON object")?;
    let unknown: Vec<&String> = object.keys().filter(|k| !KEYS.contains(&k.as_str())).collect();
    if !unknown.is_empty() {
        return Err(format!("keys the schema does not allow: {unknown:?}"));
    }
    let name = m["name"].as_str().ok_or("no \"name\" string")?;
    if !is_kebab(name) {
        return Err(format!("name {name:?} is not kebab-case"));
    }
    if name != pack.name {
        return Err(format!("name {name:?} is not the pack's {:?}", pack.name));
    }
    if let Some(version) = object.get("version") {
        let version = version.as_str().ok_or("\"version\" is not a string")?;
        if !is_semver(version) {
            return Err(format!("version {version:?} is not semver"));
        }
        if version != pack.version {
            return Err(format!("version {version:?} is not the pack's {:?}", pack.version));
        }
    }
    if let Some(author) = object.get("author") {
        let author = author.as_object().ok_or("\"author\" is not an object")?;
        if !author.get("name").is_some_and(Value::is_string) {
            return Err("author has no \"name\" string".into());
        }
        if let Some(key) = author.keys().find(|k| !["name", "email"].contains(&k.as_str())) {
            return Err(format!("author key {key:?} is not allowed"));
        }
    }
    let mut checked = Vec::new();
    for key in PATHS {
        let paths: Vec<&str> = match object.get(*key) {
            Some(Value::String(p)) => vec![p.as_str()],
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => continue, // absent, or an inline object
        };
        for path in paths {
            if *key == "logo" && (path.starts_with("https://") || path.starts_with("http://")) {
                continue;
            }
            if !path.starts_with("./") || path.split(['/', '\\']).any(|s| s == "..") {
                return Err(format!("{key}: {path:?} is not a relative path inside the plugin (./…)"));
            }
            if !path.contains('*') && !pack.root.join(path).exists() {
                return Err(format!("{key}: {path:?} does not exist"));
            }
            checked.push(format!("{key} {path}"));
        }
    }
    Ok(format!("{name} {}, {}", pack.version, checked.join(", ")))
}

/// The hooks file against the schema's rules: version 1, known events, executable commands.
fn check_hooks(h: &Value, pack: &Pack) -> Result<String, String> {
    if h["version"] != 1 {
        return Err(format!("\"version\" is {}, not 1", h["version"]));
    }
    let events = h["hooks"].as_object().ok_or("no \"hooks\" object")?;
    let mut count = 0;
    for (event, handlers) in events {
        if !EVENTS.contains(&event.as_str()) {
            return Err(format!("unknown event {event:?}"));
        }
        for handler in handlers.as_array().ok_or(format!("{event} is not a list"))? {
            let command =
                handler["command"].as_str().ok_or(format!("{event}: a handler has no \"command\""))?;
            let program = command.split_whitespace().next().unwrap_or_default();
            if program.starts_with("./") {
                let path = pack.root.join(program);
                if !is_executable(&path) {
                    return Err(format!("{event}: {program} is not an executable file in the plugin"));
                }
            }
            count += 1;
        }
    }
    if !events.contains_key("sessionStart") {
        return Err("no sessionStart hook".into());
    }
    Ok(format!("version 1, {count} handler(s)"))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// `MAJOR.MINOR.PATCH[-pre][+build]` (semver.org §2, §9, §10).
fn is_semver(version: &str) -> bool {
    let (rest, build) = match version.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (version, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (rest, None),
    };
    let identifiers = |s: &str| {
        s.split('.').all(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    };
    let numbers: Vec<&str> = core.split('.').collect();
    numbers.len() == 3
        && numbers.iter().all(|n| {
            !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && (n.len() == 1 || !n.starts_with('0'))
        })
        && pre.is_none_or(|p| {
            identifiers(p)
                && p.split('.').all(|id| {
                    !(id.len() > 1 && id.starts_with('0') && id.bytes().all(|b| b.is_ascii_digit()))
                })
        })
        && build.is_none_or(identifiers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver() {
        for ok in ["0.1.0", "1.2.3-rc.1", "1.0.0+build.5", "10.20.30-alpha-1+x"] {
            assert!(is_semver(ok), "{ok}");
        }
        for bad in ["1.2", "01.2.3", "1.2.3-", "1.2.3-01", "v1.2.3", "1.2.3+"] {
            assert!(!is_semver(bad), "{bad}");
        }
    }
}
