//! A new pack author's first hour: `init`, `validate`, `build` from an empty directory, the pack
//! file's schema, build output that stays short and complete, completions and man pages.

mod support;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use support::{BIN, repo};

fn run_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("SKILLWRIGHT_HOME", dir.join(".home"))
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn init_then_validate_then_build_from_an_empty_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run_in(tmp.path(), &["init", "My Skills", "--author", "Ada"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("cd 'My Skills' && skillwright validate"), "{}", stderr(&o));
    let pack = tmp.path().join("My Skills");
    let toml = std::fs::read_to_string(pack.join("skillwright.toml")).unwrap();
    assert!(toml.contains("name = \"my-skills\"") && toml.contains("name = \"Ada\""), "{toml}");
    let o = run_in(&pack, &["validate", "--strict", "--deny-warnings"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Not a Rust project: the packages go to dist/.
    let o = run_in(&pack, &["build", "--fake-binaries"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(pack.join("dist/REPORT.md").is_file() && pack.join("dist/claude").is_dir());
    assert!(stderr(&o).contains("in dist"), "{}", stderr(&o));
    // A second init never overwrites.
    let o = run_in(&pack, &["init"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already exists"), "{}", stderr(&o));
}

#[test]
fn new_command_and_agent_starters_build_into_every_host() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = tmp.path();
    assert!(run_in(pack, &["init", "--quiet", "--name", "starters"]).status.success());
    let o = run_in(pack, &["new", "command", "tidy-review"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("created commands/tidy-review.md"), "{}", stderr(&o));
    let o =
        run_in(pack, &["new", "agent", "scout-agent", "--description", "Scouts. Use when asked to scout."]);
    assert!(o.status.success(), "{}", stderr(&o));
    let agent = std::fs::read_to_string(pack.join("agents/scout-agent.md")).unwrap();
    assert!(agent.contains("name: scout-agent\ndescription: Scouts. Use when asked to scout.\n"), "{agent}");
    // One namespace for skills, commands and agents; kinds are checked; nothing is replaced.
    for args in [
        &["new", "agent", "tidy-review"][..],
        &["new", "skill", "scout-agent"],
        &["new", "command", "tidy-review"],
        &["new", "widget", "x"],
        &["new", "command", "Bad_Name"],
        &["new", "agent"],
    ] {
        let o = run_in(pack, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
    }
    let o = run_in(pack, &["build", "--fake-binaries", "-q"]);
    assert!(o.status.success() && o.stderr.is_empty(), "the starters build cleanly: {}", stderr(&o));
    let report = std::fs::read_to_string(pack.join("dist/REPORT.md")).unwrap();
    let mut hosts = 0;
    for host in std::fs::read_dir(pack.join("dist")).unwrap().flatten().filter(|e| e.path().is_dir()) {
        hosts += 1;
        let host_name = host.file_name().to_string_lossy().into_owned();
        let files = support::walk(&host.path());
        for name in ["tidy-review", "scout-agent"] {
            let carried = files.iter().any(|f| {
                f.to_string_lossy().contains(name)
                    || std::fs::read(f).is_ok_and(|b| String::from_utf8_lossy(&b).contains(name))
            });
            assert!(
                carried || report.contains(&format!("`{name}`")),
                "{host_name}: `{name}` neither in the package nor in the loss report"
            );
        }
    }
    assert!(hosts >= 9, "a package per built-in host: {hosts}");
}

#[test]
fn a_rust_project_builds_into_target_plugins_and_init_keeps_existing_skills() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("Cargo.toml"), "[workspace]\n").unwrap();
    support::copy_dir(
        &repo().join("skills/systematic-debugging"),
        &tmp.path().join("skills/systematic-debugging"),
    );
    let o = run_in(tmp.path(), &["init", "--name", "tools", "--quiet"]);
    assert!(o.status.success() && o.stderr.is_empty(), "{}", stderr(&o));
    assert!(!tmp.path().join("skills/commit-messages").exists(), "existing skills are kept as they are");
    let o = run_in(tmp.path(), &["build", "--fake-binaries", "--hosts", "claude", "-q"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stderr.is_empty(), "--quiet prints only problems: {}", stderr(&o));
    assert!(tmp.path().join("target/plugins/claude").is_dir());
    let o = run_in(tmp.path(), &["build", "--fake-binaries", "--hosts", "claude", "-q", "--check"]);
    assert!(o.status.success() && o.stderr.is_empty(), "{}", stderr(&o));
}

#[test]
fn build_without_a_pack_file_says_to_run_init() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run_in(tmp.path(), &["build"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("no pack file at skillwright.toml; run `skillwright init`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn loss_notes_show_once_per_change_and_partial_builds_keep_the_report_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let first = support::build_flagship(&out, &[]);
    assert!(first.status.success(), "{}", stderr(&first));
    // Hosts with fixed loss notes, and those losing one of the pack's components, are named.
    let lossy: Vec<String> = support::targets()
        .into_iter()
        .map(|t| t.id)
        .filter(|id| stderr(&first).contains(&format!("\n  {id}: ")))
        .collect();
    for t in support::targets().into_iter().filter(|t| !t.loss.is_empty()) {
        assert!(lossy.contains(&t.id), "first build names {}'s losses", t.id);
    }
    assert!(stderr(&first).contains("bundled placeholder binaries"), "{}", stderr(&first));
    let again = support::build_flagship(&out, &[]);
    let text = stderr(&again);
    assert!(
        text.contains(&format!("{} hosts have losses, unchanged since the last build", lossy.len())),
        "{text}"
    );
    assert!(!text.contains(&format!("\n  {}: ", lossy[0])), "no per-host notes on a no-op build: {text}");

    // One host rebuilt: the report keeps every host, and a full --check still passes.
    let report = std::fs::read_to_string(out.join("REPORT.md")).unwrap();
    let one = support::build_flagship(&out, &["--hosts", &lossy[0]]);
    assert!(one.status.success(), "{}", stderr(&one));
    assert_eq!(std::fs::read_to_string(out.join("REPORT.md")).unwrap(), report);
    let check = support::build_flagship(&out, &["--check"]);
    assert!(check.status.success(), "{}", stderr(&check));
}

#[test]
fn help_hides_test_flags_and_the_build_says_which_platforms_it_bundled() {
    let help = Command::new(BIN).args(["build", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("--bin-dir") && !help.contains("--fake-binaries"), "{help}");
    let tmp = tempfile::tempdir().unwrap();
    let o = Command::new(BIN)
        .args(["build", "--pack-version", "0.1.0", "--hosts", "claude", "--out"])
        .arg(tmp.path())
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let triple = skillwright_cli::TRIPLE;
    assert!(stderr(&o).contains(&format!("bundled the skillwright binary for {triple} (1 of 8 platforms)")));
    assert!(stderr(&o).contains("--bin-dir"), "{}", stderr(&o));
}

#[test]
fn completions_and_man_pages_cover_every_command() {
    let names: Vec<String> = skillwright_cli::command()
        .get_subcommands()
        .filter(|c| !c.is_hide_set())
        .map(|c| c.get_name().to_string())
        .collect();
    assert!(names.len() > 10 && names.iter().any(|n| n == "init"));
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = Command::new(BIN).args(["completions", shell]).output().unwrap();
        assert!(o.status.success());
        let text = String::from_utf8_lossy(&o.stdout);
        for n in &names {
            assert!(text.contains(n.as_str()), "{shell} completions lack `{n}`");
        }
    }
    let o = Command::new(BIN).arg("man").output().unwrap();
    let page = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success() && page.starts_with(".ie"), "{page}");
    for n in &names {
        assert!(page.contains(&format!("skillwright\\-{}", n.replace('-', "\\-"))), "man page lacks `{n}`");
    }
    let tmp = tempfile::tempdir().unwrap();
    let o = Command::new(BIN).args(["man", "--dir"]).arg(tmp.path()).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    for n in &names {
        assert!(tmp.path().join(format!("skillwright-{n}.1")).is_file(), "no page for `{n}`");
    }
}

/// A small JSON Schema check: the keywords docs/skillwright.schema.json uses, except `pattern`.
fn check(schema: &serde_json::Value, v: &serde_json::Value, at: &str, errs: &mut Vec<String>) {
    use serde_json::Value;
    let ty = schema.get("type").and_then(Value::as_str);
    let ok = match ty {
        Some("object") => v.is_object(),
        Some("string") => v.is_string(),
        Some("array") => v.is_array(),
        Some("integer") => v.is_i64() || v.is_u64(),
        _ => true,
    };
    if !ok {
        errs.push(format!("{at}: not a {}", ty.unwrap_or("?")));
        return;
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array)
        && !e.contains(v)
    {
        errs.push(format!("{at}: {v} is not one of {e:?}"));
    }
    if let (Some(n), Some(s)) = (schema.get("maxLength").and_then(Value::as_u64), v.as_str())
        && s.chars().count() as u64 > n
    {
        errs.push(format!("{at}: longer than {n}"));
    }
    if let Some(items) = schema.get("items") {
        for (i, x) in v.as_array().into_iter().flatten().enumerate() {
            check(items, x, &format!("{at}[{i}]"), errs);
        }
    }
    let Some(obj) = v.as_object() else { return };
    for r in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
        if !obj.contains_key(r.as_str().unwrap()) {
            errs.push(format!("{at}: `{r}` is missing"));
        }
    }
    let props = schema.get("properties").and_then(Value::as_object);
    for (k, x) in obj {
        let sub = format!("{at}.{k}");
        match (props.and_then(|p| p.get(k)), schema.get("additionalProperties")) {
            (Some(s), _) => check(s, x, &sub, errs),
            (None, Some(Value::Bool(false))) => errs.push(format!("{sub}: unknown key")),
            (None, Some(s)) if s.is_object() => check(s, x, &sub, errs),
            _ => {}
        }
    }
}

fn schema() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(repo().join("docs/skillwright.schema.json")).unwrap())
        .unwrap()
}

fn schema_errors(toml_text: &str) -> Vec<String> {
    let v: serde_json::Value = toml::from_str(toml_text).unwrap();
    let mut errs = Vec::new();
    check(&schema(), &v, "", &mut errs);
    errs
}

const WITH_COMPONENTS: &str = r#"
[pack]
name = "p"
description = "d"
version = "1.0.0"
[pack.author]
name = "a"
[mcp.local]
command = "npx"
args = ["-y", "server"]
env = { LEVEL = "info" }
[mcp.remote]
type = "sse"
url = "https://example.com/mcp"
[[hooks]]
event = "pre-tool-use"
tools = ["shell"]
handler = "skill-usage"
timeout = 5
on-failure = "block"
"#;

#[test]
fn the_schema_accepts_what_the_build_accepts_and_names_every_field() {
    use skillwright_build::packfile;
    let mut files = vec![
        ("init".to_string(), skillwright_cli::init::pack_toml("my-pack", "Ada \"the\" Author")),
        ("components".to_string(), WITH_COMPONENTS.to_string()),
    ];
    for p in ["skillwright.toml", "tests/packs/full/skillwright.toml", "tests/packs/minimal/skillwright.toml"]
    {
        files.push((p.to_string(), std::fs::read_to_string(repo().join(p)).unwrap()));
    }
    for (name, text) in &files {
        let parsed = packfile::parse(Path::new(name), text, Some("0.1.0")).unwrap();
        assert!(parsed.diagnostics.is_empty(), "{name}: {:?}", parsed.diagnostics);
        assert_eq!(schema_errors(text), Vec::<String>::new(), "{name}");
    }
    // Not a vacuous check: a key the build refuses, the schema refuses too.
    assert!(packfile::parse(Path::new("x"), &format!("{WITH_COMPONENTS}colour = 1\n"), None).is_err());
    assert!(!schema_errors(&format!("{WITH_COMPONENTS}colour = 1\n")).is_empty());
    assert!(!schema_errors(&WITH_COMPONENTS.replace("pre-tool-use", "pre-tool")).is_empty());

    // Every field of [pack] (all set in tests/packs/full) is in the schema, and only those.
    let full = std::fs::read_to_string(repo().join("tests/packs/full/skillwright.toml")).unwrap();
    let pack = packfile::parse(Path::new("full"), &full, None).unwrap().pack;
    let fields: Vec<String> =
        serde_json::to_value(&pack).unwrap().as_object().unwrap().keys().cloned().collect();
    let s = schema();
    let props: Vec<String> =
        s["properties"]["pack"]["properties"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(fields, props);
    // The events, tools and handlers are the model's.
    let list = |p: &str| -> Vec<String> {
        s.pointer(p).unwrap().as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
    };
    use skillwright_model::component::{EVENTS, HANDLERS, TOOLS};
    assert_eq!(list("/properties/hooks/items/properties/event/enum"), EVENTS);
    assert_eq!(list("/properties/hooks/items/properties/tools/items/enum"), TOOLS);
    assert_eq!(list("/properties/hooks/items/properties/handler/enum"), HANDLERS);
    // The pack file init writes points editors at the schema.
    assert!(files[0].1.starts_with(&format!("#:schema {}", skillwright_cli::init::SCHEMA_URL)));
    assert!(skillwright_cli::init::SCHEMA_URL.ends_with("docs/skillwright.schema.json"));
}

#[test]
fn color_follows_the_flag_and_no_color() {
    let broken = repo().join("tests/fixtures/err/name-uppercase");
    let run = |flag: Option<&str>, no_color: bool| -> String {
        let mut cmd = Command::new(BIN);
        cmd.arg("validate").arg(&broken).stdin(Stdio::null());
        if let Some(f) = flag {
            cmd.args(["--color", f]);
        }
        if no_color {
            cmd.env("NO_COLOR", "1");
        } else {
            cmd.env_remove("NO_COLOR");
        }
        stderr(&cmd.output().unwrap())
    };
    assert!(run(Some("always"), true).contains("\u{1b}["), "always colours, even with NO_COLOR");
    assert!(!run(Some("never"), false).contains("\u{1b}["));
    assert!(!run(None, false).contains("\u{1b}["), "auto: stderr is not a terminal here");
    assert!(run(Some("always"), false).contains("SW102"));
}
