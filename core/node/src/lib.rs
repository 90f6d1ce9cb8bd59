//! `skillwright.node`: the runtime as a Node.js addon, for hosts whose plugins are JavaScript
//! running inside the host process (OpenCode). Every function is a thin call into the same Rust
//! the `skillwright` CLI runs; nothing here decides anything of its own.
//!
//! Failures become JS exceptions whose message starts with what kind of failure it is
//! (`INVALID_ARG:`, `NOT_FOUND:`, `NO_HOME:`, `IO:`, `INTEGRITY:`) followed by the CLI's message;
//! `code` is napi's status (`InvalidArg` for bad arguments, `GenericFailure` otherwise). A panic is
//! caught at the boundary and becomes an exception too.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::Value;
use skillwright::runtime::{context, feedback as fb, hook, metrics, search, store};
use std::path::{Path, PathBuf};

fn fail(code: &str, msg: impl std::fmt::Display) -> Error {
    let status = if code == "INVALID_ARG" { Status::InvalidArg } else { Status::GenericFailure };
    Error::new(status, format!("{code}: {msg}"))
}

fn store_err(e: store::Error) -> Error {
    let code = match &e {
        store::Error::NoHome => "NO_HOME",
        store::Error::Io { .. } => "IO",
        _ => "INVALID_ARG",
    };
    fail(code, e)
}

fn metrics_err(e: metrics::Error) -> Error {
    let code = match &e {
        metrics::Error::NoHome => "NO_HOME",
        metrics::Error::Io { .. } => "IO",
        metrics::Error::Invalid(_) => "INVALID_ARG",
    };
    fail(code, e)
}

fn index(root: &str) -> Result<(context::Index, PathBuf)> {
    if root.is_empty() {
        return Err(fail("INVALID_ARG", "root is empty: pass the package directory"));
    }
    context::Index::load(Path::new(root)).map_err(|e| fail("NOT_FOUND", e))
}

/// The session-start payload for `host`, exactly as `skillwright hook session-start` prints it
/// (for OpenCode: the context text). Never throws for a missing or broken package: the payload
/// says what is wrong instead, as the hook does.
#[napi(catch_unwind)]
pub fn session_context(host: String, root: String, source: Option<String>) -> String {
    let root = Path::new(&root);
    let cli = root.join("bin").join(env!("SKILLWRIGHT_TRIPLE")).join("skillwright");
    let runtime = cli.is_file().then(|| cli.display().to_string());
    let disabled = std::env::var("SKILLWRIGHT_DISABLE").is_ok_and(|v| v == "1");
    hook::session_start(&host, root, &hook::HostInput { source }, runtime.as_deref(), disabled)
}

/// One skill of a pack.
#[napi(object)]
pub struct SkillInfo {
    pub name: String,
    pub description: String,
}

/// The skills of a package root (or of a skills directory), by name.
#[napi(catch_unwind)]
pub fn list_skills(root: String) -> Result<Vec<SkillInfo>> {
    let (idx, _) = index(&root)?;
    Ok(idx.skills.into_iter().map(|s| SkillInfo { name: s.name, description: s.description }).collect())
}

/// A skill's SKILL.md text.
#[napi(catch_unwind)]
pub fn show_skill(root: String, name: String) -> Result<String> {
    let (idx, dir) = index(&root)?;
    idx.skill_md(&dir, &name).map_err(|e| fail("NOT_FOUND", e))
}

/// One search result.
#[napi(object)]
pub struct SearchHit {
    pub name: String,
    pub description: String,
    pub score: f64,
}

/// The skills best matching `text`, best first (at most `limit`, default 5).
#[napi(catch_unwind)]
pub fn search_skills(root: String, text: String, limit: Option<i64>) -> Result<Vec<SearchHit>> {
    let limit =
        usize::try_from(limit.unwrap_or(5)).map_err(|_| fail("INVALID_ARG", "limit must be zero or more"))?;
    let (idx, _) = index(&root)?;
    Ok(search::search(&idx.skills, &text)
        .into_iter()
        .take(limit)
        .map(|(s, score)| SearchHit { name: s.name.clone(), description: s.description.clone(), score })
        .collect())
}

