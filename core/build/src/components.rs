//! Reading a pack's commands and subagents: `commands/<name>.md` and `agents/<name>.md` beside
//! the pack file, Markdown with YAML frontmatter. Every problem becomes a diagnostic with a
//! position; nothing here stops at the first one.

use crate::parse::parse_skill;
use serde_yaml::Value;
use skillwright_model::component::{Agent, Command, Components, TOOLS};
use skillwright_model::diag::Diagnostic;
use skillwright_model::fsio::{Links, read_bounded};
use skillwright_model::names::valid_name;
use std::collections::BTreeMap;
use std::path::Path;

/// Largest command or agent file read.
pub const MAX_FILE: u64 = 256 * 1024;
/// Most files read from `commands/` or `agents/`.
pub const MAX_FILES: usize = 500;

/// Commands and agents as read, with their sources (for diagnostic snippets, by file).
#[derive(Debug, Default)]
pub struct Read {
    /// Commands, by name.
    pub commands: Vec<Command>,
    /// Agents, by name.
    pub agents: Vec<Agent>,
    /// File (relative to the pack directory) → text.
    pub sources: BTreeMap<String, String>,
    /// Raw frontmatter keys of each file, with the line each sits on (for key checks).
    pub keys: BTreeMap<String, Vec<String>>,
}

/// Everything of a pack besides its skills, read and checked.
#[derive(Debug, Default)]
pub struct Source {
    /// The components.
    pub components: Components,
    /// Hook scripts: path relative to the pack directory → bytes.
    pub scripts: BTreeMap<String, Vec<u8>>,
    /// Other files every package carries (`./` MCP commands, `[pack] files`), likewise.
    pub files: BTreeMap<String, Vec<u8>>,
    /// Every problem found, with files relative to the pack directory.
    pub diagnostics: Vec<Diagnostic>,
    /// The texts of the files diagnostics point into.
    pub sources: BTreeMap<String, String>,
}

/// Reads and checks the commands, agents, MCP servers and hooks of the pack whose file is
/// `pack_file` in `dir`.
pub fn load(
    dir: &Path,
    packfile: &crate::packfile::PackFile,
    skills: &skillwright_model::SkillSet,
    hosts: &crate::validate::Hosts,
    pack_file: &Path,
) -> Source {
    let file =
        pack_file.file_name().map_or_else(|| "skillwright.toml".into(), |n| n.to_string_lossy().into_owned());
    let (read, mut diagnostics) = read(dir);
    diagnostics.extend(check(&read, packfile, skills, hosts, dir, &file));
    let scripts = crate::hooks::check(&packfile.hooks, packfile, hosts, dir, &file, &mut diagnostics);
    let mut files = BTreeMap::new();
    carried_files(dir, packfile, &file, &mut files, &mut diagnostics);
    skillwright_model::diag::sort(&mut diagnostics);
    let mut sources = read.sources;
    sources.insert(file, packfile.source.clone());
    Source {
        components: Components {
            commands: read.commands,
            agents: read.agents,
            mcp: packfile.mcp.clone(),
            hooks: packfile.hooks.clone(),
        },
        scripts,
        files,
        diagnostics,
        sources,
    }
}

/// Most bytes of carried files (`[pack] files` and `./` MCP commands) read.
pub const MAX_CARRIED: u64 = 64 * 1024 * 1024;

/// What the packages carry besides skills and hook scripts, as the pack file names it (paths
/// relative to the pack, with the field that names each): the `./` commands of MCP servers (but
/// the runtime's own launcher, which skillwright writes) and each `[pack] files` entry (a file or
/// a directory). The build reads them, and its input stamp records them.
pub fn carried(pack: &crate::packfile::PackFile) -> Vec<(String, String)> {
    use skillwright_model::component::{RUNTIME_LAUNCHER, Transport};
    let servers = pack.mcp.iter().filter_map(|s| match &s.transport {
        Transport::Stdio { command, .. } => command
            .strip_prefix("./")
            .filter(|rel| *rel != RUNTIME_LAUNCHER)
            .map(|rel| (rel.to_string(), format!("mcp.{}.command", s.name))),
        _ => None,
    });
    let files = pack.pack.files.iter().map(|e| (e.trim_end_matches('/').to_string(), "pack".to_string()));
    servers.chain(files).collect()
}

