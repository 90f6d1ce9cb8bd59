//! Commands, subagents and MCP servers translated for one host: what its templates render, and
//! what the host cannot carry of them (for the loss report).

use crate::target::{Mcp, Target};
use serde::Serialize;
use skillwright_model::component::{
    ARGUMENTS, Agent, Command, Components, Hook, McpServer, PLUGIN_DATA, PLUGIN_ROOT, Transport,
};
use std::collections::BTreeMap;

/// What `$ARGUMENTS` becomes on a host that substitutes nothing.
const NO_ARGUMENTS: &str = "the arguments given with the command";

/// A command, as one host's template sees it.
#[derive(Serialize)]
pub(super) struct CtxCommand {
    pub name: String,
    description: String,
    argument_hint: Option<String>,
    model: Option<String>,
    /// The prompt, with `$ARGUMENTS` in the host's own form.
    body: String,
    /// The YAML frontmatter the host reads (keys in a fixed order, serialized safely), without
    /// the `---` lines.
    frontmatter: String,
}

/// An agent, as one host's template sees it.
#[derive(Serialize)]
pub(super) struct CtxAgent {
    pub name: String,
    description: String,
    /// Its tools by this host's names.
    tools: Vec<String>,
    model: Option<String>,
    body: String,
    frontmatter: String,
}

/// An MCP server, as one host's template sees it: paths already in the host's form.
#[derive(Serialize)]
pub(super) struct CtxMcp {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    command: Option<String>,
    args: Vec<String>,
    env: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cwd: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    headers: BTreeMap<String, String>,
}

/// A hook, as one host's template sees it.
#[derive(Serialize)]
pub(super) struct CtxHook {
    /// Its index in the pack (what the runtime is told to run).
    pub index: usize,
    /// The canonical event.
    pub event: String,
    /// The host's name for the event.
    pub native: String,
    /// The host's names of the tools it applies to (empty: every tool).
    pub tools: Vec<String>,
    /// Those names as a regular expression matching exactly them (empty: every tool).
    pub matcher: String,
    /// Its time limit in the host's unit, with a margin over the runtime's own limit.
    pub timeout: u64,
    /// Its time limit in seconds (what the runtime enforces).
    pub seconds: u32,
}

/// The hooks on one of a host's events, for templates that list hooks by event.
#[derive(Serialize)]
pub(super) struct CtxHookGroup {
    /// The host's name for the event.
    pub native: String,
    /// The canonical event.
    pub event: String,
    /// The hooks, in pack order.
    pub hooks: Vec<CtxHook>,
}

/// One host's share of the components.
#[derive(Default, Serialize)]
pub(super) struct Parts {
    pub commands: Vec<CtxCommand>,
    pub agents: Vec<CtxAgent>,
    pub mcp: BTreeMap<String, CtxMcp>,
    /// Hooks on session start (templates list them after skillwright's own).
    pub session_hooks: Vec<CtxHook>,
    /// Hooks on every other event, by event in the order of a session.
    pub hook_groups: Vec<CtxHookGroup>,
    #[serde(skip)]
    pub loss: Vec<String>,
}

/// How the universal tree renders the files hosts share: every key some host reads, and the
/// source's own `$ARGUMENTS` (each host reads the shared copy its own way; the losses say how).
pub(super) struct Shared {
    pub command_keys: Vec<String>,
    pub agent_keys: Vec<String>,
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn names<'a>(it: impl Iterator<Item = &'a str>) -> String {
    it.map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
}

/// `pairs` as YAML frontmatter text (empty when there is nothing).
fn frontmatter(pairs: Vec<(&str, serde_yaml::Value)>) -> String {
    let mut map = serde_yaml::Mapping::new();
    for (k, v) in pairs {
        map.insert(serde_yaml::Value::String(k.to_string()), v);
    }
    crate::frontmatter::write(&map)
}

/// The components as `target` reads them. `shared` is set for the universal tree.
pub(super) fn for_host(c: &Components, t: &Target, shared: Option<&Shared>) -> Parts {
    let mut p = Parts::default();
    commands(&c.commands, t, shared, &mut p);
    agents(&c.agents, t, shared, &mut p);
    mcp(&c.mcp, t, &mut p);
    hooks(&c.hooks, t, &mut p);
    p
}

