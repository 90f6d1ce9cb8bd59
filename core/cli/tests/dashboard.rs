//! `skillwright dashboard` and `skillwright status` from a seeded state directory, and the page
//! rendered by a real headless Chromium: every seeded skill present, every chart drawn with its
//! data points and an accessible name, nothing fetched, no console errors.
//!
//! The browser test needs Chromium (Debian's `chromium`; `.ci/run` installs it, or set
//! `SKILLWRIGHT_CHROMIUM`). Without one it fails under CI (`CI` set) and says it skipped
//! otherwise. `SKILLWRIGHT_SCREENSHOT=FILE` keeps the screenshot (README's
//! docs/dashboard.png comes from it).

mod cdp;
mod support;

use skillwright_runtime::metrics::{self, NewRun, Outcome, Value};
use skillwright_runtime::{Env, package};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, UNIX_EPOCH};
use support::{BIN, plugin_root, targets};

/// Skills seeded, and how: `executing-plans` declines (nine successes, then five failures).
const SEEDED: [&str; 5] = [
    "cross-project-knowledge",
    "executing-plans",
    "systematic-debugging",
    "test-driven-development",
    "writing-plans",
];

/// Builds the flagship pack for one host and returns the package root.
fn package_root(out: &Path) -> PathBuf {
    let o = support::build_flagship(out, &["--hosts", "claude"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    plugin_root(out, &targets().into_iter().find(|t| t.id == "claude").unwrap())
}

/// Seven weeks of runs, recorded through the runtime with their own times.
fn seed(root: &Path, home: &Path) {
    let idx = package::index(root).unwrap();
    let env = Env { project: Some("/home/dev/src/shop".into()), ..Env::at(home) };
    let day0 = 1_767_600_000; // 2026-01-05
    let record = |day: u64,
                  hour: u64,
                  skill: &str,
                  outcome: Outcome,
                  duration: Option<f64>,
                  metrics: &[(&str, Value)]| {
        let new = NewRun {
            outcome: Some(outcome),
            duration_s: duration,
            notes: Some(format!("seeded run on day {day}")),
            metrics: metrics.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
        };
        let at = UNIX_EPOCH + Duration::from_secs(day0 + day * 86_400 + hour * 3_600);
        metrics::record_at(&env, idx.get(skill).unwrap(), new, at).unwrap();
    };
    for i in 0..16u64 {
        let outcome = if i % 5 == 3 { Outcome::Partial } else { Outcome::Success };
        let h = Value::Number(((i * 7) % 5 + 1) as f64);
        let bisected = Value::Text(if i % 3 == 0 { "yes" } else { "no" }.into());
        let m = [("hypotheses-tested", h), ("bisected", bisected)];
        record(i * 3, 10, "systematic-debugging", outcome, Some(900.0 + (i % 4) as f64 * 600.0), &m);
    }
    for i in 0..14u64 {
        let outcome = if i < 9 { Outcome::Success } else { Outcome::Failure };
        let m = [
            ("tasks-done", Value::Number((3 + i % 5) as f64)),
            ("deviations", Value::Number((i % 3) as f64)),
        ];
        record(i * 3 + 1, 14, "executing-plans", outcome, Some(2400.0 + i as f64 * 60.0), &m);
    }
    for i in 0..8u64 {
        let m = [
            ("cycles", Value::Number((4 + i % 4) as f64)),
            ("tests-added", Value::Number((2 + i % 3) as f64)),
        ];
        record(i * 5 + 2, 9, "test-driven-development", Outcome::Success, Some(1200.0), &m);
        record(i * 5 + 2, 8, "test-driven-development", Outcome::Used, None, &[]);
    }
    for (i, outcome) in
        [Outcome::Success, Outcome::Partial, Outcome::Failure, Outcome::Success, Outcome::Success]
            .into_iter()
            .enumerate()
    {
        let m = [("task-count", Value::Number(5.0 + i as f64))];
        record(i as u64 * 9 + 4, 16, "writing-plans", outcome, Some(1500.0), &m);
    }
    record(20, 11, "cross-project-knowledge", Outcome::Used, None, &[]);
    record(33, 11, "cross-project-knowledge", Outcome::Used, None, &[]);
}

fn sw(home: &Path, args: &[&str]) -> Output {
    Command::new(BIN).args(args).env("SKILLWRIGHT_HOME", home).stdin(Stdio::null()).output().unwrap()
}

/// Renders the dashboard of a seeded state into `out`.
fn dashboard(tmp: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let root = package_root(&tmp.join("out"));
    let home = tmp.join(".skillwright");
    seed(&root, &home);
    let page = tmp.join("dashboard.html");
    let o = Command::new(BIN)
        .args(["dashboard", "--root", root.to_str().unwrap(), "--out", page.to_str().unwrap()])
        .env("SKILLWRIGHT_HOME", &home)
        .env("HOME", tmp)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        page.to_str().unwrap(),
        "the path, for `open $(…)`"
    );
    (root, home, page)
}

#[test]
fn the_dashboard_is_one_self_contained_page_and_status_sums_it_up() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, home, page) = dashboard(tmp.path());
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("from ~/.skillwright; drawn "), "the state directory, under the home as ~");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&page).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "local notes and projects stay private");
    }
    for skill in SEEDED {
        assert!(html.contains(&format!("data-skill=\"{skill}\" aria-labelledby=")), "{skill}");
    }
    assert!(html.contains(">systematic-debugging: hypotheses-tested per run</title>"));
    assert!(!html.contains("<script") && !html.contains("<link") && !html.contains("@import"));
    let urls: Vec<&str> = html
        .match_indices("://")
        .map(|(i, _)| &html[i.saturating_sub(8)..i + 30])
        .filter(|u| !u.contains("http://www.w3.org/2000/svg"))
        .collect();
    assert!(urls.is_empty(), "no URL but the SVG namespace: {urls:?}");
    // Without --out it lands in the state directory.
    let o = sw(&home, &["dashboard", "--root", root.to_str().unwrap()]);
    assert!(o.status.success());
    assert!(home.join("dashboard.html").is_file());

    let o = sw(&home, &["status", "--root", root.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert!(lines[0].starts_with("pack       skillwright 0.1.0 (20 skills) at "), "{text}");
    assert_eq!(lines[1], "integrity  intact as built, unsigned", "{text}");
    assert!(lines[2].contains(": 43 runs and 10 uses of 5 skills, 0 stored values"), "{text}");
    assert!(
        lines[3].starts_with("top        test-driven-development 100% of 8 runs, systematic-debugging "),
        "{text}"
    );
    assert!(lines[4].starts_with("declining  executing-plans 0% recently, "), "{text}");
    // A changed file shows in the verdict; outside a package there is none to judge.
    std::fs::write(root.join("skills/brainstorming/SKILL.md"), "changed\n").unwrap();
    let text = String::from_utf8_lossy(&sw(&home, &["status", "--root", root.to_str().unwrap()]).stdout)
        .into_owned();
    assert!(
        text.contains("integrity  FAILED: 1 problem(s), first: changed: skills/brainstorming/SKILL.md"),
        "{text}"
    );
    let text = String::from_utf8_lossy(&sw(&home, &["status"]).stdout).into_owned();
    assert!(
        text.starts_with("pack       none: this skillwright is not running from inside a package"),
        "{text}"
    );
}

/// What the page looks like to the browser, gathered in one evaluation.
const INSPECT: &str = r##"(() => {
  const text = (id) => (document.getElementById(id) || {}).textContent || "";
  const visible = (e) => { const b = e.getBoundingClientRect(); return b.width > 0 && b.height > 0; };
  return {
    title: document.title,
    sections: [...document.querySelectorAll("section.skill")].map((s) => s.dataset.skill),
    declining: [...document.querySelectorAll("section.skill.declining")].map((s) => s.dataset.skill),
    charts: [...document.querySelectorAll("svg.chart")].map((svg) => ({
      name: (svg.getAttribute("aria-labelledby") || "").split(" ").map(text).join(" | "),
      role: svg.getAttribute("role"),
      kind: svg.dataset.kind,
      points: Number(svg.dataset.points),
      dots: [...svg.querySelectorAll("circle")].filter(visible).length,
      bars: [...svg.querySelectorAll("rect")].filter(visible).length,
      shown: visible(svg),
    })),
    rows: document.querySelectorAll("table.summary tbody tr").length,
    scripts: document.scripts.length,
    external: [...document.querySelectorAll("[src], [href]")].map((e) => e.getAttribute("src") || e.getAttribute("href")).filter((u) => !u.startsWith("#")),
    fetched: performance.getEntriesByType("resource").map((r) => r.name),
  };
})()"##;

