//! Claude Code: `plugin validate`, a local marketplace and `plugin install`, then `claude -p`.

use super::{Drive, SkillRead};
use crate::e2e::Layout;
use crate::e2e::checks::{Listed, context_sent, enabled_at_version, json_in, names, same_skills};
use crate::e2e::package::{Pack, marketplace_name, read_json, universal_losses};
use crate::e2e::report::{Check, Failure, Report, expect, fail, truncate};
use crate::e2e::space::Space;
use crate::e2e::{PROMPT, QUICK, REPLY};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

pub(super) const DRIVE: Drive = Drive {
    session,
    install,
    runs_hooks: super::runs_hooks,
    mcp_tool: Some("mcp__plugin_{pack}_{server}__{tool}"),
    read_skill: Some(SkillRead::File("Read")),
    shell: Some("Bash"),
};

/// `claude -p`, allowed to call `tool`; MCP tools are declared to the model up front rather than
/// behind its tool search.
fn session(space: &Space, prompt: &str, tool: &str) -> Command {
    let mut cmd =
        space.command_with("claude", &["-p", prompt, "--output-format", "json", "--allowedTools", tool]);
    cmd.env("ENABLE_TOOL_SEARCH", "false");
    cmd
}

/// `plugin marketplace add` and `plugin install`: the plugin id and scope.
fn install(space: &Space, package: &Path, pack: &Pack) -> Check {
    let market = marketplace_name(&package.join(".claude-plugin/marketplace.json"), pack);
    let id = format!("{}@{market}", pack.name);
    let package = package.display().to_string();
    let label = format!("{}-install", pack.name);
    let add =
        space.run(&format!("{label}-market"), "claude", &["plugin", "marketplace", "add", &package], QUICK);
    add.require_success()?;
    let install = space.run(&label, "claude", &["plugin", "install", &id, "--json"], QUICK);
    let v = install.json()?;
    expect(v["outcome"] == "ok", || format!("install outcome: {}", v["outcome"]))?;
    Ok(format!("{id}, scope {}", v["scope"].as_str().unwrap_or("?")))
}

/// The hook events of the package's hooks file.
fn hook_events(pack: &Pack) -> Result<BTreeSet<String>, Failure> {
    let hooks = read_json(&pack.root.join("hooks/hooks.json")).map_err(fail)?;
    Ok(hooks["hooks"].as_object().into_iter().flatten().map(|(event, _)| event.clone()).collect())
}

/// The events of the universal tree's shared hooks file that are other hosts', as its loss
/// report names them for Claude Code (none in its own package).
fn foreign_events(space: &Space) -> BTreeSet<String> {
    if space.layout == Layout::Host {
        return BTreeSet::new();
    }
    let lines = universal_losses(&space.ctx.plugins, "Claude Code");
    let line = lines.iter().find(|l| l.starts_with("the shared hooks/hooks.json also names "));
    let names = line.and_then(|l| l.split(" for the other hosts").next()).unwrap_or_default();
    names.split('`').skip(1).step_by(2).map(String::from).collect()
}

/// What `plugin validate --json` says the package provides.
pub(super) fn components(space: &Space, pack: &Pack) -> Result<Listed, Failure> {
    let out = space.run("provides", "claude", &["plugin", "validate", "--json", &space.package_str()], QUICK);
    let v = json_in(&out.stdout).map_err(|f| if out.success() { f } else { out.failure() })?;
    let provides = &v["provides"];
    let prefix = format!("{}:", pack.name);
    let ours = |key: &str| names(&provides[key], &prefix);
    Ok(Listed {
        commands: Some(ours("commands")),
        agents: Some(ours("agents")),
        mcp: Some(names(&provides["mcpServers"], "")),
    })
}

