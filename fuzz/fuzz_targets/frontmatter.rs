//! Frontmatter split and YAML parse of one SKILL.md: any bytes, no panic, positions in range
//! (lines counted as an editor counts them); and whatever the flat YAML reader takes from the
//! frontmatter, serde_yaml reads the same.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let yaml = match skillwright_build::frontmatter::split(text) {
            Ok(split) => &text[split.yaml],
            Err(_) => text,
        };
        if let Some(fast) = skillwright_build::yaml::flat::read(yaml) {
            let full = serde_yaml::from_str::<serde_yaml::Value>(yaml).map_err(|e| e.to_string());
            assert_eq!(Ok(fast), full, "the flat reader disagrees with serde_yaml on {yaml:?}");
        }
    }
    let (_skill, diags) = skillwright_build::parse::parse_skill("fuzzed", "fuzzed/SKILL.md", data);
    // Lines as an editor counts them (and diagnostics do): CR LF, a lone CR and LF each end one.
    let lone_cr = data.windows(2).filter(|w| w[0] == b'\r' && w[1] != b'\n').count()
        + usize::from(data.last() == Some(&b'\r'));
    let lines = (data.split(|b| *b == b'\n').count() + lone_cr) as u32;
    for d in diags {
        assert!(d.line <= lines + 1, "diagnostic line {} past the end ({lines} lines)", d.line);
    }
});