/// Reads the files the packages carry besides skills and hook scripts ([`carried`]).
fn carried_files(
    dir: &Path,
    pack: &crate::packfile::PackFile,
    file: &str,
    out: &mut BTreeMap<String, Vec<u8>>,
    diags: &mut Vec<Diagnostic>,
) {
    let mut total: u64 = 0;
    let mut take =
        |rel: &str, what: &str, out: &mut BTreeMap<String, Vec<u8>>, diags: &mut Vec<Diagnostic>| {
            if !skillwright_model::integrity::safe_rel_path(rel) {
                diags.push(pack.diagnostic(
                    file,
                    "SW442",
                    what,
                    format!("`{rel}` must be a relative path inside the pack"),
                ));
                return;
            }
            if let Some(link) = skillwright_model::fsio::symlink_on_path(dir, rel) {
                let shown = skillwright_model::text::one_line(&link.display().to_string(), 200);
                diags.push(pack.diagnostic(
                    file,
                    "SW442",
                    what,
                    format!("`{rel}` is reached through the symlink {shown}: ship the file itself"),
                ));
                return;
            }
            match read_bounded(&dir.join(rel), crate::discover::MAX_FILE, Links::Refuse) {
                Ok(bytes) => {
                    total += bytes.len() as u64;
                    if total > MAX_CARRIED {
                        diags.push(pack.diagnostic(
                            file,
                            "SW442",
                            what,
                            format!("carried files exceed {MAX_CARRIED} bytes"),
                        ));
                    } else {
                        out.insert(rel.to_string(), bytes);
                    }
                }
                Err(e) => diags.push(pack.diagnostic(file, "SW442", what, format!("`{rel}`: {e}"))),
            }
        };
    for (rel, what) in carried(pack) {
        let path = dir.join(&rel);
        let linked = skillwright_model::fsio::symlink_on_path(dir, &rel).is_some();
        // A `[pack] files` entry may name a directory: its files are carried.
        if what == "pack" && !linked && path.is_dir() && skillwright_model::integrity::safe_rel_path(&rel) {
            for f in skillwright_model::integrity::list_files(&path) {
                take(&format!("{rel}/{f}"), "pack", out, diags);
            }
        } else {
            take(&rel, &what, out, diags);
        }
    }
}

/// Reads `dir/commands/*.md` and `dir/agents/*.md`. Missing directories are no components.
pub fn read(dir: &Path) -> (Read, Vec<Diagnostic>) {
    let mut out = Read::default();
    let mut diags = Vec::new();
    for (kind, sub) in [(Kind::Command, "commands"), (Kind::Agent, "agents")] {
        for (name, file, bytes) in files(dir, sub, &mut diags) {
            let (doc, problems) = parse_skill(&name, &file, &bytes);
            // The document-level problems (encoding, frontmatter, YAML) apply as they are.
            diags.extend(problems.into_iter().filter(|d| d.code.starts_with("SW0")));
            let Some(doc) = doc else { continue };
            if !doc.parsed {
                continue;
            }
            let mut at = Locator { file: &file, source: &doc.source, diags: &mut diags };
            out.keys.insert(file.clone(), doc.raw.iter().map(|(k, _)| k.clone()).collect());
            let raw: BTreeMap<&str, &Value> = doc.raw.iter().map(|(k, v)| (k.as_str(), v)).collect();
            match kind {
                Kind::Command => out.commands.push(command(&name, &raw, &doc.body, &mut at)),
                Kind::Agent => out.agents.push(agent(&name, &raw, &doc.body, &mut at)),
            }
            out.sources.insert(file, doc.source);
        }
    }
    (out, diags)
}

#[derive(Clone, Copy)]
enum Kind {
    Command,
    Agent,
}