fn hooks(list: &[Hook], t: &Target, p: &mut Parts) {
    if list.is_empty() {
        return;
    }
    let Some(spec) = &t.hooks else {
        p.loss.push(format!(
            "{} hook{} not carried: {} runs no plugin hooks",
            list.len(),
            plural(list.len()),
            t.display
        ));
        return;
    };
    for h in list {
        let what = format!("hook {} ({})", h.index, h.event);
        let Some(event) = t.events.get(&h.event) else {
            p.loss.push(format!("{what} not carried: {} has no `{}` event", t.display, h.event));
            continue;
        };
        let mut tools = Vec::new();
        let mut missing = Vec::new();
        for tool in &h.tools {
            match spec.tools.get(tool) {
                Some(ht) if !tools.contains(&ht.name) => tools.push(ht.name.clone()),
                Some(_) => {}
                None => missing.push(tool.as_str()),
            }
        }
        if !h.tools.is_empty() && tools.is_empty() {
            p.loss.push(format!(
                "{what} never runs on {}: it has none of the tools it names ({})",
                t.display,
                h.tools.join(", ")
            ));
            continue;
        }
        if !missing.is_empty() {
            p.loss.push(format!(
                "{what}: {} has no {} tool; the hook runs for the others",
                t.display,
                missing.join(" or ")
            ));
        }
        if skillwright_model::component::BLOCKING_EVENTS.contains(&h.event.as_str()) && !event.blocks {
            p.loss.push(format!(
                "{what}: {} cannot block on {}; a block answer there is ignored",
                t.display, h.event
            ));
        }
        p.loss.extend(event.loss.iter().map(|l| format!("{what}: {l}")));
        let matcher = if tools.is_empty() {
            String::new()
        } else {
            format!("^({})$", tools.iter().map(|n| regex_escape(n)).collect::<Vec<_>>().join("|"))
        };
        // The host's own limit leaves the runtime time to answer after it stops a slow script.
        let seconds = h.timeout + 5;
        let timeout = if spec.timeout_unit == "ms" { u64::from(seconds) * 1000 } else { u64::from(seconds) };
        let hook = CtxHook {
            index: h.index,
            event: h.event.clone(),
            native: event.name.clone(),
            tools,
            matcher,
            timeout,
            seconds: h.timeout,
        };
        if h.event == "session-start" {
            p.session_hooks.push(hook);
        } else {
            match p.hook_groups.iter_mut().find(|g| g.event == h.event) {
                Some(g) => g.hooks.push(hook),
                None => p.hook_groups.push(CtxHookGroup {
                    native: event.name.clone(),
                    event: h.event.clone(),
                    hooks: vec![hook],
                }),
            }
        }
    }
    let order = |e: &str| skillwright_model::component::EVENTS.iter().position(|x| *x == e);
    p.hook_groups.sort_by_key(|g| order(&g.event));
    p.loss.extend(spec.loss.iter().cloned());
}

fn regex_escape(s: &str) -> String {
    s.chars().flat_map(|c| if "\\.+*?()|[]{}^$".contains(c) { vec!['\\', c] } else { vec![c] }).collect()
}

