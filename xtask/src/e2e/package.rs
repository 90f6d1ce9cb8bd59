//! What a built package says about itself (pack, version, skills, context): what hosts must see.

use super::checks::{Components, strings};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};

pub(super) struct Pack {
    pub name: String,
    pub version: String,
    /// The plugin root in the copy (the directory holding integrity.json).
    pub root: PathBuf,
    /// Names of the skills in `root/skills/`, sorted.
    pub skills: Vec<String>,
    /// The first line of the pre-rendered session context (`hooks/static/<host>`): the text the
    /// live hook must deliver to the model.
    pub context: String,
}

/// The pack a package holds, with `host`'s session context.
pub(super) fn read_pack(host: &str, package: &Path) -> Result<Pack, String> {
    let (name, version, integrity) = pack_meta(package)?;
    let root = integrity.parent().unwrap_or(package).to_path_buf();
    let skills_dir = root.join("skills");
    let skills = skill_names(&skills_dir)?;
    if skills.is_empty() {
        return Err(format!("no skills in {}", skills_dir.display()));
    }
    let static_context = root.join("hooks/static").join(host);
    let text =
        fs::read_to_string(&static_context).map_err(|e| format!("{}: {e}", static_context.display()))?;
    // JSON-shaped payloads hold the context as their one long string.
    let text = match serde_json::from_str::<Value>(&text) {
        Ok(value) => strings(&value)
            .into_iter()
            .map(|(_, s)| s)
            .max_by_key(|s| s.len())
            .unwrap_or_default()
            .to_string(),
        Err(_) => text,
    };
    let context = text.lines().next().unwrap_or_default().trim().to_string();
    if context.is_empty() {
        return Err(format!("{}: empty context", static_context.display()));
    }
    Ok(Pack { name, version, root, skills, context })
}

/// The pack's name and version, from the first integrity.json of a package, and that file.
pub(super) fn pack_meta(package: &Path) -> Result<(String, String, PathBuf), String> {
    let integrity = walkdir::WalkDir::new(package)
        .max_depth(4)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.file_name() == "integrity.json")
        .ok_or("no integrity.json in the package")?
        .into_path();
    let meta = read_json(&integrity)?;
    let field = |key: &str| {
        meta[key].as_str().map(String::from).ok_or(format!("{}: no \"{key}\"", integrity.display()))
    };
    Ok((field("pack")?, field("version")?, integrity))
}

/// The names of the skills (directories holding a SKILL.md) in a `skills/` directory, sorted.
pub(super) fn skill_names(skills_dir: &Path) -> Result<Vec<String>, String> {
    let mut skills: Vec<String> = fs::read_dir(skills_dir)
        .map_err(|e| format!("{}: {e}", skills_dir.display()))?
        .filter_map(Result::ok)
        .filter(|e| e.path().join("SKILL.md").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    skills.sort();
    Ok(skills)
}

/// The `name` of a marketplace manifest in the package, or (none there) the pack's name.
pub(super) fn marketplace_name(manifest: &Path, pack: &Pack) -> String {
    read_json(manifest)
        .ok()
        .and_then(|m| m["name"].as_str().map(String::from))
        .unwrap_or_else(|| pack.name.clone())
}

pub(super) fn read_json(path: &Path) -> Result<Value, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The lines of the universal tree's loss report (`REPORT-universal.md` of a plugins tree) about
/// the host named `display`, without that name.
pub(super) fn universal_losses(plugins: &Path, display: &str) -> Vec<String> {
    let report = fs::read_to_string(plugins.join("REPORT-universal.md")).unwrap_or_default();
    let prefix = format!("- {display}: ");
    report.lines().filter_map(|l| l.strip_prefix(&prefix)).map(String::from).collect()
}

/// The lines of the loss report (`REPORT.md` of a plugins tree) about `host`'s own package,
/// without their `- `.
pub(super) fn host_losses(plugins: &Path, host: &str) -> Vec<String> {
    let report = fs::read_to_string(plugins.join("REPORT.md")).unwrap_or_default();
    section(&report, host).lines().filter_map(|l| l.strip_prefix("- ")).map(String::from).collect()
}

/// The section of a loss report about `host` (`## Display (`host`)`), or "".
fn section<'r>(report: &'r str, host: &str) -> &'r str {
    let heading = format!("(`{host}`)");
    report
        .split("\n## ")
        .find(|s| s.lines().next().is_some_and(|l| l.trim_end().ends_with(&heading)))
        .unwrap_or_default()
}

/// What the loss report (`REPORT.md` of a plugins tree) says `host`'s package does not carry of
/// the pack's commands, agents and MCP servers: lines such as "2 agents not carried: … (`a`,
/// `b`)" or "MCP server `x` not carried: …" in the host's section.
pub(super) fn not_carried(report: &str, host: &str) -> Components {
    let mut lost = Components::default();
    for line in section(report, host).lines().filter(|l| l.starts_with("- ") && l.contains(" not carried")) {
        let (head, _) = line.split_once(" not carried").unwrap_or_default();
        let kind = match () {
            _ if head.contains("command") => &mut lost.commands,
            _ if head.contains("agent") => &mut lost.agents,
            _ if head.contains("MCP server") => &mut lost.mcp,
            _ => continue,
        };
        kind.extend(line.split('`').skip(1).step_by(2).map(String::from));
    }
    lost
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_loss_report_names_what_a_host_lacks() {
        let report = "# Loss report\n\n## Pi (`pi`)\n\n- 2 agents not carried: Pi has none (`a`, `b`)\n\
            - MCP server `m` not carried: no root\n\n## Other (`other`)\n\n- 1 command not carried: (`c`)\n";
        let lost = not_carried(report, "pi");
        assert_eq!(lost.agents.into_iter().collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(lost.mcp.into_iter().collect::<Vec<_>>(), ["m"]);
        assert!(lost.commands.is_empty());
        assert!(not_carried(report, "none").agents.is_empty());
    }
}
