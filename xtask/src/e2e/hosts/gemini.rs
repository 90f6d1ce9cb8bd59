//! Gemini CLI: `extensions validate`, `install` and `list`, then `gemini -p` on the fake Gemini API.

use crate::e2e::Layout;
use crate::e2e::checks::{context_sent, json_in, printed, same_skills};
use crate::e2e::package::Pack;
use crate::e2e::report::{Report, expect, fail};
use crate::e2e::space::Space;
use crate::e2e::{PROMPT, QUICK, REPLY};
use crate::files::write_in;
use std::collections::BTreeSet;

pub(super) fn check(mut space: Space, pack: &Pack, report: &mut Report) {
    space.env = vec![
        ("GOOGLE_GEMINI_BASE_URL".into(), space.ctx.server.url()),
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

    report.record(&host, "extensions install --consent", {
        let out = space.run("install", "gemini", &["extensions", "install", &package, "--consent"], QUICK);
        (|| {
            out.require_success()?;
            printed(&out, &format!("{}{}", out.stdout, out.stderr), "installed successfully")?;
            Ok(String::new())
        })()
    });

    report.record(&host, "extensions list -o json", {
        // It prints the JSON on stderr.
        let out = space.run("list", "gemini", &["extensions", "list", "-o", "json"], QUICK);
        let installed = space.home.join(".gemini/extensions").join(&pack.name);
        (|| {
            out.require_success()?;
            let v = json_in(&out.stderr).or_else(|_| json_in(&out.stdout))?;
            let entry = v.as_array().into_iter().flatten().find(|e| e["name"] == pack.name.as_str());
            let entry = entry.ok_or_else(|| fail(format!("{} not listed", pack.name)))?;
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
