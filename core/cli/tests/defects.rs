//! Defects a new user met (issue #22), each held by a test: commands outside a package, unknown
//! hosts and skills, keygen's public key, feedback for a skill without runs, verify on a
//! marketplace root.

mod support;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use support::{BIN, repo};

fn run(args: &[&str], home: &Path) -> Output {
    Command::new(BIN).args(args).env("SKILLWRIGHT_HOME", home).stdin(Stdio::null()).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn runtime_commands_outside_a_package_need_root_and_say_so() {
    let tmp = tempfile::tempdir().unwrap();
    // The test binary sits in target/debug/, not in a package's bin/<triple>/.
    for args in [
        &["skills", "list"][..],
        &["skills", "show", "x"],
        &["metrics", "record", "--skill", "x", "--outcome", "success"],
    ] {
        let o = run(args, tmp.path());
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(o.stdout.is_empty(), "{args:?} prints no skills from elsewhere");
        assert!(
            text(&o.stderr).contains("not running from inside a package; pass --root"),
            "{}",
            text(&o.stderr)
        );
    }
}

#[test]
fn unknown_hosts_and_skills_are_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    assert!(support::build_flagship(&out, &["--hosts", "claude", "-q"]).status.success());
    let t = support::targets().into_iter().find(|t| t.id == "claude").unwrap();
    let root = support::plugin_root(&out, &t).display().to_string();
    let o = run(&["hook", "session-start", "--host", "nosuch", "--root", &root], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty(), "no other host's payload: {}", text(&o.stdout));
    assert!(
        text(&o.stderr).contains("does not serve host `nosuch`; it serves: claude"),
        "{}",
        text(&o.stderr)
    );
    // --help lists the built-in hosts, read from the targets.
    let help = text(&run(&["hook", "session-start", "--help"], tmp.path()).stdout);
    for t in support::targets() {
        assert!(help.contains(&t.id), "help lists {}: {help}", t.id);
    }
    let o =
        run(&["metrics", "record", "--skill", "nosuch", "--outcome", "success", "--root", &root], tmp.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("this pack has no skill `nosuch`; its skills: "), "{}", text(&o.stderr));
    assert!(!tmp.path().join("metrics").exists() || support::walk(&tmp.path().join("metrics")).is_empty());
}

#[test]
fn keygen_writes_the_public_key_beside_the_private_one() {
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("keys/signing.key");
    let o = run(&["keygen", "--out", key.to_str().unwrap()], tmp.path());
    assert!(o.status.success(), "{}", text(&o.stderr));
    let printed = text(&o.stdout).trim().to_string();
    let public = std::fs::read_to_string(tmp.path().join("keys/signing.key.pub")).unwrap();
    assert_eq!(public.trim(), printed);
    assert!(text(&o.stderr).contains("signing.key.pub"), "{}", text(&o.stderr));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // Never overwritten.
    assert_eq!(run(&["keygen", "--out", key.to_str().unwrap()], tmp.path()).status.code(), Some(2));
}

#[test]
fn feedback_for_a_skill_without_runs_says_so_for_that_skill() {
    let tmp = tempfile::tempdir().unwrap();
    let skills = repo().join("skills").display().to_string();
    let rec =
        ["metrics", "record", "--skill", "systematic-debugging", "--outcome", "success", "--root", &skills];
    assert!(run(&rec, tmp.path()).status.success());
    let o = run(&["feedback", "--skill", "test-driven-development"], tmp.path());
    assert!(o.status.success());
    assert!(
        text(&o.stdout).starts_with("no runs of test-driven-development recorded yet"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn verify_on_a_marketplace_root_points_at_the_plugin_inside() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let nested: Vec<_> = support::targets().into_iter().filter(|t| !t.plugin_root.is_empty()).collect();
    assert!(!nested.is_empty(), "some host keeps its plugin below a marketplace root");
    let hosts = nested.iter().map(|t| t.id.as_str()).collect::<Vec<_>>().join(",");
    assert!(support::build_flagship(&out, &["--hosts", &hosts, "-q"]).status.success());
    for t in &nested {
        let root = out.join(&t.id);
        let o = run(&["verify", root.to_str().unwrap()], tmp.path());
        assert_eq!(o.status.code(), Some(2), "{}", t.id);
        let msg = text(&o.stderr);
        let plugin = support::plugin_root(&out, t).display().to_string();
        let plugin = plugin.trim_end_matches('/');
        assert!(
            msg.contains(&format!("cannot read {}: no such file", root.join("integrity.json").display())),
            "{msg}"
        );
        assert!(msg.contains(&format!("run `skillwright verify {plugin}`")), "{msg}");
        // The command it suggests works: intact, unsigned.
        assert_eq!(run(&["verify", plugin], tmp.path()).status.code(), Some(3));
    }
}
