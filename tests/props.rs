//! Property tests: arbitrary (and deliberately hostile) text in skill and pack fields stays data
//! in every generated file, and planning is a pure function of its inputs.

use proptest::prelude::*;
use skillwright_build::plan::{self, Plan};
use skillwright_build::{pipeline, target};
use skillwright_model::pack::{Author, Pack};
use skillwright_model::{Severity, SkillSet};
use std::collections::BTreeMap;

/// Pieces that break naive generators: quoting, escapes, line breaks, script and template syntax,
/// shell expansion, YAML indicators, invisible and astral characters. All of them are valid in a
/// description; the ones validation refuses (CR, NUL, bell, ESC, bidi overrides: `SW017`; `---`,
/// which some hosts take for the end of the frontmatter: `SW015`) are in [`REFUSED`], which the
/// fixtures and the parser's tests cover.
const HOSTILE: &[&str] = &[
    "\"",
    "'",
    "\\",
    "\n",
    "\t",
    "</script>",
    "<!--",
    "${HOME}",
    "$(touch /tmp/p)",
    "`id`",
    "{{ pack }}",
    "{% raw %}",
    "%PATH%",
    "^&|<>",
    "-- ",
    ": ",
    "#",
    "&a",
    "*a",
    "- ",
    "!!python/object",
    "\u{2028}",
    "\u{feff}",
    "é",
    "🦀",
    " Use when x.",
];

/// Pieces validation refuses in these fields; mixed in rarely, so that what does get through is
/// checked too.
const REFUSED: &[&str] = &["\r\n", "\r", "\0", "\u{202e}", "\u{7}", "\u{1b}[31m", "---"];

fn hostile_text(max: usize) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        6 => proptest::sample::select(HOSTILE).prop_map(str::to_string),
        4 => "[a-zA-Z ]{1,8}",
        1 => proptest::sample::select(REFUSED).prop_map(str::to_string),
        1 => any::<char>().prop_map(|c| c.to_string()),
    ];
    proptest::collection::vec(piece, 1..max).prop_map(|v| v.concat())
}

/// [`hostile_text`] for a one-line field (a display name, an author): no line breaks.
fn hostile_line(max: usize) -> impl Strategy<Value = String> {
    hostile_text(max).prop_map(|s| s.replace(['\n', '\r'], " "))
}

/// A SKILL.md whose frontmatter is written by a YAML serializer, so the parsed description is
/// exactly `description`.
fn skill_md(name: &str, description: &str) -> String {
    let mut fm = serde_yaml::Mapping::new();
    fm.insert("name".into(), name.into());
    fm.insert("description".into(), description.into());
    format!("---\n{}---\n# {name}\n\nBody.\n", serde_yaml::to_string(&fm).unwrap())
}

fn pack(description: &str, display: &str, author: &str) -> Pack {
    Pack {
        name: "prop-pack".into(),
        display_name: Some(display.to_string()),
        description: description.to_string(),
        version: Some("1.2.3".into()),
        author: Author { name: author.to_string(), email: None },
        license: None,
        homepage: None,
        repository: None,
        keywords: vec![],
        category: None,
        files: vec![],
    }
}

fn make_plan(set: &SkillSet, pack: &Pack) -> Plan {
    plan_with(set, pack, &Default::default(), Default::default())
}

fn plan_with(
    set: &SkillSet,
    pack: &Pack,
    components: &skillwright_model::component::Components,
    layout: plan::Layout,
) -> Plan {
    let targets = target::builtin().unwrap();
    let chosen: Vec<_> = targets.values().collect();
    let templates = pipeline::templates(&chosen, Default::default(), None).unwrap();
    let bins = plan::in_memory(&pipeline::fake_binaries());
    plan::plan(&plan::Inputs {
        set,
        pack,
        targets: targets.values().collect(),
        templates: &templates,
        binaries: &bins,
        key: None,
        layout,
        components,
        scripts: &Default::default(),
        files: &Default::default(),
    })
    .expect("a validated set always plans")
}

