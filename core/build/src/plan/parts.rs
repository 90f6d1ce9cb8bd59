//! Commands, subagents and MCP servers translated for one host: what its templates render, and
//! what the host cannot carry of them (for the loss report).

use crate::target::{Mcp, Target};
use serde::Serialize;
use skillwright_model::component::{
    ARGUMENTS, Agent, Command, Components, McpServer, PLUGIN_DATA, PLUGIN_ROOT, Transport,
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

/// One host's share of the components.
#[derive(Default, Serialize)]
pub(super) struct Parts {
    pub commands: Vec<CtxCommand>,
    pub agents: Vec<CtxAgent>,
    pub mcp: BTreeMap<String, CtxMcp>,
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
    if map.is_empty() { String::new() } else { serde_yaml::to_string(&map).unwrap_or_default() }
}

/// The components as `target` reads them. `shared` is set for the universal tree.
pub(super) fn for_host(c: &Components, t: &Target, shared: Option<&Shared>) -> Parts {
    let mut p = Parts::default();
    commands(&c.commands, t, shared, &mut p);
    agents(&c.agents, t, shared, &mut p);
    mcp(&c.mcp, t, &mut p);
    p
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
    if spec.arguments.is_empty() && substituted > 0 {
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
    let keys = shared.map_or(&spec.keys, |s| &s.agent_keys);
    let mut dropped: BTreeMap<&str, usize> = BTreeMap::new();
    for a in list {
        let mut tools = Vec::new();
        for tool in &a.tools {
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
