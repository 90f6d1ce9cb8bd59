//! OpenAI Codex: marketplace and `plugin add`, prompt input, app-server hooks, then `codex exec`.

use super::{Drive, SkillRead};
use crate::e2e::checks::{Listed, names, replied_with_context, role_at, same_skills, strings};
use crate::e2e::package::{Pack, marketplace_name, read_json, universal_losses};
use crate::e2e::process::{kill_tree, read_lossy, spawn};
use crate::e2e::report::{Check, Failure, Report, expect, fail, tail, truncate};
use crate::e2e::space::Space;
use crate::e2e::{PROMPT, QUICK};
use crate::files::write_in;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Instant;

pub(super) const DRIVE: Drive = Drive {
    session,
    install,
    runs_hooks,
    // A namespace `mcp__<server>` holding the server's tools by their own names.
    mcp_tool: Some("{tool}"),
    // No read tool: the model reads with its shell (`cat`).
    read_skill: Some(SkillRead::File("exec_command")),
    shell: Some("exec_command"),
};

/// The display name the loss reports give Codex.
const DISPLAY: &str = "OpenAI Codex";

/// Whether Codex loads the package as an Agent Plugin: a root plugin.json with the Agent Plugins
/// `$schema` (the universal tree has one), which it prefers to `.codex-plugin/` and which carries
/// no hooks and no commands.
fn agent_plugin(pack: &Pack) -> bool {
    read_json(&pack.root.join("plugin.json"))
        .is_ok_and(|m| m["$schema"].as_str().is_some_and(|s| s.starts_with("https://agent-plugins.org/")))
}

/// As an Agent Plugin it runs none of the package's hooks: then the loss report must say so.
fn no_hooks_reported(space: &Space) -> Result<String, Failure> {
    let lines = universal_losses(&space.ctx.plugins, DISPLAY);
    let reads = lines.iter().find(|l| l.starts_with("reads the universal tree as "));
    let hooks = lines.iter().find(|l| l.contains("has no hooks"));
    match (reads, hooks) {
        (Some(_), Some(hooks)) => Ok(format!("the loss report says: {}", truncate(hooks, 90))),
        _ => Err(fail(format!(
            "the universal loss report does not say that {DISPLAY} runs no hooks here: {lines:?}"
        ))),
    }
}

/// Whether Codex runs the package's hooks (Ok(false): it does not, and the loss report says so).
fn runs_hooks(space: &Space, pack: &Pack) -> Result<bool, Failure> {
    if agent_plugin(pack) { no_hooks_reported(space).map(|_| false) } else { Ok(true) }
}

/// `codex exec` with the plugin hooks trusted and tool calls (MCP ones too) not asked about.
fn session(space: &Space, prompt: &str, _tool: &str) -> Command {
    space.command_with(
        "codex",
        &[
            "exec",
            "--skip-git-repo-check",
            "--dangerously-bypass-hook-trust",
            "--dangerously-bypass-approvals-and-sandbox",
            prompt,
        ],
    )
}

/// `plugin marketplace add` and `plugin add`: the plugin id and version.
fn install(space: &Space, package: &Path, pack: &Pack) -> Check {
    let market = marketplace_name(&package.join(".agents/plugins/marketplace.json"), pack);
    let id = format!("{}@{market}", pack.name);
    let package = package.display().to_string();
    let label = format!("{}-install", pack.name);
    let add = space.run(
        &format!("{label}-market"),
        "codex",
        &["plugin", "marketplace", "add", &package, "--json"],
        QUICK,
    );
    let v = add.json()?;
    expect(v["marketplaceName"] == market.as_str(), || format!("marketplaceName {}", v["marketplaceName"]))?;
    let plugin = space.run(&label, "codex", &["plugin", "add", &id, "--json"], QUICK);
    let v = plugin.json()?;
    expect(v["pluginId"] == id.as_str(), || format!("pluginId {}", v["pluginId"]))?;
    expect(v["version"] == pack.version.as_str(), || format!("version {}", v["version"]))?;
    Ok(format!("{id} {}", pack.version))
}

/// Migrated commands are skills named `source-command-<name>`.
const MIGRATED: &str = "source-command-";

