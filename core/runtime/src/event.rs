//! Running one of the pack's hooks on a host event: read what the host sent, put it in one
//! canonical form, run the pack's script (with its time limit) or a built-in handler, and answer
//! in the host's own form, as the package's hook table (`hooks/events.json`) describes it.
//!
//! A pack script reads the canonical input on stdin and answers on stdout with nothing (go on),
//! `{"decision": "block", "reason": "…"}` or `{"context": "…"}` (any other text is context); exit
//! 2 with a reason on stderr also blocks. A script that crashes, exits otherwise, prints
//! malformed JSON or runs out of time has failed, and the hook's `on-failure` decides.

use crate::{Env, package};
use serde_json::Value;
use skillwright_model::component::OnFailure;
use skillwright_model::fsio::{Links, read_bounded};
use skillwright_model::hookspec::{EVENTS_PATH, HookEntry, HookTable, HostHooks, MAX_EVENTS_FILE, Reply};
use std::io::{Read, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// Longest reason or context passed on to a host.
pub const MAX_TEXT: usize = 4000;
/// Most bytes read from a script's stdout or stderr.
const MAX_OUTPUT: usize = 64 * 1024;

/// What a hook decided.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "decision", rename_all = "lowercase")]
pub enum Decision {
    /// Go on.
    Allow,
    /// Stop what is about to happen.
    Block {
        /// Why, for the model.
        reason: String,
    },
    /// Go on, and tell the model this.
    Context {
        /// The text.
        context: String,
    },
}

/// What the hook process prints and how it exits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Answer {
    /// Printed on stdout.
    pub stdout: String,
    /// Printed on stderr.
    pub stderr: String,
    /// Exit code.
    pub exit: i32,
}

/// Why a hook could not be run at all.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The package cannot be read.
    #[error(transparent)]
    Package(#[from] package::Error),
    /// The package has no such hook, or not for this host.
    #[error("{0}")]
    Unknown(String),
}

/// The hook table of the package at `root`.
pub fn table(root: &Path) -> Result<HookTable, Error> {
    let path = root.join(EVENTS_PATH);
    let bytes = read_bounded(&path, MAX_EVENTS_FILE, Links::Refuse).map_err(|e| match e {
        e if e.is_not_found() => Error::Unknown("this package has no hooks (no hooks/events.json)".into()),
        e => Error::Package(package::Error::Read(e)),
    })?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Error::Package(package::Error::Invalid { path, message: e.to_string() }))
}

/// What the host told the hook, in canonical form.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Input {
    /// The canonical event.
    pub event: String,
    /// The host.
    pub host: String,
    /// The tool, by canonical name (tool events; `None` when the host's tool has none).
    pub tool: Option<String>,
    /// The tool, by the host's name.
    pub tool_name: Option<String>,
    /// The tool's arguments, as the host gave them.
    pub input: Value,
    /// The shell command (shell tools).
    pub command: Option<String>,
    /// The file path (read, edit and write tools).
    pub path: Option<String>,
    /// The skill name (tools that load a skill).
    pub skill: Option<String>,
    /// The prompt (user-prompt-submit).
    pub prompt: Option<String>,
    /// The session's working directory, when the host says.
    pub cwd: Option<String>,
    /// Everything the host sent.
    pub raw: Value,
}

fn text_at(v: &Value, pointer: &str) -> Option<String> {
    match v.pointer(pointer)? {
        Value::String(s) => Some(s.clone()),
        // A prompt given as a list of parts (`[{"type": "text", "text": …}]`).
        Value::Array(parts) => {
            let t: Vec<&str> = parts.iter().filter_map(|p| p.get("text").and_then(Value::as_str)).collect();
            (!t.is_empty()).then(|| t.join("\n"))
        }
        _ => None,
    }
}