/// The `*.md` files directly in `dir/sub`, by name: (name, path relative to `dir`, bytes).
fn files(dir: &Path, sub: &str, diags: &mut Vec<Diagnostic>) -> Vec<(String, String, Vec<u8>)> {
    // A linked directory could hold anything on the machine: its files are not read.
    if let Ok(target) = std::fs::read_link(dir.join(sub)) {
        let target = skillwright_model::text::one_line(&target.display().to_string(), 200);
        diags.push(Diagnostic::new(
            "SW012",
            sub,
            format!("`{sub}` is a symlink (to {target}): the pack's {sub}/ must be a directory inside it"),
        ));
        return Vec::new();
    }
    let Ok(rd) = std::fs::read_dir(dir.join(sub)) else { return Vec::new() };
    let mut entries: Vec<_> = rd.filter_map(Result::ok).collect();
    entries.sort_by_cached_key(|e| e.file_name());
    let mut out = Vec::new();
    for e in entries.into_iter().take(MAX_FILES) {
        let os = e.file_name();
        let Some(file_name) = os.to_str() else {
            diags.push(Diagnostic::new(
                "SW013",
                format!("{sub}/{}", os.to_string_lossy()),
                "file name is not valid UTF-8",
            ));
            continue;
        };
        let Some(name) = file_name.strip_suffix(".md") else { continue };
        if file_name.starts_with('.') {
            continue;
        }
        let file = format!("{sub}/{file_name}");
        if !valid_name(name) {
            diags.push(Diagnostic::new(
                "SW401",
                &file,
                format!(
                    "`{}` is not a valid name: use 1-64 lowercase letters, digits and single hyphens",
                    skillwright_model::text::one_line(name, 80)
                ),
            ));
            continue;
        }
        // Packages are installed on Windows too: `con.md` cannot exist there.
        if let Some(why) = skillwright_model::names::unportable(name) {
            diags.push(Diagnostic::new(
                "SW013",
                &file,
                format!("`{name}` cannot be a file name everywhere: it {why}"),
            ));
            continue;
        }
        match read_bounded(&e.path(), MAX_FILE, Links::Refuse) {
            Ok(bytes) => out.push((name.to_string(), file, bytes)),
            Err(err) => diags.push(Diagnostic::new("SW001", &file, format!("cannot read: {err}"))),
        }
    }
    out
}

/// Anchors diagnostics at a frontmatter key of one file.
struct Locator<'a> {
    file: &'a str,
    source: &'a str,
    diags: &'a mut Vec<Diagnostic>,
}

impl Locator<'_> {
    fn push(&mut self, code: &'static str, key: Option<&str>, msg: String) {
        let d = Diagnostic::new(code, self.file, msg);
        let line = key.and_then(|k| {
            self.source
                .lines()
                .position(|l| l.strip_prefix(k).is_some_and(|r| r.trim_start().starts_with(':')))
        });
        self.diags.push(match line {
            Some(i) => d.at(i as u32 + 1, 1, key.map_or(1, |k| k.chars().count() as u32)),
            None => d.at(1, 1, 3),
        });
    }

    /// Pushes a diagnostic at the first place in the body (after the frontmatter) where `needle`
    /// is written.
    fn push_in_body(&mut self, code: &'static str, needle: &str, msg: String) {
        let mut fences = if self.source.starts_with("---") { 0 } else { 2 };
        let found = self.source.lines().enumerate().find_map(|(i, l)| {
            if fences < 2 {
                fences += usize::from(l.trim_end() == "---");
                return None;
            }
            l.find(needle).map(|byte| (i, l[..byte].chars().count()))
        });
        let d = Diagnostic::new(code, self.file, msg);
        self.diags.push(match found {
            Some((line, col)) => d.at(line as u32 + 1, col as u32 + 1, needle.chars().count() as u32),
            None => d.at(1, 1, 3),
        });
    }
}

fn string(raw: &BTreeMap<&str, &Value>, key: &str, at: &mut Locator) -> Option<String> {
    match raw.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => {
            at.push(
                "SW109",
                Some(key),
                format!("`{key}` must be a string, not {}", crate::yaml::type_name(other)),
            );
            None
        }
    }
}

