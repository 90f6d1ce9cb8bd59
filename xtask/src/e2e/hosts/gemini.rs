//! Gemini CLI: `extensions validate`, `install` and `list`, then `gemini -p` on the fake Gemini API.

use super::{Drive, SkillRead};
use crate::e2e::Layout;
use crate::e2e::checks::{Listed, context_sent, json_in, names, printed, same_skills, strings};
use crate::e2e::package::{Pack, host_losses, universal_losses};
use crate::e2e::report::{Check, Failure, Report, expect, fail, truncate};
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

    // Gemini CLI lists no commands: one is run instead, in the interactive CLI, where its
    // prompt must reach the model; headless, the loss report says what becomes of it.
    let what = "gemini -i /<command> in a terminal: its prompt reaches the model with the arguments";
    report.record(&host, what, command_runs(space, pack));
    let what = "gemini -p /<command>: sent as text, as the loss report says";
    report.record(&host, what, headless_command(space, pack));
}

/// The package's first command (`commands/<name>.toml`): its name, and the line of its prompt
/// that holds `{{args}}`, with `args` in its place. (Each session sends arguments of its own, so
/// that no request of another can pass for one of its own.)
fn first_command(pack: &Pack, args: &str) -> Result<(String, String), Failure> {
    let dir = pack.root.join("commands");
    let mut tomls: Vec<_> = std::fs::read_dir(&dir)
        .map_err(|e| fail(format!("{}: {e}", dir.display())))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    tomls.sort();
    let file = tomls.first().ok_or_else(|| fail(format!("no command in {}", dir.display())))?;
    let name = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let text = std::fs::read_to_string(file).map_err(|e| fail(format!("{}: {e}", file.display())))?;
    let line = text
        .lines()
        .find(|l| l.contains("{{args}}"))
        .ok_or_else(|| fail(format!("{name}: no {{{{args}}}}")))?;
    Ok((name, line.replace("{{args}}", args)))
}

/// Whether a recorded model request holds `text` in one of its strings.
fn holds(request: &Value, text: &str) -> bool {
    strings(&request["body"]).iter().any(|(_, s)| s.contains(text))
}

/// `gemini -i "/<command> ARGS"` in a terminal (`script(1)` gives it one): the interactive CLI
/// runs the command, and a model request must hold its prompt with the arguments in place. The
/// session does not end by itself: it is stopped once that request is seen (script(1) starts
/// gemini in a session of its own on the terminal, whose hangup ends it when script is killed).
fn command_runs(space: &Space, pack: &Pack) -> Check {
    const ARGS: &str = "E2E-COMMAND-ARGS";
    let (name, expanded) = first_command(pack, ARGS)?;
    let prompt = format!("/{name} {ARGS}");
    let line =
        format!("stty cols 200 rows 50 2>/dev/null; exec gemini -i {} --skip-trust", sh_quote(&prompt));
    let mut cmd = space.command_with("script", &["-q", "-e", "-c", &line, "/dev/null"]);
    cmd.env("TERM", "xterm-256color");
    let wanted = |r: &Value| holds(r, &expanded);
    let (out, requests) = space.session_until("command", cmd, &wanted);
    if out.did_not_start() {
        return Err(fail("script(1) (util-linux) is needed to give gemini a terminal"));
    }
    let sent = requests.iter().any(wanted);
    expect(sent, || format!("no model request holds {:?} ({})", truncate(&expanded, 80), out.status_text()))
        .map_err(|f| out.with_tail(f))?;
    Ok(format!("/{name}: {:?}", truncate(&expanded, 70)))
}

/// `gemini -p "/<command> ARGS"`: headless, Gemini CLI puts the SessionStart context before the
/// prompt, which then no longer starts with `/`, so the command line goes to the model as text.
/// The loss report must say so, and the session must show it (when Gemini CLI runs the command
/// here, the loss line is stale and this fails).
fn headless_command(space: &Space, pack: &Pack) -> Check {
    let lines = match space.layout {
        Layout::Host => host_losses(&space.ctx.plugins, "gemini"),
        Layout::Universal => universal_losses(&space.ctx.plugins, "Gemini CLI"),
    };
    let said = lines.iter().find(|l| l.contains("gemini -p")).ok_or_else(|| {
        fail(format!("the loss report does not say what `gemini -p /<command>` does: {lines:?}"))
    })?;
    const ARGS: &str = "E2E-HEADLESS-ARGS";
    let (name, expanded) = first_command(pack, ARGS)?;
    let prompt = format!("/{name} {ARGS}");
    let args = ["-p", &prompt, "--skip-trust", "-o", "json"];
    let (out, requests) = space.session("command-headless", space.command_with("gemini", &args));
    out.require_success()?;
    let as_text = requests.iter().any(|r| holds(r, &prompt));
    let run = requests.iter().any(|r| holds(r, &expanded));
    expect(as_text && !run, || {
        format!("expected {prompt:?} sent as text and not run (sent as text: {as_text}, run: {run})")
    })
    .map_err(|f| out.with_tail(f))?;
    Ok(format!("the loss report says: {}", truncate(said, 80)))
}

/// `text` as one word of a POSIX shell command line.
fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}