#[test]
fn the_dashboard_renders_in_chromium() {
    let Some(chromium) = cdp::find_chromium() else {
        let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
        assert!(
            !ci,
            "CI needs Chromium for the dashboard's browser test: `apt-get install chromium` (.ci/run does)"
        );
        eprintln!(
            "SKIPPED the_dashboard_renders_in_chromium: no Chromium found (install Debian's `chromium` or set SKILLWRIGHT_CHROMIUM)"
        );
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (_, _, page) = dashboard(tmp.path());
    let mut browser = cdp::Browser::start(&chromium, &tmp.path().join("profile"), (1200, 900));
    browser.open(&format!("file://{}", page.display()));
    let v = browser.eval(INSPECT);

    assert_eq!(v["title"], "skillwright engineering skills 0.1.0: skills dashboard", "{v}");
    let sections: Vec<&str> = v["sections"].as_array().unwrap().iter().filter_map(|s| s.as_str()).collect();
    assert_eq!(sections, SEEDED, "a section for every seeded skill");
    assert_eq!(v["declining"], serde_json::json!(["executing-plans"]));
    assert_eq!(v["rows"], SEEDED.len(), "the table has a row per skill with runs");
    let charts = v["charts"].as_array().unwrap();
    // Usage and rates, then per skill with outcomes: outcomes, durations, each numeric metric.
    // (cross-project-knowledge was only read: no outcome, no chart of its own.)
    assert_eq!(charts.len(), 2 + (2 + 2) + (2 + 1) + (2 + 2) + (2 + 1), "{v:#}");
    for c in charts {
        assert!(c["shown"].as_bool().unwrap(), "laid out with a size: {c}");
        assert_eq!(c["role"], "img", "{c}");
        let name = c["name"].as_str().unwrap();
        assert!(name.len() > 20 && !name.starts_with(" | "), "an accessible name and description: {c}");
        let points = c["points"].as_u64().unwrap();
        assert!(points > 0, "{c}");
        match c["kind"].as_str().unwrap() {
            "time" => assert!(c["dots"].as_u64().unwrap() >= points, "every data point drawn: {c}"),
            "bar" => assert!(c["bars"].as_u64().unwrap() >= points, "every bar drawn: {c}"),
            k => panic!("unknown chart kind {k}"),
        }
    }
    let hypotheses = charts
        .iter()
        .find(|c| c["name"].as_str().unwrap().starts_with("systematic-debugging: hypotheses-tested per run"));
    assert_eq!(
        hypotheses.map(|c| c["points"].clone()),
        Some(serde_json::json!(16)),
        "the declared metric is charted"
    );
    assert_eq!(v["scripts"], 0);
    assert_eq!(v["external"], serde_json::json!([]));
    assert_eq!(v["fetched"], serde_json::json!([]), "nothing was fetched");
    assert_eq!(browser.errors(), Vec::<String>::new(), "no console errors");

    let png = browser.screenshot(1200, 2330);
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 20_000,
        "a screenshot of {} bytes",
        png.len()
    );
    let keep = std::env::var_os("SKILLWRIGHT_SCREENSHOT").map(PathBuf::from);
    let path = keep.unwrap_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard.png"));
    std::fs::write(&path, &png).unwrap();
    eprintln!("screenshot: {}", path.display());
}
