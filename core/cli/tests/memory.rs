//! What a pack learns, through the real binary: declared metrics recorded and aggregated, and
//! stored values found again by words from them.

mod support;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use support::{BIN, plugin_root, targets};

fn sw(home: &Path, args: &[&str]) -> Output {
    Command::new(BIN).args(args).env("SKILLWRIGHT_HOME", home).stdin(Stdio::null()).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn declared_metrics_are_recorded_checked_and_aggregated() {
    let tmp = tempfile::tempdir().unwrap();
    let o = support::build_flagship(tmp.path(), &["--hosts", "claude"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let claude = targets().into_iter().find(|t| t.id == "claude").unwrap();
    let root = plugin_root(tmp.path(), &claude);
    let root = root.to_str().unwrap();
    let home = tmp.path().join("home");
    // `metrics record` of a successful systematic-debugging run, plus `extra`.
    let record = |extra: &[&str]| {
        let base =
            ["metrics", "record", "--root", root, "--skill", "systematic-debugging", "--outcome", "success"];
        sw(&home, &[&base[..], extra].concat())
    };
    for n in 1..=9 {
        let n = format!("hypotheses-tested={n}");
        let o = record(&["--duration-s", "600", "--metric", &n, "--metric", "bisected=no"]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    // A name the skill does not declare, a skill the pack does not have, a value without a name.
    let o = record(&["--metric", "hypotheses=3"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains(
            "does not track `hypotheses`; it declares: outcome, duration, hypotheses-tested, bisected"
        ),
        "{}",
        stderr(&o)
    );
    let o =
        sw(&home, &["metrics", "record", "--root", root, "--skill", "no-such-skill", "--outcome", "success"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("this pack has no skill `no-such-skill`; its skills: brainstorming,"),
        "{}",
        stderr(&o)
    );
    let o = record(&["--metric", "5"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("write NAME=VALUE"), "{}", stderr(&o));
    let o = record(&["--metric", &format!("bisected={}", "x".repeat(300))]);
    assert_eq!(o.status.code(), Some(2), "an over-long text value is refused");

    let o = sw(&home, &["feedback", "--skill", "systematic-debugging", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let h = &v[0]["metrics"]["hypotheses-tested"];
    assert_eq!(h["count"], 9);
    assert_eq!(h["numbers"]["mean"], 5.0);
    assert_eq!(h["numbers"]["median"], 5.0);
    assert_eq!(h["numbers"]["recent_mean"], 7.0);
    assert_eq!(h["numbers"]["trend"], "up");
    assert_eq!(v[0]["metrics"]["bisected"]["texts"][0], serde_json::json!(["no", 9]));
    assert_eq!(v[0]["duration_s"]["median"], 600.0);
    let text = stdout(&sw(&home, &["feedback"]));
    assert!(
        text.contains("hypotheses-tested: mean 5.00, median 5.00, recent 7.00, trend up (9 runs)"),
        "{text}"
    );
    assert!(text.contains("bisected: no ×9 (9 runs)"), "{text}");
}

#[test]
fn a_stored_hypothesis_is_found_by_words_from_its_error() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let set = |k: &str, v: &str| assert!(sw(&home, &["store", "set", k, v]).status.success());
    set(
        "debugging/e0502-cannot-borrow-as-mutable",
        "error[E0502]: cannot borrow `cache` as mutable because it is also borrowed as immutable: the iterator over cache.entries() outlived the loop; collect the keys first",
    );
    set(
        "debugging/econnrefused-5432",
        "connect ECONNREFUSED 127.0.0.1:5432: the test database container was not started",
    );
    set("knowledge/node/npm-ci-cache", "npm ci ignores the cache when the lockfile version changed");
    let o = sw(&home, &["store", "search", "cannot", "borrow", "cache", "as", "mutable", "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let hits: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(hits[0]["key"], "debugging/e0502-cannot-borrow-as-mutable");
    assert!(hits[0]["ts"].as_str().unwrap().ends_with('Z'));
    assert!(hits[0]["project"].is_string(), "the project it came from: {hits}");
    assert!(hits[0]["score"].as_f64().unwrap() > 0.0);
    // Text output names key, score, time, project and the value; --prefix and --limit narrow it.
    let o = sw(
        &home,
        &["store", "search", "ECONNREFUSED 5432 refused", "--prefix", "debugging/", "--limit", "1"],
    );
    let text = stdout(&o);
    assert!(text.starts_with("debugging/econnrefused-5432  "), "{text}");
    assert_eq!(text.lines().count(), 2, "{text}");
    let o = sw(&home, &["store", "search", "npm", "--prefix", "debugging/"]);
    assert_eq!(o.status.code(), Some(1), "nothing under the prefix matches");
    assert!(stderr(&o).contains("nothing stored matches"));
    // A log (a line per hypothesis) shows line by line.
    for line in ["H1: the pool is exhausted | refuted", "H2: the container is not started | confirmed"] {
        assert!(sw(&home, &["store", "append", "debugging/econnrefused-5432", line]).status.success());
    }
    let text = stdout(&sw(&home, &["store", "search", "ECONNREFUSED", "5432", "--limit", "1"]));
    assert!(
        text.ends_with(
            "\n    H1: the pool is exhausted | refuted\n    H2: the container is not started | confirmed\n"
        ),
        "{text}"
    );
    assert_eq!(stdout(&sw(&home, &["store", "list", "--prefix", "debugging/"])).lines().count(), 2);
    assert_eq!(stdout(&sw(&home, &["store", "list", "knowledge/"])), "knowledge/node/npm-ci-cache\n");
}
