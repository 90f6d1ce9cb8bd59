//! Agent Plugins 1.0 conformance: the `agent-plugins` package and the universal tree, for every
//! test pack and the flagship pack, checked against the specification's `plugin.json` and
//! `mcp.json` schemas and its path and variable rules. The checks are written here from the
//! specification text (clients must not fetch schemas, and neither does this test).

use serde_json::{Map, Value};
use skillwright_build::pipeline::{self, Options};
use skillwright_build::plan::{Layout, Package};
use std::path::{Path, PathBuf};

const PLUGIN_SCHEMA: &str = "https://agent-plugins.org/schemas/1.0.0/plugin.schema.json";
const MCP_SCHEMA: &str = "https://agent-plugins.org/schemas/1.0.0/mcp.schema.json";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The planned package for `layout`: the `agent-plugins` host's, or the universal tree.
fn package(skills: &Path, pack: &Path, layout: Layout) -> Package {
    let tmp = tempfile::tempdir().unwrap();
    let opts = Options {
        skills: skills.to_path_buf(),
        pack: pack.to_path_buf(),
        out: tmp.path().to_path_buf(),
        check: true,
        layout,
        version: Some("0.1.0".into()),
        ..Options::default()
    };
    let outcome = pipeline::build(&opts, pipeline::fake_binaries()).unwrap();
    let plan = outcome.plan.unwrap_or_else(|| panic!("{}: {:?}", pack.display(), outcome.diagnostics));
    let pick = |p: &Package| layout == Layout::Universal || p.host == "agent-plugins";
    plan.packages.into_iter().find(pick).expect("the package is planned")
}

fn json(p: &Package, path: &str) -> Option<Value> {
    p.files
        .get(path)
        .map(|f| serde_json::from_slice(f.bytes().unwrap()).unwrap_or_else(|e| panic!("{path}: {e}")))
}

/// Where a problem was found, for messages.
struct At<'a>(&'a str, &'a str);

impl std::fmt::Display for At<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(f, "{}: {}", self.0, self.1)
    }
}

fn object<'a>(v: &'a Value, allowed: &[&str], at: &At) -> &'a Map<String, Value> {
    let o = v.as_object().unwrap_or_else(|| panic!("{at}: not an object: {v}"));
    for k in o.keys() {
        assert!(allowed.contains(&k.as_str()), "{at}: `{k}` is not allowed (additionalProperties: false)");
    }
    o
}

fn string_map(v: Option<&Value>, at: &At) {
    if let Some(v) = v {
        let o = v.as_object().unwrap_or_else(|| panic!("{at}: not an object of strings"));
        assert!(o.values().all(Value::is_string), "{at}: values must be strings");
    }
}

/// `name`: 1-64 characters of `a-z 0-9 - .`, alphanumeric first and last, no `--` or `..`.
fn valid_plugin_name(n: &str) -> bool {
    let alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    (1..=64).contains(&n.len())
        && n.chars().all(|c| alnum(c) || c == '-' || c == '.')
        && n.starts_with(alnum)
        && n.ends_with(alnum)
        && !n.contains("--")
        && !n.contains("..")
}

fn check_manifest(v: &Value, where_: &str) -> String {
    let at = At(where_, "plugin.json");
    let allowed = [
        "$schema",
        "name",
        "version",
        "description",
        "author",
        "homepage",
        "repository",
        "license",
        "keywords",
        "extensions",
    ];
    let o = object(v, &allowed, &at);
    assert_eq!(o.get("$schema").and_then(Value::as_str), Some(PLUGIN_SCHEMA), "{at}: $schema");
    let name = o.get("name").and_then(Value::as_str).unwrap_or_else(|| panic!("{at}: name is required"));
    assert!(valid_plugin_name(name), "{at}: name `{name}`");
    for k in ["version", "description", "homepage", "repository", "license"] {
        assert!(o.get(k).is_none_or(Value::is_string), "{at}: {k} must be a string");
    }
    if let Some(a) = o.get("author") {
        let a = object(a, &["name", "email", "url"], &At(where_, "plugin.json author"));
        assert!(a.values().all(Value::is_string), "{at}: author fields are strings");
    }
    if let Some(k) = o.get("keywords") {
        assert!(k.as_array().is_some_and(|a| a.iter().all(Value::is_string)), "{at}: keywords");
    }
    if let Some(e) = o.get("extensions") {
        assert!(e.as_object().is_some_and(|m| m.values().all(Value::is_object)), "{at}: extensions");
    }
    name.to_string()
}

