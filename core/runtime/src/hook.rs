//! The session-start hook: the exact payload a host expects.
//!
//! The payload shape comes from the package itself (`hooks/context.json`, written by the build
//! from the host's target spec), so the runtime carries no host knowledge. A host the package does
//! not serve is refused. Past that, nothing fails a session: local notes that cannot be computed
//! are left out.

use crate::{Env, package};
use std::path::Path;

/// What the hook read from the host on stdin (all optional).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct HostInput {
    /// `source` (Claude/Codex/Gemini): startup, resume, clear, compact.
    pub source: Option<String>,
}

impl HostInput {
    /// Parses whatever the host sent; garbage gives the default.
    pub fn parse(bytes: &[u8]) -> HostInput {
        let v: serde_json::Value = serde_json::from_slice(bytes).unwrap_or_default();
        HostInput { source: v.get("source").and_then(|s| s.as_str()).map(str::to_string) }
    }
}

/// Why no payload could be made.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The package cannot be read.
    #[error(transparent)]
    Package(#[from] package::Error),
    /// The package has no payload shape for this host.
    #[error("this package does not serve host `{host}`; it serves: {}", .served.join(", "))]
    UnknownHost {
        /// The host asked for.
        host: String,
        /// The hosts the package serves.
        served: Vec<String>,
    },
}

/// What the hook prints, and whether the package's self-check should be renewed in the
/// background (see [`crate::tamper`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Start {
    /// The payload, exactly as printed (no final newline).
    pub payload: String,
    /// Whether the caller should run [`crate::tamper::refresh`] now, off the session's path.
    pub refresh: bool,
}

/// The payload for `host` from the package at `root`. `runtime` is the command that runs this
/// binary (named in the context). Reads a constant number of small files whatever the pack's
/// size: the precomputed context, the metrics tally and the cached self-check verdict.
pub fn session_start(
    host: &str,
    root: &Path,
    input: &HostInput,
    runtime: Option<&str>,
    env: &Env,
) -> Result<Start, Error> {
    let ctx = package::context(root)?;
    let unknown =
        || Error::UnknownHost { host: host.to_string(), served: ctx.payloads.keys().cloned().collect() };
    // A resumed session already has the context.
    if env.disabled || input.source.as_deref() == Some("resume") {
        let payload = ctx.empty_payload(host).ok_or_else(unknown)?;
        return Ok(Start { payload, refresh: false });
    }
    if !ctx.payloads.contains_key(host) {
        return Err(unknown());
    }
    let check = crate::tamper::cached(root, env, std::time::SystemTime::now());
    let mut notes = Vec::new();
    notes.extend(declining_note(root, env));
    notes.extend(check.note);
    let text = ctx.render(runtime, &notes);
    let payload = ctx.payload(host, &text).ok_or_else(unknown)?;
    Ok(Start { payload, refresh: check.stale && env.home.is_some() })
}

/// A note naming this pack's skills whose recent success rate is falling, from the metrics tally.
fn declining_note(root: &Path, env: &Env) -> Option<String> {
    let dir = crate::state::dir(env, "metrics").ok()?;
    let tallies = crate::metrics::read_summary(&dir);
    let names: Vec<String> = tallies
        .iter()
        .filter(|(skill, t)| t.declining() && is_skill_of(root, skill))
        .map(|(skill, t)| format!("{skill} ({:.0}% recently)", t.recent_rate().unwrap_or(0.0) * 100.0))
        .take(3)
        .collect();
    if names.is_empty() {
        return None;
    }
    Some(format!(
        "recent runs of {} succeed less often than before; reread the skill before using it",
        names.join(", ")
    ))
}

/// Whether the package at `root` ships skill `name` (one file test, whatever the pack's size).
fn is_skill_of(root: &Path, name: &str) -> bool {
    skillwright_model::names::valid_name(name) && root.join("skills").join(name).join("SKILL.md").is_file()
}
