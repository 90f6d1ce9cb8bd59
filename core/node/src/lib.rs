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
use skillwright_runtime::{Env, feedback as fb, hook, metrics, package, search, state, store, trust};
use std::path::Path;

fn fail(code: &str, msg: impl std::fmt::Display) -> Error {
    let status = if code == "INVALID_ARG" { Status::InvalidArg } else { Status::GenericFailure };
    Error::new(status, format!("{code}: {msg}"))
}

fn state_code(e: &state::Error) -> &'static str {
    match e {
        state::Error::NoHome => "NO_HOME",
        _ => "IO",
    }
}

fn store_err(e: store::Error) -> Error {
    let code = match &e {
        store::Error::State(s) => state_code(s),
        store::Error::Io { .. } | store::Error::Read(_) => "IO",
        _ => "INVALID_ARG",
    };
    fail(code, e)
}

fn metrics_err(e: metrics::Error) -> Error {
    let code = match &e {
        metrics::Error::State(s) => state_code(s),
        metrics::Error::Io { .. } => "IO",
        metrics::Error::Invalid(_) => "INVALID_ARG",
    };
    fail(code, e)
}

/// The process environment, as the runtime takes it.
fn env() -> Env {
    Env::from_vars(|k| std::env::var_os(k)).in_dir(std::env::current_dir().ok().as_deref())
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
    let env = env();
    let start = hook::session_start(&host, root, &hook::HostInput { source }, runtime.as_deref(), &env)
        .map_err(|e| match e {
            hook::Error::Package(p) => package_err(p),
            e @ hook::Error::UnknownHost { .. } => fail("INVALID_ARG", e),
        })?;
    if start.refresh {
        // The host process lives on: renew the self-check verdict on a thread of its own.
        let root = root.to_path_buf();
        std::thread::spawn(move || skillwright_runtime::tamper::refresh(&root, &env));
    }
    Ok(start.payload)
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

/// One stored value found by `store.search`.
#[napi(object)]
pub struct StoreHit {
    pub key: String,
    pub value: String,
    /// When it was last written (RFC 3339), if known.
    pub ts: Option<String>,
    /// The project it was written from, if known.
    pub project: Option<String>,
    pub score: f64,
}

/// Stored values whose words (or their keys') best match `text`, best first, ranked as skill
/// search ranks skills: only keys starting with `prefix` (all when absent), at most `limit`
/// (default 5).
#[napi(namespace = "store", js_name = "search", catch_unwind)]
pub fn store_search(text: String, prefix: Option<String>, limit: Option<i64>) -> Result<Vec<StoreHit>> {
    let limit =
        usize::try_from(limit.unwrap_or(5)).map_err(|_| fail("INVALID_ARG", "limit must be zero or more"))?;
    let hits = open_store()?.search(&text, prefix.as_deref().unwrap_or(""), limit).map_err(store_err)?;
    Ok(hits
        .into_iter()
        .map(|(e, score)| StoreHit { key: e.key, value: e.value, ts: e.ts, project: e.project, score })
        .collect())
}

/// Records one run of a skill of the package at `root`: `outcome` is success, failure, partial,
/// skipped or used; `metrics` maps names the skill declares to numbers or short strings. Returns
/// the recorded run.
#[napi(catch_unwind)]
pub fn record_metric(
    root: String,
    skill: String,
    outcome: String,
    duration_s: Option<f64>,
    notes: Option<String>,
    metrics: Option<std::collections::HashMap<String, Value>>,
) -> Result<Value> {
    let parsed: metrics::Outcome = serde_json::from_value(Value::String(outcome.clone())).map_err(|_| {
        fail("INVALID_ARG", format!("outcome `{outcome}`: use success, failure, partial, skipped or used"))
    })?;
    let idx = index(&root)?;
    let entry =
        idx.get(&skill).ok_or_else(|| fail("NOT_FOUND", format!("this pack has no skill `{skill}`")))?;
    let mut values = Vec::new();
    for (name, v) in metrics.unwrap_or_default() {
        let value = match v {
            Value::Number(n) => metrics::Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            Value::String(s) => metrics::Value::Text(s),
            _ => return Err(fail("INVALID_ARG", format!("metric `{name}` must be a number or a string"))),
        };
        values.push((name, value));
    }
    values.sort_by(|a, b| a.0.cmp(&b.0));
    let new = metrics::NewRun { outcome: Some(parsed), duration_s, notes, metrics: values };
    let run = metrics::record(&env(), entry, new).map_err(metrics_err)?;
    serde_json::to_value(run).map_err(|e| fail("IO", e))
}

/// Success rates, tiers and trends per skill (only `skill` when given).
#[napi(catch_unwind)]
pub fn feedback(skill: Option<String>) -> Result<Value> {
    let dir = metrics::dir(&env()).map_err(metrics_err)?;
    let (runs, _) = metrics::read(&dir, None);
    serde_json::to_value(fb::compute(&runs, skill.as_deref())).map_err(|e| fail("IO", e))
}

/// Checks a package against its integrity.json and signature, trusting `pubkey` if given, else
/// the key pinned for the pack. Returns `{ ok, verdict, pack, version, host, signature, findings }`
/// where `ok` means signed by a trusted key and intact; throws `INTEGRITY` when there is no usable
/// manifest and `INVALID_ARG` for a malformed key.
#[napi(catch_unwind)]
pub fn verify(root: String, pubkey: Option<String>) -> Result<Value> {
    let given = pubkey
        .as_deref()
        .map(skillwright_model::integrity::parse_public_key)
        .transpose()
        .map_err(|e| fail("INVALID_ARG", e))?;
    let check =
        skillwright_model::integrity::check_dir(Path::new(&root), true).map_err(|e| fail("INTEGRITY", e))?;
    let verdict = trust::judge(&check, given.as_deref(), &[], &trust::load(&env()));
    let m = &check.manifest;
    Ok(serde_json::json!({
        "ok": verdict.verified(), "verdict": verdict, "pack": m.pack, "version": m.version, "host": m.host,
        "signature": check.signature, "findings": check.files,
    }))
}

/// Validates a skills directory: every diagnostic with its rule code, file, line and column.
#[napi(catch_unwind)]
pub fn validate(root: String) -> Result<Value> {
    let hosts = skillwright_build::validate::Hosts::builtin();
    let (_, diags) = skillwright_build::load(Path::new(&root), &hosts).map_err(|e| fail("NOT_FOUND", e))?;
    serde_json::to_value(diags).map_err(|e| fail("IO", e))
}

/// Runs the pack's hook `index` for `host` on `input` (JSON: what the host gave the event) and
/// returns the decision: `{decision: "allow"}`, `{decision: "block", reason}` or
/// `{decision: "context", context}`. A hook that cannot be run allows.
#[napi(catch_unwind)]
pub fn run_hook(root: String, host: String, index: u32, input: String) -> Result<Value> {
    let decision =
        skillwright_runtime::event::decide(Path::new(&root), &host, index as usize, input.as_bytes(), &env())
            .map(|(d, _, _)| d)
            .unwrap_or(skillwright_runtime::event::Decision::Allow);
    serde_json::to_value(decision).map_err(|e| fail("IO", e))
}
