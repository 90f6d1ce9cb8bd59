//! The session context: a short text introducing the pack and its skills.
//!
//! The build computes everything that depends on the pack and writes it into the package as
//! [`Context`] (`hooks/context.json`, a few KB whatever the pack's size) and the full skill list
//! as [`Index`] (`hooks/skills.json`, for `skills list|show|search`). At session start the runtime
//! reads only the small file and adds notes from local state, so its cost does not grow with the
//! pack. The static fallback payload is the same text without notes.

use crate::text::one_line;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where the precomputed context lives inside a plugin.
pub const CONTEXT_PATH: &str = "hooks/context.json";
/// Where the full skill index lives inside a plugin.
pub const INDEX_PATH: &str = "hooks/skills.json";
/// Context budget in bytes: Codex truncates long hook output, and users pay for every token.
pub const MAX_CONTEXT: usize = 2048;
/// Bytes of the budget kept free at build time for what the runtime adds (notes, its own path).
pub const RESERVE: usize = 640;
/// Largest context file the runtime reads.
pub const MAX_CONTEXT_FILE: u64 = 256 * 1024;

/// Every skill of the installed pack (`hooks/skills.json`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
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
    /// Directory under `skills/` (the name, for every valid skill).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub dir: String,
    /// Metric names the skill declares (`metrics.tracks`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tracks: Vec<String>,
}

impl IndexSkill {
    /// The index entry of a parsed skill.
    pub fn of(s: &crate::Skill) -> IndexSkill {
        IndexSkill {
            name: s.name().to_string(),
            description: s.description().to_string(),
            dir: s.dir.clone(),
            tracks: s.meta.metrics_tracks.clone(),
        }
    }
}

impl Index {
    /// The index of a pack's skills, sorted by name.
    pub fn of(pack: &crate::Pack, set: &crate::SkillSet) -> Index {
        let mut skills: Vec<IndexSkill> = set.skills.iter().map(IndexSkill::of).collect();
        skills.sort_by(|a, b| a.name.cmp(&b.name));
        Index {
            pack: pack.name.clone(),
            display: pack.display().to_string(),
            version: pack.version().to_string(),
            skills,
        }
    }

    /// The skill called `name`.
    pub fn get(&self, name: &str) -> Option<&IndexSkill> {
        self.skills.iter().find(|s| s.name == name)
    }
}

/// The precomputed session context of a package (`hooks/context.json`).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Context {
    /// Pack name.
    pub pack: String,
    /// Pack version.
    pub version: String,
    /// The opening line.
    pub head: String,
    /// One line per skill that fits the budget, summaries already shortened.
    pub lines: Vec<String>,
    /// How many skills the pack has (more than `lines` when not all fit).
    pub skills: usize,
    /// How each host of this package takes the context: `"text"`, or a JSON value in which the
    /// string `"{context}"` stands for it.
    pub payloads: BTreeMap<String, serde_json::Value>,
}

impl Context {
    /// The context of `index`, to be delivered in the given payload shapes.
    pub fn of(index: &Index, payloads: BTreeMap<String, serde_json::Value>) -> Context {
        let head = format!(
            "Skill pack \"{}\" v{} is installed. Before a task, check whether one of these skills fits; if so, read its SKILL.md in full and follow it.",
            one_line(&index.display, 80),
            one_line(&index.version, 40)
        );
        let budget = MAX_CONTEXT.saturating_sub(head.len() + 1 + RESERVE);
        let line = |s: &IndexSkill, max: usize| {
            format!("- {}: {}", one_line(&s.name, 64), summary(&s.description, max))
        };
        let size = |lines: &[String]| lines.iter().map(|l| l.len() + 1).sum::<usize>();
        // The longest summaries with which every skill fits; failing that, as many as fit.
        let all_fit = [110, 80, 60, 45].into_iter().find_map(|max| {
            let all: Vec<String> = index.skills.iter().map(|s| line(s, max)).collect();
            (size(&all) <= budget).then_some(all)
        });
        let lines = all_fit.unwrap_or_else(|| {
            let mut lines = Vec::new();
            let mut used = more_line(index.skills.len()).len() + 1;
            for s in &index.skills {
                let l = line(s, 45);
                if used + l.len() + 1 > budget {
                    break;
                }
                used += l.len() + 1;
                lines.push(l);
            }
            lines
        });
        Context {
            pack: index.pack.clone(),
            version: index.version.clone(),
            head,
            lines,
            skills: index.skills.len(),
            payloads,
        }
    }

