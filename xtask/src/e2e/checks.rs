//! Checks every host shares: the skills it lists, the context in its model requests, agentskills.

use super::install::SKILLS_REF;
use super::package::Pack;
use super::process::{Output, exec};
use super::report::{Check, Failure, expect, fail, tail, truncate};
use super::space::Space;
use super::{QUICK, REPLY};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

impl Output {
    /// The JSON the command printed on stdout, if it exited 0 (see [`json_in`]).
    pub fn json(&self) -> Result<Value, Failure> {
        self.require_success()?;
        json_in(&self.stdout)
    }
}

/// The JSON a CLI printed: the whole text, or failing that the text from the first line that
/// starts a JSON value (some print a notice first).
pub(super) fn json_in(text: &str) -> Result<Value, Failure> {
    if let Ok(value) = serde_json::from_str(text.trim()) {
        return Ok(value);
    }
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if (line.starts_with('{') || line.starts_with('['))
            && let Ok(value) = serde_json::from_str(&text[at..])
        {
            return Ok(value);
        }
        at += line.len();
    }
    Err(Failure { reason: "output is not JSON".into(), tail: tail(text, 12) })
}

/// Every string in a JSON value, with its JSON pointer.
pub(super) fn strings(value: &Value) -> Vec<(String, &str)> {
    fn walk<'v>(value: &'v Value, at: String, out: &mut Vec<(String, &'v str)>) {
        match value {
            Value::String(s) => out.push((at, s)),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, format!("{at}/{i}"), out);
                }
            }
            Value::Object(map) => {
                for (key, item) in map {
                    walk(item, format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, String::new(), &mut out);
    out
}

/// `wanted` must be in `text`, part of what `out`'s command printed; a failure shows its tail.
pub(super) fn printed(out: &Output, text: &str, wanted: &str) -> Result<(), Failure> {
    expect(text.contains(wanted), || format!("no {wanted:?}")).map_err(|f| out.with_tail(f))
}

/// Compares what a host lists with the package's skills.
pub(super) fn same_skills(expected: &[String], seen: &BTreeSet<String>) -> Result<(), Failure> {
    let expected: BTreeSet<String> = expected.iter().cloned().collect();
    let missing: Vec<&String> = expected.difference(seen).collect();
    let extra: Vec<&String> = seen.difference(&expected).collect();
    expect(missing.is_empty() && extra.is_empty(), || {
        format!("skills differ from the package's: missing {missing:?}, unexpected {extra:?}")
    })
}

/// What a host lists of the package's components, by name; None for a kind it does not list.
#[derive(Default)]
pub(super) struct Listed {
    pub commands: Option<BTreeSet<String>>,
    pub agents: Option<BTreeSet<String>>,
    pub mcp: Option<BTreeSet<String>>,
}

/// The pack's components, by name (from its source: `commands/`, `agents/`, `[mcp.*]`).
#[derive(Clone, Default)]
pub(super) struct Components {
    pub commands: BTreeSet<String>,
    pub agents: BTreeSet<String>,
    pub mcp: BTreeSet<String>,
}

/// Compares what a host lists with the pack's components: every kind it lists must hold exactly
/// the pack's, but for those the loss report says its package does not carry (`lost`).
pub(super) fn same_components(expected: &Components, lost: &Components, listed: &Listed) -> Check {
    let mut seen = Vec::new();
    for (kind, want, lost, got) in [
        ("commands", &expected.commands, &lost.commands, &listed.commands),
        ("agents", &expected.agents, &lost.agents, &listed.agents),
        ("MCP servers", &expected.mcp, &lost.mcp, &listed.mcp),
    ] {
        let Some(got) = got else { continue };
        let want: BTreeSet<String> = want.difference(lost).cloned().collect();
        let missing: Vec<&String> = want.difference(got).collect();
        let extra: Vec<&String> = got.difference(&want).collect();
        expect(missing.is_empty() && extra.is_empty(), || {
            format!("{kind} differ from the pack's: missing {missing:?}, unexpected {extra:?}")
        })?;
        let lost = if lost.is_empty() { String::new() } else { format!(" ({} not carried)", lost.len()) };
        seen.push(format!("{} {kind}{lost}", got.len()));
    }
    expect(!seen.is_empty(), || "lists no components".into())?;
    Ok(seen.join(", "))
}

/// Names in a listing: strings, objects' `name`s, or an object's keys; `prefix` taken off.
pub(super) fn names(value: &Value, prefix: &str) -> BTreeSet<String> {
    let strip = |s: &str| s.strip_prefix(prefix).unwrap_or(s).to_string();
    match value {
        Value::Array(items) => {
            items.iter().filter_map(|i| i.as_str().or_else(|| i["name"].as_str())).map(strip).collect()
        }
        Value::Object(map) => map.keys().map(|k| strip(k)).collect(),
        _ => BTreeSet::new(),
    }
}

/// A host's entry for the installed plugin `name`: enabled, at the pack's version.
pub(super) fn enabled_at_version(entry: &Value, name: &str, pack: &Pack) -> Result<(), Failure> {
    expect(entry["enabled"] == true, || format!("{name} is not enabled"))?;
    expect(entry["version"] == pack.version.as_str(), || {
        format!("version {} (pack {})", entry["version"], pack.version)
    })
}

/// A session that answered with the fake model's reply and whose every request to `endpoint`
/// carried the context once, in `place` (see [`context_sent`]); failures show the tail of the
/// session's output.
pub(super) fn replied_with_context(
    out: &Output,
    requests: &[Value],
    endpoint: &str,
    context: &str,
    place: &str,
    placed: impl Fn(&Value, &str, &str) -> bool,
) -> Check {
    out.require_success()?;
    expect(out.stdout.contains(REPLY), || format!("no {REPLY} on stdout")).map_err(|f| out.with_tail(f))?;
    context_sent(requests, endpoint, context, place, placed).map_err(|f| out.with_tail(f))
}

/// The session context in the recorded model requests: every request to `endpoint` must carry
/// it exactly once, in the place `placed` accepts (given the body, the pointer and the string).
pub(super) fn context_sent(
    requests: &[Value],
    endpoint: &str,
    context: &str,
    place: &str,
    placed: impl Fn(&Value, &str, &str) -> bool,
) -> Check {
    let calls: Vec<&Value> = requests
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"].as_str().is_some_and(|p| p.contains(endpoint)))
        .collect();
    if calls.is_empty() {
        let seen: Vec<String> = requests.iter().map(|r| format!("{} {}", r["method"], r["path"])).collect();
        return Err(fail(format!("no POST to {endpoint} recorded (saw {seen:?})")));
    }
    for (i, call) in calls.iter().enumerate() {
        let body = &call["body"];
        let hits: Vec<(String, &str)> =
            strings(body).into_iter().filter(|(_, s)| s.contains(context)).collect();
        let count: usize = hits.iter().map(|(_, s)| s.matches(context).count()).sum();
        expect(count > 0, || {
            format!("request {} to {endpoint} lacks the session context {:?}", i + 1, truncate(context, 60))
        })?;
        expect(count == 1, || {
            format!("request {} to {endpoint} has the session context {count} times", i + 1)
        })?;
        let (pointer, text) = &hits[0];
        expect(placed(body, pointer, text), || {
            format!("request {}: context at {pointer}, not {place}", i + 1)
        })?;
    }
    Ok(format!("{} request(s) to {endpoint}, context once each, {place}", calls.len()))
}

/// The `role` of the message a JSON pointer like `/messages/1/content` points into.
pub(super) fn role_at<'v>(body: &'v Value, pointer: &str) -> Option<&'v str> {
    let message: Vec<&str> = pointer.split('/').take(3).collect();
    body.pointer(&message.join("/"))?["role"].as_str()
}

