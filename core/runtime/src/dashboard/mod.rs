//! The dashboard: one self-contained HTML page drawn from local state (the recorded runs and the
//! package's skill index) that shows which skills help and which decline: outcomes over time,
//! success rates with the declining skills marked, usage, durations and the metrics each skill
//! declares, as inline SVG charts with a table beside each for reading without them.
//!
//! The page fetches nothing: no scripts, fonts, images or styles from anywhere, and a content
//! security policy that forbids them. Skill names, notes, metric values and projects come from
//! packs and from local state, so every one is put on one line and escaped.

mod charts;

use crate::feedback::{self, RECENT, SkillFeedback, Stats};
use crate::metrics::{Outcome, Run, Value};
use charts::{Bar, Chart, Series, TimeChart};
use skillwright_model::context::{Index, summary};
use skillwright_model::text::{clean, one_line};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// Runs shown in each skill's table of latest runs.
pub const TABLE_RUNS: usize = 30;
/// Most points drawn per series (the latest ones).
pub const MAX_POINTS: usize = 500;

/// What the page is drawn from.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The package's skill index (pack, version, skills and what each declares), when the page is
    /// drawn for a package.
    pub index: Option<&'a Index>,
    /// Every recorded run, in any order.
    pub runs: &'a [Run],
    /// When the page is drawn (RFC 3339), shown on it.
    pub generated: &'a str,
    /// The state directory the runs came from, shown on it.
    pub state: Option<&'a str>,
}

/// `s` escaped for HTML text and attribute values, with characters that could restyle a terminal
/// or forge a line replaced.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in clean(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `s` on one line of at most `max` characters, escaped.
fn txt(s: &str, max: usize) -> String {
    esc(&one_line(s, max))
}

fn pct(r: Option<f64>) -> String {
    r.map_or("-".into(), |r| format!("{:.0}%", r * 100.0))
}

/// A number as people write it: integers without decimals, others with at most two.
fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        let s = format!("{x:.2}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn trend(s: &Stats) -> &'static str {
    match s.trend {
        Some(feedback::Trend::Up) => "rising",
        Some(feedback::Trend::Down) => "falling",
        Some(feedback::Trend::Flat) => "steady",
        None => "too few runs for a trend",
    }
}

fn stats_text(s: &Stats, unit: &str) -> String {
    format!(
        "mean {}{unit}, median {}{unit}, latest {} {}{unit}; {} ({} runs)",
        num(s.mean),
        num(s.median),
        RECENT.min(s.count),
        num(s.recent_mean),
        trend(s),
        s.count
    )
}

fn seconds(ts: &str) -> Option<f64> {
    let t = humantime::parse_rfc3339_weak(ts).ok()?;
    Some(t.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs_f64())
}

fn outcome_name(o: Outcome) -> &'static str {
    match o {
        Outcome::Success => "success",
        Outcome::Failure => "failure",
        Outcome::Partial => "partial",
        Outcome::Skipped => "skipped",
        Outcome::Used => "used",
    }
}

fn outcome_color(o: Outcome) -> plotters::style::RGBColor {
    match o {
        Outcome::Success => charts::SUCCESS,
        Outcome::Failure => charts::FAILURE,
        Outcome::Partial => charts::PARTIAL,
        Outcome::Skipped => charts::SKIPPED,
        Outcome::Used => charts::USED,
    }
}

/// One skill on the page.
struct Skill<'a> {
    name: &'a str,
    description: Option<&'a str>,
    tracks: &'a [String],
    runs: Vec<&'a Run>,
    fb: Option<SkillFeedback>,
}

