//! Metrics: one JSON line per skill run (or use), appended to `<state>/metrics/YYYY-MM.jsonl`,
//! plus a small per-skill tally (`summary.json`) kept up to date with every record, so the
//! session-start hook reads one small file instead of the whole history.

use crate::feedback::Tally;
use crate::{Env, state};
use serde::{Deserialize, Serialize};
use skillwright_model::context::IndexSkill;
use skillwright_model::fsio::{self, Links};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Longest notes kept, in characters.
pub const MAX_NOTES: usize = 1000;
/// Longest text value of a declared metric, in characters.
pub const MAX_METRIC_TEXT: usize = 200;
/// Most declared metric values on one run.
pub const MAX_METRICS: usize = 32;
/// Monthly files larger than this are read from their tail only.
pub const MAX_READ: u64 = 8 * 1024 * 1024;
/// The tally file's name in the metrics directory.
pub const SUMMARY: &str = "summary.json";
/// Largest tally file read.
const MAX_SUMMARY: u64 = 4 * 1024 * 1024;

/// How a run ended (or `used`: the skill was read, recorded automatically).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// It worked.
    Success,
    /// It did not.
    Failure,
    /// Part of it worked.
    Partial,
    /// The skill was not applied after all.
    Skipped,
    /// The agent read the skill (no outcome yet): counted as usage, not in success rates.
    Used,
}

impl Outcome {
    /// Score for success rates: success 1, partial 0.5, failure 0; skipped and used do not count.
    pub fn score(self) -> Option<f64> {
        match self {
            Outcome::Success => Some(1.0),
            Outcome::Partial => Some(0.5),
            Outcome::Failure => Some(0.0),
            Outcome::Skipped | Outcome::Used => None,
        }
    }
}

/// The value of a declared metric: a number or a short text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Value {
    /// A finite number.
    Number(f64),
    /// A short text.
    Text(String),
}

impl Value {
    /// Reads `text` as a number when it is one, else as text.
    pub fn parse(text: &str) -> Value {
        match text.trim().parse::<f64>() {
            Ok(n) if n.is_finite() => Value::Number(n),
            _ => Value::Text(text.to_string()),
        }
    }
}

/// One recorded run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Run {
    /// RFC 3339 UTC timestamp.
    pub ts: String,
    /// Skill name.
    pub skill: String,
    /// Outcome.
    pub outcome: Outcome,
    /// Duration in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
    /// Free-form notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Session id, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<String>,
    /// The project the run was in, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// Values of the metrics the skill declares (`metadata.metrics-tracks`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metrics: BTreeMap<String, Value>,
}

/// What to record.
#[derive(Debug, Clone, Default)]
pub struct NewRun {
    /// How it ended.
    pub outcome: Option<Outcome>,
    /// How long it took, in seconds.
    pub duration_s: Option<f64>,
    /// What happened, in a few words.
    pub notes: Option<String>,
    /// Declared metric values, by name.
    pub metrics: Vec<(String, Value)>,
}

/// Metrics failures.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The state directory cannot be used.
    #[error(transparent)]
    State(#[from] state::Error),
    /// Bad input.
    #[error("{0}")]
    Invalid(String),
    /// I/O failure.
    #[error("{}: {source}", .path.display())]
    Io {
        /// Path.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
}

/// The time now, as runs record it (RFC 3339 UTC, to the second).
pub fn now() -> String {
    humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string()
}

/// The metrics directory under the state directory of `env` (checked, created when missing).
pub fn dir(env: &Env) -> Result<PathBuf, Error> {
    Ok(state::dir(env, "metrics")?)
}

/// Records one run of `skill` (an entry of the pack's index, so only the pack's skills and the
/// metrics each declares are accepted), stamped now.
pub fn record(env: &Env, skill: &IndexSkill, new: NewRun) -> Result<Run, Error> {
    record_at(env, skill, new, std::time::SystemTime::now())
}

/// [`record`] with the time the run ended given: for importing history and for seeding a state
/// directory (tests, demos). The command line always records now.
pub fn record_at(
    env: &Env,
    skill: &IndexSkill,
    new: NewRun,
    at: std::time::SystemTime,
) -> Result<Run, Error> {
    let invalid = |m: String| Err(Error::Invalid(m));
    let outcome = new.outcome.unwrap_or(Outcome::Used);
    if at < std::time::UNIX_EPOCH {
        return invalid("a run cannot end before 1970".to_string());
    }
    if let Some(d) = new.duration_s
        && !(d.is_finite() && d >= 0.0)
    {
        return invalid(format!("duration {d} must be a non-negative number of seconds"));
    }
    if new.metrics.len() > MAX_METRICS {
        return invalid(format!("at most {MAX_METRICS} metric values per run"));
    }
    let mut metrics = BTreeMap::new();
    for (name, value) in new.metrics {
        if !skill.tracks.contains(&name) {
            let declared = if skill.tracks.is_empty() {
                "it declares none (metadata.metrics-tracks in its SKILL.md)".to_string()
            } else {
                format!("it declares: {}", skill.tracks.join(", "))
            };
            return invalid(format!(
                "skill `{}` does not track `{}`; {declared}",
                skill.name,
                skillwright_model::text::one_line(&name, 64)
            ));
        }
        let value = match value {
            Value::Text(t) if t.chars().count() > MAX_METRIC_TEXT => {
                return invalid(format!("`{name}` is longer than {MAX_METRIC_TEXT} characters"));
            }
            Value::Text(t) => Value::Text(skillwright_model::text::one_line(&t, MAX_METRIC_TEXT)),
            n => n,
        };
        metrics.insert(name, value);
    }
    let run = Run {
        ts: humantime::format_rfc3339_seconds(at).to_string(),
        skill: skill.name.clone(),
        outcome,
        duration_s: new.duration_s,
        notes: new.notes.map(|n| skillwright_model::text::one_line(&n, MAX_NOTES)),
        session: env.session.clone(),
        project: env.project.as_ref().map(|p| p.display().to_string()),
        metrics,
    };
    append(&dir(env)?, &run)?;
    Ok(run)
}

/// Appends `run` to its monthly file and folds it into the tally, both under the metrics lock.
fn append(dir: &Path, run: &Run) -> Result<(), Error> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Io { path, source }
    };
    let lock_path = dir.join(".lock");
    let lock = fsio::lock(&lock_path).map_err(io(&lock_path))?;
    let path = dir.join(format!("{}.jsonl", &run.ts[..7]));
    let mut line = serde_json::to_vec(run).map_err(|e| Error::Invalid(e.to_string()))?;
    line.push(b'\n');
    let mut f = open_append(&path).map_err(io(&path))?;
    // One write of the whole line: lines from concurrent writers never interleave.
    f.write_all(&line).map_err(io(&path))?;
    let mut tallies = read_summary(dir);
    tallies.entry(run.skill.clone()).or_default().add(run);
    let summary = dir.join(SUMMARY);
    let bytes = serde_json::to_vec(&tallies).map_err(|e| Error::Invalid(e.to_string()))?;
    fsio::write_atomic(&summary, &bytes, fsio::WriteOptions::STATE).map_err(io(&summary))?;
    let _ = lock.unlock();
    Ok(())
}

