//! The components of a plugin beyond skills: slash commands, subagents, MCP servers and lifecycle
//! hooks, as the pack source declares them (host-neutral).
//!
//! Commands and subagents are Markdown files with YAML frontmatter (`commands/<name>.md`,
//! `agents/<name>.md` beside the pack file); MCP servers and hooks are declared in
//! `skillwright.toml`. The build renders each into every host's own format.

use serde::Serialize;
use std::collections::BTreeMap;

/// What the source's argument placeholder is: the whole argument string the user typed.
pub const ARGUMENTS: &str = "$ARGUMENTS";

/// A slash command (`commands/<name>.md`).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Command {
    /// Its name: the file name without `.md`.
    pub name: String,
    /// `description`: what it does, shown in the host's command menu.
    pub description: String,
    /// `argument-hint`: how to call it, e.g. `[files…]`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub argument_hint: Option<String>,
    /// `allowed-tools`: tools the command may use without asking, as written (host syntax).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_tools: Vec<String>,
    /// `model`: the model to run it with, as the host names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The prompt: the Markdown body, `$ARGUMENTS` standing for what the user typed after it.
    pub body: String,
}

/// A subagent (`agents/<name>.md`).
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Agent {
    /// `name` (equal to the file name without `.md`).
    pub name: String,
    /// `description`: when to hand work to it.
    pub description: String,
    /// `tools`: the tools it may use, by canonical name (see [`TOOLS`]); empty = the host's
    /// default set.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<String>,
    /// `model`: `inherit` (the session's), or a name as the hosts that read it spell it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The system prompt: the Markdown body.
    pub body: String,
}

/// Canonical tool names, used by agents' `tools` and hook matchers; each target maps them to its
/// own names.
pub const TOOLS: &[&str] =
    &["read", "grep", "glob", "list", "shell", "edit", "write", "web-fetch", "web-search", "task", "skill"];

/// How an MCP server is reached.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Transport {
    /// A process the host starts, speaking MCP over stdin/stdout.
    Stdio {
        /// A bare executable name (found on PATH) or a `./` path inside the package.
        command: String,
        /// Arguments; `${PLUGIN_ROOT}` and `${PLUGIN_DATA}` stand for the installed package and
        /// its data directory.
        args: Vec<String>,
        /// Environment added for it (values may use the same two variables).
        env: BTreeMap<String, String>,
        /// Working directory (`./…` or starting with one of the two variables).
        #[serde(skip_serializing_if = "Option::is_none")]
        cwd: Option<String>,
    },
    /// A server over streamable HTTP.
    Http {
        /// Its URL.
        url: String,
        /// Headers sent with every request.
        headers: BTreeMap<String, String>,
    },
    /// A server over the legacy HTTP + server-sent events transport.
    Sse {
        /// Its URL.
        url: String,
        /// Headers sent with every request.
        headers: BTreeMap<String, String>,
    },
}

/// The launcher of the package's own runtime (`bin/skillwright`, written by skillwright into every
/// package that runs it): an MCP server command may name it as `./bin/skillwright`.
pub const RUNTIME_LAUNCHER: &str = "bin/skillwright";

/// The variable for the installed package's root in MCP arguments, environment and cwd.
pub const PLUGIN_ROOT: &str = "${PLUGIN_ROOT}";
/// The variable for the package's persistent data directory.
pub const PLUGIN_DATA: &str = "${PLUGIN_DATA}";

/// An MCP server (`[mcp.<name>]` in `skillwright.toml`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct McpServer {
    /// Its name.
    pub name: String,
    /// How it is reached.
    #[serde(flatten)]
    pub transport: Transport,
}

/// What a hook does when its script fails (crashes, times out, prints garbage).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnFailure {
    /// Let the action go ahead (the default: a broken guard must not stop all work).
    #[default]
    Allow,
    /// Block it (for guards whose silence must not mean yes).
    Block,
}

/// What a hook runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// A script shipped in the pack, by path relative to the pack file's directory.
    Run(String),
    /// A handler built into the skillwright runtime (see [`HANDLERS`]).
    Handler(String),
}

/// Canonical hook events, in the order of a session.
pub const EVENTS: &[&str] = &[
    "session-start",
    "user-prompt-submit",
    "pre-tool-use",
    "permission-request",
    "post-tool-use",
    "post-tool-use-failure",
    "subagent-start",
    "subagent-stop",
    "notification",
    "pre-compact",
    "stop",
    "session-end",
];

/// Events about one tool call: the only ones a hook's `tools` applies to.
pub const TOOL_EVENTS: &[&str] =
    &["pre-tool-use", "permission-request", "post-tool-use", "post-tool-use-failure"];

/// Events on which a hook can stop what is about to happen (a tool call, a prompt, stopping).
pub const BLOCKING_EVENTS: &[&str] =
    &["user-prompt-submit", "pre-tool-use", "permission-request", "subagent-stop", "stop"];

/// Built-in runtime handlers a hook can name.
pub const HANDLERS: &[&str] = &["skill-usage"];

/// A lifecycle hook (`[[hooks]]` in `skillwright.toml`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hook {
    /// Its position among the pack's hooks (0-based): how the runtime finds it again.
    pub index: usize,
    /// The canonical event (see the targets' `[events]` tables for each host's name).
    pub event: String,
    /// Canonical tool names it applies to (tool events only); empty = every tool.
    pub tools: Vec<String>,
    /// What it runs.
    pub action: Action,
    /// Time limit, in seconds.
    pub timeout: u32,
    /// What a failure of the script means.
    pub on_failure: OnFailure,
}

/// Longest time limit a hook may ask for, in seconds.
pub const MAX_HOOK_TIMEOUT: u32 = 60;

/// Everything a pack carries besides its skills.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Components {
    /// Slash commands, by name.
    pub commands: Vec<Command>,
    /// Subagents, by name.
    pub agents: Vec<Agent>,
    /// MCP servers, by name.
    pub mcp: Vec<McpServer>,
    /// Hooks, in declaration order.
    pub hooks: Vec<Hook>,
}

impl Components {
    /// Whether there is nothing besides skills.
    pub fn is_empty(&self) -> bool {
        self.commands.is_empty() && self.agents.is_empty() && self.mcp.is_empty() && self.hooks.is_empty()
    }
}