/// The page.
pub fn render(input: &Input) -> String {
    let mut fbs: BTreeMap<String, SkillFeedback> =
        feedback::compute(input.runs, None).into_iter().map(|f| (f.skill.clone(), f)).collect();
    let mut by: BTreeMap<&str, Vec<&Run>> = BTreeMap::new();
    for r in input.runs {
        by.entry(r.skill.as_str()).or_default().push(r);
    }
    let mut names: BTreeSet<&str> = by.keys().copied().collect();
    if let Some(idx) = input.index {
        names.extend(idx.skills.iter().map(|s| s.name.as_str()));
    }
    let skills: Vec<Skill> = names
        .into_iter()
        .map(|name| {
            let entry = input.index.and_then(|i| i.get(name));
            let mut runs = by.remove(name).unwrap_or_default();
            runs.sort_by(|a, b| a.ts.cmp(&b.ts));
            Skill {
                name,
                description: entry.map(|e| e.description.as_str()),
                tracks: entry.map_or(&[], |e| e.tracks.as_slice()),
                runs,
                fb: fbs.remove(name),
            }
        })
        .collect();

    let mut h = String::with_capacity(64 * 1024);
    let title = match input.index {
        Some(i) if !i.pack.is_empty() => {
            let display = if i.display.is_empty() { &i.pack } else { &i.display };
            format!("{} {}", one_line(display, 80), one_line(&i.version, 40))
        }
        _ => "Skills".to_string(),
    };
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n\
         <title>{t}: skills dashboard</title>\n<style>{CSS}</style>\n</head>\n<body>\n<header>\n<h1>{t}: how the skills are doing</h1>\n",
        t = esc(&title)
    );
    let (runs, uses) = input
        .runs
        .iter()
        .fold((0, 0), |(r, u), x| if x.outcome == Outcome::Used { (r, u + 1) } else { (r + 1, u) });
    let declining: Vec<&Skill> =
        skills.iter().filter(|s| s.fb.as_ref().is_some_and(|f| f.declining)).collect();
    let _ = writeln!(
        h,
        "<p class=\"meta\">{runs} runs and {uses} uses of {} skills, from {}; drawn {}.</p>",
        skills.iter().filter(|s| !s.runs.is_empty()).count(),
        input.state.map_or("local state".to_string(), |s| txt(s, 200)),
        txt(input.generated, 40)
    );
    if declining.is_empty() {
        h.push_str("<p class=\"meta\">No skill is declining.</p>\n");
    } else {
        let list: Vec<String> = declining
            .iter()
            .map(|s| format!("<a href=\"#{}\">{}</a>", anchor(&skills, s.name), txt(s.name, 64)))
            .collect();
        let _ = writeln!(
            h,
            "<p class=\"meta alert\"><strong>Declining:</strong> {}: their latest runs succeed well below their usual rate.</p>",
            list.join(", ")
        );
    }
    h.push_str("</header>\n<main>\n");
    overview(&mut h, &skills);
    for (i, s) in skills.iter().enumerate().filter(|(_, s)| !s.runs.is_empty()) {
        skill_section(&mut h, i, s);
    }
    let _ = write!(
        h,
        "</main>\n<footer>Drawn by skillwright {} from local state; nothing on this page comes from the network.</footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    h
}

fn anchor(skills: &[Skill], name: &str) -> String {
    format!("skill-{}", skills.iter().position(|s| s.name == name).unwrap_or(0))
}

fn legend(h: &mut String, items: &[(&str, plotters::style::RGBColor)]) {
    h.push_str("<p class=\"legend\">");
    for (label, color) in items {
        let _ = write!(h, "<span><i style=\"background:{}\"></i>{label}</span>", charts::css(*color));
    }
    h.push_str("</p>\n");
}

fn figure(h: &mut String, chart: Option<Chart>, caption: &str) {
    if let Some(c) = chart {
        let _ = write!(
            h,
            "<figure>\n<figcaption><strong>{}</strong> {}</figcaption>\n{}</figure>\n",
            esc(&c.title),
            esc(caption),
            c.svg
        );
    }
}

