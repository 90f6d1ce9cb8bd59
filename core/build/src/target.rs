//! Target specs: everything skillwright knows about a host, as data (`targets/<id>.toml`).

use serde::{Deserialize, Serialize};
use skillwright_model::hookspec::{HookInput, HookTool, Reply};
use std::collections::BTreeMap;
use std::path::Path;

// The targets shipped with skillwright (the repository's `targets/` directory), as JSON.
include!(concat!(env!("OUT_DIR"), "/targets.rs"));

/// One host.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Target {
    /// Short id: directory name under the output dir and `--host` value.
    pub id: String,
    /// Product name for reports.
    pub display: String,
    /// Where the plugin itself lives inside the package dir (`""` = the package root).
    /// `{pack}` is replaced by the pack name.
    #[serde(default)]
    pub plugin_root: String,
    /// SKILL.md frontmatter keys this host reads; other keys are left out of its copy.
    pub skill_keys: Vec<String>,
    /// Keys carried in the copy that the host does not honour; reported when a skill uses one.
    #[serde(default)]
    pub ignored_keys: Vec<String>,
    /// Shared template directories (besides `common`) rendered under this host's plugin root,
    /// e.g. `js` for the runtime loader that in-process JavaScript hosts import.
    #[serde(default)]
    pub include: Vec<String>,
    /// How this host reads a SKILL.md's frontmatter, as observed with its real client; absent when
    /// that is not known (no client to run), so the host is never named in such diagnostics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frontmatter: Option<crate::reading::Reading>,
    /// How the session context reaches the model.
    pub hook: Hook,
    /// What this host cannot carry, always listed in the loss report.
    #[serde(default)]
    pub loss: Vec<String>,
    /// What this host may lose in the universal tree only (shared files it would rather not see).
    #[serde(default)]
    pub universal_loss: Vec<String>,
    /// The target whose manifest this host loads in the universal tree when that target is built
    /// into it too, instead of its own (a host that prefers a root Agent Plugins plugin.json): it
    /// then carries only what that target carries, and the loss report says so.
    #[serde(default)]
    pub universal_reads: Option<String>,
    /// Slash commands, if the host has them.
    #[serde(default)]
    pub commands: Option<Commands>,
    /// Subagents, if the host has them.
    #[serde(default)]
    pub agents: Option<Agents>,
    /// MCP servers, if the host starts them for plugins.
    #[serde(default)]
    pub mcp: Option<Mcp>,
    /// How the host runs a plugin's lifecycle hooks, if it does.
    #[serde(default)]
    pub hooks: Option<Hooks>,
    /// Whether, in the universal tree, the host reads the one hooks file the universal templates
    /// write (`templates/universal/`) instead of a hooks file of its own.
    #[serde(default)]
    pub shared_hooks: bool,
    /// Lifecycle events a plugin's hooks can run on, by canonical name.
    #[serde(default)]
    pub events: BTreeMap<String, Event>,
}

/// How the host runs a plugin's hooks: what it sends them, what tools it names, how it reads
/// their answers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Hooks {
    /// The unit of the timeout written into the host's hook config: `s` or `ms`.
    #[serde(default = "seconds")]
    pub timeout_unit: String,
    /// Where things are in the JSON the host writes to a hook's stdin.
    #[serde(default)]
    pub input: HookInput,
    /// The tools hooks see, by canonical name.
    #[serde(default)]
    pub tools: BTreeMap<String, HookTool>,
    /// How a hook stops what is about to happen (`{reason}` stands for the reason); none for a
    /// host whose hooks are JavaScript run in-process (its template blocks there).
    #[serde(default)]
    pub block: Option<Reply>,
    /// How a hook adds context for the model (`{context}` stands for it), if the host takes any.
    #[serde(default)]
    pub context: Option<Reply>,
    /// Fixed notes for the loss report when a pack has hooks.
    #[serde(default)]
    pub loss: Vec<String>,
}

fn seconds() -> String {
    "s".into()
}

/// How the host runs plugin hooks on one event.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Event {
    /// The host's name for the event.
    pub name: String,
    /// Whether a hook can stop what the event is about (a tool call, a prompt, stopping).
    #[serde(default)]
    pub blocks: bool,
    /// Whether the host gives the model context a hook adds on this event.
    #[serde(default)]
    pub context: bool,
    /// This event's own way of blocking, where it differs from `[hooks] block`.
    #[serde(default)]
    pub block: Option<Reply>,
    /// This event's own way of adding context.
    #[serde(default)]
    pub reply: Option<Reply>,
    /// A fixed note for the loss report when a pack hooks this event.
    #[serde(default)]
    pub loss: Option<String>,
}

