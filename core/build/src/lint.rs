//! Quality lint (`validate --strict`): rules about how well a skill will trigger and read,
//! beyond whether it is valid.

use skillwright_model::diag::Diagnostic;
use skillwright_model::skill::SkillSet;
use skillwright_model::words::stems;
use std::collections::{BTreeMap, BTreeSet};

/// Bodies longer than this many lines are flagged.
pub const MAX_BODY_LINES: usize = 400;
/// Description pairs at or above this cosine similarity are flagged.
pub const OVERLAP_THRESHOLD: f64 = 0.5;

/// Phrases that show a description says when to use the skill.
const TRIGGERS: &[&str] = &[
    "use when",
    "use this when",
    "use it when",
    "when the user",
    "when you",
    "when asked",
    "use for",
    "use before",
    "use after",
];

/// Runs the quality rules. Diagnostics point at the `description` line or the heading concerned.
pub fn lint(set: &SkillSet) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for skill in &set.skills {
        let file = skill.skill_md();
        let desc_line = desc_line(&skill.source);
        if let Some(d) = skill.meta.description.as_deref() {
            let lower = d.to_lowercase();
            if !d.trim().is_empty() && !TRIGGERS.iter().any(|t| lower.contains(t)) {
                diags.push(
                    Diagnostic::new(
                        "SW301",
                        &file,
                        "description does not say when to use the skill (e.g. \"Use when ...\")",
                    )
                    .at(desc_line, 1, 11),
                );
            }
        }
        let body_lines = skill.body.lines().count();
        if body_lines > MAX_BODY_LINES {
            diags.push(
                Diagnostic::new("SW303", &file, format!("body is {body_lines} lines; keep it under {MAX_BODY_LINES} and move detail to references/"))
                    .at(skill.body_line, 1, 1),
            );
        }
        let headings = crate::parse::headings(skill);
        let h1 = headings.iter().filter(|h| h.level == 1).count();
        if h1 != 1 && !skill.body.trim().is_empty() {
            let line = headings.iter().find(|h| h.level == 1).map_or(skill.body_line, |h| h.line);
            diags.push(
                Diagnostic::new(
                    "SW304",
                    &file,
                    format!("body has {h1} top-level `#` headings; use exactly one"),
                )
                .at(line, 1, 1),
            );
        }
        let mut prev = 0u8;
        for h in &headings {
            if prev > 0 && h.level > prev + 1 {
                diags.push(
                    Diagnostic::new(
                        "SW304",
                        &file,
                        format!("heading `{}` jumps from level {prev} to {}", h.text, h.level),
                    )
                    .at(h.line, 1, h.level as u32),
                );
            }
            prev = h.level;
        }
    }
    for skill in &set.skills {
        placeholders(skill, &mut diags);
    }
    overlap(set, &mut diags);
    diags
}

/// Words that mark a placeholder (as whole, upper-case words).
const PLACEHOLDERS: &[&str] = &["TODO", "FIXME"];

/// The first placeholder in `line` outside inline code, as a character column.
fn placeholder_in(line: &str) -> Option<(usize, &'static str)> {
    let mut in_code = false;
    let chars: Vec<char> = line.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if *c == '`' {
            in_code = !in_code;
            continue;
        }
        if in_code || (i > 0 && chars[i - 1].is_alphanumeric()) {
            continue;
        }
        for p in PLACEHOLDERS {
            let n = p.len();
            let word: String = chars[i..(i + n).min(chars.len())].iter().collect();
            let after = chars.get(i + n);
            if word == *p && !after.is_some_and(|a| a.is_alphanumeric()) {
                return Some((i, p));
            }
        }
    }
    None
}

/// A placeholder left in the description (the frontmatter's lines) or the body (outside code
/// blocks): one diagnostic per skill part.
fn placeholders(skill: &skillwright_model::Skill, diags: &mut Vec<Diagnostic>) {
    let file = skill.skill_md();
    let desc_line = skill.fields.get("description").map(|&(l, _, _)| l);
    let (mut fenced, mut in_desc) = (false, false);
    let (mut found_body, mut found_desc) = (false, false);
    for (i, line) in skill.source.lines().enumerate() {
        let n = i as u32 + 1;
        let in_body = n >= skill.body_line;
        if in_body {
            if line.trim_start().starts_with("```") || line.trim_start().starts_with("~~~") {
                fenced = !fenced;
                continue;
            }
        } else {
            // The description runs from its key to the next line that is not indented.
            in_desc = Some(n) == desc_line || (in_desc && line.starts_with([' ', '\t']));
        }
        let look = if in_body { !fenced && !found_body } else { in_desc && !found_desc };
        if !look {
            continue;
        }
        if let Some((col, word)) = placeholder_in(line) {
            let part = if in_body { "the body" } else { "the description" };
            diags.push(
                Diagnostic::new(
                    "SW305",
                    &file,
                    format!("`{word}` left in {part}: replace it before publishing the skill"),
                )
                .at(n, col as u32 + 1, word.len() as u32),
            );
            if in_body {
                found_body = true;
            } else {
                found_desc = true;
            }
        }
    }
}

fn desc_line(source: &str) -> u32 {
    source.lines().position(|l| l.starts_with("description")).map_or(1, |i| i as u32 + 1)
}

/// Flags pairs of descriptions whose TF-IDF vectors are too alike.
fn overlap(set: &SkillSet, diags: &mut Vec<Diagnostic>) {
    let docs: Vec<Vec<String>> = set.skills.iter().map(|s| stems(s.description())).collect();
    let n = docs.len() as f64;
    let mut df: BTreeMap<&str, f64> = BTreeMap::new();
    for d in &docs {
        for w in d.iter().map(String::as_str).collect::<BTreeSet<_>>() {
            *df.entry(w).or_default() += 1.0;
        }
    }
    let vectors: Vec<BTreeMap<&str, f64>> = docs
        .iter()
        .map(|d| {
            let mut v: BTreeMap<&str, f64> = BTreeMap::new();
            for w in d {
                *v.entry(w).or_default() += 1.0;
            }
            for (w, tf) in v.iter_mut() {
                *tf *= ((1.0 + n) / (1.0 + df[w])).ln() + 1.0;
            }
            v
        })
        .collect();
    for i in 0..vectors.len() {
        for j in i + 1..vectors.len() {
            let sim = cosine(&vectors[i], &vectors[j]);
            if sim >= OVERLAP_THRESHOLD {
                let (a, b) = (&set.skills[i], &set.skills[j]);
                diags.push(
                    Diagnostic::new(
                        "SW302",
                        b.skill_md(),
                        format!("description is {:.0}% similar to `{}`'s; both would trigger on the same requests", sim * 100.0, a.name()),
                    )
                    .at(desc_line(&b.source), 1, 11),
                );
            }
        }
    }
}

fn cosine(a: &BTreeMap<&str, f64>, b: &BTreeMap<&str, f64>) -> f64 {
    let dot: f64 = a.iter().filter_map(|(w, x)| b.get(w).map(|y| x * y)).sum();
    let na: f64 = a.values().map(|x| x * x).sum::<f64>().sqrt();
    let nb: f64 = b.values().map(|x| x * x).sum::<f64>().sqrt();
    if na == 0.0 || nb == 0.0 { 0.0 } else { dot / (na * nb) }
}