fn overview(h: &mut String, skills: &[Skill]) {
    h.push_str(
        "<section id=\"overview\" aria-labelledby=\"overview-h\">\n<h2 id=\"overview-h\">Overview</h2>\n",
    );
    let with_runs: Vec<&Skill> = skills.iter().filter(|s| !s.runs.is_empty()).collect();
    if with_runs.is_empty() {
        h.push_str(
            "<p class=\"empty\">No runs recorded yet. After using a skill, record how it went: \
             <code>skillwright metrics record --skill systematic-debugging --outcome success</code>.</p>\n",
        );
    } else {
        let count = |s: &Skill, o: Outcome| s.runs.iter().filter(|r| r.outcome == o).count() as f64;
        let order = [Outcome::Success, Outcome::Partial, Outcome::Failure, Outcome::Skipped, Outcome::Used];
        let bars: Vec<Bar> = with_runs
            .iter()
            .map(|s| Bar {
                label: s.name.to_string(),
                segments: order.iter().map(|&o| (count(s, o), outcome_color(o))).collect(),
                marker: None,
            })
            .collect();
        let max = bars.iter().map(|b| b.segments.iter().map(|s| s.0).sum::<f64>()).fold(0.0, f64::max);
        let most = with_runs.iter().max_by_key(|s| s.runs.len()).map_or("", |s| s.name);
        let desc = format!(
            "Recorded runs by outcome, and uses, for {} skills; {} has the most ({}).",
            with_runs.len(),
            one_line(most, 64),
            with_runs.iter().map(|s| s.runs.len()).max().unwrap_or(0)
        );
        legend(h, &order.iter().map(|&o| (outcome_name(o), outcome_color(o))).collect::<Vec<_>>());
        figure(
            h,
            charts::bar_chart(
                "usage",
                "Runs and uses per skill",
                &desc,
                "runs and uses",
                max * 1.05,
                &|x| num(*x),
                &bars,
            ),
            "Usage: each bar is one skill's recorded runs, split by outcome, then the times the skill was read (used).",
        );
        let rated: Vec<(&Skill, &SkillFeedback)> = with_runs
            .iter()
            .filter_map(|s| s.fb.as_ref().filter(|f| f.rate.is_some()).map(|f| (*s, f)))
            .collect();
        let bars: Vec<Bar> = rated
            .iter()
            .map(|(s, f)| Bar {
                label: if f.declining { format!("{} (declining)", s.name) } else { s.name.to_string() },
                segments: vec![(
                    f.rate.unwrap_or(0.0) * 100.0,
                    if f.declining { charts::FAILURE } else { charts::LINE },
                )],
                marker: f.recent_rate.map(|r| (r * 100.0, plotters::style::RGBColor(0x22, 0x22, 0x22))),
            })
            .collect();
        let desc = format!(
            "Success rate of {} skills over all their runs, with the rate over their latest {RECENT} runs marked. Declining: {}.",
            rated.len(),
            {
                let d: Vec<String> =
                    rated.iter().filter(|(_, f)| f.declining).map(|(s, _)| one_line(s.name, 64)).collect();
                if d.is_empty() { "none".to_string() } else { d.join(", ") }
            }
        );
        legend(
            h,
            &[
                ("overall rate", charts::LINE),
                ("declining", charts::FAILURE),
                ("latest runs (dot)", plotters::style::RGBColor(0x22, 0x22, 0x22)),
            ],
        );
        figure(
            h,
            charts::bar_chart(
                "rates",
                "Success rate per skill",
                &desc,
                "success rate (%)",
                100.0,
                &|x| format!("{x:.0}%"),
                &bars,
            ),
            "Success rate: the bar is the rate over all scored runs (success 1, partial 0.5, failure 0), the dot the rate over the latest runs; declining skills are red.",
        );
    }
    summary_table(h, skills);
    h.push_str("</section>\n");
}

fn summary_table(h: &mut String, skills: &[Skill]) {
    if skills.iter().any(|s| !s.runs.is_empty()) {
        runs_summary(h, skills);
    }
    let idle: Vec<String> = skills
        .iter()
        .filter(|s| s.runs.is_empty())
        .map(|s| format!("<span data-skill=\"{0}\">{0}</span>", txt(s.name, 64)))
        .collect();
    if !idle.is_empty() {
        let _ = writeln!(h, "<p class=\"idle\">No runs recorded yet: {}.</p>", idle.join(", "));
    }
}