/// The canonical form of what `host` sent for `event`.
pub fn normalize(host: &str, spec: &HostHooks, event: &str, stdin: &[u8]) -> Input {
    let raw: Value = serde_json::from_slice(stdin).unwrap_or(Value::Null);
    let tool_name = text_at(&raw, &spec.input.tool);
    let mut args = raw.pointer(&spec.input.args).cloned().unwrap_or(Value::Null);
    if let Value::String(s) = &args {
        // Some hosts pass the arguments as a JSON string.
        args = serde_json::from_str(s).unwrap_or(args);
    }
    let tool = tool_name.as_ref().and_then(|n| spec.tools.iter().find(|(_, t)| &t.name == n));
    let field = |f: fn(&skillwright_model::hookspec::HookTool) -> &Option<String>| {
        tool.and_then(|(_, t)| f(t).as_deref()).and_then(|p| text_at(&args, p))
    };
    Input {
        event: event.to_string(),
        host: host.to_string(),
        tool: tool.map(|(c, _)| c.clone()),
        tool_name,
        command: field(|t| &t.command),
        path: field(|t| &t.path),
        skill: field(|t| &t.skill),
        input: args,
        prompt: text_at(&raw, &spec.input.prompt),
        cwd: raw.get("cwd").and_then(Value::as_str).map(str::to_string),
        raw,
    }
}

/// Runs hook `index` of the package at `root` for `host` on what the host sent: the decision.
/// Returns the decision, the host's hook spec and the hook's canonical event (to answer with).
pub fn decide(
    root: &Path,
    host: &str,
    index: usize,
    stdin: &[u8],
    env: &Env,
) -> Result<(Decision, HostHooks, String), Error> {
    let table = table(root)?;
    let spec = table.hosts.get(host).cloned().ok_or_else(|| {
        Error::Unknown(format!(
            "this package runs no hooks for host `{}`; it serves: {}",
            skillwright_model::text::one_line(host, 40),
            table.hosts.keys().cloned().collect::<Vec<_>>().join(", ")
        ))
    })?;
    let hook = table
        .hooks
        .iter()
        .find(|h| h.index == index)
        .ok_or_else(|| Error::Unknown(format!("this package has no hook {index}")))?;
    let input = normalize(host, &spec, &hook.event, stdin);
    // Input cut short (too large, or too slow to arrive) or not what a host sends: the hook cannot
    // tell what it is judging, so it is a failure, not a silent pass for a guard.
    if !input.raw.is_object() {
        let why = if stdin.is_empty() {
            "nothing arrived on stdin".to_string()
        } else {
            format!("{} bytes that are not one JSON object", stdin.len())
        };
        let what = format!("hook {index} could not read what the host sent ({why})");
        return Ok((failure(hook, &what), spec, hook.event.clone()));
    }
    // A host without matchers may call for any tool: the hook's own list decides.
    if !hook.tools.is_empty() && !input.tool.as_ref().is_some_and(|t| hook.tools.contains(t)) {
        return Ok((Decision::Allow, spec, hook.event.clone()));
    }
    let decision = match (&hook.handler, &hook.run) {
        (Some(h), _) if h == "skill-usage" => {
            // The run belongs to the session's project, which the host names.
            let env = Env {
                project: input
                    .cwd
                    .as_deref()
                    .map(|c| Env::default().in_dir(Some(Path::new(c))).project)
                    .unwrap_or(env.project.clone())
                    .or(env.project.clone()),
                ..env.clone()
            };
            skill_usage(root, &input, &env);
            Decision::Allow
        }
        (_, Some(script)) => run_script(root, hook, script, &input),
        _ => Decision::Allow,
    };
    Ok((decision, spec, hook.event.clone()))
}

