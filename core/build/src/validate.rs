//! Semantic rules over a parsed [`SkillSet`]: names, lengths, versions, links, duplicates, and
//! the source forms and plain values that the hosts being built for would read differently.

use crate::reading::{Form, FormKind, Implicit, Reader, and_list};
use skillwright_model::diag::Diagnostic;
use skillwright_model::skill::{SKILLWRIGHT_KEYS, STANDARD_KEYS, Skill, SkillSet, Spot};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

/// Maximum `name` length (characters).
pub use skillwright_model::names::MAX_NAME;
/// Maximum `description` length (characters).
pub const MAX_DESCRIPTION: usize = 1024;
/// Maximum `compatibility` length (characters).
pub const MAX_COMPATIBILITY: usize = 500;

/// What the hosts a pack is built for read, from their target specs: validation judges a source
/// against these, so a custom target's keys are as known as a built-in one's. The built-in specs
/// are only parsed when a check first needs them: a pack that keeps to the standard keys and
/// forms never does.
#[derive(Debug, Clone)]
pub struct Hosts {
    known: OnceLock<Known>,
}

#[derive(Debug, Clone, Default)]
struct Known {
    skill_keys: BTreeSet<String>,
    command_keys: BTreeSet<String>,
    agent_keys: BTreeSet<String>,
    targets: Vec<crate::target::Target>,
    readers: Vec<Reader>,
}

impl Known {
    fn of(targets: impl IntoIterator<Item = crate::target::Target>) -> Known {
        let mut k = Known::default();
        for t in targets {
            k.skill_keys.extend(t.skill_keys.iter().cloned());
            k.command_keys.extend(t.commands.iter().flat_map(|c| c.keys.iter().cloned()));
            k.agent_keys.extend(t.agents.iter().flat_map(|a| a.keys.iter().cloned()));
            if let Some(reading) = &t.frontmatter {
                k.readers.push(Reader { display: t.display.clone(), reading: reading.clone() });
            }
            k.targets.push(t);
        }
        k.readers.push(crate::reading::reference_validator());
        k
    }
}

impl Hosts {
    /// What the hosts of `targets` read.
    pub fn of(targets: impl IntoIterator<Item = crate::target::Target>) -> Hosts {
        Hosts { known: OnceLock::from(Known::of(targets)) }
    }

    /// What the built-in hosts read (their specs are parsed on first use).
    pub fn builtin() -> Hosts {
        Hosts { known: OnceLock::new() }
    }

    fn known(&self) -> &Known {
        self.known.get_or_init(|| Known::of(crate::target::builtin().unwrap_or_default().into_values()))
    }

    /// Frontmatter keys at least one host reads.
    pub fn skill_keys(&self) -> &BTreeSet<String> {
        &self.known().skill_keys
    }

    /// Command frontmatter keys at least one host reads.
    pub fn command_keys(&self) -> &BTreeSet<String> {
        &self.known().command_keys
    }

    /// Agent frontmatter keys at least one host reads.
    pub fn agent_keys(&self) -> &BTreeSet<String> {
        &self.known().agent_keys
    }

    /// The hosts' specs, for checks that name hosts or need each one's vocabulary.
    pub fn targets(&self) -> &[crate::target::Target] {
        &self.known().targets
    }

    /// The hosts whose frontmatter reading is known, in id order, then the Agent Skills reference
    /// validator: the readers that diagnostics about frontmatter forms and YAML typing name.
    pub fn readers(&self) -> &[Reader] {
        &self.known().readers
    }

    /// The readers for which `miss` holds (e.g. "does not read this form"), by display name.
    pub fn missing(&self, miss: impl Fn(&Reader) -> bool) -> Vec<&str> {
        self.readers().iter().filter(|r| miss(r)).map(|r| r.display.as_str()).collect()
    }
}

