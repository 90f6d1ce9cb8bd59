//! Feedback from recorded runs: success rate per skill, a tier, a declining-trend flag, how often
//! the skill was used, and the metrics it declares, aggregated.

use crate::metrics::{Outcome, Run, Value};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Runs needed before a skill gets a tier other than `new`.
pub const MIN_RUNS: usize = 3;
/// How many of the latest values make the "recent" window.
pub const RECENT: usize = 5;
/// Values needed before a trend is judged.
pub const TREND_MIN_RUNS: usize = 8;
/// A recent rate this far below the overall rate is a decline.
pub const DECLINE: f64 = 0.2;
/// A recent mean this much (relative) away from the overall mean is a trend.
pub const TREND: f64 = 0.1;

/// What a skill's runs add up to, kept incrementally (the metrics summary file holds one per
/// skill, so the hook judges declines without reading the history).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tally {
    /// Runs recorded with an outcome (skipped included, uses not).
    pub runs: usize,
    /// Times the skill was read (`used` records).
    pub uses: usize,
    /// Scored runs.
    pub scored: usize,
    /// Sum of their scores.
    pub sum: f64,
    /// The latest scores, oldest first (at most [`RECENT`]).
    pub recent: Vec<f64>,
    /// When the skill was last run or used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
}

impl Tally {
    /// Folds one run in.
    pub fn add(&mut self, r: &Run) {
        if r.outcome == Outcome::Used {
            self.uses += 1;
        } else {
            self.runs += 1;
        }
        if let Some(s) = r.outcome.score() {
            self.scored += 1;
            self.sum += s;
            self.recent.push(s);
            if self.recent.len() > RECENT {
                self.recent.remove(0);
            }
        }
        if self.last.as_deref().is_none_or(|l| l < r.ts.as_str()) {
            self.last = Some(r.ts.clone());
        }
    }

    /// Success rate over scored runs.
    pub fn rate(&self) -> Option<f64> {
        (self.scored > 0).then(|| self.sum / self.scored as f64)
    }

    /// Success rate over the latest scored runs.
    pub fn recent_rate(&self) -> Option<f64> {
        mean(&self.recent)
    }

    /// Whether recent runs succeed well below the long-run rate.
    pub fn declining(&self) -> bool {
        self.scored >= TREND_MIN_RUNS
            && matches!((self.rate(), self.recent_rate()), (Some(a), Some(r)) if r < a - DECLINE)
    }

    fn tier(&self) -> &'static str {
        match self.rate() {
            _ if self.scored < MIN_RUNS => "new",
            Some(r) if r >= 0.8 => "strong",
            Some(r) if r >= 0.5 => "fair",
            _ => "weak",
        }
    }
}

/// Which way a series has moved recently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Trend {
    /// The recent mean is above the earlier one.
    Up,
    /// Below it.
    Down,
    /// About the same.
    Flat,
}

/// Numbers aggregated: count, mean, median, and the trend of the recent window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stats {
    /// How many values.
    pub count: usize,
    /// Their mean.
    pub mean: f64,
    /// Their median.
    pub median: f64,
    /// Mean of the latest [`RECENT`] values.
    pub recent_mean: f64,
    /// The recent mean against the earlier values, once there are enough of them.
    pub trend: Option<Trend>,
}

impl Stats {
    /// Stats of `xs` in time order; `None` when empty.
    pub fn of(xs: &[f64]) -> Option<Stats> {
        let mean_all = mean(xs)?;
        let mut sorted = xs.to_vec();
        sorted.sort_by(f64::total_cmp);
        let mid = sorted.len() / 2;
        let median =
            if sorted.len().is_multiple_of(2) { (sorted[mid - 1] + sorted[mid]) / 2.0 } else { sorted[mid] };
        let split = xs.len().saturating_sub(RECENT);
        let recent_mean = mean(&xs[split..]).unwrap_or(mean_all);
        let trend = (xs.len() >= TREND_MIN_RUNS).then(|| {
            let before = mean(&xs[..split]).unwrap_or(mean_all);
            let scale = before.abs().max(f64::EPSILON);
            match (recent_mean - before) / scale {
                d if d > TREND => Trend::Up,
                d if d < -TREND => Trend::Down,
                _ => Trend::Flat,
            }
        });
        Some(Stats { count: xs.len(), mean: mean_all, median, recent_mean, trend })
    }
}