/// The pack's entries in the skill list of `debug prompt-input` (`- <pack>:<name>: …`).
fn listed_skills(space: &Space, pack: &Pack, label: &str) -> Result<BTreeSet<String>, Failure> {
    let out = space.run(label, "codex", &["debug", "prompt-input", PROMPT], QUICK);
    let v = out.json()?;
    let prefix = format!("- {}:", pack.name);
    let text: String = strings(&v).into_iter().map(|(_, s)| s).collect::<Vec<_>>().join("\n");
    Ok(text
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix(&prefix))
        .filter_map(|rest| rest.split(':').next())
        .map(String::from)
        .collect())
}

/// Commands as the skills Codex migrates them into, MCP servers from `mcp list --json`; Codex
/// has no plugin agents.
pub(super) fn components(space: &Space, pack: &Pack) -> Result<Listed, Failure> {
    let commands = listed_skills(space, pack, "commands")?
        .iter()
        .filter_map(|s| s.strip_prefix(MIGRATED))
        .map(String::from)
        .collect();
    let out = space.run("mcp-list", "codex", &["mcp", "list", "--json"], QUICK);
    let v = out.json()?;
    Ok(Listed { commands: Some(commands), agents: None, mcp: Some(names(&v, "")) })
}

pub(super) fn check(space: &mut Space, pack: &Pack, report: &mut Report) {
    let codex_home = space.home.join(".codex");
    space.env = vec![
        ("CODEX_HOME".into(), codex_home.display().to_string()),
        ("FAKE_API_KEY".into(), "dummy".into()),
    ];
    // Top-level keys must come before any table.
    let config = format!(
        "model_provider = \"fake\"\nmodel = \"gpt-5\"\n\n[model_providers.fake]\nname = \"fake\"\n\
         base_url = \"{}/v1\"\nenv_key = \"FAKE_API_KEY\"\nwire_api = \"responses\"\n",
        space.model_url()
    );
    let host = space.label.clone();
    if let Err(e) = write_in(&codex_home, "config.toml", config) {
        return report.record(&host, "config.toml", Err(fail(e.to_string())));
    }
    let market = marketplace_name(&space.package.join(".agents/plugins/marketplace.json"), pack);
    let id = format!("{}@{market}", pack.name);

    report.record(&host, "plugin marketplace add + plugin add", install(space, &space.package, pack));

    report.record(&host, "plugin list --json", {
        let out = space.run("list", "codex", &["plugin", "list", "--json"], QUICK);
        (|| {
            let v = out.json()?;
            let entry =
                v["installed"].as_array().into_iter().flatten().find(|p| p["pluginId"] == id.as_str());
            let entry = entry.ok_or_else(|| fail(format!("{id} not installed")))?;
            expect(entry["enabled"] == true, || format!("{id} is not enabled"))?;
            Ok(format!("{id} enabled"))
        })()
    });

    report.record(&host, "debug prompt-input lists every skill", {
        (|| {
            // The commands it migrated into skills are listed beside them (see `components`).
            let mut seen = listed_skills(space, pack, "prompt-input")?;
            seen.retain(|s| !s.starts_with(MIGRATED));
            same_skills(&pack.skills, &seen)?;
            Ok(format!("{} skills", seen.len()))
        })()
    });

    report.record(&host, "app-server hooks/list shows the package's hooks", {
        let params = json!({ "cwds": [space.project.display().to_string()] });
        (|| {
            let expected = hook_events(pack)?;
            let answer = app_server(space, "hooks/list", params)?;
            let data = answer["result"]["data"].as_array().cloned().unwrap_or_default();
            expect(!data.is_empty(), || {
                format!("unexpected answer: {}", truncate(&answer.to_string(), 300))
            })?;
            for entry in &data {
                for key in ["warnings", "errors"] {
                    let list = entry[key].as_array().cloned().unwrap_or_default();
                    expect(list.is_empty(), || {
                        format!("{key}: {}", truncate(&Value::Array(list.clone()).to_string(), 300))
                    })?;
                }
            }
            let hooks: Vec<&Value> =
                data.iter().flat_map(|d| d["hooks"].as_array().into_iter().flatten()).collect();
            let ours: Vec<&&Value> = hooks.iter().filter(|h| h["pluginId"] == id.as_str()).collect();
            let mut events: Vec<String> =
                ours.iter().filter_map(|h| h["eventName"].as_str()).map(str::to_ascii_lowercase).collect();
            events.sort();
            expect(events == expected, || {
                format!("{id}'s hooks: {events:?}, its hooks file has {expected:?}")
            })?;
            for hook in &ours {
                let command = hook["command"].as_str().unwrap_or_default();
                expect(!command.contains("${"), || format!("unresolved command {command}"))?;
            }
            if agent_plugin(pack) {
                return no_hooks_reported(space).map(|said| format!("none, as an Agent Plugin; {said}"));
            }
            let status: BTreeSet<&str> = ours.iter().filter_map(|h| h["trustStatus"].as_str()).collect();
            Ok(format!("{events:?}, {status:?}"))
        })()
    });

    let args = ["exec", "--skip-git-repo-check", "--dangerously-bypass-hook-trust", PROMPT];
    if agent_plugin(pack) {
        report.record(&host, "codex exec: no session context, as the loss report says", {
            let (out, requests) = space.session("exec", space.command_with("codex", &args));
            (|| {
                out.require_success()?;
                let sent = requests.iter().any(|r| r["body"].to_string().contains(&pack.context));
                expect(!sent, || "the context reached the model: the loss report is wrong".into())
                    .map_err(|f| out.with_tail(f))?;
                no_hooks_reported(space)
            })()
        });
        return;
    }
    report.record(&host, "codex exec: session context in /v1/responses", {
        let (out, requests) = space.session("exec", space.command_with("codex", &args));
        replied_with_context(
            &out,
            &requests,
            "/v1/responses",
            &pack.context,
            "in a developer message",
            |b, p, _| role_at(b, p) == Some("developer"),
        )
    });
}

