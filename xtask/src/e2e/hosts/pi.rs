//! Pi: `pi install` and `pi list`, its skill commands over `--mode rpc`, then `pi -p`.

use crate::e2e::checks::{Listed, printed, replied_with_context, role_at, same_skills};
use crate::e2e::package::Pack;
use crate::e2e::process::exec;
use crate::e2e::report::{Failure, Report, expect, fail, truncate};
use crate::e2e::space::Space;
use crate::e2e::{PROMPT, QUICK};
use crate::files::write_in;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;

/// The `get_commands` answer of `pi --mode rpc`: its commands, and the run's output.
fn rpc_commands(space: &Space, label: &str) -> Result<(Vec<Value>, crate::e2e::process::Output), Failure> {
    let cmd = space.command_with("pi", &["--mode", "rpc"]);
    let out = exec(cmd, QUICK, &space.log(label), Some("{\"type\":\"get_commands\"}\n"));
    out.require_success()?;
    let answer = out
        .stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|v| v["command"] == "get_commands")
        .ok_or_else(|| Failure { reason: "no answer to get_commands".into(), tail: out.tail() })?;
    expect(answer["success"] == true, || format!("get_commands: {}", truncate(&answer.to_string(), 300)))?;
    let commands = answer["data"]["commands"].as_array().cloned().unwrap_or_default();
    Ok((commands, out))
}

/// Commands are the package's prompt templates among `get_commands`; Pi has no subagents, and
/// lists no MCP server an extension registers.
pub(super) fn components(space: &Space, pack: &Pack) -> Result<Listed, Failure> {
    let (commands, _) = rpc_commands(space, "components")?;
    let commands = commands
        .iter()
        .filter(|c| c["source"] == "prompt")
        .filter(|c| c["sourceInfo"]["baseDir"].as_str().is_some_and(|d| Path::new(d) == pack.root))
        .filter_map(|c| c["name"].as_str().map(String::from))
        .collect();
    Ok(Listed { commands: Some(commands), ..Listed::default() })
}

pub(super) fn check(space: &mut Space, pack: &Pack, report: &mut Report) {
    let host = space.label.clone();
    space.env = vec![("PI_OFFLINE".into(), "1".into())];
    // A provider of its own; Pi runs on the pinned Node.js 22 (see the host table).
    let models = json!({"providers": {"fake": {
        "baseUrl": format!("{}/v1", space.model_url()),
        "api": "openai-completions",
        "apiKey": "dummy",
        "models": [{"id": "fake-model"}],
    }}});
    if let Err(e) = write_in(&space.home.join(".pi/agent"), "models.json", models.to_string()) {
        return report.record(&host, "models.json", Err(fail(e.to_string())));
    }
    let package = space.package_str();

    report.record(&host, "pi install", {
        let out = space.run("install", "pi", &["install", &package], QUICK);
        (|| {
            out.require_success()?;
            printed(&out, &out.stdout, &format!("Installed {package}"))?;
            Ok(String::new())
        })()
    });

    report.record(&host, "pi list", {
        let out = space.run("list", "pi", &["list"], QUICK);
        (|| {
            out.require_success()?;
            let listed = out.stdout.lines().any(|l| l.trim() == package);
            expect(listed, || format!("{package} not listed")).map_err(|f| out.with_tail(f))?;
            Ok(String::new())
        })()
    });

    report.record(&host, "--mode rpc get_commands lists every skill", {
        (|| {
            let (commands, out) = rpc_commands(space, "rpc")?;
            let seen: BTreeSet<String> = commands
                .iter()
                .filter(|c| c["sourceInfo"]["baseDir"].as_str().is_some_and(|d| Path::new(d) == pack.root))
                .filter_map(|c| c["name"].as_str()?.strip_prefix("skill:").map(String::from))
                .collect();
            same_skills(&pack.skills, &seen)?;
            let problem = out.stderr.lines().find(|l| l.contains("Failed to load"));
            expect(problem.is_none(), || problem.unwrap_or_default().to_string())?;
            Ok(format!("{} skill commands from {}", seen.len(), pack.root.display()))
        })()
    });

    report.record(&host, "pi -p: session context in /v1/chat/completions", {
        let args = ["-p", "--model", "fake/fake-model", PROMPT];
        let (out, requests) = space.session("print", space.command_with("pi", &args));
        replied_with_context(
            &out,
            &requests,
            "/chat/completions",
            &pack.context,
            "in the system message",
            |b, p, _| role_at(b, p) == Some("system"),
        )
    });
}