/// A list given as a YAML sequence or as one string separated by commas and/or spaces.
fn list(raw: &BTreeMap<&str, &Value>, key: &str, at: &mut Locator) -> Vec<String> {
    match raw.get(key) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(s)) => s.split([',', ' ']).filter(|t| !t.is_empty()).map(str::to_string).collect(),
        Some(Value::Sequence(items)) => items
            .iter()
            .filter_map(|i| match i {
                Value::String(s) => Some(s.clone()),
                other => {
                    at.push(
                        "SW109",
                        Some(key),
                        format!("`{key}` must list strings; found {}", crate::yaml::type_name(other)),
                    );
                    None
                }
            })
            .collect(),
        Some(other) => {
            at.push(
                "SW109",
                Some(key),
                format!("`{key}` must be a list of names, not {}", crate::yaml::type_name(other)),
            );
            Vec::new()
        }
    }
}

fn description(raw: &BTreeMap<&str, &Value>, what: &str, at: &mut Locator) -> String {
    match string(raw, "description", at) {
        Some(d) if !d.trim().is_empty() => d,
        _ => {
            at.push("SW402", Some("description"), format!("{what} has no `description`"));
            String::new()
        }
    }
}

fn body_of(body: &str, what: &str, at: &mut Locator) -> String {
    if body.trim().is_empty() {
        at.push("SW406", None, format!("{what} has no body: write its prompt after the frontmatter"));
    }
    body.trim_start_matches(['\r', '\n']).to_string()
}

/// Placeholders that do not mean the same on every host.
const POSITIONAL: &[&str] =
    &["$0", "$1", "$2", "$3", "$4", "$5", "$6", "$7", "$8", "$9", "$@", "{{args}}", "$ARGUMENTS["];

fn command(name: &str, raw: &BTreeMap<&str, &Value>, body: &str, at: &mut Locator) -> Command {
    let what = format!("command `{name}`");
    let description = description(raw, &what, at);
    let body = body_of(body, &what, at);
    if let Some(p) = POSITIONAL.iter().find(|p| body.contains(**p)) {
        at.push_in_body(
            "SW403",
            p,
            format!("{what} uses `{p}`: write `$ARGUMENTS` for the arguments; positional placeholders mean different things on different hosts"),
        );
    }
    Command {
        name: name.to_string(),
        description,
        argument_hint: string(raw, "argument-hint", at),
        allowed_tools: list(raw, "allowed-tools", at),
        model: string(raw, "model", at),
        body,
    }
}

fn agent(name: &str, raw: &BTreeMap<&str, &Value>, body: &str, at: &mut Locator) -> Agent {
    let what = format!("agent `{name}`");
    match string(raw, "name", at) {
        Some(n) if n == name => {}
        Some(n) => at.push(
            "SW421",
            Some("name"),
            format!("name `{}` differs from its file `{name}.md`", skillwright_model::text::one_line(&n, 80)),
        ),
        None => at.push("SW421", None, format!("{what} has no `name`: add `name: {name}`")),
    }
    let description = description(raw, &what, at);
    let body = body_of(body, &what, at);
    let mut tools = Vec::new();
    for t in list(raw, "tools", at) {
        if TOOLS.contains(&t.as_str()) {
            tools.push(t);
        } else {
            let lower = t.to_lowercase();
            let hint = TOOLS
                .iter()
                .find(|c| {
                    lower == **c
                        || lower.replace(['_', ' '], "-") == **c
                        || (lower == "bash" && **c == "shell")
                })
                .map(|c| {
                    format!(" (write `{c}`: tools are named once, canonically, and translated for each host)")
                })
                .unwrap_or_default();
            at.push(
                "SW422",
                Some("tools"),
                format!(
                    "{what}: unknown tool `{}`{hint}; known: {}",
                    skillwright_model::text::one_line(&t, 40),
                    TOOLS.join(", ")
                ),
            );
        }
    }
    Agent { name: name.to_string(), description, tools, model: string(raw, "model", at), body }
}