/// What the hook process prints and returns for `decision`, in `host`'s form.
pub fn answer(decision: &Decision, spec: &HostHooks, event: &str) -> Answer {
    let Some(e) = spec.events.get(event) else { return Answer::default() };
    let fill = |reply: &Reply, text: &str| {
        let subst =
            |s: &str| s.replace("{reason}", text).replace("{context}", text).replace("{event}", &e.name);
        fn walk(v: &Value, f: &dyn Fn(&str) -> String) -> Value {
            match v {
                Value::String(s) => Value::String(f(s)),
                Value::Array(a) => Value::Array(a.iter().map(|x| walk(x, f)).collect()),
                Value::Object(o) => Value::Object(o.iter().map(|(k, x)| (k.clone(), walk(x, f))).collect()),
                other => other.clone(),
            }
        }
        let stdout = match &reply.stdout {
            Some(Value::String(s)) if s == "text" => text.to_string(),
            Some(shape) => walk(shape, &subst).to_string(),
            None => String::new(),
        };
        Answer { stdout, stderr: reply.stderr.as_deref().map(subst).unwrap_or_default(), exit: reply.exit }
    };
    match decision {
        Decision::Allow => Answer::default(),
        Decision::Block { reason } => e.block.as_ref().map_or_else(Answer::default, |r| fill(r, reason)),
        Decision::Context { context } => {
            e.context.as_ref().map_or_else(Answer::default, |r| fill(r, context))
        }
    }
}

/// Text from a script on its way to a host: one clean block of bounded length.
fn clean(s: &str) -> String {
    let t = skillwright_model::text::clean(s.trim());
    t.chars().take(MAX_TEXT).collect()
}

/// What a hook that could not do its job decides: what its author declared for failures.
fn failure(hook: &HookEntry, what: &str) -> Decision {
    match hook.on_failure {
        OnFailure::Allow => Decision::Allow,
        OnFailure::Block => {
            Decision::Block { reason: clean(&format!("{what}, and it blocks when it fails")) }
        }
    }
}

/// Runs the script with the canonical input on stdin and its time limit.
fn run_script(root: &Path, hook: &HookEntry, script: &str, input: &Input) -> Decision {
    let failed = |why: String| failure(hook, &format!("the hook {script} failed ({why})"));
    // The script runs in the session's directory: its path must not depend on ours.
    let root = std::path::absolute(root).unwrap_or_else(|_| root.to_path_buf());
    let path = root.join(script);
    let mut cmd = std::process::Command::new(&path);
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .env("PLUGIN_ROOT", &root)
        .env("SKILLWRIGHT_HOOK_EVENT", &input.event)
        .env("SKILLWRIGHT_HOOK_HOST", &input.host);
    if let Some(cwd) = input.cwd.as_deref().filter(|c| Path::new(c).is_dir()) {
        cmd.current_dir(cwd);
    }
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return failed(format!("cannot start: {e}")),
    };
    let body = serde_json::to_vec(input).unwrap_or_default();
    let mut stdin = child.stdin.take();
    let writer = std::thread::spawn(move || {
        if let Some(s) = stdin.as_mut() {
            let _ = s.write_all(&body);
        }
    });
    let readers = [
        child.stdout.take().map(|o| Box::new(o) as Box<dyn Read + Send>),
        child.stderr.take().map(|e| Box::new(e) as Box<dyn Read + Send>),
    ]
    .map(|r| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(r) = r {
                let _ = r.take(MAX_OUTPUT as u64).read_to_end(&mut buf);
            }
            let _ = tx.send(buf);
        });
        rx
    });
    let deadline = Instant::now() + Duration::from_secs(u64::from(hook.timeout));
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if Instant::now() >= deadline => break None,
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(_) => break None,
        }
    };
    let Some(status) = status else {
        kill_group(&mut child);
        return failed(format!("it ran longer than its {} s limit", hook.timeout));
    };
    drop(writer);
    // A process the script left in the background may hold its output open: once the script has
    // exited, give its output a moment to end, then stop what is left of its process group and
    // take what it wrote.
    let grace = Instant::now() + Duration::from_millis(250);
    let first =
        readers.each_ref().map(|r| r.recv_timeout(grace.saturating_duration_since(Instant::now())).ok());
    if first.iter().any(Option::is_none) {
        kill_group(&mut child);
    }
    let [out, err] = [0, 1].map(|i| {
        first[i]
            .clone()
            .unwrap_or_else(|| readers[i].recv_timeout(Duration::from_millis(500)).unwrap_or_default())
    });
    let out = String::from_utf8_lossy(&out);
    let err = String::from_utf8_lossy(&err);
    match status.code() {
        Some(0) => parse_answer(&out).unwrap_or_else(&failed),
        Some(2) => {
            Decision::Block { reason: clean(if err.trim().is_empty() { "blocked by a hook" } else { &err }) }
        }
        Some(c) => failed(format!("exit {c}{}", first_line(&err))),
        None => failed("killed by a signal".into()),
    }
}