/// How the host reads slash commands.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Commands {
    /// Frontmatter keys it reads (others are left out of its copy and reported).
    pub keys: Vec<String>,
    /// What the source's `$ARGUMENTS` becomes: this host's placeholder, or `""` when the host
    /// substitutes nothing (the placeholder is then replaced by a plain mention of the arguments).
    pub arguments: String,
    /// Fixed notes for the loss report when a pack has commands.
    #[serde(default)]
    pub loss: Vec<String>,
    /// Whether, in the universal tree, the host reads the Markdown commands several hosts share
    /// (written with every key some sharing host reads, and `$ARGUMENTS` as in the source).
    #[serde(default)]
    pub shared: bool,
}

/// How the host reads subagents.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Agents {
    /// Frontmatter keys it reads.
    pub keys: Vec<String>,
    /// How `tools` is written: `"list"` (a YAML sequence) or `"comma"` (one comma-separated string).
    #[serde(default = "list")]
    pub tools_as: String,
    /// This host's names for the canonical tools an agent may be given; a tool without one is
    /// left out of the host's copy (and reported).
    #[serde(default)]
    pub tools: BTreeMap<String, String>,
    /// Fixed notes for the loss report when a pack has agents.
    #[serde(default)]
    pub loss: Vec<String>,
    /// Whether, in the universal tree, the host reads the Markdown agents several hosts share.
    #[serde(default)]
    pub shared: bool,
}

fn list() -> String {
    "list".into()
}

/// How the host starts a plugin's MCP servers.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Mcp {
    /// What `${PLUGIN_ROOT}` (and a command's leading `./`) becomes: the host's variable for the
    /// installed plugin, `"."` for paths relative to a working directory in the plugin root, or
    /// nothing when a bundled file cannot be reached (only PATH commands then work).
    #[serde(default)]
    pub root: Option<String>,
    /// What `${PLUGIN_DATA}` becomes, if the host has a per-plugin data directory.
    #[serde(default)]
    pub data: Option<String>,
    /// The working directory given to a server whose source names none (e.g. `"."`).
    #[serde(default)]
    pub cwd: Option<String>,
    /// Whether a command inside the package stays a `./` path (the host resolves it against the
    /// plugin root) instead of being prefixed with `root`.
    #[serde(default)]
    pub relative_command: bool,
    /// The path separator written after the root (default `/`).
    #[serde(default = "slash")]
    pub separator: String,
    /// Transports it supports: `stdio`, `http`, `sse`.
    #[serde(default = "all_transports")]
    pub transports: Vec<String>,
    /// Fixed notes for the loss report when a pack has MCP servers.
    #[serde(default)]
    pub loss: Vec<String>,
}

fn slash() -> String {
    "/".into()
}

fn all_transports() -> Vec<String> {
    ["stdio", "http", "sse"].map(String::from).to_vec()
}

/// The session-start payload of a host.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Hook {
    /// The hook mechanism, for reports (e.g. "SessionStart hook", "always-on rule").
    pub via: String,
    /// What the runtime prints: `"text"` for the bare context, or a JSON value in which the string
    /// `"{context}"` stands for the context.
    pub output: toml::Value,
    /// Whether the runtime hook runs on this host (false: the context is static, in a file).
    #[serde(default = "yes")]
    pub dynamic: bool,
    /// Whether the host runs the plugin's JavaScript in-process, so the package also carries the
    /// Node.js addon (`bin/<triple>/skillwright.node`) to load instead of spawning the binary.
    #[serde(default)]
    pub addon: bool,
}

fn yes() -> bool {
    true
}

/// A target file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("target {file}: {message}")]
pub struct Error {
    /// The file.
    pub file: String,
    /// What is wrong.
    pub message: String,
}

impl Target {
    /// Parses one target file.
    pub fn parse(file: &str, text: &str) -> Result<Target, Error> {
        let t = toml::from_str(text).map_err(|e| Error { file: file.into(), message: e.to_string() })?;
        Target::checked(file, t)
    }

    /// A built-in target from the JSON its TOML was turned into at build time.
    fn from_json(file: &str, json: &str) -> Result<Target, Error> {
        let t =
            serde_json::from_str(json).map_err(|e| Error { file: file.into(), message: e.to_string() })?;
        Target::checked(file, t)
    }

    /// `t`, when what serde cannot check holds.
    fn checked(file: &str, t: Target) -> Result<Target, Error> {
        if !skillwright_model::names::valid_name(&t.id) {
            return Err(Error { file: file.into(), message: format!("id `{}` is not a valid name", t.id) });
        }
        if let Some(bad) = t.include.iter().find(|d| !skillwright_model::names::valid_name(d)) {
            return Err(Error {
                file: file.into(),
                message: format!("include `{bad}` is not a template dir name"),
            });
        }
        let tools = t.agents.iter().flat_map(|a| a.tools.keys());
        if let Some(bad) =
            tools.into_iter().find(|k| !skillwright_model::component::TOOLS.contains(&k.as_str()))
        {
            return Err(Error {
                file: file.into(),
                message: format!(
                    "a tool map names `{bad}`, which is not a canonical tool ({})",
                    skillwright_model::component::TOOLS.join(", ")
                ),
            });
        }
        if let Some(r) = &t.frontmatter {
            r.check().map_err(|message| Error { file: file.into(), message })?;
        }
        if t.plugin_root.split('/').any(|s| s == ".." || s == ".") || t.plugin_root.starts_with('/') {
            return Err(Error {
                file: file.into(),
                message: "plugin-root must be a relative path inside the package".into(),
            });
        }
        Ok(t)
    }