fn commands(list: &[Command], t: &Target, shared: Option<&Shared>, p: &mut Parts) {
    if list.is_empty() {
        return;
    }
    let Some(spec) = &t.commands else {
        p.loss.push(format!(
            "{} command{} not carried: {} has no plugin slash commands ({})",
            list.len(),
            plural(list.len()),
            t.display,
            names(list.iter().map(|c| c.name.as_str()))
        ));
        return;
    };
    // In the universal tree, hosts that share the Markdown commands read one copy of each.
    let shared = shared.filter(|_| spec.shared);
    let keys = shared.map_or(&spec.keys, |s| &s.command_keys);
    let arguments = if shared.is_some() { ARGUMENTS } else { spec.arguments.as_str() };
    let mut dropped: BTreeMap<&str, usize> = BTreeMap::new();
    for c in list {
        let keep = |k: &'static str, used: bool, dropped: &mut BTreeMap<&str, usize>| {
            let kept = keys.iter().any(|x| x == k);
            if used && !kept {
                *dropped.entry(k).or_default() += 1;
            }
            used && kept
        };
        let mut fm: Vec<(&str, serde_yaml::Value)> = Vec::new();
        if keep("description", true, &mut dropped) {
            fm.push(("description", c.description.clone().into()));
        }
        if keep("argument-hint", c.argument_hint.is_some(), &mut dropped) {
            fm.push(("argument-hint", c.argument_hint.clone().unwrap_or_default().into()));
        }
        if keep("allowed-tools", !c.allowed_tools.is_empty(), &mut dropped) {
            fm.push(("allowed-tools", c.allowed_tools.join(" ").into()));
        }
        if keep("model", c.model.is_some(), &mut dropped) {
            fm.push(("model", c.model.clone().unwrap_or_default().into()));
        }
        let body = if arguments.is_empty() {
            c.body.replace(ARGUMENTS, NO_ARGUMENTS)
        } else {
            c.body.replace(ARGUMENTS, arguments)
        };
        p.commands.push(CtxCommand {
            name: c.name.clone(),
            description: c.description.clone(),
            argument_hint: c.argument_hint.clone(),
            model: c.model.clone(),
            body,
            frontmatter: frontmatter(fm),
        });
    }
    for (k, n) in dropped {
        p.loss.push(format!(
            "command frontmatter `{k}` ({n} command{}) is not honoured by {}",
            plural(n),
            t.display
        ));
    }
    let substituted = list.iter().filter(|c| c.body.contains(ARGUMENTS)).count();
    if shared.is_some() && spec.arguments != ARGUMENTS && substituted > 0 {
        p.loss.push(format!(
            "{} reads the universal tree's shared commands/, where `$ARGUMENTS` stays as written: {substituted} command{} reach it unexpanded (its per-host package rewrites them)",
            t.display,
            plural(substituted)
        ));
    } else if spec.arguments.is_empty() && substituted > 0 {
        p.loss.push(format!(
            "{} substitutes no arguments into commands: `$ARGUMENTS` is written as \"{NO_ARGUMENTS}\" in {substituted} command{}",
            t.display,
            plural(substituted)
        ));
    }
    p.loss.extend(spec.loss.iter().cloned());
}

fn agents(list: &[Agent], t: &Target, shared: Option<&Shared>, p: &mut Parts) {
    if list.is_empty() {
        return;
    }
    let Some(spec) = &t.agents else {
        p.loss.push(format!(
            "{} agent{} not carried: {} has no plugin subagents ({})",
            list.len(),
            plural(list.len()),
            t.display,
            names(list.iter().map(|a| a.name.as_str()))
        ));
        return;
    };
    let keys = shared.filter(|_| spec.shared).map_or(&spec.keys, |s| &s.agent_keys);
    let mut dropped: BTreeMap<&str, usize> = BTreeMap::new();
    let reads_tools = keys.iter().any(|k| k == "tools");
    for a in list {
        let mut tools = Vec::new();
        for tool in a.tools.iter().filter(|_| reads_tools) {
            match spec.tools.get(tool) {
                Some(native) if !tools.contains(native) => tools.push(native.clone()),
                Some(_) => {}
                None => p
                    .loss
                    .push(format!("agent `{}`: {} has no `{tool}` tool; it is left out", a.name, t.display)),
            }
        }
        let mut fm: Vec<(&str, serde_yaml::Value)> = Vec::new();
        let mut keep = |k: &'static str, used: bool| {
            let kept = keys.iter().any(|x| x == k);
            if used && !kept {
                *dropped.entry(k).or_default() += 1;
            }
            used && kept
        };
        if keep("name", true) {
            fm.push(("name", a.name.clone().into()));
        }
        if keep("description", true) {
            fm.push(("description", a.description.clone().into()));
        }
        if keep("tools", !tools.is_empty()) {
            let v = if spec.tools_as == "comma" {
                serde_yaml::Value::String(tools.join(", "))
            } else {
                serde_yaml::Value::Sequence(tools.iter().cloned().map(Into::into).collect())
            };
            fm.push(("tools", v));
        }
        if keep("model", a.model.is_some()) {
            fm.push(("model", a.model.clone().unwrap_or_default().into()));
        }
        p.agents.push(CtxAgent {
            name: a.name.clone(),
            description: a.description.clone(),
            tools,
            model: a.model.clone(),
            body: a.body.clone(),
            frontmatter: frontmatter(fm),
        });
    }
    for (k, n) in dropped {
        p.loss.push(format!(
            "agent frontmatter `{k}` ({n} agent{}) is not honoured by {}",
            plural(n),
            t.display
        ));
    }
    p.loss.extend(spec.loss.iter().cloned());
}

