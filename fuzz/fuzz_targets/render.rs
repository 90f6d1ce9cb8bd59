//! A fuzzed skill rendered through every built-in host's templates: a valid skill must plan, and
//! every JSON file in the plan must parse.
#![no_main]
use libfuzzer_sys::fuzz_target;
use skillwright_build::{pipeline, plan, target, validate};
use skillwright_model::{Pack, Severity, SkillSet};

fuzz_target!(|data: &[u8]| {
    let (skill, _) = skillwright_build::parse::parse_skill("fuzzed", "fuzzed/SKILL.md", data);
    let Some(skill) = skill else { return };
    // Name the directory after the skill so a valid name passes SW-name-matches-dir.
    let mut skill = skill;
    if let Some(n) = skill.meta.name.clone() {
        skill.dir = n;
    }
    let set = SkillSet { skills: vec![skill] };
    if validate::validate(&set, &validate::Hosts::builtin()).iter().any(|d| d.severity == Severity::Error) {
        return;
    }
    let pack: Pack = serde_json::from_value(serde_json::json!({
        "name": "fuzz-pack", "description": "Fuzzed pack", "version": "1.0.0",
        "author": {"name": "Fuzz"}
    }))
    .unwrap();
    let targets = target::builtin().unwrap();
    let chosen: Vec<_> = targets.values().collect();
    let templates = pipeline::templates(&chosen, Default::default(), None).unwrap();
    let binaries = plan::in_memory(&pipeline::fake_binaries());
    let p = plan::plan(&plan::Inputs {
        set: &set,
        pack: &pack,
        targets: targets.values().collect(),
        templates: &templates,
        binaries: &binaries,
        key: None,
        layout: Default::default(),
        components: &Default::default(),
        scripts: &Default::default(),
        files: &Default::default(),
    })
    .expect("a valid skill always plans");
    for pkg in &p.packages {
        for (path, f) in &pkg.files {
            assert!(skillwright_model::integrity::safe_rel_path(path), "unsafe path {path}");
            if path.ends_with(".json") {
                let bytes = f.bytes().expect("only binaries are copied from files");
                serde_json::from_slice::<serde_json::Value>(bytes).expect("JSON parses");
            }
        }
    }
});
