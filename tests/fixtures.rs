//! Fixture-driven tests: every directory under `fixtures/ok` and `fixtures/err` is a skills root.
//! Each gets one snapshot of its full diagnostics (validate + strict lint) in text form.

use skillwright_build::report::{self, Format};
use skillwright_build::validate::Hosts;
use std::collections::BTreeMap;
use std::path::Path;

fn load(root: &Path) -> (skillwright_model::SkillSet, Vec<skillwright_model::Diagnostic>) {
    skillwright_build::load(root, &Hosts::builtin()).expect("fixture root readable")
}

fn diagnostics_text(root: &Path) -> (String, usize, usize) {
    let (set, mut diags) = load(root);
    diags.extend(skillwright_build::lint::lint(&set));
    skillwright_model::diag::sort(&mut diags);
    let sources: BTreeMap<String, &str> =
        set.skills.iter().map(|s| (s.skill_md(), s.source.as_str())).collect();
    let (e, w) = skillwright_model::diag::counts(&diags);
    let mut out = report::render(Format::Text, &diags, "", &sources, false);
    out.push_str(&format!("skills: {:?}\n", set.skills.iter().map(|s| s.dir.as_str()).collect::<Vec<_>>()));
    (out, e, w)
}

/// A clean fixture reports nothing, and every skill in it is read whole: a name equal to its
/// directory, a description, and a body.
#[test]
fn ok_fixtures_have_no_diagnostics() {
    insta::glob!("fixtures/ok/*", |path| {
        let (text, errors, warnings) = diagnostics_text(path);
        assert_eq!((errors, warnings), (0, 0), "{}:\n{text}", path.display());
        let (set, _) = load(path);
        let dirs = std::fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap())
            .filter(|e| e.path().is_dir() && !e.file_name().to_string_lossy().starts_with('.'))
            .count();
        assert_eq!(set.skills.len(), dirs, "{}: every skill directory is read", path.display());
        for s in &set.skills {
            assert_eq!(s.meta.name.as_deref(), Some(s.dir.as_str()), "{}", path.display());
            assert!(!s.description().is_empty() && !s.body.trim().is_empty(), "{}", path.display());
        }
    });
}

#[test]
fn err_fixtures_report_problems() {
    insta::glob!("fixtures/err/*", |path| {
        let (text, errors, warnings) = diagnostics_text(path);
        assert!(errors + warnings > 0, "{} reported nothing", path.display());
        insta::assert_snapshot!(text);
    });
}

#[test]
fn size_and_count_limits_are_errors_not_exhaustion() {
    use skillwright_build::discover::{MAX_FILE, MAX_FILES_PER_SKILL};
    let tmp = tempfile::tempdir().unwrap();
    let skill = tmp.path().join("big");
    std::fs::create_dir_all(skill.join("many")).unwrap();
    std::fs::write(
        skill.join("SKILL.md"),
        "---\nname: big\ndescription: Big. Use when testing.\n---\n# Big\n",
    )
    .unwrap();
    // One file over the per-file limit (sparse: no disk is spent on it).
    let f = std::fs::File::create(skill.join("huge.bin")).unwrap();
    f.set_len(MAX_FILE + 1).unwrap();
    // More files than a skill may hold.
    for i in 0..=MAX_FILES_PER_SKILL {
        std::fs::write(skill.join("many").join(format!("{i}.txt")), "x").unwrap();
    }
    let (set, diags) = load(tmp.path());
    let sw006: Vec<&str> = diags.iter().filter(|d| d.code == "SW006").map(|d| d.message.as_str()).collect();
    assert!(sw006.iter().any(|m| m.contains(&format!("the limit is {MAX_FILE}"))), "{sw006:?}");
    assert!(sw006.iter().any(|m| m.contains("more than 2000 files")), "{sw006:?}");
    assert!(set.skills[0].files.len() <= MAX_FILES_PER_SKILL, "the rest are not read");
    assert!(!set.skills[0].files.contains_key("huge.bin"), "the oversized file is not read");
}