/// Opens a monthly file for appending: created 0600, never through a symlink, never a FIFO.
fn open_append(path: &Path) -> std::io::Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    {
        use rustix::fs::OFlags;
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600).custom_flags((OFlags::NOFOLLOW | OFlags::NONBLOCK).bits() as i32);
    }
    let f = opts.open(path)?;
    if !f.metadata()?.is_file() {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"));
    }
    Ok(f)
}

/// The per-skill tally kept beside the monthly files (empty when missing or unreadable).
pub fn read_summary(dir: &Path) -> BTreeMap<String, Tally> {
    fsio::read_bounded(&dir.join(SUMMARY), MAX_SUMMARY, Links::Refuse)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// Reads runs from the newest `months` monthly files of `dir` (all when `None`), oldest first.
/// Unreadable lines are skipped; the count of skipped lines is returned too.
pub fn read(dir: &Path, months: Option<usize>) -> (Vec<Run>, usize) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    if let Some(m) = months {
        let skip = files.len().saturating_sub(m);
        files.drain(..skip);
    }
    let mut runs = Vec::new();
    let mut bad = 0;
    for f in files {
        let Ok(bytes) = fsio::read_tail(&f, MAX_READ, Links::Refuse) else { continue };
        for line in String::from_utf8_lossy(&bytes).lines().filter(|l| !l.trim().is_empty()) {
            match serde_json::from_str::<Run>(line) {
                Ok(r) => runs.push(r),
                Err(_) => bad += 1,
            }
        }
    }
    (runs, bad)
}

/// Rebuilds the tally from the monthly files (after they were edited or the tally was lost).
pub fn rebuild_summary(dir: &Path) -> Result<(), Error> {
    let (runs, _) = read(dir, None);
    let lock_path = dir.join(".lock");
    let lock = fsio::lock(&lock_path).map_err(|source| Error::Io { path: lock_path.clone(), source })?;
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    for r in &runs {
        tallies.entry(r.skill.clone()).or_default().add(r);
    }
    let path = dir.join(SUMMARY);
    let bytes = serde_json::to_vec(&tallies).map_err(|e| Error::Invalid(e.to_string()))?;
    fsio::write_atomic(&path, &bytes, fsio::WriteOptions::STATE)
        .map_err(|source| Error::Io { path, source })?;
    let _ = lock.unlock();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn a_run_recorded_at_a_given_time_lands_in_its_month_with_its_declared_metrics() {
        let tmp = tempfile::tempdir().unwrap();
        let env = Env::at(tmp.path().join("state"));
        let skill = IndexSkill {
            name: "debugging".into(),
            description: "d".into(),
            dir: String::new(),
            tracks: vec!["hypotheses_tested".into()],
        };
        let new = |m: &[(&str, &str)]| NewRun {
            outcome: Some(Outcome::Success),
            metrics: m.iter().map(|(k, v)| (k.to_string(), Value::parse(v))).collect(),
            ..NewRun::default()
        };
        let at = UNIX_EPOCH + Duration::from_secs(1_767_225_600); // 2026-01-01
        let run = record_at(&env, &skill, new(&[("hypotheses_tested", "3")]), at).unwrap();
        assert_eq!(run.ts, "2026-01-01T00:00:00Z");
        assert_eq!(run.metrics["hypotheses_tested"], Value::Number(3.0));
        let dir = dir(&env).unwrap();
        assert!(dir.join("2026-01.jsonl").is_file());
        assert_eq!(read_summary(&dir)["debugging"].runs, 1);
        let e = record_at(&env, &skill, new(&[("hypotheses", "3")]), at).unwrap_err().to_string();
        assert_eq!(e, "skill `debugging` does not track `hypotheses`; it declares: hypotheses_tested");
        let before = UNIX_EPOCH - Duration::from_secs(1);
        assert!(record_at(&env, &skill, new(&[]), before).is_err(), "no run before 1970");
        assert_eq!(read(&dir, None).0.len(), 1, "refused runs are not written");
    }
}
