//! Factory Droid: marketplace and install, then `droid exec` with a custom model from `--settings`.

use crate::e2e::checks::{Listed, context_sent, is_kebab, printed, role_at, same_skills, strings};
use crate::e2e::package::{Pack, read_json, skill_names};
use crate::e2e::report::{Failure, Report, expect, fail};
use crate::e2e::space::Space;
use crate::e2e::{PROMPT, QUICK, REPLY};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;

/// Agents ("custom droids") as the model is told of them in the `droid exec` session the checks
/// ran; MCP servers from `droid mcp list`. Droid lists no commands outside its TUI.
pub(super) fn components(space: &Space, _: &Pack) -> Result<Listed, Failure> {
    const DROIDS: &str = "Custom droids available";
    let records = space.ctx.server.records(&space.key(), 0);
    let text = records
        .iter()
        .flat_map(|r| strings(&r["body"]).into_iter().map(|(_, s)| s.to_string()).collect::<Vec<_>>())
        .find(|s| s.contains(DROIDS))
        .ok_or_else(|| fail(format!("no {DROIDS:?} in the model requests")))?;
    let agents = text
        .split_once(DROIDS)
        .map(|(_, rest)| rest)
        .unwrap_or_default()
        .lines()
        .skip(1)
        .map_while(|l| l.strip_prefix("- "))
        .filter_map(|l| l.split_once(':').map(|(name, _)| name.trim().to_string()))
        .collect();
    let out = space.run("mcp-list", "droid", &["mcp", "list"], QUICK);
    out.require_success()?;
    let mcp = out
        .stdout
        .lines()
        .filter(|l| l.contains("stdio") || l.contains("http"))
        .filter_map(|l| l.split_whitespace().next().map(String::from))
        .collect();
    Ok(Listed { commands: None, agents: Some(agents), mcp: Some(mcp) })
}

pub(super) fn check(space: &mut Space, pack: &Pack, report: &mut Report) {
    let host = space.label.clone();
    let package = space.package_str();
    // A local marketplace is named after its directory.
    let market = space.package.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let id = format!("{}@{market}", pack.name);

    report.record(&host, "plugin marketplace add + plugin install", {
        let add = space.run("marketplace-add", "droid", &["plugin", "marketplace", "add", &package], QUICK);
        (|| {
            add.require_success()?;
            printed(&add, &add.stdout, &format!("Successfully added marketplace: {market}"))?;
            let install = space.run("install", "droid", &["plugin", "install", &id], QUICK);
            install.require_success()?;
            printed(&install, &install.stdout, &format!("Successfully installed {id}"))?;
            Ok(id.clone())
        })()
    });

    report.record(&host, "plugin list; the installed copy has every skill", {
        let out = space.run("list", "droid", &["plugin", "list"], QUICK);
        (|| {
            out.require_success()?;
            let active = out.stdout.split_once("Active:").map(|(_, rest)| rest).unwrap_or_default();
            let listed = active.lines().any(|l| l.split_whitespace().next() == Some(id.as_str()));
            expect(listed, || format!("{id} is not listed as active")).map_err(|f| out.with_tail(f))?;
            let records = space.home.join(".factory/plugins/installed_plugins");
            let install_path = fs::read_dir(&records)
                .map_err(|e| fail(format!("{}: {e}", records.display())))?
                .filter_map(Result::ok)
                .filter_map(|e| read_json(&e.path()).ok())
                .find(|r| r["pluginId"] == id.as_str())
                .and_then(|r| r["entry"]["installPath"].as_str().map(PathBuf::from))
                .ok_or_else(|| fail(format!("no install record of {id} in {}", records.display())))?;
            let seen: BTreeSet<String> =
                skill_names(&install_path.join("skills")).map_err(fail)?.into_iter().collect();
            same_skills(&pack.skills, &seen)?;
            let hooks = install_path.join("hooks/hooks.json");
            expect(hooks.is_file(), || format!("no {}", hooks.display()))?;
            Ok(format!(
                "{id} active; {} skills and hooks/hooks.json in {}",
                seen.len(),
                install_path.display()
            ))
        })()
    });

    // A custom (bring-your-own-key) model, in a settings file given with --settings.
    let settings = space.home.join("e2e-settings.json");
    let written = fs::write(
        &settings,
        json!({
            // Without it every run waits 5 s for a cloud sync that cannot reach its server.
            "cloudSessionSync": false,
            "customModels": [{
                "model": "fake-model",
                "displayName": "Fake",
                "baseUrl": format!("{}/v1", space.model_url()),
                "apiKey": "dummy",
                "provider": "generic-chat-completion-api",
                "maxOutputTokens": 1000,
            }],
        })
        .to_string(),
    );
    if let Err(e) = written {
        return report.record(&host, "settings file", Err(fail(format!("{}: {e}", settings.display()))));
    }
    let settings = settings.display().to_string();
    // `custom:<displayName>-<index>`; without the built-in skills only the plugin's are listed.
    let args = [
        "exec",
        "--settings",
        &settings,
        "-m",
        "custom:Fake-0",
        "--disable-builtin-skills",
        "-o",
        "json",
        PROMPT,
    ];
    // One session serves the two checks below.
    let (out, requests) = space.session("exec", space.command_with("droid", &args));
    let ran = (|| -> Result<Vec<Value>, Failure> {
        let v = out.json()?;
        expect(v["result"] == REPLY, || format!("result {} (expected {REPLY:?})", v["result"]))
            .map_err(|f| out.with_tail(f))?;
        Ok(requests)
    })();

    report.record(&host, "droid exec: \"Available skills\" lists every skill", {
        (|| {
            let requests = ran.as_ref().map_err(Failure::clone)?;
            let texts: Vec<String> = requests
                .iter()
                .filter(|r| r["path"].as_str().is_some_and(|p| p.contains("/chat/completions")))
                .flat_map(|r| strings(&r["body"]).into_iter().map(|(_, s)| s.to_string()).collect::<Vec<_>>())
                .filter(|s| s.contains("Available skills"))
                .collect();
            let text = texts.first().ok_or_else(|| fail("no \"Available skills\" in the model requests"))?;
            let seen: BTreeSet<String> = text
                .split_once("Available skills")
                .map(|(_, rest)| rest)
                .unwrap_or_default()
                .lines()
                .skip(1)
                .take_while(|l| !l.starts_with("</"))
                .filter_map(|l| l.split_once(':').map(|(name, _)| name.trim().to_string()))
                .filter(|name| is_kebab(name))
                .collect();
            same_skills(&pack.skills, &seen)?;
            Ok(format!("{} skills", seen.len()))
        })()
    });

    report.record(&host, "droid exec: session context in /v1/chat/completions", {
        ran.and_then(|requests| {
            context_sent(&requests, "/chat/completions", &pack.context, "in a user message", |b, p, _| {
                role_at(b, p) == Some("user")
            })
            .map_err(|f| out.with_tail(f))
        })
    });
}
