//! The hosts the run drives, in one table ([`HOSTS`]), and how one host's package is checked.

mod claude;
mod codex;
mod copilot;
mod cursor;
mod droid;
mod gemini;
mod kimi;
mod opencode;
mod pi;

use super::checks::{Listed, agentskills, same_components};
use super::package::{Pack, not_carried, pack_meta, read_pack};
use super::report::{Check, Failure, Report, fail};
use super::setup::Ctx;
use super::space::Space;
use super::{Layout, UNIVERSAL, tools};
use crate::files::copy_tree;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A host with checks of its own.
pub(super) struct Host {
    /// The id of its spec in `targets/` (and of its package in the plugins tree).
    pub id: &'static str,
    /// Its CLI on the npm registry, pinned: `(package, version)`, installing a command named as
    /// the host. None: no CLI to drive. The hosts with a CLI are also the ones checked against
    /// the universal tree.
    pub cli: Option<(&'static str, &'static str)>,
    /// More npm packages it needs, installed beside the CLIs: `(package, version)`, where
    /// `{platform}` is npm's name for this OS and CPU (`linux-x64`, …).
    pub npm_extra: &'static [(&'static str, &'static str)],
    /// It runs on the pinned newer Node.js rather than the system's.
    pub needs_node: bool,
    /// Where its copy of the package goes.
    pub place: Place,
    /// Anything else to install into the cache (`target/e2e/cache`) before the checks.
    pub install: Option<Install>,
    /// Its checks, after agentskills on its own package: it sets up its space (configuration,
    /// environment), installs the package, and checks what its CLI shows and sends.
    pub check: fn(&mut Space, &Pack, &mut Report),
    /// How its CLI lists the installed package's commands, agents and MCP servers (after its
    /// checks, own package only): each kind it lists must be the pack's.
    pub components: Option<Lister>,
    /// How the sessions in which the model calls a tool drive it (see `tools.rs`), after its own
    /// checks, in both layouts. None: none run here.
    pub drive: Option<Drive>,
}

/// How a host is driven through sessions in which the fake model calls a tool.
pub(super) struct Drive {
    /// The command of a session that sends `prompt` and lets the model call `tool` (as the host
    /// names it): the flags that allow that tool without asking.
    pub session: fn(&Space, &str, &str) -> Command,
    /// Installs another package (`package`, holding `pack`) into the space as the host's own
    /// checks install the flagship: the guard pack.
    pub install: fn(&Space, &Path, &Pack) -> Check,
    /// Whether it runs the package's hooks (the skill-usage and guard checks need them): Ok(false)
    /// where it does not and the loss report says so, an error where the report does not.
    pub runs_hooks: fn(&Space, &Pack) -> Result<bool, Failure>,
    /// The pack's MCP tool as the model sees it (`{pack}`, `{server}`, `{tool}`): the round trip
    /// runs where it is set.
    pub mcp_tool: Option<&'static str>,
    /// How the model reads one of the pack's skills: the skill-usage check runs where it is set.
    pub read_skill: Option<SkillRead>,
    /// The host's shell tool: the guard check runs where it is set.
    pub shell: Option<&'static str>,
}

/// For [`Drive::runs_hooks`]: a host that runs every package's hooks.
fn runs_hooks(_: &Space, _: &Pack) -> Result<bool, Failure> {
    Ok(true)
}

