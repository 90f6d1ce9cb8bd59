//! Semantic rules over a parsed [`SkillSet`]: names, lengths, versions, links, duplicates.

use skillwright_model::diag::Diagnostic;
use skillwright_model::skill::{SKILLWRIGHT_KEYS, STANDARD_KEYS, Skill, SkillSet};
use skillwright_model::source::LineIndex;
use std::collections::{BTreeMap, BTreeSet};

/// Maximum `name` length (characters).
pub use skillwright_model::names::MAX_NAME;
/// Maximum `description` length (characters).
pub const MAX_DESCRIPTION: usize = 1024;
/// Maximum `compatibility` length (characters).
pub const MAX_COMPATIBILITY: usize = 500;

/// What the hosts a pack is built for read, from their target specs: validation judges a source
/// against these, so a custom target's keys are as known as a built-in one's.
#[derive(Debug, Clone, Default)]
pub struct Hosts {
    /// Frontmatter keys at least one host reads.
    pub skill_keys: BTreeSet<String>,
    /// Command frontmatter keys at least one host reads.
    pub command_keys: BTreeSet<String>,
    /// Agent frontmatter keys at least one host reads.
    pub agent_keys: BTreeSet<String>,
    /// The hosts' specs, for checks that name hosts or need each one's vocabulary.
    pub targets: Vec<crate::target::Target>,
}

impl Hosts {
    /// What the hosts of `targets` read.
    pub fn of<'a>(targets: impl IntoIterator<Item = &'a crate::target::Target>) -> Hosts {
        let mut h = Hosts::default();
        for t in targets {
            h.skill_keys.extend(t.skill_keys.iter().cloned());
            h.command_keys.extend(t.commands.iter().flat_map(|c| c.keys.iter().cloned()));
            h.agent_keys.extend(t.agents.iter().flat_map(|a| a.keys.iter().cloned()));
            h.targets.push(t.clone());
        }
        h
    }

    /// What the built-in hosts read.
    pub fn builtin() -> Hosts {
        crate::target::builtin().map(|t| Hosts::of(t.values())).unwrap_or_default()
    }
}

/// Applies every rule to every skill.
pub fn validate(set: &SkillSet, hosts: &Hosts) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut by_name: BTreeMap<&str, Vec<&Skill>> = BTreeMap::new();
    for skill in &set.skills {
        check_skill(skill, &mut diags);
        for (key, _) in &skill.raw {
            let known = STANDARD_KEYS.contains(&key.as_str())
                || SKILLWRIGHT_KEYS.contains(&key.as_str())
                || hosts.skill_keys.contains(key);
            if !known {
                diags.push(field(
                    "SW111",
                    skill,
                    key,
                    format!("unknown frontmatter key `{key}`: no host reads it"),
                ));
            }
        }
        if let Some(n) = skill.meta.name.as_deref() {
            by_name.entry(n).or_default().push(skill);
        }
    }
    for (name, skills) in by_name {
        for dup in skills.iter().skip(1) {
            diags.push(field(
                "SW130",
                dup,
                "name",
                format!("name `{name}` is also used by `{}`", skills[0].skill_md()),
            ));
        }
    }
    diags
}

/// A diagnostic anchored at the value of top-level frontmatter `key` in `skill`'s SKILL.md.
fn field(code: &'static str, skill: &Skill, key: &str, msg: String) -> Diagnostic {
    let d = Diagnostic::new(code, skill.skill_md(), msg);
    let index = LineIndex::new(&skill.source);
    for line_no in 1..skill.body_line {
        let Some(line) = index.line_text(&skill.source, line_no) else { break };
        if let Some(rest) = line.strip_prefix(key).and_then(|r| r.trim_start().strip_prefix(':')) {
            let value = rest.trim();
            let col = (line.chars().count() - rest.trim_start().chars().count()) as u32 + 1;
            return if value.is_empty() {
                d.at(line_no, 1, key.len() as u32)
            } else {
                d.at(line_no, col, value.chars().count() as u32)
            };
        }
    }
    d.at(1, 1, 3)
}

