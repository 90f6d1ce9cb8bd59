//! Feedback: success rate per skill, a tier, and a declining-trend flag, from recorded runs.

use super::metrics::Run;
use serde::Serialize;
use std::collections::BTreeMap;

/// Runs needed before a skill gets a tier other than `new`.
pub const MIN_RUNS: usize = 3;
/// How many of the latest runs make the "recent" window.
pub const RECENT: usize = 5;
/// Runs needed before a trend is judged.
pub const TREND_MIN_RUNS: usize = 8;
/// A recent rate this far below the overall rate is a decline.
pub const DECLINE: f64 = 0.2;

/// Feedback for one skill.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SkillFeedback {
    /// Skill name.
    pub skill: String,
    /// Runs recorded (skipped included).
    pub runs: usize,
    /// Success rate over scored runs (0–1), if any.
    pub rate: Option<f64>,
    /// Success rate over the latest scored runs.
    pub recent_rate: Option<f64>,
    /// `new`, `weak`, `fair` or `strong`.
    pub tier: &'static str,
    /// Whether recent runs are well below the long-run rate.
    pub declining: bool,
    /// What to do about it.
    pub suggestion: String,
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
            let scores: Vec<f64> = rs.iter().filter_map(|r| r.outcome.score()).collect();
            let rate = mean(&scores);
            let recent_rate = mean(&scores[scores.len().saturating_sub(RECENT)..]);
            let declining = scores.len() >= TREND_MIN_RUNS
                && matches!((rate, recent_rate), (Some(a), Some(r)) if r < a - DECLINE);
            let tier = match rate {
                _ if scores.len() < MIN_RUNS => "new",
                Some(r) if r >= 0.8 => "strong",
                Some(r) if r >= 0.5 => "fair",
                _ => "weak",
            };
            let suggestion = if declining {
                format!("recent runs of {name} succeed less often than before: reread its SKILL.md and check what changed")
            } else {
                match tier {
                    "new" => format!("record a few more runs of {name} to judge it"),
                    "strong" => format!("{name} works well; keep using it"),
                    "fair" => format!("{name} works about half the time; note what failed with --notes and refine the skill"),
                    _ => format!("{name} fails more often than it works: review its procedure or stop using it"),
                }
            };
            SkillFeedback { skill: name.to_string(), runs: rs.len(), rate, recent_rate, tier, declining, suggestion }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Outcome;

    fn run(i: usize, skill: &str, outcome: Outcome) -> Run {
        Run {
            ts: format!("2026-01-01T00:00:{i:02}Z"),
            skill: skill.into(),
            outcome,
            duration_s: None,
            notes: None,
            session: None,
        }
    }

    #[test]
    fn tiers_and_decline() {
        let mut runs: Vec<Run> = (0..10).map(|i| run(i, "a", Outcome::Success)).collect();
        runs.extend((10..15).map(|i| run(i, "a", Outcome::Failure)));
        runs.push(run(1, "b", Outcome::Success));
        runs.push(run(2, "b", Outcome::Skipped));
        let fb = compute(&runs, None);
        assert_eq!(fb.len(), 2);
        assert_eq!(fb[0].tier, "fair");
        assert!(fb[0].declining);
        assert_eq!(fb[0].recent_rate, Some(0.0));
        assert_eq!((fb[1].tier, fb[1].runs, fb[1].rate), ("new", 2, Some(1.0)));
        assert_eq!(compute(&runs, Some("b")).len(), 1);
    }
}