fn mcp(list: &[McpServer], t: &Target, p: &mut Parts) {
    if list.is_empty() {
        return;
    }
    let Some(spec) = &t.mcp else {
        p.loss.push(format!(
            "{} MCP server{} not carried: {} does not start plugin MCP servers ({})",
            list.len(),
            plural(list.len()),
            t.display,
            names(list.iter().map(|s| s.name.as_str()))
        ));
        return;
    };
    for s in list {
        match translate(s, spec) {
            Ok(m) => {
                p.mcp.insert(s.name.clone(), m);
            }
            Err(why) => p.loss.push(format!("MCP server `{}` not carried: {} {why}", s.name, t.display)),
        }
    }
    p.loss.extend(spec.loss.iter().cloned());
}

/// A server in `spec`'s terms, or why the host cannot run it.
fn translate(s: &McpServer, spec: &Mcp) -> Result<CtxMcp, String> {
    let supports = |t: &str| spec.transports.iter().any(|x| x == t);
    match &s.transport {
        Transport::Stdio { command, args, env, cwd } => {
            if !supports("stdio") {
                return Err("starts no stdio servers".into());
            }
            let bundled = command.starts_with("./")
                || args.iter().chain(env.values()).chain(cwd.iter()).any(|v| v.contains(PLUGIN_ROOT));
            let root = match (&spec.root, bundled) {
                (Some(r), _) => r.as_str(),
                (None, false) => "",
                (None, true) => {
                    return Err("cannot reach a file inside the package (it expands no plugin root)".into());
                }
            };
            let uses_data =
                args.iter().chain(env.values()).chain(cwd.iter()).any(|v| v.contains(PLUGIN_DATA));
            let data = match (&spec.data, uses_data) {
                (Some(d), _) => d.as_str(),
                (None, false) => "",
                (None, true) => return Err("has no per-plugin data directory for `${PLUGIN_DATA}`".into()),
            };
            let expand = |v: &str| path_in(v, root, data, &spec.separator);
            let command = match command.strip_prefix("./") {
                Some(rest) if !spec.relative_command && root != "." => {
                    format!("{root}{}{}", spec.separator, rest.replace('/', &spec.separator))
                }
                _ => command.clone(),
            };
            Ok(CtxMcp {
                kind: "stdio",
                command: Some(command),
                args: args.iter().map(|a| expand(a)).collect(),
                env: env.iter().map(|(k, v)| (k.clone(), expand(v))).collect(),
                cwd: cwd.as_deref().map(expand).or_else(|| spec.cwd.clone()),
                url: None,
                headers: BTreeMap::new(),
            })
        }
        Transport::Http { url, headers } | Transport::Sse { url, headers } => {
            let kind = if matches!(s.transport, Transport::Sse { .. }) { "sse" } else { "http" };
            if !supports(kind) {
                return Err(format!("does not support the {kind} transport"));
            }
            Ok(CtxMcp {
                kind,
                command: None,
                args: Vec::new(),
                env: BTreeMap::new(),
                cwd: None,
                url: Some(url.clone()),
                headers: headers.clone(),
            })
        }
    }
}

/// `v` with the package variables in the host's form; after the root, `/` becomes the host's
/// separator. With a root of `.`, `${PLUGIN_ROOT}/x` becomes `./x`.
fn path_in(v: &str, root: &str, data: &str, sep: &str) -> String {
    let mut out = String::new();
    let mut rest = v;
    while let Some(i) = rest.find(PLUGIN_ROOT) {
        out.push_str(&rest[..i]);
        out.push_str(root);
        rest = &rest[i + PLUGIN_ROOT.len()..];
        if sep != "/" {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            out.push_str(&rest[..end].replace('/', sep));
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    out.replace(PLUGIN_DATA, data)
}

#[cfg(test)]
mod tests {
    use super::path_in;

    #[test]
    fn package_paths_in_each_form() {
        assert_eq!(path_in("${PLUGIN_ROOT}/bin/x", "${R}", "", "/"), "${R}/bin/x");
        assert_eq!(path_in("${PLUGIN_ROOT}/bin/x", ".", "", "/"), "./bin/x");
        assert_eq!(path_in("--db=${PLUGIN_DATA}/db", "", "${D}", "/"), "--db=${D}/db");
        assert_eq!(path_in("${PLUGIN_ROOT}/a/b c/d", "${e}", "", "${/}"), "${e}${/}a${/}b c/d");
    }
}
