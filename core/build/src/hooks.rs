//! Checking a pack's hooks (`[[hooks]]` in `skillwright.toml`) and reading the scripts they run.

use crate::packfile::PackFile;
use crate::validate::Hosts;
use skillwright_model::component::{Action, EVENTS, HANDLERS, Hook, MAX_HOOK_TIMEOUT, TOOL_EVENTS, TOOLS};
use skillwright_model::diag::Diagnostic;
use skillwright_model::fsio::{Links, read_bounded};
use std::collections::BTreeMap;
use std::path::Path;

/// Largest hook script shipped.
pub const MAX_SCRIPT: u64 = 1024 * 1024;

/// Checks every hook and returns the scripts they run (path relative to `dir` → bytes). Every
/// problem becomes a diagnostic at the hook's declaration in `file`.
pub fn check(
    hooks: &[Hook],
    pack: &PackFile,
    hosts: &Hosts,
    dir: &Path,
    file: &str,
    diags: &mut Vec<Diagnostic>,
) -> BTreeMap<String, Vec<u8>> {
    let mut scripts = BTreeMap::new();
    for h in hooks {
        let at = format!("hooks[{}]", h.index);
        let mut push = |code, field: &str, msg: String| {
            diags.push(pack.diagnostic(file, code, &format!("{at}.{field}"), msg))
        };
        let event = h.event.as_str();
        if !EVENTS.contains(&event) {
            push(
                "SW461",
                "event",
                format!(
                    "unknown hook event `{}`; the events are: {}",
                    skillwright_model::text::one_line(event, 64),
                    EVENTS.join(", ")
                ),
            );
            continue;
        }
        let supported: Vec<&str> = hosts
            .targets()
            .iter()
            .filter(|t| t.events.contains_key(event))
            .map(|t| t.display.as_str())
            .collect();
        if supported.is_empty() && !hosts.targets().is_empty() {
            push("SW461", "event", format!("no host runs hooks on `{event}`"));
        }
        if !h.tools.is_empty() && !TOOL_EVENTS.contains(&event) {
            push(
                "SW462",
                "tools",
                format!("`tools` applies to tool events only ({}), not to `{event}`", TOOL_EVENTS.join(", ")),
            );
        }
        for tool in &h.tools {
            if !TOOLS.contains(&tool.as_str()) {
                push(
                    "SW462",
                    "tools",
                    format!(
                        "unknown tool `{}`; the tools are: {}",
                        skillwright_model::text::one_line(tool, 40),
                        TOOLS.join(", ")
                    ),
                );
            }
        }
        if h.timeout == 0 || h.timeout > MAX_HOOK_TIMEOUT {
            push(
                "SW465",
                "timeout",
                format!("timeout {} s is out of range: 1 to {MAX_HOOK_TIMEOUT} seconds", h.timeout),
            );
        }
        match &h.action {
            Action::Handler(name) if !HANDLERS.contains(&name.as_str()) => push(
                "SW464",
                "handler",
                format!(
                    "unknown handler `{}`; the built-in handlers are: {}",
                    skillwright_model::text::one_line(name, 40),
                    HANDLERS.join(", ")
                ),
            ),
            Action::Handler(_) => {}
            Action::Run(path) => match script(dir, path) {
                Ok(bytes) => {
                    scripts.insert(path.clone(), bytes);
                }
                Err(why) => push(
                    "SW463",
                    "run",
                    format!("hook script `{}`: {why}", skillwright_model::text::one_line(path, 120)),
                ),
            },
        }
    }
    scripts
}

/// The bytes of the script at `rel` inside `dir`, or why it cannot be shipped.
fn script(dir: &Path, rel: &str) -> Result<Vec<u8>, String> {
    let parts: Vec<&str> = rel.split('/').collect();
    if rel.starts_with('/')
        || rel.contains('\\')
        || parts.iter().any(|p| p.is_empty() || *p == "." || *p == "..")
    {
        return Err("must be a relative path inside the pack, like hooks/scripts/guard.sh".into());
    }
    if !skillwright_model::integrity::safe_rel_path(rel) {
        return Err("is not a portable path".into());
    }
    if let Some(link) = skillwright_model::fsio::symlink_on_path(dir, rel) {
        let shown = skillwright_model::text::one_line(&link.display().to_string(), 200);
        return Err(format!("is reached through the symlink {shown}: ship the script itself"));
    }
    let path = dir.join(rel);
    let bytes = read_bounded(&path, MAX_SCRIPT, Links::Refuse).map_err(|e| match e {
        e if e.is_not_found() => format!("no such file {}", path.display()),
        e => e.to_string(),
    })?;
    if !bytes.starts_with(b"#!") {
        return Err("does not start with `#!` (say which interpreter runs it)".into());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).map(|m| m.permissions().mode()).unwrap_or(0);
        if mode & 0o111 == 0 {
            return Err(format!("is not executable: run `chmod +x {rel}`"));
        }
    }
    Ok(bytes)
}
