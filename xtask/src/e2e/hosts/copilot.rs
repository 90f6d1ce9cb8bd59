//! GitHub Copilot CLI: `--plugin-dir`, marketplace and install, then `copilot -p` on the fake model.

use crate::e2e::checks::{enabled_at_version, printed, replied_with_context, role_at, same_skills};
use crate::e2e::package::{Pack, marketplace_name};
use crate::e2e::process::Output;
use crate::e2e::report::{Failure, Report, expect, fail, truncate};
use crate::e2e::space::Space;
use crate::e2e::{PROMPT, QUICK};
use crate::files::link_dir;
use std::collections::BTreeSet;
use std::fs;

pub(super) fn check(space: Space, pack: &Pack, report: &mut Report) {
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
    // The skills Copilot says come from a plugin (its own built-in ones say "builtin").
    let plugin_skills = |out: &Output| -> Result<BTreeSet<String>, Failure> {
        let v = out.json()?;
        Ok(v.as_array()
            .into_iter()
            .flatten()
            .filter(|s| s["source"] == "plugin" && s["enabled"] != false)
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

    report.record(&host, "plugin marketplace add + plugin install", {
        let add = space.run("marketplace-add", "copilot", &["plugin", "marketplace", "add", &package], QUICK);
        (|| {
            add.require_success()?;
            printed(&add, &add.stdout, &format!("Marketplace \"{market}\" added"))?;
            let install = space.run("install", "copilot", &["plugin", "install", &id], QUICK);
            install.require_success()?;
            printed(&install, &install.stdout, &format!("Installed {} skills", pack.skills.len()))?;
            Ok(format!("{id}, {} skills", pack.skills.len()))
        })()
    });

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
        // Bring-your-own-model mode (COPILOT_OFFLINE and a provider URL) needs no GitHub sign-in;
        // it speaks OpenAI chat completions to the fake server.
        let mut cmd = space.command_with("copilot", &["-p", PROMPT, "--allow-all-tools"]);
        cmd.env("COPILOT_OFFLINE", "true")
            .env("COPILOT_PROVIDER_BASE_URL", format!("{}/v1", space.ctx.server.url()))
            .env("COPILOT_PROVIDER_API_KEY", "dummy")
            .env("COPILOT_MODEL", "gpt-4o");
        let (out, requests) = space.session("print", cmd);
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