/// The `${…}` variables used in `s`.
fn variables(s: &str) -> Vec<&str> {
    s.match_indices("${").filter_map(|(i, _)| s[i..].find('}').map(|j| &s[i..=i + j])).collect()
}

/// A `./` path must name something inside the package.
fn contained(p: &Package, path: &str, at: &At) {
    let rel = path.strip_prefix("./").unwrap_or_else(|| panic!("{at}: `{path}` must start with ./"));
    assert!(!rel.split('/').any(|s| s == ".." || s.is_empty()), "{at}: `{path}` leaves the plugin root");
    let inside = p.files.contains_key(rel) || p.files.keys().any(|f| f.starts_with(&format!("{rel}/")));
    assert!(inside, "{at}: `{path}` is not in the package");
}

fn check_mcp(p: &Package, v: &Value, where_: &str) -> usize {
    let at = At(where_, "mcp.json");
    let o = object(v, &["$schema", "mcpServers"], &at);
    assert_eq!(
        o.get("$schema").and_then(Value::as_str),
        Some(MCP_SCHEMA),
        "{at}: $schema (same version as plugin.json)"
    );
    let servers =
        o.get("mcpServers").and_then(Value::as_object).unwrap_or_else(|| panic!("{at}: mcpServers required"));
    for (name, s) in servers {
        let what = format!("mcp.json server `{name}`");
        let at = At(where_, &what);
        let kind = s.get("type").and_then(Value::as_str).unwrap_or_else(|| panic!("{at}: type is required"));
        match kind {
            "stdio" => {
                let s = object(s, &["type", "command", "args", "env", "cwd"], &at);
                let command = s.get("command").and_then(Value::as_str).unwrap_or("");
                assert!(
                    !command.is_empty() && !command.contains(char::is_whitespace),
                    "{at}: one executable token"
                );
                assert!(!command.contains("${"), "{at}: no placeholders in command");
                if command.contains('/') {
                    contained(p, command, &at);
                    assert!(
                        p.files[command.trim_start_matches("./")].exec,
                        "{at}: `{command}` is executable"
                    );
                }
                let args =
                    s.get("args").map_or(&[][..], |a| a.as_array().unwrap_or_else(|| panic!("{at}: args")));
                assert!(args.iter().all(Value::is_string), "{at}: args are strings");
                string_map(s.get("env"), &at);
                let env = s.get("env").and_then(Value::as_object);
                for k in env.into_iter().flat_map(|e| e.keys()) {
                    assert!(k != "PLUGIN_ROOT" && k != "PLUGIN_DATA", "{at}: env may not set {k}");
                }
                let cwd = s.get("cwd").map(|c| c.as_str().unwrap_or_else(|| panic!("{at}: cwd")));
                if let Some(c) = cwd {
                    let ok = c.starts_with("./")
                        || ["${PLUGIN_ROOT}", "${PLUGIN_DATA}"]
                            .iter()
                            .any(|v| c == *v || c.starts_with(&format!("{v}/")));
                    assert!(ok, "{at}: cwd `{c}`");
                }
                let values = args
                    .iter()
                    .filter_map(Value::as_str)
                    .chain(env.into_iter().flat_map(|e| e.values().filter_map(Value::as_str)))
                    .chain(cwd);
                for value in values {
                    for var in variables(value) {
                        assert!(
                            var == "${PLUGIN_ROOT}" || var == "${PLUGIN_DATA}",
                            "{at}: `{var}` is not expanded by conformant clients"
                        );
                    }
                }
            }
            "streamable-http" | "sse" => {
                let s = object(s, &["type", "url", "headers"], &at);
                let url =
                    s.get("url").and_then(Value::as_str).unwrap_or_else(|| panic!("{at}: url is required"));
                let (scheme, rest) =
                    url.split_once("://").unwrap_or_else(|| panic!("{at}: `{url}` is not absolute"));
                let authority = rest.split(['/', '?', '#']).next().unwrap();
                let host = authority.rsplit_once(':').map_or(authority, |(h, _)| h);
                assert!(!authority.contains('@') && !url.contains('#'), "{at}: no userinfo or fragment");
                let loopback = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
                assert!(scheme == "https" || (scheme == "http" && loopback), "{at}: `{url}` must be https");
                assert!(!url.contains("${"), "{at}: no expansion in url");
                string_map(s.get("headers"), &at);
                if let Some(h) = s.get("headers").and_then(Value::as_object) {
                    let mut names: Vec<String> = h.keys().map(|k| k.to_ascii_lowercase()).collect();
                    names.sort();
                    names.dedup();
                    assert_eq!(names.len(), h.len(), "{at}: header names differ only in case");
                    assert!(
                        h.values().all(|v| !v.as_str().unwrap().contains("${")),
                        "{at}: no expansion in headers"
                    );
                }
            }
            other => panic!("{at}: unknown type `{other}`"),
        }
    }
    servers.len()
}