fn runs_summary(h: &mut String, skills: &[Skill]) {
    h.push_str(
        "<table class=\"summary\">\n<caption>Every skill at a glance</caption>\n<thead><tr>\
         <th scope=\"col\">Skill</th><th scope=\"col\">Runs</th><th scope=\"col\">Uses</th>\
         <th scope=\"col\">Success rate</th><th scope=\"col\">Latest runs</th><th scope=\"col\">Tier</th>\
         <th scope=\"col\">Trend</th><th scope=\"col\">Median duration</th><th scope=\"col\">Declared metrics (median)</th>\
         <th scope=\"col\">Last</th></tr></thead>\n<tbody>\n",
    );
    for (i, s) in skills.iter().enumerate().filter(|(_, s)| !s.runs.is_empty()) {
        let declining = s.fb.as_ref().is_some_and(|f| f.declining);
        let _ = write!(
            h,
            "<tr{}><th scope=\"row\"><a href=\"#skill-{i}\">{}</a></th>",
            if declining { " class=\"declining\"" } else { "" },
            txt(s.name, 64)
        );
        match &s.fb {
            Some(f) => {
                let metrics: Vec<String> = f
                    .metrics
                    .iter()
                    .map(|(k, m)| match &m.numbers {
                        Some(n) => format!("{} {}", txt(k, 64), num(n.median)),
                        None => format!("{} ×{}", txt(k, 64), m.count),
                    })
                    .collect();
                let _ = write!(
                    h,
                    "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
                    f.runs,
                    f.uses,
                    pct(f.rate),
                    pct(f.recent_rate),
                    f.tier,
                    if declining { "<strong>declining</strong>" } else { "" },
                    f.duration_s.as_ref().map_or("-".into(), |d| duration(d.median)),
                    if metrics.is_empty() { "-".into() } else { metrics.join(", ") },
                    f.last.as_deref().map_or("-".into(), |l| txt(l.get(..10).unwrap_or(l), 40)),
                );
            }
            None => h.push_str("<td colspan=\"9\"></td>"),
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
}

fn duration(s: f64) -> String {
    if s >= 120.0 {
        format!("{} min", num((s / 60.0 * 10.0).round() / 10.0))
    } else {
        format!("{} s", num(s))
    }
}

fn skill_section(h: &mut String, i: usize, s: &Skill) {
    let declining = s.fb.as_ref().is_some_and(|f| f.declining);
    let id = format!("skill-{i}");
    let _ = write!(
        h,
        "<section class=\"skill{}\" id=\"{id}\" data-skill=\"{}\" aria-labelledby=\"{id}-h\">\n<h2 id=\"{id}-h\">{}{}</h2>\n",
        if declining { " declining" } else { "" },
        txt(s.name, 64),
        txt(s.name, 64),
        if declining { " <span class=\"badge\">declining</span>" } else { "" }
    );
    if let Some(d) = s.description {
        let _ = writeln!(h, "<p class=\"desc\">{}</p>", esc(&summary(d, 200)));
    }
    if !s.tracks.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"tracks\">Declares: {}</p>",
            s.tracks.iter().map(|t| format!("<code>{}</code>", txt(t, 64))).collect::<Vec<_>>().join(" ")
        );
    }
    let Some(f) = &s.fb else {
        h.push_str("</section>\n");
        return;
    };
    let _ = writeln!(h, "<p class=\"suggestion\">{}</p>", txt(&f.suggestion, 300));
    h.push_str("<div class=\"charts\">\n");
    let timed: Vec<(f64, &Run)> = s.runs.iter().filter_map(|r| Some((seconds(&r.ts)?, *r))).collect();
    let latest = &timed[timed.len().saturating_sub(MAX_POINTS)..];
    // Outcomes, and the success rate over the latest runs at each scored run.
    let scored: Vec<(f64, Outcome, f64)> =
        latest.iter().filter_map(|(t, r)| Some((*t, r.outcome, r.outcome.score()?))).collect();
    let mut window: Vec<f64> = Vec::new();
    let rolling: Vec<(f64, f64)> = scored
        .iter()
        .map(|&(t, _, score)| {
            window.push(score);
            if window.len() > RECENT {
                window.remove(0);
            }
            (t, window.iter().sum::<f64>() / window.len() as f64 * 100.0)
        })
        .collect();
    let desc = format!(
        "{} scored runs of {}: success rate {} overall, {} over the latest {RECENT}{}.",
        scored.len(),
        one_line(s.name, 64),
        pct(f.rate),
        pct(f.recent_rate),
        if declining { "; declining" } else { "" }
    );
    let line_color = if declining { charts::FAILURE } else { charts::LINE };
    figure(
        h,
        charts::time_chart(TimeChart {
            id: &format!("{id}-rate"),
            title: &format!("{}: outcomes and success rate over time", one_line(s.name, 64)),
            desc: &desc,
            y_desc: "success (%)",
            y: -5.0..105.0,
            y_fmt: &|y| format!("{y:.0}%"),
            series: vec![
                Series { points: rolling, color: line_color, line: true, dots: false, point_colors: None },
                Series {
                    points: scored.iter().map(|&(t, _, sc)| (t, sc * 100.0)).collect(),
                    color: charts::LINE,
                    line: false,
                    dots: true,
                    point_colors: Some(scored.iter().map(|&(_, o, _)| outcome_color(o)).collect()),
                },
            ],
        }),
        &format!(
            "Outcomes (dots: success at 100%, partial at 50%, failure at 0%) and the success rate over the latest {RECENT} runs (line{}).",
            if declining { ", red: declining" } else { "" }
        ),
    );
    // Durations.
    let durations: Vec<(f64, f64)> = latest.iter().filter_map(|(t, r)| Some((*t, r.duration_s?))).collect();
    if let Some(d) = &f.duration_s
        && !durations.is_empty()
    {
        let minutes = durations.iter().any(|p| p.1 >= 120.0);
        let (scale, unit) = if minutes { (60.0, "min") } else { (1.0, "s") };
        let pts: Vec<(f64, f64)> = durations.iter().map(|&(t, v)| (t, v / scale)).collect();
        let top = pts.iter().map(|p| p.1).fold(0.0, f64::max) * 1.1 + 1.0;
        figure(
            h,
            charts::time_chart(TimeChart {
                id: &format!("{id}-duration"),
                title: &format!("{}: duration per run ({unit})", one_line(s.name, 64)),
                desc: &format!("Durations of {}: {}.", one_line(s.name, 64), stats_text(d, " s")),
                y_desc: &format!("duration ({unit})"),
                y: 0.0..top,
                y_fmt: &|y| num((*y * 10.0).round() / 10.0),
                series: vec![Series::line_and_dots(pts)],
            }),
            &format!("Duration of each run, in {}.", if minutes { "minutes" } else { "seconds" }),
        );
    }
    // Declared metrics with numbers.
    for (j, (name, m)) in f.metrics.iter().enumerate() {
        let Some(stats) = &m.numbers else { continue };
        let pts: Vec<(f64, f64)> = latest
            .iter()
            .filter_map(|(t, r)| match r.metrics.get(name) {
                Some(Value::Number(n)) => Some((*t, *n)),
                _ => None,
            })
            .collect();
        let (lo, hi) = pts.iter().fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
        let pad = ((hi - lo) * 0.1).max(1.0);
        let lo = if lo >= 0.0 { (lo - pad).max(0.0) } else { lo - pad };
        figure(
            h,
            charts::time_chart(TimeChart {
                id: &format!("{id}-m{j}"),
                title: &format!("{}: {} per run", one_line(s.name, 64), one_line(name, 64)),
                desc: &format!(
                    "{} of {}: {}.",
                    one_line(name, 64),
                    one_line(s.name, 64),
                    stats_text(stats, "")
                ),
                y_desc: name,
                y: lo..hi + pad,
                y_fmt: &|y| num((*y * 10.0).round() / 10.0),
                series: vec![Series::line_and_dots(pts)],
            }),
            &format!("Declared metric {}: the value recorded with each run.", one_line(name, 64)),
        );
    }
    h.push_str("</div>\n");
    metrics_table(h, s, f);
    runs_table(h, s);
    h.push_str("</section>\n");
}

