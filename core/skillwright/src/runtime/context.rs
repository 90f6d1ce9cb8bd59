//! The session context: a short text introducing the pack and its skills, built from the
//! package's `hooks/context.json` index. Used for the static payload at build time and by the
//! hook at run time, so both say the same thing.

use serde::{Deserialize, Serialize};

/// Where the index lives inside a plugin.
pub const INDEX_PATH: &str = "hooks/context.json";
/// Context budget in bytes: Codex truncates long hook output, and users pay for every token.
pub const MAX_CONTEXT: usize = 2048;

/// What the runtime knows of the installed pack.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Index {
    /// Pack name.
    pub pack: String,
    /// Human-readable pack name.
    pub display: String,
    /// Pack version.
    pub version: String,
    /// Skills in name order.
    pub skills: Vec<IndexSkill>,
}

/// One skill in the index.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IndexSkill {
    /// Name.
    pub name: String,
    /// Full description.
    pub description: String,
}

impl Index {
    /// Builds the index of a skill set.
    pub fn of(pack: &crate::pack::Pack, set: &crate::SkillSet) -> Index {
        let mut skills: Vec<IndexSkill> = set
            .skills
            .iter()
            .map(|s| IndexSkill { name: s.name().to_string(), description: s.description().to_string() })
            .collect();
        skills.sort_by(|a, b| a.name.cmp(&b.name));
        Index {
            pack: pack.name.clone(),
            display: pack.display().to_string(),
            version: pack.version().to_string(),
            skills,
        }
    }

    /// The index of an installed package root, or one built from a skills directory. Returns it
    /// with the directory that holds the skills' folders.
    pub fn load(root: &std::path::Path) -> Result<(Index, std::path::PathBuf), String> {
        if let Ok(b) = std::fs::read(root.join(INDEX_PATH)) {
            let idx: Index = serde_json::from_slice(&b).map_err(|e| format!("{INDEX_PATH}: {e}"))?;
            return Ok((idx, root.join("skills")));
        }
        let (set, _) =
            crate::load(root).map_err(|e| format!("{e} (expected a package root or a skills directory)"))?;
        let skills = set
            .skills
            .iter()
            .map(|s| IndexSkill { name: s.name().to_string(), description: s.description().to_string() })
            .collect();
        Ok((
            Index { pack: String::new(), display: String::new(), version: String::new(), skills },
            root.into(),
        ))
    }

    /// The SKILL.md of skill `name`, read from `skills_dir` (as returned by [`Index::load`]).
    pub fn skill_md(&self, skills_dir: &std::path::Path, name: &str) -> Result<String, String> {
        if !self.skills.iter().any(|s| s.name == name) {
            return Err(format!("no skill `{name}` in this pack"));
        }
        let p = skills_dir.join(name).join("SKILL.md");
        std::fs::read_to_string(&p).map_err(|e| format!("{}: {e}", p.display()))
    }
}

/// The first sentence of `text`, cut to `max` characters on a word boundary.
pub fn summary(text: &str, max: usize) -> String {
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let first = match one_line.find(". ") {
        Some(i) => &one_line[..=i],
        None => one_line.as_str(),
    };
    if first.chars().count() <= max {
        return first.to_string();
    }
    let cut: String = first.chars().take(max.saturating_sub(1)).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end_matches([',', ';', ':', ' ']))
}

/// Renders the context. `runtime` is the command that runs the pack's binary, if known;
/// `notes` are short lines from local state (declining skills, integrity warnings).
pub fn render(index: &Index, runtime: Option<&str>, notes: &[String]) -> String {
    let mut head = format!(
        "Skill pack \"{}\" v{} is installed. Before a task, check whether one of these skills fits; if so, read its SKILL.md in full and follow it.\n",
        index.display, index.version
    );
    let mut tail = String::new();
    for n in notes {
        tail.push_str(&format!("Note: {}\n", one_line(n, 300)));
    }
    if let Some(cmd) = runtime {
        tail.push_str(&format!(
            "Runtime: `{cmd}` (`skills search TEXT` finds a skill; `metrics record --skill NAME --outcome success|failure` logs a run).\n"
        ));
    }
    let budget = MAX_CONTEXT.saturating_sub(head.len() + tail.len());
    // The longest summaries with which every skill fits; failing that, as many skills as fit.
    let line = |s: &IndexSkill, max: usize| {
        format!("- {}: {}\n", one_line(&s.name, 64), summary(&s.description, max))
    };
    let fitting = [110, 80, 60, 45].into_iter().find_map(|max| {
        let all: String = index.skills.iter().map(|s| line(s, max)).collect();
        (all.len() <= budget).then_some(all)
    });
    let lines = fitting.unwrap_or_else(|| {
        let mut lines = String::new();
        for (i, s) in index.skills.iter().enumerate() {
            let next = line(s, 45);
            let more =
                format!("- …and {} more (list them with the skills command).\n", index.skills.len() - i);
            if lines.len() + next.len() + more.len() > budget {
                lines.push_str(&more);
                break;
            }
            lines.push_str(&next);
        }
        lines
    });
    head.push_str(&lines);
    head.push_str(&tail);
    let mut out = head.trim_end().to_string();
    if out.len() > MAX_CONTEXT {
        let mut cut = MAX_CONTEXT;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    out
}

/// Collapses control characters and line breaks so untrusted text stays on one line.
fn one_line(s: &str, max: usize) -> String {
    let flat: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    flat.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(n: usize, desc: &str) -> Index {
        Index {
            pack: "p".into(),
            display: "P".into(),
            version: "1.0.0".into(),
            skills: (0..n)
                .map(|i| IndexSkill { name: format!("skill-{i}"), description: desc.into() })
                .collect(),
        }
    }

    #[test]
    fn stays_within_budget_and_says_how_many_were_left_out() {
        let text = render(&index(200, &"word ".repeat(100)), Some("/x/skillwright"), &["a note".into()]);
        assert!(text.len() <= MAX_CONTEXT, "{}", text.len());
        assert!(text.contains("more (list them"), "{text}");
        assert!(text.contains("Note: a note"));
        assert!(text.contains("`/x/skillwright` (`skills search"));
    }

    #[test]
    fn summaries_take_the_first_sentence() {
        assert_eq!(summary("Finds bugs. Use when broken.", 100), "Finds bugs.");
        assert_eq!(summary("aaa bbb ccc ddd", 9), "aaa bbb…");
        let t = render(&index(2, "Line one.\nUse when x."), None, &[]);
        assert!(t.contains("- skill-0: Line one.\n- skill-1: Line one."), "{t}");
    }
}
