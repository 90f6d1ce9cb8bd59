//! Metrics: one JSON line per skill run, appended to `<home>/metrics/YYYY-MM.jsonl`.

use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Longest notes kept, in characters.
pub const MAX_NOTES: usize = 1000;
/// Monthly files larger than this are read from their tail only.
pub const MAX_READ: u64 = 8 * 1024 * 1024;

/// How a run ended.
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
}

impl Outcome {
    /// Score for success rates: success 1, partial 0.5, failure 0; skipped runs do not count.
    pub fn score(self) -> Option<f64> {
        match self {
            Outcome::Success => Some(1.0),
            Outcome::Partial => Some(0.5),
            Outcome::Failure => Some(0.0),
            Outcome::Skipped => None,
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
}

/// Metrics failures.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No home directory.
    #[error("no state directory: set SKILLWRIGHT_HOME or HOME")]
    NoHome,
    /// Bad input.
    #[error("{0}")]
    Invalid(String),
    /// I/O failure.
    #[error("{path}: {source}")]
    Io {
        /// Path.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
}

/// The metrics directory under the state directory of `env`.
pub fn dir(env: &crate::Env) -> Result<PathBuf, Error> {
    Ok(env.home().map_err(|_| Error::NoHome)?.join("metrics"))
}

/// Appends one run to `dir`.
pub fn record(
    env: &crate::Env,
    skill: &str,
    outcome: Outcome,
    duration_s: Option<f64>,
    notes: Option<&str>,
) -> Result<Run, Error> {
    let dir = &dir(env)?;
    if !skillwright_model::names::valid_name(skill) {
        return Err(Error::Invalid(format!(
            "`{skill}` is not a skill name (lowercase letters, digits, hyphens)"
        )));
    }
    if let Some(d) = duration_s
        && !(d.is_finite() && d >= 0.0)
    {
        return Err(Error::Invalid(format!("duration {d} must be a non-negative number of seconds")));
    }
    let notes = notes
        .map(|n| n.chars().map(|c| if c.is_control() { ' ' } else { c }).take(MAX_NOTES).collect::<String>());
    let session = env.session.clone();
    let ts = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let run = Run { ts: ts.clone(), skill: skill.to_string(), outcome, duration_s, notes, session };
    crate::ensure_dir(dir).map_err(|source| Error::Io { path: dir.to_path_buf(), source })?;
    let path = dir.join(format!("{}.jsonl", &ts[..7]));
    let mut line = serde_json::to_vec(&run).map_err(|e| Error::Invalid(e.to_string()))?;
    line.push(b'\n');
    let io = |source| Error::Io { path: path.clone(), source };
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&path).map_err(io)?;
    f.lock().map_err(io)?;
    // One write of the whole line under the lock: lines from concurrent writers never interleave.
    f.write_all(&line).map_err(io)?;
    let _ = f.unlock();
    Ok(run)
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
        let Ok(text) = read_tail(&f) else { continue };
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            match serde_json::from_str::<Run>(line) {
                Ok(r) => runs.push(r),
                Err(_) => bad += 1,
            }
        }
    }
    (runs, bad)
}

fn read_tail(p: &Path) -> std::io::Result<String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(p)?;
    let len = f.metadata()?.len();
    let mut buf = Vec::new();
    if len > MAX_READ {
        f.seek(SeekFrom::Start(len - MAX_READ))?;
        f.take(MAX_READ).read_to_end(&mut buf)?;
        // Drop the partial first line.
        if let Some(i) = buf.iter().position(|&b| b == b'\n') {
            buf.drain(..=i);
        }
    } else {
        f.read_to_end(&mut buf)?;
    }
    Ok(String::from_utf8_lossy(&buf).into_owned())
}