/// A declared metric aggregated over a skill's runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricFeedback {
    /// Runs that recorded it.
    pub count: usize,
    /// Its numeric values aggregated, when it has any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numbers: Option<Stats>,
    /// Its text values, most frequent first (at most five), with their counts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub texts: Vec<(String, usize)>,
}

/// Feedback for one skill.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkillFeedback {
    /// Skill name.
    pub skill: String,
    /// Runs recorded (skipped included, uses not).
    pub runs: usize,
    /// Times the skill was read.
    pub uses: usize,
    /// Success rate over scored runs (0–1), if any.
    pub rate: Option<f64>,
    /// Success rate over the latest scored runs.
    pub recent_rate: Option<f64>,
    /// `new`, `weak`, `fair` or `strong`.
    pub tier: &'static str,
    /// Whether recent runs are well below the long-run rate.
    pub declining: bool,
    /// When the skill was last run or used.
    pub last: Option<String>,
    /// Durations in seconds, where recorded.
    pub duration_s: Option<Stats>,
    /// Every declared metric recorded, by name.
    pub metrics: BTreeMap<String, MetricFeedback>,
    /// What to do about it.
    pub suggestion: String,
}

/// The skills doing best, from their tallies: at least [`MIN_RUNS`] scored runs and not declining,
/// by success rate, then by number of scored runs, then by name; at most `n`.
pub fn top<'a>(
    tallies: impl IntoIterator<Item = (&'a String, &'a Tally)>,
    n: usize,
) -> Vec<(&'a str, &'a Tally)> {
    let mut v: Vec<(&str, &Tally)> = tallies
        .into_iter()
        .filter(|(_, t)| t.scored >= MIN_RUNS && !t.declining())
        .map(|(s, t)| (s.as_str(), t))
        .collect();
    v.sort_by(|a, b| {
        let rate = |t: &Tally| t.rate().unwrap_or(0.0);
        rate(b.1).total_cmp(&rate(a.1)).then(b.1.scored.cmp(&a.1.scored)).then(a.0.cmp(b.0))
    });
    v.truncate(n);
    v
}

fn mean(xs: &[f64]) -> Option<f64> {
    if xs.is_empty() { None } else { Some(xs.iter().sum::<f64>() / xs.len() as f64) }
}

/// Feedback for every skill with runs, by name (only `skill` when given).
pub fn compute(runs: &[Run], skill: Option<&str>) -> Vec<SkillFeedback> {
    let mut by: BTreeMap<&str, Vec<&Run>> = BTreeMap::new();
    for r in runs.iter().filter(|r| skill.is_none_or(|s| s == r.skill)) {
        by.entry(&r.skill).or_default().push(r);
    }
    by.into_iter()
        .map(|(name, mut rs)| {
            rs.sort_by(|a, b| a.ts.cmp(&b.ts));
            let mut tally = Tally::default();
            for r in &rs {
                tally.add(r);
            }
            let durations: Vec<f64> = rs.iter().filter_map(|r| r.duration_s).collect();
            /// One declared metric's values, gathered.
            #[derive(Default)]
            struct Values {
                numbers: Vec<f64>,
                texts: BTreeMap<String, usize>,
                count: usize,
            }
            let mut metrics: BTreeMap<String, Values> = BTreeMap::new();
            for r in &rs {
                for (k, v) in &r.metrics {
                    let m = metrics.entry(k.clone()).or_default();
                    m.count += 1;
                    match v {
                        Value::Number(n) => m.numbers.push(*n),
                        Value::Text(t) => *m.texts.entry(t.clone()).or_default() += 1,
                    }
                }
            }
            let metrics = metrics
                .into_iter()
                .map(|(k, v)| {
                    let mut texts: Vec<(String, usize)> = v.texts.into_iter().collect();
                    texts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
                    texts.truncate(5);
                    (k, MetricFeedback { count: v.count, numbers: Stats::of(&v.numbers), texts })
                })
                .collect();
            SkillFeedback {
                skill: name.to_string(),
                runs: tally.runs,
                uses: tally.uses,
                rate: tally.rate(),
                recent_rate: tally.recent_rate(),
                tier: tally.tier(),
                declining: tally.declining(),
                last: tally.last.clone(),
                duration_s: Stats::of(&durations),
                metrics,
                suggestion: suggestion(name, &tally),
            }
        })
        .collect()
}