fn files(p: &Plan) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for pkg in &p.packages {
        for (path, f) in &pkg.files {
            out.insert(format!("{}/{path}", pkg.host), f.bytes().unwrap().to_vec());
        }
    }
    out
}

/// Files that run code (launchers, hook configs, the JS module): no user text may reach them,
/// so they must not change when only the user's text changes.
fn is_code(path: &str) -> bool {
    path.ends_with("/hooks/run")
        || path.ends_with("/hooks/run.cmd")
        || path.ends_with("hooks/hooks.json")
        || path.ends_with(".js")
        || path.ends_with(".sh")
}

/// A command (`prop-cmd`) and an agent (`prop-agent`) written as files the way an author would,
/// read back by the build: `None` when the build refuses them (an error diagnostic).
fn components_of(
    cmd_desc: &str,
    hint: &str,
    cmd_body: &str,
    agent_desc: &str,
    agent_body: &str,
) -> Option<skillwright_model::component::Components> {
    let dir = tempfile::tempdir().unwrap();
    let doc = |pairs: &[(&str, &str)], body: &str| {
        let mut fm = serde_yaml::Mapping::new();
        for (k, v) in pairs {
            fm.insert((*k).into(), (*v).into());
        }
        format!("---\n{}---\n{body}\n", serde_yaml::to_string(&fm).unwrap())
    };
    for sub in ["commands", "agents"] {
        std::fs::create_dir(dir.path().join(sub)).unwrap();
    }
    std::fs::write(
        dir.path().join("commands/prop-cmd.md"),
        doc(&[("description", cmd_desc), ("argument-hint", hint)], cmd_body),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("agents/prop-agent.md"),
        doc(&[("name", "prop-agent"), ("description", agent_desc)], agent_body),
    )
    .unwrap();
    let (read, diags) = skillwright_build::components::read(dir.path());
    if diags.iter().any(|d| d.severity == Severity::Error) || read.commands.len() + read.agents.len() != 2 {
        return None;
    }
    Some(skillwright_model::component::Components {
        commands: read.commands,
        agents: read.agents,
        ..Default::default()
    })
}

/// Every string in a parsed document, at any depth.
fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
        serde_json::Value::Object(o) => o.values().for_each(|x| strings(x, out)),
        _ => {}
    }
}

/// The data in a generated file, parsed by its format: JSON, TOML, or a Markdown file's YAML
/// frontmatter (with the body after it). `Ok(None)` for files of other kinds.
fn parsed(path: &str, bytes: &[u8]) -> Result<Option<(serde_json::Value, String)>, String> {
    let text = || std::str::from_utf8(bytes).map_err(|e| format!("{path}: {e}"));
    if path.ends_with(".json") {
        return serde_json::from_slice(bytes)
            .map(|v| Some((v, String::new())))
            .map_err(|e| format!("{path}: {e}"));
    }
    if path.ends_with(".toml") {
        let v: toml::Value = toml::from_str(text()?).map_err(|e| format!("{path}: {e}"))?;
        return Ok(Some((serde_json::to_value(v).unwrap(), String::new())));
    }
    if path.ends_with(".md") && bytes.starts_with(b"---\n") {
        let t = text()?;
        let (fm, body) = t[4..].split_once("\n---\n").ok_or(format!("{path}: unclosed frontmatter"))?;
        let v: serde_json::Value =
            serde_yaml::from_str(&format!("{fm}\n")).map_err(|e| format!("{path}: {e}"))?;
        return Ok(Some((v, body.to_string())));
    }
    Ok(None)
}

