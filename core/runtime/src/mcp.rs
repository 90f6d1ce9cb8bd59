//! The runtime as an MCP server over stdio (`skillwright mcp`): the package's skills, the store,
//! metrics and feedback as tools, so an agent records outcomes and reads its memory through tool
//! calls. Every input is bounded, every failure is a tool error the model can read (never a
//! crash), and a missing state directory is such an error too.

use crate::{Env, feedback, metrics, package, search, store::Store};
use rmcp::handler::server::{router::tool::ToolRouter, wrapper::Parameters};
use rmcp::model::{CallToolResult, ContentBlock, Implementation, ServerCapabilities, ServerConfig};
use rmcp::{ServerHandler, ServiceExt, schemars, tool, tool_handler, tool_router};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Longest text argument accepted.
const MAX_TEXT: usize = 16 * 1024;
/// Most results a search returns.
const MAX_LIMIT: usize = 50;

/// The server: one package and one state directory.
#[derive(Clone)]
pub struct Server {
    root: PathBuf,
    env: Env,
    tool_router: ToolRouter<Self>,
}

#[derive(Deserialize, schemars::JsonSchema)]
struct SearchArgs {
    /// Words describing the task or what to find.
    text: String,
    /// How many results (default 5, at most 50).
    limit: Option<usize>,
}

#[derive(Deserialize, schemars::JsonSchema)]
struct NameArgs {
    /// The skill's name.
    name: String,
}

#[derive(Deserialize, schemars::JsonSchema)]
struct KeyArgs {
    /// The key: segments of letters, digits, `.`, `_`, `-`, `:` separated by `/`.
    key: String,
}

#[derive(Deserialize, schemars::JsonSchema)]
struct SetArgs {
    /// The key: segments of letters, digits, `.`, `_`, `-`, `:` separated by `/`.
    key: String,
    /// The value (at most 1 MiB).
    value: String,
}

#[derive(Deserialize, schemars::JsonSchema)]
struct ListArgs {
    /// Only keys starting with this.
    prefix: Option<String>,
}

#[derive(Deserialize, schemars::JsonSchema)]
struct StoreSearchArgs {
    /// Words to look for in stored values and keys (e.g. the words of an error message).
    text: String,
    /// Only keys starting with this.
    prefix: Option<String>,
    /// How many results (default 5, at most 50).
    limit: Option<usize>,
}

#[derive(Deserialize, schemars::JsonSchema)]
struct RecordArgs {
    /// The skill that was used (one of this pack's).
    skill: String,
    /// How it went: success, failure, partial, skipped (or used: read, no outcome yet).
    outcome: String,
    /// How long it took, in seconds.
    duration_s: Option<f64>,
    /// What happened, in a few words.
    notes: Option<String>,
    /// Values of the metrics the skill declares (`metadata.metrics-tracks`): numbers or short texts.
    metrics: Option<BTreeMap<String, serde_json::Value>>,
}

#[derive(Deserialize, schemars::JsonSchema)]
struct FeedbackArgs {
    /// Only this skill.
    skill: Option<String>,
}

fn ok(text: impl Into<String>) -> CallToolResult {
    CallToolResult::success(vec![ContentBlock::text(text.into())])
}

fn fail(text: impl std::fmt::Display) -> CallToolResult {
    CallToolResult::error(vec![ContentBlock::text(
        skillwright_model::text::clean(&text.to_string()).into_owned(),
    )])
}

fn json(v: &impl serde::Serialize) -> CallToolResult {
    match serde_json::to_string_pretty(v) {
        Ok(t) => ok(t),
        Err(e) => fail(e),
    }
}

fn bounded(what: &str, s: &str) -> Result<(), CallToolResult> {
    if s.len() > MAX_TEXT {
        return Err(fail(format!("{what} is {} bytes; the limit is {MAX_TEXT}", s.len())));
    }
    Ok(())
}

#[tool_router]
impl Server {
    /// A server for the package at `root`, keeping state where `env` says.
    pub fn new(root: PathBuf, env: Env) -> Server {
        Server { root, env, tool_router: Self::tool_router() }
    }