    /// The plugin root for `pack`, with a trailing `/` unless empty.
    pub fn plugin_prefix(&self, pack: &str) -> String {
        let r = self.plugin_root.replace("{pack}", pack);
        if r.is_empty() { r } else { format!("{}/", r.trim_end_matches('/')) }
    }

    /// How this host talks to a package's hooks (written into the package for the runtime), if
    /// it runs plugin hooks.
    pub fn host_hooks(&self) -> Option<skillwright_model::hookspec::HostHooks> {
        let spec = self.hooks.as_ref()?;
        let events = self
            .events
            .iter()
            .map(|(canonical, e)| {
                let block = e.blocks.then(|| e.block.clone().or_else(|| spec.block.clone())).flatten();
                let context = e.context.then(|| e.reply.clone().or_else(|| spec.context.clone())).flatten();
                (
                    canonical.clone(),
                    skillwright_model::hookspec::EventSpec { name: e.name.clone(), block, context },
                )
            })
            .collect();
        Some(skillwright_model::hookspec::HostHooks {
            input: spec.input.clone(),
            tools: spec.tools.clone(),
            events,
        })
    }

    /// How this host takes the session context: `"text"`, or a JSON value in which the string
    /// `"{context}"` stands for it (written into the package for the runtime).
    pub fn payload_shape(&self) -> serde_json::Value {
        serde_json::to_value(&self.hook.output).unwrap_or_default()
    }
}

/// Every built-in target, by id.
pub fn builtin() -> Result<BTreeMap<String, Target>, Error> {
    let mut out = BTreeMap::new();
    for (file, json) in BUILTIN_JSON {
        let t = Target::from_json(file, json)?;
        out.insert(t.id.clone(), t);
    }
    Ok(out)
}

/// The built-in target `id`, if there is one (parses only that file: this runs in the hook).
pub fn builtin_one(id: &str) -> Option<Target> {
    let file = format!("{id}.toml");
    let (_, json) = BUILTIN_JSON.iter().find(|(f, _)| *f == file)?;
    Target::from_json(&file, json).ok().filter(|t| t.id == id)
}

/// The ids of the built-in targets, from their file names (`<id>.toml`), without parsing them:
/// what the command line's help lists, on every start of the binary (the session hook's too).
pub fn builtin_ids() -> Vec<String> {
    BUILTIN_JSON.iter().filter_map(|(f, _)| f.strip_suffix(".toml").map(str::to_string)).collect()
}

/// The built-in targets, with those of `overlay` (a directory of `*.toml`) added or, where an id
/// is the same, replacing the built-in one.
pub fn load(overlay: Option<&Path>) -> Result<BTreeMap<String, Target>, Error> {
    let mut all = builtin()?;
    if let Some(dir) = overlay {
        all.extend(from_dir(dir)?);
    }
    Ok(all)
}

/// Every target in a directory of `*.toml` files, by id.
pub fn from_dir(dir: &Path) -> Result<BTreeMap<String, Target>, Error> {
    let err = |m: String| Error { file: dir.display().to_string(), message: m };
    let mut out = BTreeMap::new();
    let mut entries: Vec<_> =
        std::fs::read_dir(dir).map_err(|e| err(e.to_string()))?.filter_map(Result::ok).collect();
    entries.sort_by_cached_key(|e| e.file_name());
    for e in entries {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "toml") {
            let text = std::fs::read_to_string(&p).map_err(|e| err(e.to_string()))?;
            let t = Target::parse(&p.display().to_string(), &text)?;
            out.insert(t.id.clone(), t);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn builtin_ids_are_the_ids_the_specs_declare() {
        let parsed: Vec<String> = super::builtin().unwrap().into_keys().collect();
        assert_eq!(super::builtin_ids(), parsed);
    }

    #[test]
    fn the_embedded_json_is_the_toml_source() {
        let dir = std::path::Path::new(env!("SKILLWRIGHT_TARGETS_DIR"));
        let from_toml = super::from_dir(dir).unwrap();
        let embedded = super::builtin().unwrap();
        assert_eq!(from_toml.len(), embedded.len());
        for (id, t) in from_toml {
            let json = |t: &super::Target| serde_json::to_value(t).unwrap();
            assert_eq!(json(&t), json(&embedded[&id]), "{id}");
            assert_eq!(super::builtin_one(&id).map(|o| json(&o)), Some(json(&t)), "{id}");
        }
    }
}
