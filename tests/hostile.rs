//! Hostile SKILL.md files generated at the size limits: validating one stays linear in its size.
//! Asserted through behaviour and output bounds (never wall time): input nested too deep for the
//! YAML parser's quadratic scan is refused before parsing, every problem is counted, and the text
//! report prints a bounded number of bounded snippets however many problems a file has.

use skillwright_build::parse::parse_skill;
use skillwright_build::report::{self, Format, MAX_PER_FILE, SNIPPET_WIDTH};
use skillwright_build::validate::{Hosts, validate};
use skillwright_model::{Diagnostic, SkillSet};
use std::collections::BTreeMap;

fn check(dir: &str, md: &str) -> (SkillSet, Vec<Diagnostic>) {
    assert!(md.len() as u64 <= skillwright_build::discover::MAX_SKILL_MD);
    let file = format!("{dir}/SKILL.md");
    let (skill, mut diags) = parse_skill(dir, &file, md.as_bytes());
    let mut set = SkillSet::default();
    set.skills.extend(skill);
    diags.extend(validate(&set, &Hosts::builtin()));
    (set, diags)
}

fn text(set: &SkillSet, diags: &[Diagnostic]) -> String {
    let sources: BTreeMap<String, &str> =
        set.skills.iter().map(|s| (s.skill_md(), s.source.as_str())).collect();
    report::render(Format::Text, diags, "", &sources, false)
}

#[test]
fn a_megabyte_line_of_broken_links_prints_a_bounded_report() {
    let n = 100_000;
    let md =
        format!("---\nname: links\ndescription: Use when testing.\n---\n# L\n{}\n", "[x](nope) ".repeat(n));
    let (set, diags) = check("links", &md);
    assert_eq!(diags.iter().filter(|d| d.code == "SW201").count(), n, "every problem is counted");
    let out = text(&set, &diags);
    assert!(out.lines().all(|l| l.chars().count() <= SNIPPET_WIDTH + 200), "snippets are cut");
    assert!(out.len() < MAX_PER_FILE * 4 * (SNIPPET_WIDTH + 400), "{} bytes", out.len());
    assert!(out.contains(&format!("… and {} more in links/SKILL.md", n - MAX_PER_FILE)));
}

#[test]
fn flow_collections_nested_to_the_frontmatter_limit_are_refused_before_parsing() {
    let depth = 30_000;
    let md = format!(
        "---\nname: deep\ndescription: Use when testing.\nx: {}{}\n---\n# D\n",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let (_, diags) = check("deep", &md);
    let d = diags.iter().find(|d| d.code == "SW009").expect("refused");
    assert!(d.message.contains("nested more than 64 deep"), "{}", d.message);
    assert_eq!((d.line, d.col), (4, 4 + 64));
}

#[test]
fn thousands_of_keys_are_each_located_once() {
    let keys: String = (0..6_000).map(|i| format!("k{i}: v\n")).collect();
    let md = format!("---\nname: keys\ndescription: Use when testing.\n{keys}---\n# K\n");
    assert!(md.len() < 64 * 1024);
    let (_, diags) = check("keys", &md);
    let unknown: Vec<_> = diags.iter().filter(|d| d.code == "SW111").collect();
    assert_eq!(unknown.len(), 6_000);
    assert_eq!((unknown[5_999].line, unknown[5_999].col), (6_003, 8));
}

#[test]
fn a_description_on_one_huge_line_is_shown_cut() {
    let md = format!("---\nname: long\ndescription: Use when {}\n---\n# L\n", "x".repeat(60_000));
    let (set, diags) = check("long", &md);
    assert!(diags.iter().any(|d| d.code == "SW105"));
    let out = text(&set, &diags);
    assert!(out.lines().all(|l| l.chars().count() <= SNIPPET_WIDTH + 200));
}
