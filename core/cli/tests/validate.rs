//! The real `skillwright` binary on fixture trees: exit codes, streams and formats.

use std::path::PathBuf;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_skillwright"))
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures")
}

#[test]
fn clean_tree_exits_0_with_summary_on_stderr() {
    let out = bin().arg("validate").arg(fixtures().join("ok/full-featured")).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("2 skills checked: 0 errors, 0 warnings"), "{err}");
}

#[test]
fn broken_tree_exits_1_with_every_problem() {
    let out = bin().arg("validate").arg(fixtures().join("err/many-problems")).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8(out.stderr).unwrap();
    for code in ["SW102", "SW110", "SW109", "SW107", "SW111", "SW201"] {
        assert!(err.contains(code), "{code} missing from:\n{err}");
    }
    assert!(err.contains("many-problems/Many_Problems/SKILL.md:2:7"), "{err}");
}

#[test]
fn warnings_pass_unless_denied() {
    let dir = fixtures().join("err/unknown-key");
    let out = bin().arg("validate").arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let out = bin().args(["validate", "--deny-warnings"]).arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn strict_adds_quality_lint() {
    let dir = fixtures().join("err/strict-no-trigger");
    assert_eq!(bin().arg("validate").arg(&dir).output().unwrap().status.code(), Some(0));
    let out = bin().args(["validate", "--strict", "--deny-warnings"]).arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("SW301"));
}

#[test]
fn json_and_sarif_go_to_stdout_and_parse() {
    let dir = fixtures().join("err/many-problems");
    let out = bin().args(["validate", "--format", "json"]).arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["errors"].as_u64().unwrap() >= 4);
    assert_eq!(v["diagnostics"][0]["code"], "SW102");
    let quoted = v["diagnostics"].as_array().unwrap().iter().find(|d| d["code"] == "SW110").unwrap();
    assert_eq!(quoted["help"], "quote it: `description: \"on\"`");
    let out = bin().args(["validate", "--format", "sarif"]).arg(&dir).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert!(!v["runs"][0]["results"].as_array().unwrap().is_empty());
    assert_eq!(v["runs"][0]["columnKind"], "unicodeCodePoints");
    assert_eq!(v["runs"][0]["tool"]["driver"]["version"], env!("CARGO_PKG_VERSION"));
    let out = bin().args(["validate", "--format", "github"]).arg(&dir).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.lines().all(|l| l.starts_with("::error ") || l.starts_with("::warning ")), "{text}");
}