fn set_of(name: &str, description: &str) -> (SkillSet, bool) {
    let md = skill_md(name, description);
    let (skill, mut diags) =
        skillwright_build::parse::parse_skill(name, &format!("{name}/SKILL.md"), md.as_bytes());
    let mut set = SkillSet::default();
    if let Some(s) = skill {
        set.skills.push(s);
    }
    diags.extend(skillwright_build::validate::validate(&set, &skillwright_build::validate::Hosts::builtin()));
    let ok = !diags.iter().any(|d| d.severity == Severity::Error);
    (set, ok)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn hostile_text_stays_data_in_every_file(
        desc in hostile_text(24),
        pack_desc in hostile_text(24),
        display in hostile_line(12),
        author in hostile_line(12),
    ) {
        let (set, ok) = set_of("prop-skill", &desc);
        prop_assume!(ok, "the validator refused this description (its own tests cover why)");
        let hostile_pack = pack(&pack_desc, &display, &author);
        prop_assume!(hostile_pack.check().is_ok());
        let p = make_plan(&set, &hostile_pack);

        // Pure: the same inputs give the same bytes.
        prop_assert_eq!(files(&p), files(&make_plan(&set, &hostile_pack)));

        // Code files are identical to those of a plain pack: user text never reaches them.
        let (plain_set, _) = set_of("prop-skill", "Plain words. Use when testing.");
        let plain = files(&make_plan(&plain_set, &pack("Plain pack", "Plain", "Plain Author")));
        for (path, bytes) in files(&p) {
            if is_code(&path) {
                prop_assert_eq!(Some(&bytes), plain.get(&path), "{} depends on user text", path);
            }
        }

        for (path, bytes) in files(&p) {
            // Every JSON file parses; the skill index holds the description verbatim.
            if path.ends_with(".json") {
                let v: serde_json::Value = serde_json::from_slice(&bytes)
                    .map_err(|e| TestCaseError::fail(format!("{path}: {e}")))?;
                if path.ends_with("hooks/skills.json") {
                    prop_assert_eq!(v["skills"][0]["description"].as_str(), Some(desc.as_str()));
                    prop_assert_eq!(v["display"].as_str(), Some(display.as_str()));
                }
                if path.ends_with("plugin.json") && v.get("description").is_some() {
                    prop_assert_eq!(v["description"].as_str(), Some(pack_desc.as_str()), "{}", path);
                }
            }
            // Every per-host SKILL.md parses back to the same name and description.
            if path.ends_with("prop-skill/SKILL.md") {
                let (back, _) = skillwright_build::parse::parse_skill("prop-skill", &path, &bytes);
                let back = back.expect("re-emitted SKILL.md parses");
                prop_assert_eq!(back.meta.description.as_deref(), Some(desc.as_str()), "{}", path);
                prop_assert_eq!(back.meta.name.as_deref(), Some("prop-skill"));
            }
        }
    }

    #[test]
    fn hostile_command_and_agent_text_stays_data_in_every_format(
        cmd_desc in hostile_text(16),
        hint in hostile_text(6),
        cmd_body in hostile_text(24),
        agent_desc in hostile_text(16),
        agent_body in hostile_text(24),
        universal in any::<bool>(),
    ) {
        let components = components_of(&cmd_desc, &hint, &cmd_body, &agent_desc, &agent_body);
        prop_assume!(components.is_some(), "the build refused this text (its own tests cover why)");
        let components = components.unwrap();
        let layout = if universal { plan::Layout::Universal } else { plan::Layout::default() };
        let (set, _) = set_of("prop-skill", "Plain words. Use when testing.");
        let plain_pack = pack("Plain pack", "Plain", "Plain Author");
        let p = plan_with(&set, &plain_pack, &components, layout);
        prop_assert_eq!(files(&p), files(&plan_with(&set, &plain_pack, &components, layout)));
        let (cmd, agent) = (&components.commands[0], &components.agents[0]);

        // Per package: every structured file parses, and wherever the command or the agent is
        // written, its description comes back verbatim and its prompt whole.
        let mut carried = 0;
        for pkg in &p.packages {
            for (path, f) in &pkg.files {
                let Some((v, body)) = parsed(path, f.bytes().unwrap()).map_err(TestCaseError::fail)? else { continue };
                let mut found = Vec::new();
                strings(&v, &mut found);
                for (name, desc, prompt) in [("prop-cmd", &cmd.description, &cmd.body), ("prop-agent", &agent.description, &agent.body)] {
                    if path.contains(name) {
                        prop_assert!(found.contains(desc), "{}/{}: description lost: {:?}", pkg.host, path, found);
                        let whole = found.iter().any(|s| s.contains(prompt.trim())) || body.contains(prompt.trim());
                        prop_assert!(whole, "{}/{}: prompt lost", pkg.host, path);
                        carried += 1;
                    }
                }
            }
        }
        prop_assert!(carried >= 2, "the command and the agent were written somewhere");

        // Launchers and hook configs hold no component text: the same as for plain components.
        let plain = components_of("Plain.", "[x]", "Do it.", "Helps.", "You help.").unwrap();
        let plain = files(&plan_with(&set, &plain_pack, &plain, layout));
        for (path, bytes) in files(&p) {
            if is_code(&path) && !path.ends_with(".js") {
                prop_assert_eq!(Some(&bytes), plain.get(&path), "{} depends on component text", path);
            }
        }
    }

    #[test]
    fn any_skill_md_bytes_validate_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let (_skill, diags) = skillwright_build::parse::parse_skill("x", "x/SKILL.md", &bytes);
        let lines = bytes.split(|b| *b == b'\n').count() as u32;
        for d in diags {
            prop_assert!(d.line <= lines + 1, "line {} past the end ({} lines)", d.line, lines);
        }
    }
}

