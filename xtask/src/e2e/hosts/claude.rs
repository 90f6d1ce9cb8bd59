//! Claude Code: `plugin validate`, a local marketplace and `plugin install`, then `claude -p`.

use crate::e2e::checks::{context_sent, enabled_at_version, json_in, same_skills};
use crate::e2e::package::{Pack, marketplace_name};
use crate::e2e::report::{Report, expect, fail};
use crate::e2e::space::Space;
use crate::e2e::{PROMPT, QUICK, REPLY};
use serde_json::Value;
use std::collections::BTreeSet;

pub(super) fn check(mut space: Space, pack: &Pack, report: &mut Report) {
    let url = space.ctx.server.url();
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
            let manifest = &v["manifest"];
            expect(v["success"] == true, || "\"success\" is not true".into())?;
            for key in ["errors", "warnings"] {
                let list = manifest[key].as_array().cloned().unwrap_or_default();
                expect(list.is_empty(), || format!("manifest {key}: {}", Value::Array(list.clone())))?;
            }
            let seen: BTreeSet<String> = v["provides"]["skills"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|s| s.strip_prefix(&format!("{}:", pack.name)).unwrap_or(s).to_string())
                .collect();
            same_skills(&pack.skills, &seen)?;
            let hooks = v["provides"]["hooks"].as_array().cloned().unwrap_or_default();
            expect(hooks.len() == 1 && hooks[0]["event"] == "SessionStart", || {
                format!("expected one SessionStart hook, got {}", Value::Array(hooks.clone()))
            })?;
            out.require_success()?;
            Ok(format!("{} skills, 1 SessionStart hook", seen.len()))
        })()
    });

    let market = marketplace_name(&space.package.join(".claude-plugin/marketplace.json"), pack);
    let id = format!("{}@{market}", pack.name);
    report.record(&host, "plugin marketplace add + plugin install", {
        let add = space.run("marketplace-add", "claude", &["plugin", "marketplace", "add", &package], QUICK);
        (|| {
            add.require_success()?;
            let install = space.run("install", "claude", &["plugin", "install", &id, "--json"], QUICK);
            let v = install.json()?;
            expect(v["outcome"] == "ok", || format!("install outcome: {}", v["outcome"]))?;
            Ok(format!("{id}, scope {}", v["scope"].as_str().unwrap_or("?")))
        })()
    });

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