fn open_store() -> Result<store::Store> {
    store::Store::open_default().map_err(store_err)
}

/// The value of `key`, or `null`.
#[napi(namespace = "store", js_name = "get", catch_unwind)]
pub fn store_get(key: String) -> Result<Option<String>> {
    open_store()?.get(&key).map_err(store_err)
}

/// Sets `key` to `value`.
#[napi(namespace = "store", js_name = "set", catch_unwind)]
pub fn store_set(key: String, value: String) -> Result<()> {
    open_store()?.set(&key, &value).map_err(store_err)
}

/// Deletes `key`; `true` if it existed.
#[napi(namespace = "store", js_name = "delete", catch_unwind)]
pub fn store_delete(key: String) -> Result<bool> {
    open_store()?.delete(&key).map_err(store_err)
}

/// Appends a line to `key`.
#[napi(namespace = "store", js_name = "append", catch_unwind)]
pub fn store_append(key: String, line: String) -> Result<()> {
    open_store()?.append(&key, &line).map_err(store_err)
}

/// Adds `by` (default 1) to the integer at `key` and returns the result; safe across processes.
#[napi(namespace = "store", js_name = "incr", catch_unwind)]
pub fn store_incr(key: String, by: Option<i64>) -> Result<i64> {
    open_store()?.incr(&key, by.unwrap_or(1)).map_err(store_err)
}

/// Keys starting with `prefix` (all when absent).
#[napi(namespace = "store", js_name = "list", catch_unwind)]
pub fn store_list(prefix: Option<String>) -> Result<Vec<String>> {
    open_store()?.list(prefix.as_deref().unwrap_or("")).map_err(store_err)
}

/// Records one run of a skill: `outcome` is success, failure, partial or skipped. Returns the
/// recorded run.
#[napi(catch_unwind)]
pub fn record_metric(
    skill: String,
    outcome: String,
    duration_s: Option<f64>,
    notes: Option<String>,
) -> Result<Value> {
    let parsed: metrics::Outcome = serde_json::from_value(Value::String(outcome.clone())).map_err(|_| {
        fail("INVALID_ARG", format!("outcome `{outcome}`: use success, failure, partial or skipped"))
    })?;
    let dir = metrics::dir().map_err(metrics_err)?;
    let run = metrics::record(&dir, &skill, parsed, duration_s, notes.as_deref()).map_err(metrics_err)?;
    serde_json::to_value(run).map_err(|e| fail("IO", e))
}

/// Success rates, tiers and trends per skill (only `skill` when given).
#[napi(catch_unwind)]
pub fn feedback(skill: Option<String>) -> Result<Value> {
    let dir = metrics::dir().map_err(metrics_err)?;
    let (runs, _) = metrics::read(&dir, None);
    serde_json::to_value(fb::compute(&runs, skill.as_deref())).map_err(|e| fail("IO", e))
}

/// Checks a package against its integrity.json and signature (`pubkey` pins the signer). Returns
/// `{ ok, pack, version, host, signed, findings }`; throws `INTEGRITY` when there is no usable
/// manifest at all.
#[napi(catch_unwind)]
pub fn verify(root: String, pubkey: Option<String>) -> Result<Value> {
    let (m, findings) = skillwright::integrity::verify_dir(Path::new(&root), pubkey.as_deref(), true)
        .map_err(|e| fail("INTEGRITY", e))?;
    Ok(serde_json::json!({
        "ok": findings.is_empty(), "pack": m.pack, "version": m.version, "host": m.host,
        "signed": m.public_key.is_some(), "findings": findings,
    }))
}

/// Validates a skills directory: every diagnostic with its rule code, file, line and column.
#[napi(catch_unwind)]
pub fn validate(root: String) -> Result<Value> {
    let (_, diags) = skillwright::load(Path::new(&root)).map_err(|e| fail("NOT_FOUND", e))?;
    serde_json::to_value(diags).map_err(|e| fail("IO", e))
}