/// The events of the hooks file the package's manifest names, lowercase, one per handler (none
/// when Codex loads the package as an Agent Plugin).
fn hook_events(pack: &Pack) -> Result<Vec<String>, Failure> {
    if agent_plugin(pack) {
        return Ok(Vec::new());
    }
    let manifest = read_json(&pack.root.join(".codex-plugin/plugin.json")).map_err(fail)?;
    let file = manifest["hooks"].as_str().ok_or_else(|| fail("the manifest names no hooks file"))?;
    let hooks = read_json(&pack.root.join(file)).map_err(fail)?;
    let mut events: Vec<String> = hooks["hooks"]
        .as_object()
        .into_iter()
        .flatten()
        .flat_map(|(event, groups)| {
            let handlers =
                groups.as_array().into_iter().flatten().map(|g| g["hooks"].as_array().map_or(1, Vec::len));
            std::iter::repeat_n(event.to_ascii_lowercase(), handlers.sum())
        })
        .collect();
    events.sort();
    Ok(events)
}

/// One JSON-RPC request to `codex app-server` over stdio, after the initialize handshake.
fn app_server(space: &Space, method: &str, params: Value) -> Result<Value, Failure> {
    let mut cmd = space.command("codex");
    let err_path = space.log("app-server").with_extension("err");
    let stderr = fs::File::create(&err_path).map_err(|e| fail(e.to_string()))?;
    cmd.arg("app-server").stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(stderr);
    let mut child = spawn(&mut cmd).map_err(|e| fail(format!("cannot run codex app-server: {e}")))?;
    let (stdin, stdout) = (child.stdin.take(), child.stdout.take());
    let result = (|| {
        let (mut stdin, stdout) = stdin.zip(stdout).ok_or_else(|| fail("no stdio"))?;
        // A reader thread, so that waiting for an answer can time out.
        let (tx, rx) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + QUICK;
        let mut send = |message: Value| {
            writeln!(stdin, "{message}").and_then(|()| stdin.flush()).map_err(|e| fail(format!("write: {e}")))
        };
        let answer = |id: u64| -> Result<Value, Failure> {
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                let line = rx.recv_timeout(left).map_err(|_| Failure {
                    reason: format!("no answer to request {id} within {} s", QUICK.as_secs()),
                    tail: tail(&read_lossy(&err_path), 12),
                })?;
                if let Ok(message) = serde_json::from_str::<Value>(&line)
                    && message["id"] == id
                {
                    return Ok(message);
                }
            }
        };
        send(
            json!({"id": 1, "method": "initialize", "params": {"clientInfo": {"name": "skillwright-e2e", "version": "0"}}}),
        )?;
        answer(1)?;
        send(json!({"method": "initialized"}))?;
        send(json!({"id": 2, "method": method, "params": params}))?;
        let message = answer(2)?;
        fs::write(space.log("app-server").with_extension("out"), message.to_string()).ok();
        Ok(message)
    })();
    kill_tree(&mut child);
    result
}