/// The generated JavaScript stays valid for hostile packs and components: `node --check` on every
/// module of every host.
#[test]
fn javascript_passes_node_check_for_hostile_packs_and_components() {
    let mut runner =
        proptest::test_runner::TestRunner::new(ProptestConfig { cases: 6, ..Default::default() });
    let dir = tempfile::tempdir().unwrap();
    runner
        .run(
            &(hostile_text(24), hostile_line(12), hostile_text(16), hostile_text(24)),
            |(pack_desc, display, desc, body)| {
                let (set, _) = set_of("prop-skill", "Plain words. Use when testing.");
                let components = components_of(&desc, "[x]", &body, &desc, &body).unwrap_or_default();
                let p = plan_with(&set, &pack(&pack_desc, &display, "A"), &components, Default::default());
                let mut checked = 0;
                for (path, js) in files(&p).iter().filter(|(p, _)| p.ends_with(".js") || p.ends_with(".mjs"))
                {
                    let file = dir.path().join("module.mjs");
                    std::fs::write(&file, js).unwrap();
                    let out = std::process::Command::new("node")
                        .arg("--check")
                        .arg(&file)
                        .output()
                        .expect("node runs");
                    prop_assert!(out.status.success(), "{}: {}", path, String::from_utf8_lossy(&out.stderr));
                    checked += 1;
                }
                prop_assert!(checked >= 2, "the OpenCode and Pi modules were checked");
                Ok(())
            },
        )
        .unwrap();
}

/// Line endings and a BOM that some hosts cannot split (SW016) are normalised in every rendered
/// copy: each host's SKILL.md has LF line endings and no BOM, and reads back the same.
#[test]
fn bom_and_line_endings_are_normalised_in_every_copy() {
    for src in [
        "\u{feff}---\nname: norm\ndescription: Use when testing.\n---\n# N\n\nBody.\n",
        "---\r\nname: norm\r\ndescription: Use when testing.\r\n---\r\n# N\r\n\r\nBody.\r\n",
        "---\rname: norm\rdescription: Use when testing.\r---\r# N\r\rBody.\r",
    ] {
        let (skill, diags) = skillwright_build::parse::parse_skill("norm", "norm/SKILL.md", src.as_bytes());
        assert!(!diags.iter().any(|d| d.severity == Severity::Error), "{diags:?}");
        let mut set = SkillSet::default();
        set.skills.push(skill.unwrap());
        let p = make_plan(&set, &pack("Plain pack", "Plain", "Plain Author"));
        let copies: Vec<_> =
            files(&p).into_iter().filter(|(path, _)| path.ends_with("norm/SKILL.md")).collect();
        assert!(copies.len() >= 10, "one copy per host");
        for (path, bytes) in copies {
            assert!(!bytes.contains(&b'\r') && !bytes.starts_with("\u{feff}".as_bytes()), "{path}");
            assert!(bytes.starts_with(b"---\nname: norm\n") && bytes.ends_with(b"# N\n\nBody.\n"), "{path}");
        }
    }
}