fn metrics_table(h: &mut String, s: &Skill, f: &SkillFeedback) {
    // `outcome` and `duration` are recorded by --outcome and --duration-s.
    let undeclared: Vec<&String> = s
        .tracks
        .iter()
        .filter(|t| !f.metrics.contains_key(*t) && !matches!(t.as_str(), "outcome" | "duration"))
        .collect();
    if f.metrics.is_empty() && f.duration_s.is_none() {
        return;
    }
    h.push_str(
        "<table class=\"metrics\">\n<caption>Durations and declared metrics</caption>\n<thead><tr><th scope=\"col\">Metric</th>\
         <th scope=\"col\">Runs</th><th scope=\"col\">Mean</th><th scope=\"col\">Median</th><th scope=\"col\">Latest runs</th>\
         <th scope=\"col\">Trend</th></tr></thead>\n<tbody>\n",
    );
    if let Some(d) = &f.duration_s {
        let _ = writeln!(
            h,
            "<tr><th scope=\"row\">duration</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            d.count,
            duration(d.mean),
            duration(d.median),
            duration(d.recent_mean),
            trend(d)
        );
    }
    for (name, m) in &f.metrics {
        match &m.numbers {
            Some(n) => {
                let _ = writeln!(
                    h,
                    "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    txt(name, 64),
                    m.count,
                    num(n.mean),
                    num(n.median),
                    num(n.recent_mean),
                    trend(n)
                );
            }
            None => {
                let values: Vec<String> =
                    m.texts.iter().map(|(t, n)| format!("{} ×{n}", txt(t, 60))).collect();
                let _ = writeln!(
                    h,
                    "<tr><th scope=\"row\">{}</th><td>{}</td><td colspan=\"4\">{}</td></tr>",
                    txt(name, 64),
                    m.count,
                    values.join(", ")
                );
            }
        }
    }
    for t in undeclared {
        let _ = writeln!(
            h,
            "<tr><th scope=\"row\">{}</th><td>0</td><td colspan=\"4\">declared, not recorded yet</td></tr>",
            txt(t, 64)
        );
    }
    h.push_str("</tbody>\n</table>\n");
}

