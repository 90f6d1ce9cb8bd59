//! OpenAI Codex: marketplace and `plugin add`, prompt input, app-server hooks, then `codex exec`.

use crate::e2e::checks::{replied_with_context, role_at, same_skills, strings};
use crate::e2e::package::{Pack, marketplace_name};
use crate::e2e::process::{kill_tree, read_lossy, spawn};
use crate::e2e::report::{Failure, Report, expect, fail, tail, truncate};
use crate::e2e::space::Space;
use crate::e2e::{PROMPT, QUICK};
use crate::files::write_in;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Instant;

pub(super) fn check(mut space: Space, pack: &Pack, report: &mut Report) {
    let codex_home = space.home.join(".codex");
    space.env = vec![
        ("CODEX_HOME".into(), codex_home.display().to_string()),
        ("FAKE_API_KEY".into(), "dummy".into()),
    ];
    // Top-level keys must come before any table.
    let config = format!(
        "model_provider = \"fake\"\nmodel = \"gpt-5\"\n\n[model_providers.fake]\nname = \"fake\"\n\
         base_url = \"{}/v1\"\nenv_key = \"FAKE_API_KEY\"\nwire_api = \"responses\"\n",
        space.ctx.server.url()
    );
    let host = space.label.clone();
    if let Err(e) = write_in(&codex_home, "config.toml", config) {
        return report.record(&host, "config.toml", Err(fail(e.to_string())));
    }
    let package = space.package_str();
    let market = marketplace_name(&space.package.join(".agents/plugins/marketplace.json"), pack);
    let id = format!("{}@{market}", pack.name);

    report.record(&host, "plugin marketplace add + plugin add", {
        let add = space.run(
            "marketplace-add",
            "codex",
            &["plugin", "marketplace", "add", &package, "--json"],
            QUICK,
        );
        (|| {
            let v = add.json()?;
            expect(v["marketplaceName"] == market.as_str(), || {
                format!("marketplaceName {}", v["marketplaceName"])
            })?;
            let plugin = space.run("plugin-add", "codex", &["plugin", "add", &id, "--json"], QUICK);
            let v = plugin.json()?;
            expect(v["pluginId"] == id.as_str(), || format!("pluginId {}", v["pluginId"]))?;
            expect(v["version"] == pack.version.as_str(), || format!("version {}", v["version"]))?;
            Ok(format!("{id} {}", pack.version))
        })()
    });

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
        let out = space.run("prompt-input", "codex", &["debug", "prompt-input", PROMPT], QUICK);
        (|| {
            let v = out.json()?;
            let prefix = format!("- {}:", pack.name);
            let text: String = strings(&v).into_iter().map(|(_, s)| s).collect::<Vec<_>>().join("\n");
            let seen: BTreeSet<String> = text
                .lines()
                .filter_map(|l| l.trim_start().strip_prefix(&prefix))
                .filter_map(|rest| rest.split(':').next())
                .map(String::from)
                .collect();
            same_skills(&pack.skills, &seen)?;
            Ok(format!("{} skills", seen.len()))
        })()
    });

    report.record(&host, "app-server hooks/list shows the sessionStart hook", {
        let params = json!({ "cwds": [space.project.display().to_string()] });
        (|| {
            let answer = app_server(&space, "hooks/list", params)?;
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
            expect(ours.len() == 1 && ours[0]["eventName"] == "sessionStart", || {
                format!("expected one sessionStart hook of {id}, got {}", ours.len())
            })?;
            let hook = ours[0];
            let command = hook["command"].as_str().unwrap_or_default();
            expect(!command.contains("${"), || format!("unresolved command {command}"))?;
            Ok(format!(
                "{}, {}",
                hook["source"].as_str().unwrap_or("?"),
                hook["trustStatus"].as_str().unwrap_or("?")
            ))
        })()
    });

    report.record(&host, "codex exec: session context in /v1/responses", {
        let args = ["exec", "--skip-git-repo-check", "--dangerously-bypass-hook-trust", PROMPT];
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
