//! Adding a host is one target spec and one templates tree: a fictional eleventh host, defined in
//! a temporary directory, gets a complete package, a working hook in its own payload shape, its
//! own frontmatter keys, and its losses reported, with no change to skillwright itself.

mod support;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use support::BIN;

const TARGET: &str = r#"
id = "zed"
display = "Zed Agent"
plugin-root = "plugin"
skill-keys = ["name", "description", "zed-mode"]
loss = ["Zed shows new skills only after a restart."]

[hook]
via = "sessionStart hook"
output = { zed = { kind = "session", context = "{context}" } }
"#;

const MANIFEST: &str =
    r#"{ "name": {{ pack.name|tojson }}, "version": {{ version|tojson }}, "hooks": "./hooks/zed.json" }"#;
const HOOKS: &str = r#"{ "sessionStart": [ { "command": "./hooks/run zed" } ] }"#;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN).args(args).current_dir(dir).stdin(Stdio::null()).output().unwrap()
}

#[test]
fn an_eleventh_host_from_a_temp_dir_is_data_and_templates_only() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    write(&d.join("targets/zed.toml"), TARGET);
    write(&d.join("templates/zed/plugin/.zed-plugin/plugin.json.j2"), MANIFEST);
    write(&d.join("templates/zed/plugin/hooks/zed.json.j2"), HOOKS);
    write(
        &d.join("skillwright.toml"),
        "[pack]\nname = \"zpack\"\ndescription = \"A pack for Zed\"\nversion = \"1.2.3\"\n[pack.author]\nname = \"Z\"\n",
    );
    write(
        &d.join("skills/zoom/SKILL.md"),
        "---\nname: zoom\ndescription: Zooms in. Use when testing a new host.\nzed-mode: fast\nallowed-tools: Read\n---\n# Zoom\n\nBody.\n",
    );

    // Its frontmatter key is known once its target is: no unknown-key warning with --targets.
    let plain = run(d, &["validate", "--format", "json", "skills"]);
    assert!(
        String::from_utf8_lossy(&plain.stdout).contains("SW111"),
        "zed-mode is unknown to the built-in hosts"
    );
    let with = run(d, &["validate", "--format", "json", "--targets", "targets", "skills"]);
    assert!(
        !String::from_utf8_lossy(&with.stdout).contains("SW111"),
        "{}",
        String::from_utf8_lossy(&with.stdout)
    );

    let out = run(
        d,
        &[
            "build",
            "--targets",
            "targets",
            "--templates",
            "templates",
            "--hosts",
            "zed",
            "--fake-binaries",
            "--out",
            "out",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let root = d.join("out/zed/plugin");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join(".zed-plugin/plugin.json")).unwrap()).unwrap();
    assert_eq!((manifest["name"].as_str(), manifest["version"].as_str()), (Some("zpack"), Some("1.2.3")));
    // Its copy of the skill keeps the keys it reads and drops the others (reported as a loss).
    let md = std::fs::read_to_string(root.join("skills/zoom/SKILL.md")).unwrap();
    assert!(md.contains("zed-mode: fast") && !md.contains("allowed-tools"), "{md}");
    let report = std::fs::read_to_string(d.join("out/REPORT.md")).unwrap();
    assert!(report.contains("## Zed Agent (`zed`)") && report.contains("only after a restart"), "{report}");
    assert!(report.contains("`allowed-tools` (1 skill) is not honoured by Zed Agent"), "{report}");

    // The static payload and the live hook both speak the shape its spec gives.
    let shape = |bytes: &[u8]| -> String {
        let v: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        assert_eq!(v["zed"]["kind"], "session", "{v}");
        v["zed"]["context"].as_str().unwrap().to_string()
    };
    assert!(shape(&std::fs::read(root.join("hooks/static/zed")).unwrap()).contains("- zoom: Zooms in."));
    let exe = root.join("bin").join(env!("SKILLWRIGHT_TRIPLE")).join("skillwright");
    let fake = std::fs::read(&exe).unwrap();
    std::fs::copy(BIN, &exe).unwrap();
    let hook = Command::new(root.join("hooks/run"))
        .arg("zed")
        .env("SKILLWRIGHT_HOME", d.join("home"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(hook.status.code(), Some(0));
    let live = shape(&hook.stdout);
    assert!(live.contains("- zoom: Zooms in.") && live.contains("Runtime:"), "{live}");

    // And the package is sealed like any other.
    // (The hook may still be running it for its background self-check: replace, don't rewrite.)
    std::fs::remove_file(&exe).unwrap();
    std::fs::write(&exe, fake).unwrap();
    let v = run(d, &["verify", "--format", "json", "out/zed/plugin"]);
    let doc: serde_json::Value = serde_json::from_slice(&v.stdout).unwrap();
    assert_eq!((v.status.code(), doc["host"].as_str()), (Some(3), Some("zed")), "{doc}");
    assert_eq!(doc["verdict"]["verdict"], "unsigned", "intact, unsigned: {doc}");
}