/// Pieces of YAML values at the edge of what the flat frontmatter reader takes: typed words and
/// numbers, indicators, comment and key markers, quotes and escapes, line breaks libyaml knows
/// and characters it refuses.
const YAML_EDGES: &[&str] = &[
    "true",
    "False",
    "null",
    "~",
    "yes",
    "inf",
    ".inf",
    "NaN",
    "0x1F",
    "0o7",
    "1e5",
    "+1",
    "-2",
    "0755",
    "1.0",
    "1.0.0",
    "2024-01-01",
    "12:30",
    ".",
    "_",
    ":",
    ": ",
    " #",
    "#",
    "\"",
    "'",
    "''",
    "\\",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&",
    "*",
    "!",
    "|",
    ">",
    "%",
    "@",
    "`",
    "?",
    "-",
    "- ",
    " ",
    "  ",
    "\t",
    "é",
    "🦀",
    "\u{a0}",
    "\u{85}",
    "\u{2028}",
    "\u{feff}",
    "\u{7f}",
    "\u{1}",
    "\u{fffe}",
];

/// One frontmatter line: mostly `key: value` with a plain or quoted value, at some indentation.
fn yaml_line() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        8 => "[a-zA-Z][a-zA-Z0-9 .,]{0,10}",
        3 => proptest::sample::select(YAML_EDGES).prop_map(str::to_string),
    ];
    let value = proptest::collection::vec(piece, 0..3).prop_map(|v| v.concat());
    let quoted = prop_oneof![4 => Just(""), 1 => Just("\""), 1 => Just("'")];
    let key = prop_oneof![
        6 => "[a-z][a-z0-9_-]{0,6}",
        1 => proptest::sample::select(&["true", "Null", "yes", "inf", "e5", "k k", "\"k\"", "-k", ""][..])
            .prop_map(str::to_string),
    ];
    let indent =
        prop_oneof![8 => Just(""), 4 => Just("  "), 1 => Just("   "), 1 => Just("    "), 1 => Just("\t")];
    let sep =
        prop_oneof![12 => Just(": "), 2 => Just(":"), 1 => Just(":  "), 1 => Just(" : "), 1 => Just(":\t")];
    prop_oneof![
        8 => (indent, key, sep, quoted, value)
            .prop_map(|(i, k, s, q, v)| format!("{i}{k}{s}{q}{v}{q}")),
        1 => Just(String::new()),
        1 => Just("# note".to_string()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    /// Whatever the flat reader takes, it reads as serde_yaml does (it declines the rest).
    #[test]
    fn the_flat_yaml_reader_agrees_with_serde_yaml(lines in proptest::collection::vec(yaml_line(), 1..5)) {
        let doc = lines.join("\n") + "\n";
        if let Some(fast) = skillwright_build::yaml::flat::read(&doc) {
            let full = serde_yaml::from_str::<serde_yaml::Value>(&doc).map_err(|e| e.to_string());
            prop_assert_eq!(Ok(fast), full, "{:?}", doc);
        }
    }
}

/// The flagship pack's frontmatter is all of the kind the flat reader takes, read as serde_yaml
/// reads it: the fast path is the path real packs take.
#[test]
fn the_flagship_frontmatter_takes_the_flat_reader() {
    let skills = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../skills");
    let mut seen = 0;
    for entry in std::fs::read_dir(&skills).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path().join("SKILL.md")).unwrap();
        let split = skillwright_build::frontmatter::split(&text).unwrap();
        let yaml = &text[split.yaml];
        let fast = skillwright_build::yaml::flat::read(yaml);
        assert!(fast.is_some(), "declined:\n{yaml}");
        assert_eq!(fast.unwrap(), serde_yaml::from_str::<serde_yaml::Value>(yaml).unwrap());
        seen += 1;
    }
    assert!(seen >= 10, "{seen} flagship skills");
}