/// Applies every rule to every skill.
pub fn validate(set: &SkillSet, hosts: &Hosts) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    let mut by_name: BTreeMap<&str, Vec<&Skill>> = BTreeMap::new();
    for skill in &set.skills {
        check_skill(skill, &mut diags);
        for spot in &skill.forms {
            diags.extend(form(skill, spot, hosts));
        }
        for spot in &skill.implicit {
            diags.extend(implicit(skill, spot, hosts));
        }
        for (key, _) in &skill.raw {
            let known = STANDARD_KEYS.contains(&key.as_str())
                || SKILLWRIGHT_KEYS.contains(&key.as_str())
                || hosts.skill_keys().contains(key);
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

/// A diagnostic anchored at the value of frontmatter `key` (a path such as `metadata.version`)
/// in `skill`'s SKILL.md, or at its first line when the key is not there.
fn field(code: &'static str, skill: &Skill, key: &str, msg: String) -> Diagnostic {
    let d = Diagnostic::new(code, skill.skill_md(), msg);
    match skill.fields.get(key) {
        Some(&(line, col, len)) => d.at(line, col, len),
        None => d.at(1, 1, 3),
    }
}

/// The diagnostic for a source form, naming the readers that would not take it (none when every
/// reader with known facts takes it).
fn form(skill: &Skill, spot: &Spot<Form>, hosts: &Hosts) -> Option<Diagnostic> {
    let f = spot.what;
    let missing = hosts.missing(|r| !r.reading.reads(f));
    if missing.is_empty() {
        return None;
    }
    let who = and_list(&missing);
    // The verb agrees with the list: "Gemini CLI reads", "Codex and Gemini CLI read".
    let v = |one: &'static str, many: &'static str| if missing.len() == 1 { one } else { many };
    let (msg, help) = match f {
        Form::Bom => (
            format!(
                "SKILL.md starts with a UTF-8 byte-order mark: {who} {} no frontmatter after one",
                v("reads", "read")
            ),
            "save it as UTF-8 without a BOM",
        ),
        Form::Crlf => (
            format!("SKILL.md has CR LF line endings, which {who} cannot split"),
            "convert it to LF line endings",
        ),
        Form::Cr => (
            format!(
                "SKILL.md has lone CR line endings: {who} {} no frontmatter from them",
                v("reads", "read")
            ),
            "convert it to LF line endings",
        ),
        Form::LeadingBlankLines => (
            format!(
                "the frontmatter starts after blank lines: {who} only {} frontmatter that starts on the first line, so {} would not see this skill",
                v("reads", "read"),
                v("it", "they")
            ),
            "delete the blank lines before `---`",
        ),
        Form::DotsClose => (
            format!(
                "the frontmatter is closed by `...`: {who} only {} it at a `---` line, so {} would not see this skill",
                v("ends", "end"),
                v("it", "they")
            ),
            "write `---` instead of `...`",
        ),
        Form::OpenFenceSpace => (
            format!(
                "spaces after the opening `---`: {who} only {} frontmatter whose first line is exactly `---`, so {} would not see this skill",
                v("reads", "read"),
                v("it", "they")
            ),
            "delete the spaces after `---`",
        ),
        Form::CloseFenceSpace => (
            format!(
                "spaces after the closing `---`: {who} would not find the end of the frontmatter, so {} would not see this skill",
                v("it", "they")
            ),
            "delete the spaces after `---`",
        ),
        Form::DashesInYaml => (
            format!(
                "`---` inside the frontmatter: {who} {} the frontmatter at the first `---`, so {} would read it cut short here",
                v("ends", "end"),
                v("it", "they")
            ),
            "reword it (an em dash `—` reads the same)",
        ),
        Form::FlowCollections => {
            (format!("flow-style `{}`: {who} {} flow-style YAML", spot.text, v("refuses", "refuse")), "")
        }
    };
    let help = match f.kind() {
        FormKind::Normalised => format!(
            "skillwright writes every copy with LF and no BOM; for the source, {help} (`skillwright fmt` does it)"
        ),
        FormKind::Structural if f == Form::DashesInYaml => help.to_string(),
        FormKind::Structural => format!("{help} (`skillwright fmt` does it)"),
        FormKind::Style => block_style(&spot.text),
    };
    let code = match f.kind() {
        FormKind::Normalised => "SW016",
        FormKind::Structural => "SW015",
        FormKind::Style => "SW113",
    };
    Some(Diagnostic::new(code, skill.skill_md(), msg).at(spot.line, spot.col, spot.len).with_help(help))
}

/// How to write the flow collection `text` in block style.
fn block_style(text: &str) -> String {
    let block = serde_yaml::from_str::<serde_yaml::Value>(text)
        .ok()
        .and_then(|v| serde_yaml::to_string(&v).ok())
        .unwrap_or_default();
    let lines: Vec<String> = block.lines().take(6).map(|l| format!("`{l}`")).collect();
    if lines.is_empty() || block.starts_with(['[', '{']) {
        return "write it in block style: one `- item` or `key: value` line each, indented under its key"
            .into();
    }
    format!("write it in block style, indented under its key: {}", lines.join(" then "))
}

/// The diagnostic for a plain value that some YAML readers type as something other than the
/// string YAML 1.2 reads: an error when a host would then drop the skill, else a warning.
fn implicit(skill: &Skill, spot: &Spot<Implicit>, hosts: &Hosts) -> Option<Diagnostic> {
    let kind = spot.what;
    let mistyping = hosts.missing(|r| r.reading.mistypes(kind));
    let key = spot.key.rsplit('.').next().unwrap_or(&spot.key);
    let fix = format!("quote it: `{key}: \"{}\"`", spot.text);
    let shown = format!("`{}: {}`", spot.key, spot.text);
    let (code, msg) = if mistyping.is_empty() {
        (
            "SW110",
            format!(
                "{shown} is {} to YAML 1.1 readers (no host this pack is built for reads it so)",
                kind.as_what()
            ),
        )
    } else if matches!(spot.key.as_str(), "name" | "description") {
        (
            "SW109",
            format!(
                "{shown} is {} to the YAML reader of {}, which then drop this skill",
                kind.as_what(),
                and_list(&mistyping)
            ),
        )
    } else {
        ("SW110", format!("{shown} is {} to the YAML reader of {}", kind.as_what(), and_list(&mistyping)))
    };
    Some(Diagnostic::new(code, skill.skill_md(), msg).at(spot.line, spot.col, spot.len).with_help(fix))
}

fn check_skill(skill: &Skill, diags: &mut Vec<Diagnostic>) {
    crate::links::check(skill, diags);
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
    if let Some(v) = m.version.as_deref()
        && semver::Version::parse(v).is_err()
    {
        let key = if skill.fields.contains_key("metadata.version") { "metadata.version" } else { "version" };
        diags.push(field(
            "SW120",
            skill,
            key,
            format!("`{key}` `{v}` is not a semantic version (MAJOR.MINOR.PATCH, e.g. 1.0.0)"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::Hosts;

    #[test]
    fn builtin_hosts_read_on_first_use_are_the_built_in_targets() {
        let lazy = Hosts::builtin();
        let eager = Hosts::of(crate::target::builtin().unwrap().into_values());
        assert_eq!(lazy.skill_keys(), eager.skill_keys());
        assert!(lazy.skill_keys().contains("allowed-tools"), "{:?}", lazy.skill_keys());
        assert_eq!(lazy.command_keys(), eager.command_keys());
        assert_eq!(lazy.agent_keys(), eager.agent_keys());
        let ids = |h: &Hosts| h.targets().iter().map(|t| t.id.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&lazy), ids(&eager));
        assert_eq!(ids(&lazy).len(), crate::target::builtin_ids().len());
        let names = |h: &Hosts| h.readers().iter().map(|r| r.display.clone()).collect::<Vec<_>>();
        assert_eq!(names(&lazy), names(&eager));
    }
}