/// Frontmatter keys of a command that skillwright itself reads.
pub const COMMAND_KEYS: &[&str] = &["description", "argument-hint", "allowed-tools", "model"];
/// Frontmatter keys of an agent that skillwright itself reads.
pub const AGENT_KEYS: &[&str] = &["name", "description", "tools", "model"];

/// The checks that need the whole pack or the hosts: unknown keys, name collisions, MCP servers
/// and hooks. `pack_dir` holds the pack file; `file` is its name for diagnostics.
pub fn check(
    read: &Read,
    pack: &crate::packfile::PackFile,
    skills: &skillwright_model::SkillSet,
    hosts: &crate::validate::Hosts,
    pack_dir: &Path,
    file: &str,
) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for (path, keys) in &read.keys {
        let (base, known, what): (&[&str], _, _) = if path.starts_with("commands/") {
            (COMMAND_KEYS, hosts.command_keys(), "command")
        } else {
            (AGENT_KEYS, hosts.agent_keys(), "agent")
        };
        for k in keys.iter().filter(|k| !base.contains(&k.as_str()) && !known.contains(*k)) {
            let source = read.sources.get(path).map_or("", String::as_str);
            let mut at = Locator { file: path, source, diags: &mut diags };
            at.push(
                "SW404",
                Some(k),
                format!(
                    "unknown {what} key `{}`: no host reads it",
                    skillwright_model::text::one_line(k, 64)
                ),
            );
        }
    }
    // One namespace for skills, commands and agents.
    let mut seen: BTreeMap<&str, String> = BTreeMap::new();
    for s in &skills.skills {
        seen.insert(s.name(), format!("skill `{}`", s.dir));
    }
    for (name, path) in read
        .commands
        .iter()
        .map(|c| (&c.name, "commands"))
        .chain(read.agents.iter().map(|a| (&a.name, "agents")))
    {
        let file = format!("{path}/{name}.md");
        match seen.get(name.as_str()) {
            Some(other) => diags.push(
                Diagnostic::new("SW405", &file, format!("`{name}` is also the name of {other}")).at(1, 1, 3),
            ),
            None => {
                seen.insert(name, file);
            }
        }
    }
    for server in &pack.mcp {
        check_mcp(server, pack, file, &mut diags);
    }
    diags.extend(pack.diagnostics.iter().cloned());
    let _ = pack_dir;
    diags
}

/// The variables a pack may use in MCP values.
fn variables(s: &str) -> impl Iterator<Item = &str> {
    s.match_indices("${").filter_map(move |(i, _)| s[i..].find('}').map(|j| &s[i..i + j + 1]))
}

