//! Every command exits quietly, with its own exit code, when the reader of its output has gone
//! (`skillwright skills list | head -1`): no panic, no "Broken pipe" message.

mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use support::{BIN, repo};

/// Runs `args` with stdout, or stderr, a pipe whose reading end is already closed: the first
/// write gets EPIPE. Returns the exit code and what went to the other stream.
fn with_closed(stream: &str, args: &[&str], home: &Path) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut cmd = Command::new(BIN);
    cmd.args(args).current_dir(repo()).env("SKILLWRIGHT_HOME", home).stdin(Stdio::null());
    let out = if stream == "stdout" {
        cmd.stdout(Stdio::from(writer)).stderr(Stdio::piped()).output().unwrap()
    } else {
        cmd.stderr(Stdio::from(writer)).stdout(Stdio::piped()).output().unwrap()
    };
    let other =
        String::from_utf8_lossy(if stream == "stdout" { &out.stderr } else { &out.stdout }).into_owned();
    (out.status.code(), other)
}

#[test]
fn a_closed_pipe_ends_every_command_quietly_with_its_own_code() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let out = tmp.path().join("out");
    assert!(support::build_flagship(&out, &["--hosts", "claude,codex", "--quiet"]).status.success());
    std::fs::write(out.join("claude/README.md"), "changed").unwrap();
    let claude = out.join("claude").display().to_string();
    let codex = out.join("codex/plugins/skillwright").display().to_string();
    let skills = repo().join("skills").display().to_string();
    let pack = repo().join("skillwright.toml").display().to_string();
    let cases: &[(&[&str], i32)] = &[
        (&["--help"], 0),
        (&["--version"], 0),
        (&["explain"], 0),
        (&["explain", "SW102"], 0),
        (&["validate", "--format", "json", &skills], 0),
        (&["validate", &skills], 0),
        (&["skills", "list", "--root", &skills], 0),
        (&["skills", "show", "systematic-debugging", "--root", &skills], 0),
        (&["skills", "search", "the build got slow", "--root", &skills], 0),
        (&["store", "set", "k", "v"], 0),
        (&["store", "list"], 0),
        (&["store", "get", "k"], 0),
        (&["feedback"], 0),
        (&["trust", "list"], 0),
        (&["verify", "--format", "json", &claude], 1),
        (&["verify", &codex], 3),
        (&["completions", "bash"], 0),
        (&["man"], 0),
        (
            &[
                "build",
                "--fake-binaries",
                "--pack-version",
                "0.1.0",
                "--hosts",
                "claude,codex",
                "--skills",
                &skills,
                "--pack",
                &pack,
                "--out",
                &out.display().to_string(),
                "--check",
            ],
            1,
        ),
    ];
    for stream in ["stdout", "stderr"] {
        for (args, want) in cases {
            let (code, other) = with_closed(stream, args, &home);
            assert_eq!(code, Some(*want), "{args:?} with {stream} closed: {other}");
            assert!(
                !other.contains("panicked") && !other.contains("Broken pipe"),
                "{args:?} with {stream} closed: {other}"
            );
        }
    }
}

/// What the issue reported, as a person types it: a shell pipeline into `head`.
#[test]
fn a_pipeline_into_head_exits_0() {
    let tmp = tempfile::tempdir().unwrap();
    let script = format!(
        "set -o pipefail; {bin} explain | head -1 >/dev/null && {bin} explain 2>&1 | head -c 1 >/dev/null",
        bin = BIN
    );
    let out = Command::new("bash")
        .args(["-c", &script])
        .env("SKILLWRIGHT_HOME", tmp.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
}
