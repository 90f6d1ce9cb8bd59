//! Frontmatter split and YAML parse of one SKILL.md: any bytes, no panic, positions in range; and
//! whatever the flat YAML reader takes, serde_yaml reads the same.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = skillwright_build::frontmatter::split(text);
        if let Some(fast) = skillwright_build::yaml::flat::read(text) {
            let full = serde_yaml::from_str::<serde_yaml::Value>(text).map_err(|e| e.to_string());
            assert_eq!(Ok(fast), full, "the flat reader disagrees with serde_yaml on {text:?}");
        }
    }
    let (_skill, diags) = skillwright_build::parse::parse_skill("fuzzed", "fuzzed/SKILL.md", data);
    let lines = data.split(|b| *b == b'\n').count() as u32;
    for d in diags {
        assert!(d.line <= lines + 1, "diagnostic line {} past the end ({lines} lines)", d.line);
    }
});
