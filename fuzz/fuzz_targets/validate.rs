//! Full validation and the strict lint of a set built from fuzzed SKILL.md files.
#![no_main]
use libfuzzer_sys::fuzz_target;
use skillwright_build::validate::{self, Hosts};
use skillwright_model::SkillSet;

fuzz_target!(|data: &[u8]| {
    // Up to three skills, separated by a 0xFF byte (never valid UTF-8).
    let mut set = SkillSet::default();
    for (i, part) in data.split(|b| *b == 0xFF).take(3).enumerate() {
        let dir = format!("skill-{i}");
        let (skill, _) = skillwright_build::parse::parse_skill(&dir, &format!("{dir}/SKILL.md"), part);
        if let Some(s) = skill {
            set.skills.push(s);
        }
    }
    let _ = validate::validate(&set, &Hosts::builtin());
    let _ = skillwright_build::lint::lint(&set);
});