/// agentskills (skills-ref) `validate` on every skill directory of the package, in one Python
/// process (the same `validate()` the `agentskills validate` command calls, without paying a
/// 0.4 s interpreter start per skill).
pub(super) fn agentskills(space: &Space, pack: &Pack) -> Check {
    let mut dirs: Vec<PathBuf> = walkdir::WalkDir::new(&space.package)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "SKILL.md")
        .filter_map(|e| e.path().parent().map(Path::to_path_buf))
        .collect();
    dirs.sort();
    const SCRIPT: &str = "import json, sys\n\
        from pathlib import Path\n\
        from skills_ref.validator import validate\n\
        print(json.dumps({d: [str(e) for e in validate(Path(d))] for d in sys.argv[1:]}))\n";
    let mut cmd = space.command("python3");
    cmd.args(["-c", SCRIPT]).args(&dirs).env("PYTHONPATH", &space.ctx.pylib);
    let out = exec(cmd, QUICK, &space.log("agentskills"), None);
    let results = out.json()?;
    let problems: Vec<String> = results
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(dir, errors)| {
            let errors = errors.as_array().filter(|e| !e.is_empty())?;
            let name =
                Path::new(dir).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            Some(format!(
                "{name}: {}",
                errors.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("; ")
            ))
        })
        .collect();
    if !problems.is_empty() {
        return Err(Failure {
            reason: format!("{} of {} skills invalid", problems.len(), dirs.len()),
            tail: problems.join("\n"),
        });
    }
    expect(dirs.len() >= pack.skills.len(), || {
        format!("{} skill dirs for {} skills", dirs.len(), pack.skills.len())
    })?;
    Ok(format!("{} skills, skills-ref {}", dirs.len(), SKILLS_REF.1))
}

/// Lowercase words of letters and digits joined by single hyphens (`skill-wright2`).
pub(super) fn is_kebab(name: &str) -> bool {
    !name.is_empty()
        && name.split('-').all(|part| {
            !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kebab() {
        assert!(is_kebab("skill-wright2"));
        for bad in ["", "-a", "a-", "a--b", "A", "a.b", "a_b"] {
            assert!(!is_kebab(bad), "{bad}");
        }
    }

    #[test]
    fn context_must_appear_once_in_place() {
        let request = |text: &str| json!({"method": "POST", "path": "/v1/x", "body": {"messages": [{"role": "system", "content": text}]}});
        let system = |b: &Value, p: &str, _: &str| role_at(b, p) == Some("system");
        assert!(context_sent(&[request("ctx line")], "/v1/x", "ctx", "system", system).is_ok());
        assert!(context_sent(&[request("ctx ctx")], "/v1/x", "ctx", "system", system).is_err());
        assert!(context_sent(&[request("none")], "/v1/x", "ctx", "system", system).is_err());
        assert!(context_sent(&[], "/v1/x", "ctx", "system", system).is_err());
    }

    #[test]
    fn json_after_a_notice() {
        assert_eq!(json_in("notice\n{\"a\": 1}\n").ok(), Some(json!({"a": 1})));
        assert!(json_in("no json here").is_err());
        let pointers: Vec<String> = strings(&json!({"a/b": ["x"]})).into_iter().map(|(p, _)| p).collect();
        assert_eq!(pointers, ["/a~1b/0"]);
    }
}
