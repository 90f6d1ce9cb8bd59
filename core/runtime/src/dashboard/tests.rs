use super::*;
use crate::metrics::{Outcome, Run, Value};
use skillwright_model::context::IndexSkill;

fn run(day: u64, skill: &str, outcome: Outcome, metrics: &[(&str, Value)]) -> Run {
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_767_225_600 + day * 86_400);
    Run {
        ts: humantime::format_rfc3339_seconds(t).to_string(),
        skill: skill.into(),
        outcome,
        duration_s: Some(60.0 + day as f64 * 30.0),
        notes: Some(format!("day {day}")),
        session: None,
        project: Some("/work/app".into()),
        metrics: metrics.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
    }
}

fn index(skills: &[(&str, &[&str])]) -> Index {
    Index {
        pack: "pack".into(),
        display: "Pack".into(),
        version: "1.2.3".into(),
        skills: skills
            .iter()
            .map(|(n, t)| IndexSkill {
                name: n.to_string(),
                description: format!("Does {n}. Use when testing."),
                dir: String::new(),
                tracks: t.iter().map(|s| s.to_string()).collect(),
            })
            .collect(),
    }
}

/// Every URL (`scheme://…`) in `page` other than the SVG namespace.
fn urls(page: &str) -> Vec<&str> {
    page.match_indices("://")
        .map(|(i, _)| {
            &page[page[..i].rfind(['"', ' ', '(', '>']).map_or(0, |s| s + 1)..(i + 30).min(page.len())]
        })
        .filter(|u| !u.starts_with("http://www.w3.org/2000/svg"))
        .collect()
}

#[test]
fn declared_metrics_are_charted_and_declines_marked() {
    let mut runs: Vec<Run> = (0..10)
        .map(|d| {
            run(d, "debugging", Outcome::Success, &[("hypotheses_tested", Value::Number(d as f64 % 4.0))])
        })
        .collect();
    runs.extend(
        (10..15).map(|d| run(d, "debugging", Outcome::Failure, &[("hypotheses_tested", Value::Number(6.0))])),
    );
    runs.push(run(3, "planning", Outcome::Partial, &[]));
    runs.push(run(4, "planning", Outcome::Used, &[]));
    let idx = index(&[("debugging", &["hypotheses_tested", "bisected"]), ("planning", &[]), ("unused", &[])]);
    let page = render(&Input {
        index: Some(&idx),
        runs: &runs,
        generated: "2026-02-01T00:00:00Z",
        state: Some("/home/me/.skillwright"),
    });
    assert!(page.starts_with("<!doctype html>") && page.trim_end().ends_with("</html>"));
    for name in ["debugging", "planning", "unused"] {
        assert!(page.contains(&format!("data-skill=\"{name}\"")), "{name}");
    }
    // Overview (usage, rates) and per skill: outcomes, durations, the declared metric.
    for id in ["usage", "rates", "skill-0-rate", "skill-0-duration", "skill-0-m0", "skill-1-rate"] {
        assert!(page.contains(&format!("aria-labelledby=\"{id}-t {id}-d\"")), "chart {id}");
    }
    assert!(page.contains("<title id=\"skill-0-m0-t\">debugging: hypotheses_tested per run</title>"));
    assert!(page.contains("data-points=\"15\""), "15 values of hypotheses_tested");
    assert!(page.matches("<circle").count() > 30, "data points are drawn");
    assert!(page.contains("<section class=\"skill declining\" id=\"skill-0\""));
    assert!(page.contains("Declining:</strong> <a href=\"#skill-0\">debugging</a>"));
    assert!(
        page.contains(
            "<th scope=\"row\">bisected</th><td>0</td><td colspan=\"4\">declared, not recorded yet"
        )
    );
    assert!(page.contains("No runs recorded yet: <span data-skill=\"unused\">unused</span>."), "listed");
    assert!(!page.contains("<script"));
    assert_eq!(urls(&page), Vec::<&str>::new());
}

#[test]
fn hostile_names_notes_and_values_stay_text() {
    let evil = "x<script>alert(1)</script>\"'&\u{1b}[31m\u{202e}";
    let mut r = run(1, evil, Outcome::Success, &[(evil, Value::Text(evil.into()))]);
    r.notes = Some(format!("{evil} <img src=x onerror=alert(2)>"));
    r.project = Some(evil.into());
    r.ts = format!("2026-01-01T00:00:00Z{evil}");
    let runs = vec![r.clone(), run(2, evil, Outcome::Failure, &[(evil, Value::Number(2.0))])];
    let idx = Index { pack: evil.into(), display: evil.into(), version: evil.into(), skills: vec![] };
    let page = render(&Input { index: Some(&idx), runs: &runs, generated: evil, state: Some(evil) });
    for bad in ["<script", "<img", "\u{1b}", "\u{202e}", "alert(1)</", "onerror=alert(2)>"] {
        assert!(!page.contains(bad), "{bad:?} got through");
    }
    assert!(page.contains("x&lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&amp;"));
    assert!(page.contains("&lt;img src=x onerror=alert(2)&gt;"));
    assert!(!page.chars().any(|c| c.is_control() && c != '\n'));
    assert_eq!(urls(&page), Vec::<&str>::new());
}

#[test]
fn no_runs_yet() {
    let page = render(&Input { index: None, runs: &[], generated: "now", state: None });
    assert!(page.contains("No runs recorded yet."));
    assert!(!page.contains("<svg"));
}
