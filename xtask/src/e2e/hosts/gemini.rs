//! Gemini CLI: `extensions validate`, `install` and `list`, then `gemini -p` on the fake Gemini API.

use super::{Drive, SkillRead};
use crate::e2e::Layout;
use crate::e2e::checks::{Listed, context_sent, json_in, names, printed, same_skills};
use crate::e2e::package::Pack;
use crate::e2e::report::{Check, Failure, Report, expect, fail};
use crate::e2e::space::Space;
use crate::e2e::{PROMPT, QUICK, REPLY};
use crate::files::write_in;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

pub(super) const DRIVE: Drive = Drive {
    session,
    install,
    runs_hooks: super::runs_hooks,
    mcp_tool: Some("mcp_{server}_{tool}"),
    // Its read tool refuses paths outside the workspace: the model loads the skill by name.
    read_skill: Some(SkillRead::Tool { name: "activate_skill", args: r#"{"name": "{skill}"}"# }),
    shell: Some("run_shell_command"),
};

/// `gemini -p` in a trusted folder, with `tool` allowed (in `-p` a tool that would need
/// confirmation is not even offered to the model).
fn session(space: &Space, prompt: &str, tool: &str) -> Command {
    space.command_with("gemini", &["-p", prompt, "--skip-trust", "-o", "json", "--allowed-tools", tool])
}

/// `extensions install --consent`.
fn install(space: &Space, package: &Path, pack: &Pack) -> Check {
    let package = package.display().to_string();
    let out = space.run(
        &format!("{}-install", pack.name),
        "gemini",
        &["extensions", "install", &package, "--consent"],
        QUICK,
    );
    out.require_success()?;
    printed(&out, &format!("{}{}", out.stdout, out.stderr), "installed successfully")?;
    Ok(String::new())
}

/// The pack's entry in `extensions list -o json` (printed on stderr).
fn listed(space: &Space, pack: &Pack, label: &str) -> Result<Value, Failure> {
    let out = space.run(label, "gemini", &["extensions", "list", "-o", "json"], QUICK);
    out.require_success()?;
    let v = json_in(&out.stderr).or_else(|_| json_in(&out.stdout))?;
    let entry = v.as_array().into_iter().flatten().find(|e| e["name"] == pack.name.as_str()).cloned();
    entry.ok_or_else(|| out.with_tail(fail(format!("{} not listed", pack.name))))
}

/// Agents and MCP servers from `extensions list`; Gemini CLI lists no commands.
pub(super) fn components(space: &Space, pack: &Pack) -> Result<Listed, Failure> {
    let entry = listed(space, pack, "components")?;
    Ok(Listed {
        commands: None,
        agents: Some(names(&entry["agents"], "")),
        mcp: Some(names(&entry["mcpServers"], "")),
    })
}

pub(super) fn check(space: &mut Space, pack: &Pack, report: &mut Report) {
    space.env = vec![
        ("GOOGLE_GEMINI_BASE_URL".into(), space.model_url()),
        ("GEMINI_API_KEY".into(), "dummy".into()),
        // Without it `extensions install` asks on /dev/tty whether to trust the workspace.
        ("GEMINI_CLI_TRUST_WORKSPACE".into(), "true".into()),
    ];
    let host = space.label.clone();
    let settings = r#"{"security":{"auth":{"selectedType":"gemini-api-key"}}}"#;
    if let Err(e) = write_in(&space.home.join(".gemini"), "settings.json", settings) {
        return report.record(&host, "settings.json", Err(fail(e.to_string())));
    }
    let package = space.package_str();

    report.record(&host, "extensions validate", {
        let out = space.run("validate", "gemini", &["extensions", "validate", &package], QUICK);
        (|| {
            out.require_success()?;
            printed(&out, &format!("{}{}", out.stdout, out.stderr), "successfully validated")?;
            Ok(String::new())
        })()
    });

    report.record(&host, "extensions install --consent", install(space, &space.package, pack));

    report.record(&host, "extensions list -o json", {
        let installed = space.home.join(".gemini/extensions").join(&pack.name);
        (|| {
            let entry = &listed(space, pack, "list")?;
            expect(entry["isActive"] == true, || "not active".into())?;
            expect(entry["version"] == pack.version.as_str(), || format!("version {}", entry["version"]))?;
            let seen: BTreeSet<String> = entry["skills"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s["name"].as_str().or(s.as_str()).map(String::from))
                .collect();
            same_skills(&pack.skills, &seen)?;
            let commands: Vec<&str> = entry["hooks"]["SessionStart"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|group| group["hooks"].as_array().into_iter().flatten())
                .filter_map(|h| h["command"].as_str())
                .collect();
            expect(!commands.is_empty(), || "no SessionStart hook".into())?;
            let prefix = installed.display().to_string();
            for command in &commands {
                // The universal tree's shared hooks.json picks its root from whichever variable
                // the host sets (`${DROID_PLUGIN_ROOT}`, …, `${extensionPath}`): only Gemini's
                // own variable must have been replaced there.
                let resolved = match space.layout {
                    Layout::Host => !command.contains("${") && command.starts_with(&prefix),
                    Layout::Universal => !command.contains("${extensionPath}") && command.contains(&prefix),
                };
                expect(resolved, || format!("hook command {command:?} is not resolved into {prefix}"))?;
            }
            Ok(format!(
                "active, {} skills, {} SessionStart hook(s), ${{extensionPath}} resolved",
                seen.len(),
                commands.len()
            ))
        })()
    });

    report.record(&host, "gemini -p: session context in streamGenerateContent", {
        let args = ["-p", PROMPT, "--skip-trust", "-o", "json"];
        let (out, requests) = space.session("print", space.command_with("gemini", &args));
        (|| {
            let v = out.json()?;
            expect(v["response"] == REPLY, || format!("response {} (expected {REPLY:?})", v["response"]))?;
            context_sent(
                &requests,
                ":streamGenerateContent",
                &pack.context,
                "in <hook_context>",
                |_, _, s| s.contains(&format!("<hook_context>{}", pack.context)),
            )
            .map_err(|f| out.with_tail(f))
        })()
    });
}