fn runs_table(h: &mut String, s: &Skill) {
    let _ = write!(
        h,
        "<details>\n<summary>Latest runs ({} of {})</summary>\n<table class=\"runs\">\n<caption>Latest runs of {}, newest first</caption>\n\
         <thead><tr><th scope=\"col\">When</th><th scope=\"col\">Outcome</th><th scope=\"col\">Duration</th>\
         <th scope=\"col\">Metrics</th><th scope=\"col\">Notes</th><th scope=\"col\">Project</th></tr></thead>\n<tbody>\n",
        s.runs.len().min(TABLE_RUNS),
        s.runs.len(),
        txt(s.name, 64)
    );
    for r in s.runs.iter().rev().take(TABLE_RUNS) {
        let metrics: Vec<String> = r
            .metrics
            .iter()
            .map(|(k, v)| match v {
                Value::Number(n) => format!("{}={}", txt(k, 64), num(*n)),
                Value::Text(t) => format!("{}={}", txt(k, 64), txt(t, 60)),
            })
            .collect();
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"o-{o}\">{o}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            txt(&r.ts, 40),
            r.duration_s.map_or(String::new(), duration),
            metrics.join(", "),
            r.notes.as_deref().map_or(String::new(), |n| txt(n, 300)),
            r.project.as_deref().map_or(String::new(), |p| txt(p, 120)),
            o = outcome_name(r.outcome),
        );
    }
    h.push_str("</tbody>\n</table>\n</details>\n");
}

const CSS: &str = "
:root{color-scheme:light;--fg:#1b1b1b;--muted:#5b5b5b;--line:#ddd;--bad:#c62828}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--fg);background:#f6f7f9}
header,main,footer{max-width:1100px;margin:0 auto;padding:0 20px}
header{padding-top:24px}
h1{font-size:1.6rem;margin:0 0 6px}
h2{font-size:1.2rem;margin:0 0 8px}
.meta{color:var(--muted);margin:4px 0}
.alert{color:var(--bad)}
.alert a{color:var(--bad)}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:16px 20px;margin:18px 0}
section.declining{border-left:6px solid var(--bad)}
.badge{display:inline-block;background:var(--bad);color:#fff;font-size:.75rem;padding:2px 8px;border-radius:10px;vertical-align:middle}
.desc,.tracks,.suggestion{margin:4px 0;color:var(--muted)}
.charts{display:flex;flex-wrap:wrap;gap:12px}
figure{margin:8px 0;flex:0 1 500px;min-width:0}
figcaption{font-size:.85rem;color:var(--muted)}
#overview figure{flex:none;max-width:720px}
svg.chart{max-width:100%;height:auto;display:block}
.legend{margin:6px 0;font-size:.85rem}
.legend span{margin-right:14px;white-space:nowrap}
.legend i{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:5px;vertical-align:-1px}
table{border-collapse:collapse;width:100%;margin:10px 0;font-size:.9rem}
caption{text-align:left;font-weight:600;padding:4px 0}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
thead th{background:#f0f2f5}
tr.declining th,tr.declining td{color:var(--bad)}
td.o-success{color:#2e7d32}td.o-failure{color:#c62828}td.o-partial{color:#a15c00}
details summary{margin:6px 0}
code{background:#f0f2f5;padding:1px 4px;border-radius:3px}
footer{color:var(--muted);font-size:.85rem;padding-bottom:24px}
";

#[cfg(test)]
mod tests;