fn suggestion(name: &str, t: &Tally) -> String {
    if t.declining() {
        return format!(
            "recent runs of {name} succeed less often than before: reread its SKILL.md and check what changed"
        );
    }
    if t.runs == 0 {
        return format!(
            "{name} was read {} time(s) but no outcome was recorded; record one after using it",
            t.uses
        );
    }
    match t.tier() {
        "new" => format!("record a few more runs of {name} to judge it"),
        "strong" => format!("{name} works well; keep using it"),
        "fair" => {
            format!("{name} works about half the time; note what failed with --notes and refine the skill")
        }
        _ => format!("{name} fails more often than it works: review its procedure or stop using it"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(i: usize, skill: &str, outcome: Outcome) -> Run {
        Run {
            ts: format!("2026-01-01T00:00:{i:02}Z"),
            skill: skill.into(),
            outcome,
            duration_s: Some(i as f64),
            notes: None,
            session: None,
            project: None,
            metrics: BTreeMap::from([("hypotheses_tested".into(), Value::Number(i as f64))]),
        }
    }

    #[test]
    fn tiers_decline_usage_and_declared_metrics() {
        let mut runs: Vec<Run> = (0..10).map(|i| run(i, "a", Outcome::Success)).collect();
        runs.extend((10..15).map(|i| run(i, "a", Outcome::Failure)));
        runs.push(run(16, "a", Outcome::Used));
        runs.push(run(1, "b", Outcome::Success));
        runs.push(run(2, "b", Outcome::Skipped));
        let fb = compute(&runs, None);
        assert_eq!(fb.len(), 2);
        assert_eq!((fb[0].tier, fb[0].runs, fb[0].uses), ("fair", 15, 1));
        assert!(fb[0].declining);
        assert_eq!(fb[0].recent_rate, Some(0.0));
        let h = &fb[0].metrics["hypotheses_tested"];
        let stats = h.numbers.as_ref().unwrap();
        assert_eq!((h.count, stats.count, stats.median), (16, 16, 7.5));
        assert_eq!(stats.trend, Some(Trend::Up));
        assert_eq!((fb[1].tier, fb[1].runs, fb[1].rate), ("new", 2, Some(1.0)));
        assert_eq!(compute(&runs, Some("b")).len(), 1);
        // The incremental tally agrees with a full recount.
        let mut t = Tally::default();
        runs.iter().filter(|r| r.skill == "a").for_each(|r| t.add(r));
        assert_eq!((t.rate(), t.recent_rate(), t.declining()), (fb[0].rate, fb[0].recent_rate, true));
        // The best skills leave out the declining and the barely tried.
        let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
        for r in &runs {
            tallies.entry(r.skill.clone()).or_default().add(r);
        }
        for (i, (skill, outcome)) in [
            ("c", Outcome::Success),
            ("c", Outcome::Success),
            ("c", Outcome::Partial),
            ("d", Outcome::Success),
        ]
        .into_iter()
        .cycle()
        .take(12)
        .enumerate()
        {
            tallies.entry(skill.into()).or_default().add(&run(i, skill, outcome));
        }
        let best: Vec<&str> = top(&tallies, 3).into_iter().map(|(s, _)| s).collect();
        assert_eq!(best, ["d", "c"]);
    }
}