fn check_mcp(
    server: &skillwright_model::component::McpServer,
    pack: &crate::packfile::PackFile,
    file: &str,
    diags: &mut Vec<Diagnostic>,
) {
    use skillwright_model::component::{PLUGIN_DATA, PLUGIN_ROOT, Transport};
    let what = format!("mcp.{}", server.name);
    let name = &server.name;
    let mut push = |code, field: &str, msg: String| {
        diags.push(pack.diagnostic(file, code, &format!("{what}.{field}"), msg))
    };
    // (the field's span key, its name as the message says it, its value)
    let mut values: Vec<(String, &str, &str)> = Vec::new();
    match &server.transport {
        Transport::Stdio { command, args, env, cwd } => {
            let c = command.as_str();
            if c.is_empty() {
                push("SW441", "command", format!("MCP server `{name}` has an empty `command`"));
            } else if c.starts_with('/')
                || c.contains("..")
                || c.contains('\\')
                || (c.contains('/') && !c.starts_with("./"))
                || c.contains("${")
            {
                push(
                    "SW442",
                    "command",
                    format!(
                        "MCP server `{name}`: command `{}` must be a program name found on PATH or a `./` path inside the package",
                        skillwright_model::text::one_line(c, 80)
                    ),
                );
            }
            let cwd_ok = |c: &str| {
                (c.starts_with("./") || c == "." || c.starts_with(PLUGIN_ROOT) || c.starts_with(PLUGIN_DATA))
                    && !c.contains("..")
            };
            if cwd.as_deref().is_some_and(|c| !cwd_ok(c)) {
                push(
                    "SW442",
                    "cwd",
                    format!(
                        "MCP server `{name}`: `cwd` must start with `./`, `{PLUGIN_ROOT}` or `{PLUGIN_DATA}`"
                    ),
                );
            }
            for key in env.keys() {
                let reserved = [PLUGIN_ROOT, PLUGIN_DATA].iter().any(|v| v[2..v.len() - 1] == *key);
                let valid = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
                if reserved || !valid {
                    push(
                        "SW441",
                        &format!("env.{key}"),
                        format!(
                            "MCP server `{name}`: env `{}` {}",
                            skillwright_model::text::one_line(key, 40),
                            if reserved {
                                "is set by the host to the plugin's own directory; choose another name"
                            } else {
                                "is not a variable name (letters, digits and `_`, not starting with a digit)"
                            }
                        ),
                    );
                }
            }
            values.extend(args.iter().enumerate().map(|(i, a)| (format!("args[{i}]"), "args", a.as_str())));
            values.extend(env.iter().map(|(k, v)| (format!("env.{k}"), k.as_str(), v.as_str())));
            values.extend(cwd.iter().map(|c| ("cwd".to_string(), "cwd", c.as_str())));
        }
        Transport::Http { url, headers } | Transport::Sse { url, headers } => {
            if let Some(why) = bad_url(url) {
                push("SW445", "url", format!("MCP server `{name}`: {why}"));
            }
            values.extend(headers.iter().map(|(k, v)| (format!("headers.{k}"), k.as_str(), v.as_str())));
            values.push(("url".into(), "url", url.as_str()));
        }
    }
    for (field, key, value) in &values {
        if let Some(v) = variables(value).find(|v| *v != PLUGIN_ROOT && *v != PLUGIN_DATA) {
            push(
                "SW444",
                field,
                format!("MCP server `{name}`: `{v}` in `{key}` is expanded by some hosts only"),
            );
        }
        if looks_secret(key, value) {
            push(
                "SW443",
                field,
                format!(
                    "MCP server `{name}`: `{key}` holds what looks like a secret; everything in the pack file ships in every package"
                ),
            );
        }
    }
}

/// Why `url` cannot serve as an MCP endpoint, if it cannot.
fn bad_url(url: &str) -> Option<String> {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Some(format!("`{url}` is not an absolute URL"));
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Some("the URL carries a user name or password: keep credentials out of the package".into());
    }
    let host = authority
        .rsplit_once(':')
        .map_or(authority, |(h, p)| if p.chars().all(|c| c.is_ascii_digit()) { h } else { authority });
    let local = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
    match scheme {
        "https" if !host.is_empty() => None,
        "http" if local => None,
        "http" => Some(format!("`{url}` sends plain http to a remote host: use https")),
        _ => Some(format!("`{url}` is not an http(s) URL")),
    }
}

/// Whether a configured value is a literal secret: a token of a known shape, or a long literal
/// under a name that says it is one.
fn looks_secret(key: &str, value: &str) -> bool {
    let v = value.trim();
    let v = v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")).unwrap_or(v);
    if v.contains("${") {
        return false;
    }
    const PREFIXES: &[&str] =
        &["sk-", "ghp_", "gho_", "github_pat_", "xoxb-", "xoxp-", "AKIA", "glpat-", "-----BEGIN"];
    let shaped = PREFIXES.iter().any(|p| v.starts_with(p)) && v.len() >= 16;
    let upper = key.to_ascii_uppercase();
    let named = ["TOKEN", "SECRET", "PASSWORD", "API_KEY", "APIKEY", "AUTHORIZATION", "PRIVATE_KEY"]
        .iter()
        .any(|n| upper.contains(n));
    shaped || (named && v.len() >= 8)
}