pub(super) fn check(space: &mut Space, pack: &Pack, report: &mut Report) {
    let url = space.model_url();
    space.env = [
        ("DISABLE_TELEMETRY", "1"),
        ("DISABLE_AUTOUPDATER", "1"),
        ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"),
        ("ANTHROPIC_BASE_URL", url.as_str()),
        ("ANTHROPIC_API_KEY", "dummy"),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .to_vec();
    let package = space.package_str();
    let host = space.label.clone();

    report.record(&host, "plugin validate --strict --json", {
        let out =
            space.run("validate", "claude", &["plugin", "validate", "--strict", "--json", &package], QUICK);
        (|| {
            // It prints the verdict as JSON whether or not it exits 0: read the verdict first.
            let v = json_in(&out.stdout).map_err(|f| if out.success() { f } else { out.failure() })?;
            // The universal tree's shared hooks file also names other hosts' events, which Claude
            // ignores and --strict warns of: only those, and only as the loss report says.
            let foreign = foreign_events(space);
            let mut problems = Vec::new();
            for file in std::iter::once(&v["manifest"]).chain(v["contents"].as_array().into_iter().flatten())
            {
                for key in ["errors", "warnings"] {
                    for item in file[key].as_array().into_iter().flatten() {
                        let message = item["message"].as_str().unwrap_or_default();
                        let explained = key == "warnings"
                            && foreign
                                .iter()
                                .any(|e| message.starts_with(&format!("hooks.{e}: unknown hook event")));
                        if !explained {
                            problems.push(format!("{key}: {}", truncate(&item.to_string(), 200)));
                        }
                    }
                }
            }
            expect(problems.is_empty(), || problems.join("; "))?;
            expect(v["success"] == true || !foreign.is_empty(), || "\"success\" is not true".into())?;
            let seen: BTreeSet<String> = v["provides"]["skills"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|s| s.strip_prefix(&format!("{}:", pack.name)).unwrap_or(s).to_string())
                .collect();
            same_skills(&pack.skills, &seen)?;
            // Every event of the package's hooks file, once: what it runs is checked in sessions.
            let mut expected = hook_events(pack)?;
            expected.retain(|e| !foreign.contains(e));
            let hooks: Vec<String> = v["provides"]["hooks"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|h| h["event"].as_str().map(String::from))
                .collect();
            let seen_hooks: BTreeSet<String> = hooks.iter().cloned().collect();
            expect(seen_hooks == expected && hooks.len() == expected.len(), || {
                format!("hooks {hooks:?}, the package's hooks file has {expected:?}")
            })?;
            if foreign.is_empty() {
                out.require_success()?;
                Ok(format!("{} skills, hooks {hooks:?}", seen.len()))
            } else {
                Ok(format!(
                    "{} skills, hooks {hooks:?}; other hosts' {foreign:?} ignored, as the loss report says",
                    seen.len()
                ))
            }
        })()
    });

    let market = marketplace_name(&space.package.join(".claude-plugin/marketplace.json"), pack);
    let id = format!("{}@{market}", pack.name);
    report.record(&host, "plugin marketplace add + plugin install", install(space, &space.package, pack));

    report.record(&host, "plugin list --json", {
        let out = space.run("list", "claude", &["plugin", "list", "--json"], QUICK);
        (|| {
            let v = out.json()?;
            let entry = v.as_array().into_iter().flatten().find(|p| p["id"] == id.as_str());
            let entry = entry.ok_or_else(|| fail(format!("{id} not listed")))?;
            enabled_at_version(entry, &id, pack)?;
            Ok(format!("{id} {} enabled", pack.version))
        })()
    });

    report.record(&host, "claude -p: session context in /v1/messages", {
        let (out, requests) =
            space.session("print", space.command_with("claude", &["-p", PROMPT, "--output-format", "json"]));
        (|| {
            let v = out.json()?;
            expect(v["result"] == REPLY, || format!("result {} (expected {REPLY:?})", v["result"]))?;
            context_sent(
                &requests,
                "/v1/messages",
                &pack.context,
                "in the SessionStart hook text",
                |_, _, s| s.contains("SessionStart hook additional context"),
            )
            .map_err(|f| out.with_tail(f))
        })()
    });
}