/// How the model reads a skill.
pub(super) enum SkillRead {
    /// The read tool of this name on the package's SKILL.md (a host without one: its shell tool).
    File(&'static str),
    /// The skill tool of this name, with these arguments (JSON; `{pack}`, `{skill}`).
    Tool { name: &'static str, args: &'static str },
}

/// Lists the installed package's components through a host's CLI.
type Lister = fn(&Space, &Pack) -> Result<Listed, Failure>;

/// Installs something a host needs into the cache directory (`target/e2e/cache`).
type Install = fn(cache: &Path, host: &Host) -> Result<(), String>;

/// Where a host's copy of the package goes in its scratch directory.
pub(super) enum Place {
    /// `package/`.
    Package,
    /// `marketplace/<pack>/`: a host that names a local marketplace after its directory gets a
    /// copy named after the pack, as a clone of the pack's repository would be.
    Marketplace,
}

/// Every host with checks of its own, in the order they run. Every other host package (any
/// directory of the plugins tree named after a host spec in `targets/`) gets the agentskills
/// check, after these, in name order.
pub(super) const HOSTS: &[Host] = &[
    Host {
        id: "claude",
        cli: Some(("@anthropic-ai/claude-code", "2.1.332")),
        npm_extra: &[],
        needs_node: false,
        place: Place::Package,
        install: None,
        check: claude::check,
        components: Some(claude::components),
        drive: Some(claude::DRIVE),
    },
    Host {
        id: "codex",
        cli: Some(("@openai/codex", "0.171.0")),
        npm_extra: &[],
        needs_node: false,
        place: Place::Package,
        install: None,
        check: codex::check,
        components: Some(codex::components),
        drive: Some(codex::DRIVE),
    },
    Host {
        id: "opencode",
        cli: Some(("opencode-ai", "1.18.33")),
        npm_extra: &[],
        needs_node: false,
        place: Place::Package,
        install: Some(opencode::install_sdk),
        check: opencode::check,
        components: Some(opencode::components),
        drive: Some(opencode::DRIVE),
    },
    Host {
        id: "gemini",
        cli: Some(("@google/gemini-cli", "0.61.0")),
        npm_extra: &[],
        needs_node: false,
        place: Place::Package,
        install: None,
        check: gemini::check,
        components: Some(gemini::components),
        drive: Some(gemini::DRIVE),
    },
    Host {
        id: "copilot",
        cli: Some(("@github/copilot", "1.0.102")),
        npm_extra: &[],
        needs_node: false,
        place: Place::Package,
        install: None,
        check: copilot::check,
        components: Some(copilot::components),
        drive: Some(copilot::DRIVE),
    },
    Host {
        id: "droid",
        cli: Some(("@factory/cli", "0.225.1")),
        // 0.225.1 names `@factory/cli-<platform>@0.225.1` as its binary, a version the registry
        // does not have; its launcher runs whichever one is installed, and this one reports
        // 0.225.2.
        npm_extra: &[("@factory/cli-{platform}", "0.225.2")],
        needs_node: false,
        place: Place::Marketplace,
        install: None,
        check: droid::check,
        components: Some(droid::components),
        drive: None,
    },
    Host {
        id: "pi",
        cli: Some(("@earendil-works/pi-coding-agent", "1.6.0")),
        npm_extra: &[],
        // It asks for Node.js ≥ 22.19.
        needs_node: true,
        place: Place::Package,
        install: None,
        check: pi::check,
        components: Some(pi::components),
        drive: None,
    },
    Host {
        id: "kimi",
        cli: Some(("@moonshot-ai/kimi-code", "2.1.0")),
        npm_extra: &[],
        // It asks for Node.js ≥ 22.19.
        needs_node: true,
        place: Place::Package,
        install: None,
        check: kimi::check,
        components: Some(kimi::components),
        drive: None,
    },
    Host {
        id: "cursor",
        cli: None,
        npm_extra: &[],
        needs_node: false,
        place: Place::Package,
        install: None,
        check: cursor::check,
        components: None,
        drive: None,
    },
];

/// The host of [`HOSTS`] with this id.
fn find(id: &str) -> Option<&'static Host> {
    HOSTS.iter().find(|host| host.id == id)
}

/// Where a host's checks run among the others: its place in [`HOSTS`], or after them all.
pub(super) fn position(id: &str) -> usize {
    HOSTS.iter().position(|host| host.id == id).unwrap_or(HOSTS.len())
}

