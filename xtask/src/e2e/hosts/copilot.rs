//! GitHub Copilot CLI: `--plugin-dir`, marketplace and install, then `copilot -p` on the fake model.

use super::{Drive, SkillRead};
use crate::e2e::checks::{
    Listed, enabled_at_version, names, printed, replied_with_context, role_at, same_skills,
};
use crate::e2e::package::{Pack, marketplace_name};
use crate::e2e::process::Output;
use crate::e2e::report::{Check, Failure, Report, expect, fail, truncate};
use crate::e2e::space::Space;
use crate::e2e::{PROMPT, QUICK};
use crate::files::link_dir;
use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::Command;

pub(super) const DRIVE: Drive = Drive {
    session,
    install,
    runs_hooks: super::runs_hooks,
    mcp_tool: Some("{server}-{tool}"),
    // Its read tool refuses paths outside the workspace in `-p`: the model loads the skill by name.
    read_skill: Some(SkillRead::Tool { name: "skill", args: r#"{"skill": "{skill}"}"# }),
    shell: Some("bash"),
};

/// `copilot -p` with every tool allowed, in bring-your-own-model mode (`COPILOT_OFFLINE` and a
/// provider URL), which needs no GitHub sign-in and speaks OpenAI chat completions.
fn session(space: &Space, prompt: &str, _tool: &str) -> Command {
    let mut cmd = space.command_with("copilot", &["-p", prompt, "--allow-all-tools"]);
    cmd.env("COPILOT_OFFLINE", "true")
        .env("COPILOT_PROVIDER_BASE_URL", format!("{}/v1", space.model_url()))
        .env("COPILOT_PROVIDER_API_KEY", "dummy")
        .env("COPILOT_MODEL", "gpt-4o");
    cmd
}

/// `plugin marketplace add` and `plugin install`.
fn install(space: &Space, package: &Path, pack: &Pack) -> Check {
    let market = marketplace_name(&package.join(".github/plugin/marketplace.json"), pack);
    let id = format!("{}@{market}", pack.name);
    let package = package.display().to_string();
    let label = format!("{}-install", pack.name);
    let add =
        space.run(&format!("{label}-market"), "copilot", &["plugin", "marketplace", "add", &package], QUICK);
    add.require_success()?;
    printed(&add, &add.stdout, &format!("Marketplace \"{market}\" added"))?;
    let install = space.run(&label, "copilot", &["plugin", "install", &id], QUICK);
    install.require_success()?;
    printed(&install, &install.stdout, &format!("Installed {} skill", pack.skills.len()))?;
    Ok(format!("{id}, {} skills", pack.skills.len()))
}

/// Commands are the plugin skills read from its `commands/`; MCP servers from `mcp list --json`;
/// agents only show in a session, as the task tool's agent types (`<pack>:<agent>`), here those
/// of the `-p` session the checks ran.
pub(super) fn components(space: &Space, pack: &Pack) -> Result<Listed, Failure> {
    let out = space.run("components-skills", "copilot", &["skill", "list", "--json"], QUICK);
    let commands = out
        .json()?
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["source"] == "plugin")
        .filter(|s| s["path"].as_str().is_some_and(|p| Path::new(p).ends_with("commands")))
        .filter_map(|s| s["name"].as_str().map(String::from))
        .collect();
    let out = space.run("components-mcp", "copilot", &["mcp", "list", "--json"], QUICK);
    let mcp = names(&out.json()?["mcpServers"], "");
    let prefix = format!("{}:", pack.name);
    let records = space.ctx.server.records(&space.key(), 0);
    let agents = records
        .iter()
        .flat_map(|r| r["body"]["tools"].as_array().cloned().unwrap_or_default())
        .filter_map(|t| t["function"]["parameters"]["properties"]["agent_type"]["enum"].as_array().cloned())
        .flatten()
        .filter_map(|a| a.as_str().and_then(|a| a.strip_prefix(&prefix)).map(String::from))
        .collect();
    Ok(Listed { commands: Some(commands), agents: Some(agents), mcp: Some(mcp) })
}

pub(super) fn check(space: &mut Space, pack: &Pack, report: &mut Report) {
    let host = space.label.clone();
    // The CLI unpacks its runtime (235 MB) into ~/.cache/copilot/pkg/<platform>/<version> at the
    // first run in each HOME; one shared copy in the cache spares every run that second or two.
    let shared = space.ctx.cache.join("copilot-pkg");
    let pkg = space.home.join(".cache/copilot/pkg");
    let linked = fs::create_dir_all(&shared)
        .and_then(|()| fs::create_dir_all(space.home.join(".cache/copilot")))
        .and_then(|()| link_dir(&shared, &pkg));
    if let Err(e) = linked {
        return report.record(
            &host,
            "share the unpacked runtime",
            Err(fail(format!("{}: {e}", pkg.display()))),
        );
    }
    let package = space.package_str();
    let market = marketplace_name(&space.package.join(".github/plugin/marketplace.json"), pack);
    let id = format!("{}@{market}", pack.name);
    // The skills Copilot says come from a plugin (its own built-in ones say "builtin"), but for
    // the plugin's commands, which it lists as skills too (see `components`).
    let plugin_skills = |out: &Output| -> Result<BTreeSet<String>, Failure> {
        let v = out.json()?;
        Ok(v.as_array()
            .into_iter()
            .flatten()
            .filter(|s| s["source"] == "plugin" && s["enabled"] != false)
            .filter(|s| !s["path"].as_str().is_some_and(|p| Path::new(p).ends_with("commands")))
            .filter_map(|s| s["name"].as_str().map(String::from))
            .collect())
    };

    report.record(&host, "--plugin-dir: plugin list --json", {
        let out = space.run(
            "dir-plugins",
            "copilot",
            &["--plugin-dir", &package, "plugin", "list", "--json"],
            QUICK,
        );
        (|| {
            let v = out.json()?;
            let entry = v.as_array().into_iter().flatten().find(|p| p["name"] == pack.name.as_str());
            let entry = entry.ok_or_else(|| fail(format!("{} not listed", pack.name)))?;
            enabled_at_version(entry, &pack.name, pack)?;
            expect(out.stderr.trim().is_empty(), || format!("stderr: {}", truncate(out.stderr.trim(), 300)))?;
            Ok(format!("{} {} enabled, nothing on stderr", pack.name, pack.version))
        })()
    });

    report.record(&host, "--plugin-dir: skill list --json lists every skill", {
        let out =
            space.run("dir-skills", "copilot", &["--plugin-dir", &package, "skill", "list", "--json"], QUICK);
        (|| {
            let seen = plugin_skills(&out)?;
            same_skills(&pack.skills, &seen)?;
            expect(out.stderr.trim().is_empty(), || format!("stderr: {}", truncate(out.stderr.trim(), 300)))?;
            Ok(format!("{} plugin skills", seen.len()))
        })()
    });

    report.record(&host, "plugin marketplace add + plugin install", install(space, &space.package, pack));

    report.record(&host, "plugin list --json", {
        let out = space.run("list", "copilot", &["plugin", "list", "--json"], QUICK);
        (|| {
            let v = out.json()?;
            let entry = v
                .as_array()
                .into_iter()
                .flatten()
                .find(|p| p["name"] == pack.name.as_str() && p["marketplace"] == market.as_str());
            let entry = entry.ok_or_else(|| fail(format!("{id} not listed")))?;
            enabled_at_version(entry, &id, pack)?;
            Ok(format!("{id} {} enabled, {}", pack.version, entry["source"].as_str().unwrap_or("?")))
        })()
    });

    report.record(&host, "skill list --json lists every skill", {
        let out = space.run("skills", "copilot", &["skill", "list", "--json"], QUICK);
        (|| {
            let seen = plugin_skills(&out)?;
            same_skills(&pack.skills, &seen)?;
            Ok(format!("{} plugin skills", seen.len()))
        })()
    });

    report.record(&host, "copilot -p: session context in /v1/chat/completions", {
        let (out, requests) = space.session("print", session(space, PROMPT, ""));
        replied_with_context(
            &out,
            &requests,
            "/chat/completions",
            &pack.context,
            "in a user message",
            |b, p, _| role_at(b, p) == Some("user"),
        )
    });
}