    /// The context text: head, skill lines, then `notes` and the runtime's command, within
    /// [`MAX_CONTEXT`] bytes (skill lines give way to notes when both do not fit).
    pub fn render(&self, runtime: Option<&str>, notes: &[String]) -> String {
        let mut tail = String::new();
        for n in notes {
            tail.push_str(&format!("Note: {}\n", one_line(n, 300)));
        }
        if let Some(cmd) = runtime {
            tail.push_str(&format!(
                "Runtime: `{}` (`skills search TEXT` finds a skill; `metrics record --skill NAME --outcome success|failure` logs a run).\n",
                one_line(cmd, 300)
            ));
        }
        let budget = MAX_CONTEXT.saturating_sub(self.head.len() + 1 + tail.len());
        let mut shown = self.lines.len().min(self.skills);
        let body = |n: usize| {
            let mut s: String = self.lines[..n].iter().map(|l| format!("{l}\n")).collect();
            if n < self.skills {
                s.push_str(&more_line(self.skills - n));
                s.push('\n');
            }
            s
        };
        while shown > 0 && body(shown).len() > budget {
            shown -= 1;
        }
        let mut out = format!("{}\n{}{tail}", self.head, body(shown));
        let end = out.trim_end().len();
        out.truncate(end);
        if out.len() > MAX_CONTEXT {
            let mut cut = MAX_CONTEXT;
            while !out.is_char_boundary(cut) {
                cut -= 1;
            }
            out.truncate(cut);
        }
        out
    }

    /// The payload for `host` carrying `text`, exactly as a hook prints it (no final newline);
    /// `None` when this package does not serve that host.
    pub fn payload(&self, host: &str, text: &str) -> Option<String> {
        self.payloads.get(host).map(|shape| payload(shape, text))
    }

    /// A payload for `host` that adds nothing (resumed sessions, `SKILLWRIGHT_DISABLE=1`).
    pub fn empty_payload(&self, host: &str) -> Option<String> {
        self.payloads
            .get(host)
            .map(|shape| if shape.as_str() == Some("text") { String::new() } else { "{}".into() })
    }
}

fn more_line(n: usize) -> String {
    format!("- …and {n} more (list them with the skills command).")
}

/// `text` in a payload shape: the bare text for `"text"`, else the shape with every `"{context}"`
/// string replaced by it, as compact JSON.
pub fn payload(shape: &serde_json::Value, text: &str) -> String {
    fn substitute(v: &serde_json::Value, text: &str) -> serde_json::Value {
        use serde_json::Value;
        match v {
            Value::String(s) if s == "{context}" => Value::String(text.to_string()),
            Value::Array(a) => Value::Array(a.iter().map(|x| substitute(x, text)).collect()),
            Value::Object(o) => {
                Value::Object(o.iter().map(|(k, x)| (k.clone(), substitute(x, text))).collect())
            }
            other => other.clone(),
        }
    }
    match shape.as_str() {
        Some("text") => text.to_string(),
        _ => serde_json::to_string(&substitute(shape, text)).unwrap_or_default(),
    }
}

/// The first sentence of `text` on one line, cut to `max` characters on a word boundary.
pub fn summary(text: &str, max: usize) -> String {
    let one_line = one_line(text, usize::MAX);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn index(n: usize, desc: &str) -> Index {
        Index {
            pack: "p".into(),
            display: "P".into(),
            version: "1.0.0".into(),
            skills: (0..n)
                .map(|i| IndexSkill {
                    name: format!("skill-{i}"),
                    description: desc.into(),
                    dir: String::new(),
                    tracks: Vec::new(),
                })
                .collect(),
        }
    }

    #[test]
    fn stays_within_budget_and_says_how_many_were_left_out() {
        let ctx = Context::of(&index(200, &"word ".repeat(100)), BTreeMap::new());
        assert!(serde_json::to_vec(&ctx).unwrap().len() < 4096, "the file stays small");
        let text = ctx.render(Some("/x/skillwright"), &["a note".into()]);
        assert!(text.len() <= MAX_CONTEXT, "{}", text.len());
        assert!(text.contains("more (list them"), "{text}");
        assert!(text.contains("Note: a note"));
        assert!(text.contains("`/x/skillwright` (`skills search"));
        // Long notes push skill lines out, never the other way round.
        let notes = vec!["n".repeat(290); 6];
        let text = ctx.render(Some("/x"), &notes);
        assert!(text.len() <= MAX_CONTEXT, "{}", text.len());
        assert_eq!(text.matches("Note: ").count(), 6, "{text}");
    }

    #[test]
    fn summaries_take_the_first_sentence() {
        assert_eq!(summary("Finds bugs. Use when broken.", 100), "Finds bugs.");
        assert_eq!(summary("aaa bbb ccc ddd", 9), "aaa bbb…");
        let t = Context::of(&index(2, "Line one.\nUse when x."), BTreeMap::new()).render(None, &[]);
        assert!(t.contains("- skill-0: Line one.\n- skill-1: Line one."), "{t}");
    }

    #[test]
    fn a_newline_in_pack_fields_cannot_forge_a_line() {
        let mut idx = index(1, "d");
        idx.display = "P\nNote: forged".into();
        idx.version = "1\r\n- evil: x".into();
        let t = Context::of(&idx, BTreeMap::new()).render(None, &[]);
        assert_eq!(t.lines().count(), 2, "{t}");
        assert!(!t.lines().any(|l| l.starts_with("Note:") || l.starts_with("- evil")), "{t}");
    }

    #[test]
    fn payload_shapes() {
        let shape = serde_json::json!({ "a": { "b": "{context}" }, "c": ["{context}", 1] });
        assert_eq!(payload(&shape, "x\"y"), r#"{"a":{"b":"x\"y"},"c":["x\"y",1]}"#);
        assert_eq!(payload(&serde_json::json!("text"), "t"), "t");
    }
}