/// Checks the package of host `id` (one of [`HOSTS`] or any other host spec) in one layout:
/// agentskills on its own package, then the host's own checks.
pub(super) fn check(ctx: &Ctx, id: &str, layout: Layout, report: &mut Report) {
    let host = find(id);
    let (source, dir, label) = match layout {
        Layout::Host => (ctx.plugins.join(id), ctx.scratch.join(id), id.to_string()),
        Layout::Universal => (
            ctx.plugins.join(UNIVERSAL),
            ctx.scratch.join(format!("{id}-{UNIVERSAL}")),
            format!("{id} [{UNIVERSAL}]"),
        ),
    };
    let prepared = (|| -> Result<(Space, Pack), String> {
        let package = place(host, &source, &dir)?;
        let space = Space {
            ctx,
            layout,
            label: label.clone(),
            home: dir.join("home"),
            project: dir.join("project"),
            package,
            path: if host.is_some_and(|host| host.needs_node) { &ctx.node_path } else { &ctx.path },
            env: Vec::new(),
        };
        for d in [&space.home, &space.project] {
            fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
        }
        copy_tree(&source, &space.package)?;
        let pack = read_pack(id, &space.package)?;
        Ok((space, pack))
    })();
    let (mut space, pack) = match prepared {
        Ok(prepared) => prepared,
        Err(e) => return report.record(&label, "package layout", Err(fail(e))),
    };
    if layout == Layout::Host {
        report.record(&label, "agentskills validate", agentskills(&space, &pack));
    }
    // A host with no entry has no CLI to drive here: its skills are checked above.
    let Some(host) = host else { return };
    (host.check)(&mut space, &pack, report);
    if let (Some(list), Layout::Host) = (host.components, layout) {
        let report_md = fs::read_to_string(ctx.plugins.join("REPORT.md")).unwrap_or_default();
        let lost = not_carried(&report_md, id);
        let listed = list(&space, &pack).and_then(|listed| same_components(&ctx.components, &lost, &listed));
        report.record(&label, "its CLI lists the pack's commands, agents and MCP servers", listed);
    }
    let Some(drive) = &host.drive else { return };
    tools::check(&space, &pack, drive, report);
    match (drive.runs_hooks)(&space, &pack) {
        Ok(true) => {}
        Ok(false) => {
            let said = "it runs none of this package's hooks, and its loss report says so";
            return report.record(&label, "skill usage and guard: not run", Ok(said.into()));
        }
        Err(failure) => return report.record(&label, "skill usage and guard", Err(failure)),
    }
    tools::check_hooks(&space, &pack, drive, report);
    if let Some(shell) = drive.shell {
        // The guard pack, built in the same layout, installed beside the flagship.
        let source = ctx.guard.join(match layout {
            Layout::Host => id,
            Layout::Universal => UNIVERSAL,
        });
        let installed = (|| {
            let package = place(Some(host), &source, &dir.join("guard"))?;
            copy_tree(&source, &package)?;
            Ok::<_, String>((read_pack(id, &package)?, package))
        })()
        .map_err(fail)
        .and_then(|(guard, package)| (drive.install)(&space, &package, &guard).map(|_| guard));
        report.record(&label, "guard: a pack's pre-tool-use guard blocks a shell command", {
            installed.and_then(|_| tools::guard(&space, drive, shell))
        });
    }
}

/// Where the copy of the package in `source` goes under `dir` (see [`Place`]).
fn place(host: Option<&Host>, source: &Path, dir: &Path) -> Result<PathBuf, String> {
    Ok(match host.map(|host| &host.place) {
        Some(Place::Marketplace) => dir.join("marketplace").join(pack_meta(source)?.0),
        Some(Place::Package) | None => dir.join("package"),
    })
}

/// The universal tree's skills are shared by every host: agentskills checks them once, in place.
pub(super) fn universal_skills(ctx: &Ctx, report: &mut Report) {
    let tree = ctx.plugins.join(UNIVERSAL);
    let space = Space {
        ctx,
        layout: Layout::Universal,
        label: UNIVERSAL.to_string(),
        home: ctx.scratch.join(UNIVERSAL).join("home"),
        project: ctx.scratch.clone(),
        package: tree.clone(),
        path: &ctx.path,
        env: Vec::new(),
    };
    // Any host's session context will do: the check reads only the skills.
    let result = read_pack(HOSTS[0].id, &tree).map_err(fail).and_then(|pack| agentskills(&space, &pack));
    report.record(UNIVERSAL, "agentskills validate", result);
}