    #[tool(
        description = "Find the pack's skills that fit a task, best first: name, score and one-line summary."
    )]
    fn skills_search(&self, Parameters(a): Parameters<SearchArgs>) -> CallToolResult {
        if let Err(e) = bounded("text", &a.text) {
            return e;
        }
        let index = match package::index(&self.root) {
            Ok(i) => i,
            Err(e) => return fail(e),
        };
        let hits: Vec<serde_json::Value> = search::search(&index.skills, &a.text)
            .into_iter()
            .take(a.limit.unwrap_or(5).min(MAX_LIMIT))
            .map(|(s, score)| serde_json::json!({ "name": s.name, "score": score, "summary": skillwright_model::context::summary(&s.description, 160) }))
            .collect();
        json(&hits)
    }

    #[tool(description = "The full SKILL.md of one of the pack's skills, to read and follow.")]
    fn skill_show(&self, Parameters(a): Parameters<NameArgs>) -> CallToolResult {
        let shown = package::index(&self.root).and_then(|i| package::skill_md(&self.root, &i, &a.name));
        match shown {
            Ok(text) => ok(skillwright_model::text::clean(&text).into_owned()),
            Err(e) => fail(e),
        }
    }

    #[tool(description = "The value stored under a key (durable memory across sessions and projects).")]
    fn store_get(&self, Parameters(a): Parameters<KeyArgs>) -> CallToolResult {
        match Store::open(&self.env).and_then(|s| s.entry(&a.key)) {
            Ok(Some(e)) => json(&e),
            Ok(None) => {
                fail(format!("nothing is stored under `{}`", skillwright_model::text::one_line(&a.key, 200)))
            }
            Err(e) => fail(e),
        }
    }

    #[tool(description = "Store a value under a key, replacing what was there (with the time and project).")]
    fn store_set(&self, Parameters(a): Parameters<SetArgs>) -> CallToolResult {
        match Store::open(&self.env).and_then(|s| s.set(&a.key, &a.value)) {
            Ok(()) => ok(format!("stored {}", a.key)),
            Err(e) => fail(e),
        }
    }

    #[tool(description = "The stored keys, optionally only those starting with a prefix.")]
    fn store_list(&self, Parameters(a): Parameters<ListArgs>) -> CallToolResult {
        match Store::open(&self.env).and_then(|s| s.list(a.prefix.as_deref().unwrap_or(""))) {
            Ok(keys) => json(&keys),
            Err(e) => fail(e),
        }
    }

    #[tool(
        description = "Find stored values by words from them or their keys (e.g. a hypothesis by the words of an error), best first, with when and in which project each was stored."
    )]
    fn store_search(&self, Parameters(a): Parameters<StoreSearchArgs>) -> CallToolResult {
        if let Err(e) = bounded("text", &a.text) {
            return e;
        }
        let limit = a.limit.unwrap_or(5).min(MAX_LIMIT);
        match Store::open(&self.env).and_then(|s| s.search(&a.text, a.prefix.as_deref().unwrap_or(""), limit))
        {
            Ok(hits) => json(
                &hits
                    .into_iter()
                    .map(|(e, score)| serde_json::json!({ "entry": e, "score": score }))
                    .collect::<Vec<_>>(),
            ),
            Err(e) => fail(e),
        }
    }

    #[tool(
        description = "Record how using one of the pack's skills went, with the metrics the skill declares."
    )]
    fn metrics_record(&self, Parameters(a): Parameters<RecordArgs>) -> CallToolResult {
        let outcome: metrics::Outcome =
            match serde_json::from_value(serde_json::Value::String(a.outcome.clone())) {
                Ok(o) => o,
                Err(_) => return fail("outcome must be success, failure, partial, skipped or used"),
            };
        if let Some(n) = &a.notes
            && let Err(e) = bounded("notes", n)
        {
            return e;
        }
        let index = match package::index(&self.root) {
            Ok(i) => i,
            Err(e) => return fail(e),
        };
        let Some(skill) = index.get(&a.skill) else {
            return fail(format!(
                "this pack has no skill `{}`; its skills: {}",
                skillwright_model::text::one_line(&a.skill, 64),
                index.skills.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
            ));
        };
        let mut values = Vec::new();
        for (name, v) in a.metrics.unwrap_or_default() {
            let value = match v {
                serde_json::Value::Number(n) => metrics::Value::Number(n.as_f64().unwrap_or(f64::NAN)),
                serde_json::Value::String(s) => metrics::Value::Text(s),
                _ => return fail(format!("metric `{name}` must be a number or a short text")),
            };
            values.push((name, value));
        }
        let new = metrics::NewRun {
            outcome: Some(outcome),
            duration_s: a.duration_s,
            notes: a.notes,
            metrics: values,
        };
        match metrics::record(&self.env, skill, new) {
            Ok(run) => json(&run),
            Err(e) => fail(e),
        }
    }

    #[tool(
        description = "How the pack's skills are doing: runs, uses, success rate, recent trend, declared metrics, with a suggestion each."
    )]
    fn feedback(&self, Parameters(a): Parameters<FeedbackArgs>) -> CallToolResult {
        match metrics::dir(&self.env) {
            Ok(dir) => {
                let (runs, _) = metrics::read(&dir, None);
                json(&feedback::compute(&runs, a.skill.as_deref()))
            }
            Err(e) => fail(e),
        }
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Server {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_server_info(Implementation::new("skillwright", env!("CARGO_PKG_VERSION")))
            .with_instructions("The skill pack's runtime: find and read skills, keep durable notes (store), record how a skill went (metrics_record) and see which skills help (feedback).")
    }
}

/// Serves the package at `root` over stdin and stdout until the client goes away.
pub fn serve(root: PathBuf, env: Env) -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async move {
        let service = Server::new(root, env)
            .serve(rmcp::transport::stdio())
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        service.waiting().await.map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(())
    })
}