/// Every skill directory holds a SKILL.md whose `name` is the directory's.
fn check_skills(p: &Package, where_: &str) -> usize {
    let mut n = 0;
    for (path, f) in &p.files {
        let Some(dir) = path.strip_prefix("skills/").and_then(|r| r.strip_suffix("/SKILL.md")) else {
            continue;
        };
        if dir.contains('/') {
            continue;
        }
        let (skill, _) = skillwright_build::parse::parse_skill(dir, path, f.bytes().unwrap());
        let name = skill.and_then(|s| s.meta.name);
        assert_eq!(name.as_deref(), Some(dir), "{where_}: {path}");
        n += 1;
    }
    n
}

#[test]
fn agent_plugins_package_and_universal_tree_conform() {
    let packs = repo().join("tests/packs");
    let mut sources: Vec<(String, PathBuf, PathBuf)> = ["minimal", "full", "hostile", "components"]
        .iter()
        .map(|n| (n.to_string(), packs.join(n).join("skills"), packs.join(n).join("skillwright.toml")))
        .collect();
    sources.push(("flagship".into(), repo().join("skills"), repo().join("skillwright.toml")));
    for (name, skills, pack) in &sources {
        for layout in [Layout::Host, Layout::Universal] {
            let p = package(skills, pack, layout);
            let where_ = format!("{name} ({layout:?})");
            let manifest = json(&p, "plugin.json").unwrap_or_else(|| panic!("{where_}: no root plugin.json"));
            let plugin = check_manifest(&manifest, &where_);
            let source: toml::Value = toml::from_str(&std::fs::read_to_string(pack).unwrap()).unwrap();
            assert_eq!(Some(plugin.as_str()), source["pack"]["name"].as_str(), "{where_}: the pack's name");
            let skills = check_skills(&p, &where_);
            assert!(skills >= 1, "{where_}: skills/ holds the pack's skills");
            let declared = source.get("mcp").and_then(toml::Value::as_table).map_or(0, |t| t.len());
            match json(&p, "mcp.json") {
                Some(mcp) => assert_eq!(check_mcp(&p, &mcp, &where_), declared, "{where_}: every server"),
                None => assert_eq!(declared, 0, "{where_}: servers declared but no mcp.json"),
            }
        }
    }
}
