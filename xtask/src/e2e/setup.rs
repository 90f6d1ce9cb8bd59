//! What a run needs before its first check: hosts, pinned clients, packages, scratch, model server.

use super::checks::Components;
use super::fake_model::Server;
use super::hosts::{self, HOSTS, Host};
use super::install;
use super::{Layout, Options, UNIVERSAL};
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

pub(super) struct Ctx {
    /// The host packages to check (directories of the plugins tree), in order.
    pub packages: Vec<String>,
    /// The hosts to check against the universal tree, in order (empty: none).
    pub universal: Vec<&'static Host>,
    /// `target/e2e/cache`: the pinned clients and whatever else the hosts keep between runs.
    pub cache: PathBuf,
    /// `node_modules/.bin` of the pinned npm install.
    pub npm_bin: PathBuf,
    /// PATH with the pinned Node.js first, for the hosts that need it.
    pub node_path: OsString,
    /// `pip install --target` directory holding skills-ref.
    pub pylib: PathBuf,
    pub plugins: PathBuf,
    /// The guard pack's packages (`target/e2e/guard-plugins/<host>/`, `…/universal/`).
    pub guard: PathBuf,
    /// The flagship's commands, agents and MCP servers: what hosts must list.
    pub components: Components,
    pub scratch: PathBuf,
    /// PATH for every child: the pinned CLIs first.
    pub path: OsString,
    pub server: Server,
}

impl Ctx {
    pub fn setup(root: &Path, options: &Options) -> Result<Ctx, String> {
        let known = known_hosts(root)?;
        if let Some(bad) = options.only.iter().flatten().find(|h| !known.contains(*h)) {
            let known: Vec<&str> = known.iter().map(String::as_str).collect();
            return Err(format!("unknown host `{bad}` in --only (hosts: {})", known.join(", ")));
        }
        let with_cli = || HOSTS.iter().filter(|host| host.cli.is_some());
        let universal: Vec<&'static Host> = if options.checks(Layout::Universal) {
            with_cli().filter(|host| options.wants(host.id)).collect()
        } else {
            Vec::new()
        };
        if universal.is_empty() && !options.checks(Layout::Host) {
            let hosts: Vec<&str> = with_cli().map(|host| host.id).collect();
            return Err(format!("--layout universal checks only hosts with a CLI: {}", hosts.join(", ")));
        }
        let cache = root.join("target/e2e/cache");
        let wanted: Vec<&'static Host> = HOSTS.iter().filter(|host| options.wants(host.id)).collect();
        let npm_dir = cache.join("npm");
        let node_dir = cache.join("node");
        install::clients(&npm_dir, &node_dir, &wanted)?;
        for host in &wanted {
            if let Some(more) = host.install {
                more(&cache, host)?;
            }
        }
        let pylib = cache.join("py");
        install::skills_ref(&pylib)?;
        let build = |out: &Path, source: Option<&Path>| -> Result<(), String> {
            if options.checks(Layout::Host) {
                install::build_plugins(root, out, None, source)?;
            }
            if !universal.is_empty() {
                install::build_plugins(root, out, Some("universal"), source)?;
            }
            Ok(())
        };
        let plugins = match &options.plugins {
            Some(dir) => fs::canonicalize(dir).map_err(|e| format!("--plugins {}: {e}", dir.display()))?,
            None => {
                let out = root.join("target/e2e/plugins");
                build(&out, None)?;
                out
            }
        };
        // The guard pack is always built here, with the same code path as the flagship.
        let guard = root.join("target/e2e/guard-plugins");
        build(&guard, Some(&root.join(GUARD_PACK)))?;
        let components = components(root)?;
        let packages =
            if options.checks(Layout::Host) { host_packages(&plugins, &known, options)? } else { Vec::new() };
        if !universal.is_empty() && !plugins.join(UNIVERSAL).join("integrity.json").is_file() {
            return Err(format!(
                "no universal tree in {} (build one with `cargo xtask build-plugins --layout universal`, \
                 or check only the host packages with --layout host)",
                plugins.join(UNIVERSAL).display()
            ));
        }
        let scratch = std::env::temp_dir().join(format!("skillwright-e2e-{}", std::process::id()));
        let _ = fs::remove_dir_all(&scratch);
        fs::create_dir_all(scratch.join("logs")).map_err(|e| format!("{}: {e}", scratch.display()))?;
        // Canonical, so paths the hosts print compare equal to ours (e.g. a symlinked /tmp).
        let scratch = fs::canonicalize(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
        let npm_bin = npm_dir.join("node_modules/.bin");
        let system_path: Vec<PathBuf> =
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).collect();
        let join = |first: &[PathBuf]| {
            std::env::join_paths(first.iter().chain(&system_path)).map_err(|e| format!("PATH: {e}"))
        };
        let path = join(std::slice::from_ref(&npm_bin))?;
        let node_path = join(&[node_dir.join("node_modules/.bin"), npm_bin.clone()])?;
        let server = Server::start(&scratch)?;
        eprintln!("e2e: fake model server on 127.0.0.1:{}; scratch {}", server.port, scratch.display());
        Ok(Ctx {
            packages,
            universal,
            cache,
            npm_bin,
            node_path,
            pylib,
            plugins,
            guard,
            components,
            scratch,
            path,
            server,
        })
    }
}

/// The source of the e2e guard pack.
const GUARD_PACK: &str = "xtask/e2e/packs/guard";

/// The flagship's components, from its source: `commands/*.md`, `agents/*.md`, `[mcp.*]`.
fn components(root: &Path) -> Result<Components, String> {
    let stems = |dir: &str| -> Result<BTreeSet<String>, String> {
        let dir = root.join(dir);
        let entries = fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        Ok(entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "md"))
            .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .collect())
    };
    let file = root.join("skillwright.toml");
    let text = fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    // `[mcp.<name>]` tables (the flagship declares its servers so).
    let mcp = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix("[mcp.")?.strip_suffix(']'))
        .map(|name| name.trim().trim_matches('"').to_string())
        .collect();
    Ok(Components { commands: stems("commands")?, agents: stems("agents")?, mcp })
}

/// The ids of the host specs in `targets/`.
fn known_hosts(root: &Path) -> Result<BTreeSet<String>, String> {
    let dir = root.join("targets");
    let entries = fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect())
}

/// The host packages of a plugins tree to check: those of [`HOSTS`] first, in its order, then
/// the rest by name.
fn host_packages(plugins: &Path, known: &BTreeSet<String>, options: &Options) -> Result<Vec<String>, String> {
    let entries = fs::read_dir(plugins).map_err(|e| format!("{}: {e}", plugins.display()))?;
    let mut found: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| known.contains(name))
        .collect();
    if let Some(only) = &options.only {
        if let Some(missing) = only.iter().find(|h| !found.contains(h)) {
            return Err(format!(
                "no {missing} package in {} (found: {})",
                plugins.display(),
                found.join(", ")
            ));
        }
        found.retain(|h| only.contains(h));
    }
    if found.is_empty() {
        return Err(format!("no host packages in {}", plugins.display()));
    }
    found.sort_by_key(|h| (hosts::position(h), h.clone()));
    Ok(found)
}
