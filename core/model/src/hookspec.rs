//! The hook table a package carries (`hooks/events.json`): the pack's hooks and, for every host
//! the package serves, how that host talks to them. The build writes it from the targets; the
//! runtime reads it to run a hook without knowing any host.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where the table lives inside a plugin.
pub const EVENTS_PATH: &str = "hooks/events.json";
/// Largest table the runtime reads.
pub const MAX_EVENTS_FILE: u64 = 1024 * 1024;

/// JSON pointers into a host's hook input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct HookInput {
    /// The tool's name.
    #[serde(default = "tool_name")]
    pub tool: String,
    /// The tool's arguments (an object).
    #[serde(default = "tool_input")]
    pub args: String,
    /// The prompt the user submitted (a string, or a list of text parts).
    #[serde(default = "prompt")]
    pub prompt: String,
}

impl Default for HookInput {
    fn default() -> Self {
        HookInput { tool: tool_name(), args: tool_input(), prompt: prompt() }
    }
}

fn tool_name() -> String {
    "/tool_name".into()
}
fn tool_input() -> String {
    "/tool_input".into()
}
fn prompt() -> String {
    "/prompt".into()
}

/// A tool as a host's hooks see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct HookTool {
    /// Its name in the hook input (and in matchers).
    pub name: String,
    /// Pointer to a shell command in its arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Pointer to a file path in its arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Pointer to a skill name in its arguments (tools that load a skill by name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skill: Option<String>,
}

/// What a hook prints and how it exits to tell the host something.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Reply {
    /// Exit code.
    #[serde(default)]
    pub exit: i32,
    /// JSON printed on stdout (`"{reason}"`, `"{context}"` and `"{event}"` are filled in), or the
    /// string `"text"` for the bare text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stdout: Option<serde_json::Value>,
    /// Text printed on stderr (with the same placeholders).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stderr: Option<String>,
}

/// One event as a host runs it, its replies resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventSpec {
    /// The host's name for it.
    pub name: String,
    /// How to block on it, if the host lets a hook block there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block: Option<Reply>,
    /// How to add context on it, if the host takes any there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Reply>,
}

/// How one host talks to hooks.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HostHooks {
    /// Where things are in its input.
    pub input: HookInput,
    /// Its tools, by canonical name.
    pub tools: BTreeMap<String, HookTool>,
    /// Its events, by canonical name.
    pub events: BTreeMap<String, EventSpec>,
}

/// One of the pack's hooks, as the runtime runs it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HookEntry {
    /// Its index in the pack.
    pub index: usize,
    /// The canonical event.
    pub event: String,
    /// Canonical tools it applies to (empty: every tool).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tools: Vec<String>,
    /// Script to run, relative to the plugin root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// Built-in handler to run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handler: Option<String>,
    /// Time limit in seconds.
    pub timeout: u32,
    /// What a failure of the script means.
    pub on_failure: crate::component::OnFailure,
}

/// The whole table.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HookTable {
    /// The pack's hooks.
    pub hooks: Vec<HookEntry>,
    /// How each host this package serves talks to them.
    pub hosts: BTreeMap<String, HostHooks>,
}
