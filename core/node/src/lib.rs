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
use skillwright_model::context::Index;
use skillwright_runtime::{Env, feedback as fb, hook, metrics, package, search, store};
use std::path::Path;

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

/// The process environment, as the runtime takes it.
fn env() -> Env {
    Env::from_vars(|k| std::env::var_os(k))
}

fn package_err(e: package::Error) -> Error {
    let code = match &e {
        package::Error::NotAPackage { .. } | package::Error::NoSkill(_) => "NOT_FOUND",
        _ => "IO",
    };
    fail(code, e)
}

fn index(root: &str) -> Result<Index> {
    if root.is_empty() {
        return Err(fail("INVALID_ARG", "root is empty: pass the package directory"));
    }
    package::index(Path::new(root)).map_err(package_err)
}

/// The session-start payload for `host`, exactly as `skillwright hook session-start` prints it
/// (for OpenCode and Pi: the context text). Throws `NOT_FOUND` when `root` holds no package and
/// `INVALID_ARG` when the package does not serve `host` (the JS loader then falls back).
#[napi(catch_unwind)]
pub fn session_context(host: String, root: String, source: Option<String>) -> Result<String> {
    let root = Path::new(&root);
    let cli = root.join("bin").join(env!("SKILLWRIGHT_TRIPLE")).join("skillwright");
    let runtime = cli.is_file().then(|| cli.display().to_string());
    hook::session_start(&host, root, &hook::HostInput { source }, runtime.as_deref(), &env()).map_err(|e| {
        match e {
            hook::Error::Package(p) => package_err(p),
            e @ hook::Error::UnknownHost { .. } => fail("INVALID_ARG", e),
        }
    })
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
    let idx = index(&root)?;
    Ok(idx.skills.into_iter().map(|s| SkillInfo { name: s.name, description: s.description }).collect())
}

/// A skill's SKILL.md text.
#[napi(catch_unwind)]
pub fn show_skill(root: String, name: String) -> Result<String> {
    let idx = index(&root)?;
    package::skill_md(Path::new(&root), &idx, &name).map_err(package_err)
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
    let idx = index(&root)?;
    Ok(search::search(&idx.skills, &text)
        .into_iter()
        .take(limit)
        .map(|(s, score)| SearchHit { name: s.name.clone(), description: s.description.clone(), score })
        .collect())
}

fn open_store() -> Result<store::Store> {
    store::Store::open(&env()).map_err(store_err)
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
    let run = metrics::record(&env(), &skill, parsed, duration_s, notes.as_deref()).map_err(metrics_err)?;
    serde_json::to_value(run).map_err(|e| fail("IO", e))
}

/// Success rates, tiers and trends per skill (only `skill` when given).
#[napi(catch_unwind)]
pub fn feedback(skill: Option<String>) -> Result<Value> {
    let dir = metrics::dir(&env()).map_err(metrics_err)?;
    let (runs, _) = metrics::read(&dir, None);
    serde_json::to_value(fb::compute(&runs, skill.as_deref())).map_err(|e| fail("IO", e))
}

/// Checks a package against its integrity.json and signature (`pubkey` pins the signer). Returns
/// `{ ok, pack, version, host, signed, findings }`; throws `INTEGRITY` when there is no usable
/// manifest at all.
#[napi(catch_unwind)]
pub fn verify(root: String, pubkey: Option<String>) -> Result<Value> {
    let (m, findings) = skillwright_model::integrity::verify_dir(Path::new(&root), pubkey.as_deref(), true)
        .map_err(|e| fail("INTEGRITY", e))?;
    Ok(serde_json::json!({
        "ok": findings.is_empty(), "pack": m.pack, "version": m.version, "host": m.host,
        "signed": m.public_key.is_some(), "findings": findings,
    }))
}

/// Validates a skills directory: every diagnostic with its rule code, file, line and column.
#[napi(catch_unwind)]
pub fn validate(root: String) -> Result<Value> {
    let hosts = skillwright_build::validate::Hosts::builtin();
    let (_, diags) = skillwright_build::load(Path::new(&root), &hosts).map_err(|e| fail("NOT_FOUND", e))?;
    serde_json::to_value(diags).map_err(|e| fail("IO", e))
}
