//! The reference tables in docs/ are generated from the target specs: this test fails when a
//! table differs from what `targets/*.toml` say, and rewrites them when run with
//! `SKILLWRIGHT_BLESS=1` (`SKILLWRIGHT_BLESS=1 cargo test -p skillwright-tests --test docs`).

use skillwright_build::target::{self, Target};
use skillwright_model::component::{BLOCKING_EVENTS, EVENTS, TOOLS};
use std::path::Path;

fn targets() -> Vec<Target> {
    target::builtin().unwrap().into_values().collect()
}

fn row(cells: &[String]) -> String {
    format!("| {} |\n", cells.join(" | "))
}

fn table(head: Vec<String>, rows: Vec<Vec<String>>) -> String {
    let mut s = row(&head);
    s.push_str(&row(&vec!["---".to_string(); head.len()]));
    for r in rows {
        s.push_str(&row(&r));
    }
    s
}

fn code(s: &str) -> String {
    format!("`{s}`")
}

/// Hosts that run plugin hooks, and a sentence naming the others.
fn hook_hosts() -> (Vec<Target>, String) {
    let (with, without): (Vec<Target>, Vec<Target>) = targets().into_iter().partition(|t| t.hooks.is_some());
    let names: Vec<String> = without.iter().map(|t| t.display.clone()).collect();
    let note = if names.is_empty() {
        String::new()
    } else {
        format!("\n{} run no plugin hooks.\n", names.join(" and "))
    };
    (with, note)
}

fn events_table() -> String {
    let (hosts, note) = hook_hosts();
    let head = std::iter::once("event".to_string()).chain(hosts.iter().map(|t| t.display.clone())).collect();
    let rows = EVENTS
        .iter()
        .map(|e| {
            let cells = hosts.iter().map(|t| match t.events.get(*e) {
                Some(ev) if BLOCKING_EVENTS.contains(e) && !ev.blocks => format!("{}\\*", code(&ev.name)),
                Some(ev) => code(&ev.name),
                None => "—".into(),
            });
            std::iter::once(code(e)).chain(cells).collect()
        })
        .collect();
    table(head, rows) + &note
}

fn tools_table() -> String {
    let (hosts, note) = hook_hosts();
    let head = std::iter::once("tool".to_string()).chain(hosts.iter().map(|t| t.display.clone())).collect();
    let rows = TOOLS
        .iter()
        .map(|tool| {
            let cells = hosts.iter().map(|t| {
                t.hooks.as_ref().and_then(|h| h.tools.get(*tool)).map_or("—".into(), |ht| code(&ht.name))
            });
            std::iter::once(code(tool)).chain(cells).collect()
        })
        .collect();
    table(head, rows) + &note
}

fn hosts_table() -> String {
    let no = || "—".to_string();
    let keys = |k: &[String]| k.iter().map(|k| code(k)).collect::<Vec<_>>().join(", ");
    let head = [
        "host",
        "commands: placeholder",
        "command keys",
        "agent keys",
        "MCP transports",
        "`${PLUGIN_ROOT}`",
        "`${PLUGIN_DATA}`",
    ];
    let rows = targets()
        .iter()
        .map(|t| {
            let (placeholder, command_keys) = match &t.commands {
                Some(c) if c.arguments.is_empty() => ("none".to_string(), keys(&c.keys)),
                Some(c) => (code(&c.arguments), keys(&c.keys)),
                None => (no(), no()),
            };
            let agent_keys = t.agents.as_ref().map_or_else(no, |a| keys(&a.keys));
            let (transports, root, data) = match &t.mcp {
                Some(m) => (
                    m.transports.join(", "),
                    m.root.as_deref().map_or_else(no, code),
                    m.data.as_deref().map_or_else(no, code),
                ),
                None => (no(), no(), no()),
            };
            vec![t.display.clone(), placeholder, command_keys, agent_keys, transports, root, data]
        })
        .collect();
    table(head.map(String::from).to_vec(), rows)
}

/// `text` with the section after the `<!-- generated: NAME …-->` line replaced by `body`.
fn fill(text: &str, name: &str, body: &str) -> String {
    let open = format!("<!-- generated: {name} ");
    let start = text.find(&open).unwrap_or_else(|| panic!("no generated section `{name}`"));
    let start = start + text[start..].find('\n').unwrap() + 1;
    let end = start + text[start..].find("<!-- end -->").unwrap_or_else(|| panic!("`{name}` is not closed"));
    format!("{}{}{}", &text[..start], body, &text[end..])
}

fn check(file: &str, sections: &[(&str, String)]) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    let want = sections.iter().fold(text.clone(), |t, (name, body)| fill(&t, name, body));
    if text != want {
        if std::env::var_os("SKILLWRIGHT_BLESS").is_some() {
            std::fs::write(&path, want).unwrap();
        } else {
            panic!(
                "{file} is out of date with targets/*.toml; run SKILLWRIGHT_BLESS=1 cargo test -p skillwright-tests --test docs\n\nwant:\n{want}"
            );
        }
    }
}

#[test]
fn components_reference_matches_the_targets() {
    check("docs/components.md", &[("hosts", hosts_table())]);
}

#[test]
fn hooks_reference_matches_the_targets() {
    check("docs/hooks.md", &[("events", events_table()), ("tools", tools_table())]);
}
