//! OpenCode: the package as a plugin in opencode.json, what it reports, then `opencode run`.

use super::{Drive, Host};
use crate::e2e::checks::{Listed, names, replied_with_context, role_at, same_skills};
use crate::e2e::install::npm_install;
use crate::e2e::package::{Pack, read_json};
use crate::e2e::report::{Check, Failure, Report, expect, fail};
use crate::e2e::space::Space;
use crate::e2e::{PROMPT, SLOW};
use crate::files::copy_tree;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

pub(super) const DRIVE: Drive = Drive {
    session,
    install,
    runs_hooks: super::runs_hooks,
    mcp_tool: Some("{server}_{tool}"),
    // Its read tool asks before reading outside the project (refused in `run`), and its skill
    // tool needs ripgrep, which it fetches online.
    read_skill: None,
    shell: Some("bash"),
};

/// `opencode run`: it asks about no tool.
fn session(space: &Space, prompt: &str, _tool: &str) -> Command {
    space.command_with("opencode", &["run", prompt])
}

/// One more plugin in the project's opencode.json.
fn install(space: &Space, package: &Path, _: &Pack) -> Check {
    let path = space.project.join("opencode.json");
    let mut config = read_json(&path).map_err(fail)?;
    let plugins = config["plugin"].as_array_mut().ok_or_else(|| fail("opencode.json has no plugin list"))?;
    plugins.push(json!(package.display().to_string()));
    fs::write(&path, format!("{config:#}")).map_err(|e| fail(format!("{}: {e}", path.display())))?;
    Ok(format!("plugins {}", config["plugin"]))
}

/// Commands, agents and MCP servers as `debug config` shows them once the plugins ran.
pub(super) fn components(space: &Space, _: &Pack) -> Result<Listed, Failure> {
    let out = space.run("components", "opencode", &["debug", "config"], SLOW);
    let v = out.json()?;
    Ok(Listed {
        commands: Some(names(&v["command"], "")),
        agents: Some(names(&v["agent"], "")),
        mcp: Some(names(&v["mcp"], "")),
    })
}

/// The package OpenCode installs into its config directory at start-up.
const SDK: &str = "@opencode-ai/plugin";

/// `npm install --prefix` directory holding OpenCode's plugin SDK, copied into its config dir.
fn seed(cache: &Path) -> PathBuf {
    cache.join("opencode-config")
}

/// OpenCode installs its plugin SDK (same version as itself) into its config directory when it
/// starts and finds none: about 10 s online, over a minute of retries offline. A pinned copy, put
/// in each fresh config directory, keeps its runs quick and offline.
pub(super) fn install_sdk(cache: &Path, host: &Host) -> Result<(), String> {
    let version = host.cli.map(|(_, version)| version).unwrap_or_default();
    npm_install(&seed(cache), &[(SDK.to_string(), version.to_string())])
}

pub(super) fn check(space: &mut Space, pack: &Pack, report: &mut Report) {
    space.env = vec![
        ("OPENCODE_DISABLE_MODELS_FETCH".into(), "1".into()),
        ("OPENCODE_DISABLE_AUTOUPDATE".into(), "1".into()),
    ];
    let host = space.label.clone();
    let package = space.package_str();
    let config = json!({
        "plugin": [package],
        "model": "fake/fake-model",
        "small_model": "fake/fake-model",
        "provider": {"fake": {
            "npm": "@ai-sdk/openai-compatible",
            "name": "Fake",
            "options": {"baseURL": format!("{}/v1", space.model_url()), "apiKey": "dummy"},
            "models": {"fake-model": {"name": "Fake model"}},
        }},
    });
    if let Err(e) = fs::write(space.project.join("opencode.json"), format!("{config:#}")) {
        return report.record(&host, "opencode.json", Err(fail(e.to_string())));
    }
    let config_dir = space.home.join(".config/opencode");
    let seed = seed(&space.ctx.cache);
    for name in ["package.json", "package-lock.json", "node_modules"] {
        if let Err(e) = copy_tree(&seed.join(name), &config_dir.join(name)) {
            return report.record(&host, "seed the config directory", Err(fail(e)));
        }
    }
    let skills_dir = pack.root.join("skills");

    report.record(&host, "debug skill lists every skill of the package", {
        let out = space.run("debug-skill", "opencode", &["debug", "skill"], SLOW);
        (|| {
            let v = out.json()?;
            let seen: BTreeSet<String> = v
                .as_array()
                .into_iter()
                .flatten()
                .filter(|s| s["location"].as_str().is_some_and(|l| Path::new(l).starts_with(&skills_dir)))
                .filter_map(|s| s["name"].as_str().map(String::from))
                .collect();
            same_skills(&pack.skills, &seen)?;
            Ok(format!("{} skills from {}", seen.len(), skills_dir.display()))
        })()
    });

    report.record(&host, "debug config shows the plugin's skills.paths", {
        let out = space.run("debug-config", "opencode", &["debug", "config"], SLOW);
        (|| {
            let v = out.json()?;
            let paths: Vec<&str> =
                v["skills"]["paths"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            expect(paths.iter().any(|p| Path::new(p) == skills_dir), || {
                format!("skills.paths {paths:?} lacks {}", skills_dir.display())
            })?;
            Ok(format!("skills.paths {paths:?}"))
        })()
    });

    report.record(&host, "opencode run: session context in /v1/chat/completions", {
        let (out, requests) = space.session("run", space.command_with("opencode", &["run", PROMPT]));
        replied_with_context(
            &out,
            &requests,
            "/chat/completions",
            &pack.context,
            "in a system message",
            |b, p, _| role_at(b, p) == Some("system"),
        )
    });
}