fn check_skill(skill: &Skill, diags: &mut Vec<Diagnostic>) {
    check_links(skill, diags);
    if skill.body.trim().is_empty() {
        diags.push(
            Diagnostic::new("SW204", skill.skill_md(), "SKILL.md has no body after the frontmatter").at(
                skill.body_line,
                1,
                1,
            ),
        );
    }
    if !skill.parsed {
        return;
    }
    let m = &skill.meta;
    let has = |k: &str| skill.raw.iter().any(|(key, _)| key == k);
    match m.name.as_deref() {
        None if !has("name") => {
            diags.push(field("SW101", skill, "name", "missing required field `name`".into()))
        }
        None => {}
        Some(name) => {
            if !skillwright_model::names::valid_name(name) {
                let why = if name.is_empty() {
                    "is empty".to_string()
                } else if name.chars().count() > MAX_NAME {
                    format!("is {} characters; the limit is {MAX_NAME}", name.chars().count())
                } else if name.starts_with('-') || name.ends_with('-') {
                    "starts or ends with a hyphen".into()
                } else if name.contains("--") {
                    "contains a double hyphen".into()
                } else {
                    "may only contain lowercase letters, digits and hyphens".into()
                };
                diags.push(field("SW102", skill, "name", format!("name `{name}` {why}")));
            } else if name != skill.dir {
                diags.push(field(
                    "SW103",
                    skill,
                    "name",
                    format!("name `{name}` differs from its directory `{}`", skill.dir),
                ));
            }
        }
    }
    match m.description.as_deref() {
        None if !has("description") => {
            diags.push(field("SW104", skill, "description", "missing required field `description`".into()))
        }
        None => {}
        Some(d) if d.trim().is_empty() => {
            diags.push(field("SW104", skill, "description", "`description` is empty".into()))
        }
        Some(d) if d.chars().count() > MAX_DESCRIPTION => diags.push(field(
            "SW105",
            skill,
            "description",
            format!("`description` is {} characters; the limit is {MAX_DESCRIPTION}", d.chars().count()),
        )),
        Some(_) => {}
    }
    if let Some(c) = m.compatibility.as_deref() {
        let n = c.chars().count();
        if n == 0 || n > MAX_COMPATIBILITY {
            diags.push(field(
                "SW106",
                skill,
                "compatibility",
                format!("`compatibility` is {n} characters; allowed 1-{MAX_COMPATIBILITY}"),
            ));
        }
    }
    if let Some(t) = m.allowed_tools.as_deref()
        && (t.trim().is_empty() || t.contains(['\n', '\r', ',']))
    {
        diags.push(field(
            "SW108",
            skill,
            "allowed-tools",
            "`allowed-tools` must be tool names separated by single spaces".into(),
        ));
    }
    if let Some(v) = m.version.as_deref()
        && semver::Version::parse(v).is_err()
    {
        diags.push(field(
            "SW120",
            skill,
            "version",
            format!("version `{v}` is not semantic (MAJOR.MINOR.PATCH, e.g. 1.0.0)"),
        ));
    }
}

fn check_links(skill: &Skill, diags: &mut Vec<Diagnostic>) {
    for link in &skill.links {
        let dest = link.dest.trim();
        if dest.is_empty() || dest.starts_with('#') || has_scheme(dest) || dest.starts_with("//") {
            continue;
        }
        let at = |code, msg: String| {
            Diagnostic::new(code, skill.skill_md(), msg).at(link.line, link.col, link.len)
        };
        let path = dest.split(['#', '?']).next().unwrap_or("");
        let path = percent_decode(path);
        if path.starts_with('/')
            || path.starts_with('\\')
            || path.get(1..3) == Some(":\\")
            || path.get(1..3) == Some(":/")
        {
            diags.push(at(
                "SW203",
                format!("link `{dest}` is an absolute path; use a path relative to the skill"),
            ));
            continue;
        }
        let mut parts: Vec<&str> = Vec::new();
        let mut escapes = false;
        for seg in path.split(['/', '\\']) {
            match seg {
                "" | "." => {}
                ".." => {
                    if parts.pop().is_none() {
                        escapes = true;
                        break;
                    }
                }
                s => parts.push(s),
            }
        }
        if escapes {
            diags.push(at("SW202", format!("link `{dest}` leaves the skill directory")));
            continue;
        }
        let target = parts.join("/");
        let exists = target.is_empty()
            || target == "SKILL.md"
            || skill.files.contains_key(&target)
            || skill.files.keys().any(|f| f.starts_with(&format!("{target}/")));
        if !exists {
            diags.push(at("SW201", format!("link target `{target}` does not exist in `{}/`", skill.dir)));
        }
    }
}

fn has_scheme(dest: &str) -> bool {
    match dest.find(':') {
        Some(i) if i > 1 => dest[..i].chars().all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c)),
        _ => false,
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(v) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