fn first_line(s: &str) -> String {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .map(|l| format!(": {}", skillwright_model::text::one_line(l, 200)))
        .unwrap_or_default()
}

/// A script's stdout on exit 0.
fn parse_answer(out: &str) -> Result<Decision, String> {
    let t = out.trim();
    if t.is_empty() {
        return Ok(Decision::Allow);
    }
    if !t.starts_with('{') {
        return Ok(Decision::Context { context: clean(t) });
    }
    let v: Value = serde_json::from_str(t).map_err(|e| format!("its answer is not valid JSON: {e}"))?;
    match (
        v.get("decision").and_then(Value::as_str),
        v.get("reason").and_then(Value::as_str),
        v.get("context").and_then(Value::as_str),
    ) {
        (Some("block" | "deny"), reason, _) => {
            Ok(Decision::Block { reason: clean(reason.unwrap_or("blocked by a hook")) })
        }
        (Some("allow") | None, _, Some(c)) if !c.trim().is_empty() => {
            Ok(Decision::Context { context: clean(c) })
        }
        (Some("allow") | None, _, _) => Ok(Decision::Allow),
        (Some(other), _, _) => {
            Err(format!("unknown decision `{}`", skillwright_model::text::one_line(other, 40)))
        }
    }
}

#[cfg(unix)]
fn kill_group(child: &mut std::process::Child) {
    if let Some(pid) = rustix::process::Pid::from_raw(child.id() as i32) {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(not(unix))]
fn kill_group(child: &mut std::process::Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// The built-in skill-usage handler: when the tool call read one of this package's skills (a
/// read of its SKILL.md, a skill loaded by name, or a shell command naming its SKILL.md), records
/// a `used` event for it. Costs one file test per candidate; never fails the hook.
fn skill_usage(root: &Path, input: &Input, env: &Env) {
    let mut names: Vec<String> = Vec::new();
    let from_path = |p: &str, names: &mut Vec<String>| {
        for (i, _) in p.match_indices("SKILL.md") {
            let before = p[..i].trim_end_matches(['/', '\\']);
            if let Some(name) = before.rsplit(['/', '\\']).next() {
                names.push(name.to_string());
            }
        }
    };
    if let Some(p) = &input.path {
        from_path(p, &mut names);
    }
    if let Some(c) = &input.command {
        from_path(c, &mut names);
    }
    if let Some(s) = &input.skill {
        // Some hosts name a plugin's skill `plugin:name`.
        names.push(s.rsplit(':').next().unwrap_or(s).to_string());
    }
    names.sort();
    names.dedup();
    for name in names {
        if !skillwright_model::names::valid_name(&name)
            || !root.join("skills").join(&name).join("SKILL.md").is_file()
        {
            continue;
        }
        let skill = skillwright_model::context::IndexSkill {
            name,
            description: String::new(),
            dir: String::new(),
            tracks: Vec::new(),
        };
        let _ = crate::metrics::record(env, &skill, crate::metrics::NewRun::default());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_answers() {
        assert_eq!(parse_answer(""), Ok(Decision::Allow));
        assert_eq!(parse_answer("{}"), Ok(Decision::Allow));
        assert_eq!(
            parse_answer(r#"{"decision":"block","reason":"no\u001b[31m"}"#),
            Ok(Decision::Block { reason: "no\u{fffd}[31m".into() })
        );
        assert_eq!(parse_answer(r#"{"context":"hi"}"#), Ok(Decision::Context { context: "hi".into() }));
        assert_eq!(parse_answer("plain words"), Ok(Decision::Context { context: "plain words".into() }));
        assert!(parse_answer("{not json").is_err());
        assert!(parse_answer(r#"{"decision":"maybe"}"#).is_err());
    }
}