#[test]
fn missing_root_is_a_usage_error() {
    let out = bin().args(["validate", "/nonexistent/skills"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/skills"));
}

#[test]
fn explain_knows_every_code_and_rejects_unknown() {
    let out = bin().args(["explain", "SW102"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("name-invalid"));
    assert_eq!(bin().args(["explain", "SW999"]).output().unwrap().status.code(), Some(2));
}

#[test]
fn new_scaffolds_a_standard_skill_whose_todos_fail_strict() {
    let tmp = tempfile::tempdir().unwrap();
    let out = bin().args(["new", "my-skill", "--root"]).arg(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let out = bin().arg("validate").arg(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = bin().args(["validate", "--strict"]).arg(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "a TODO left in the starter fails --strict");
    assert!(String::from_utf8_lossy(&out.stderr).contains("SW305"));
    let md = tmp.path().join("my-skill/SKILL.md");
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.contains("metadata:\n  version: 0.1.0\n"), "the standard form: {text}");
    std::fs::write(
        &md,
        text.replace(
            "TODO: say what this skill does. Use when TODO: the situation",
            "Does it. Use when asked",
        ),
    )
    .unwrap();
    let out = bin().args(["validate", "--strict", "--deny-warnings"]).arg(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));

    let described = tempfile::tempdir().unwrap();
    let out = bin()
        .args([
            "new",
            "tidy-up",
            "--description",
            "Tidies things. Use when the user asks to tidy up.",
            "--root",
        ])
        .arg(described.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let out = bin().args(["validate", "--strict", "--deny-warnings"]).arg(described.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = bin().args(["new", "Bad_Name", "--root"]).arg(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = bin().args(["new", "con", "--root"]).arg(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "a name Windows reserves");
}

#[test]
fn fmt_migrates_a_pack_to_the_standard_form() {
    let tmp = tempfile::tempdir().unwrap();
    for case in ["older-top-level-form", "bom", "frontmatter-dots-close", "allowed-tools-commas"] {
        let from = fixtures().join("err").join(case);
        for e in std::fs::read_dir(&from).unwrap() {
            let e = e.unwrap();
            let to = tmp.path().join(e.file_name());
            std::fs::create_dir_all(&to).unwrap();
            std::fs::copy(e.path().join("SKILL.md"), to.join("SKILL.md")).unwrap();
        }
    }
    let out = bin().args(["fmt", "--check"]).arg(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let out = bin().arg("fmt").arg(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = bin().args(["validate", "--deny-warnings"]).arg(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let out = bin().args(["fmt", "--check"]).arg(tmp.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "a formatted pack stays as it is");
}

#[test]
fn several_roots_and_single_skill_md_paths_for_pre_commit() {
    let ok = fixtures().join("ok");
    let out = bin()
        .arg("validate")
        .arg(ok.join("full-featured"))
        .arg(ok.join("minimal/hello/SKILL.md"))
        .arg(ok.join("crlf/win"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("4 skills checked: 0 errors, 0 warnings"), "{err}");
    let out =
        bin().arg("validate").arg(fixtures().join("err/name-dir-mismatch/folder/SKILL.md")).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("err/name-dir-mismatch/folder/SKILL.md:2:7"), "paths as given: {err}");
}

#[test]
fn the_pack_file_is_checked_with_the_fix_shown() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = tmp.path().join("skillwright.toml");
    std::fs::write(&pack, "name = \"p\"\n[pack]\ndescription = \"d\"\n").unwrap();
    let out =
        bin().args(["validate", "--pack"]).arg(&pack).arg(fixtures().join("ok/minimal")).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("error[SW019]") && err.contains("move it below the `[pack]` line"), "{err}");
    std::fs::write(
        &pack,
        "[pack]\nname = \"p\"\ndescription = \"d\"\n[pack.author]\nname = \"A\\u001b[2J\"\n",
    )
    .unwrap();
    let out =
        bin().args(["validate", "--pack"]).arg(&pack).arg(fixtures().join("ok/minimal")).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error[SW017]") && err.contains("U+001B (ESC)") && !err.contains('\x1b'), "{err}");
    let missing = tmp.path().join("none.toml");
    let out =
        bin().args(["validate", "--pack"]).arg(&missing).arg(fixtures().join("ok/minimal")).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("run `skillwright init`"));
    let dir = tmp.path().join("new-pack");
    let out = bin().args(["init", "--quiet", "--name", "my-pack"]).arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let written = dir.join("skillwright.toml");
    let out =
        bin().args(["validate", "--pack"]).arg(&written).arg(fixtures().join("ok/minimal")).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn validate_with_the_pack_file_checks_commands_agents_and_hooks_too() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("skillwright.toml"),
        "[pack]\nname = \"p\"\ndescription = \"d\"\nversion = \"1.0.0\"\n[pack.author]\nname = \"A\"\n\n[[hooks]]\nevent = \"before-lunch\"\nhandler = \"skill-usage\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("commands")).unwrap();
    std::fs::write(
        dir.join("commands/review.md"),
        "---\nargument-hint: \"[files]\"\n---\nReview $ARGUMENTS\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("agents")).unwrap();
    let validate_pack = || {
        bin()
            .current_dir(dir)
            .args(["validate", "--pack", "skillwright.toml"])
            .arg(fixtures().join("ok/minimal"))
            .output()
            .unwrap()
    };
    std::fs::write(dir.join("agents/helper.md"), "---\nname: other\ndescription: Helps.\n---\nYou help.\n")
        .unwrap();
    let out = validate_pack();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for (code, at) in [
        ("SW402", "commands/review.md:1:1"),
        ("SW421", "agents/helper.md:2:1"),
        ("SW461", "skillwright.toml:9:9"),
    ] {
        assert!(err.contains(&format!("error[{code}]")) && err.contains(at), "{code} at {at}: {err}");
    }
    // The same files, fixed, pass.
    std::fs::write(
        dir.join("commands/review.md"),
        "---\ndescription: Reviews files\n---\nReview $ARGUMENTS\n",
    )
    .unwrap();
    std::fs::write(dir.join("agents/helper.md"), "---\nname: helper\ndescription: Helps.\n---\nYou help.\n")
        .unwrap();
    let toml = std::fs::read_to_string(dir.join("skillwright.toml")).unwrap();
    std::fs::write(dir.join("skillwright.toml"), toml.replace("before-lunch", "post-tool-use")).unwrap();
    let out = validate_pack();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn flagship_pack_passes_strict_with_no_warnings() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../skills");
    let out = bin().args(["validate", "--strict", "--deny-warnings"]).arg(root).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn skill_search_finds_the_expected_skill_for_each_sample_request() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cases = std::fs::read_to_string(repo.join("tests/fixtures/skill-search.tsv")).unwrap();
    let mut misses = Vec::new();
    let mut n = 0;
    for line in cases.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let (request, expected) = line.split_once('\t').unwrap();
        n += 1;
        let out = bin()
            .args(["skills", "search", "--limit", "1", "--root"])
            .arg(repo.join("skills"))
            .arg(request)
            .output()
            .unwrap();
        let top = String::from_utf8_lossy(&out.stdout).split_whitespace().next().unwrap_or("").to_string();
        if top != expected {
            misses.push(format!("{request:?}: expected {expected}, got {top:?}"));
        }
    }
    assert!(n >= 20, "at least 20 sample requests");
    assert!(misses.is_empty(), "{}", misses.join("\n"));
}

/// Sources written the recommended way pass the Agent Skills reference validator: the flagship
/// pack and a fresh `new` skill. Runs when `agentskills` (PyPI skills-ref 0.1.1) is on PATH or
/// named by SKILLWRIGHT_AGENTSKILLS; skipped (saying so) where it is not installed.
#[test]
fn the_flagship_and_a_new_skill_pass_the_reference_validator() {
    let tool = std::env::var_os("SKILLWRIGHT_AGENTSKILLS").unwrap_or_else(|| "agentskills".into());
    if Command::new(&tool).arg("--help").output().is_err() {
        eprintln!(
            "skipped: no `agentskills` (pip install skills-ref==0.1.1, or set SKILLWRIGHT_AGENTSKILLS)"
        );
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = bin()
        .args(["new", "fresh-skill", "--description", "Does a thing. Use when asked for it.", "--root"])
        .arg(tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let flagship = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../skills");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&flagship).unwrap().map(|e| e.unwrap().path()).collect();
    dirs.sort();
    dirs.push(tmp.path().join("fresh-skill"));
    for dir in dirs.iter().filter(|d| d.join("SKILL.md").is_file()) {
        let out = Command::new(&tool).arg("validate").arg(dir).output().unwrap();
        assert!(out.status.success(), "{}: {}", dir.display(), String::from_utf8_lossy(&out.stdout));
    }
}
