//! The runtime as an MCP server: a real JSON-RPC session over stdio with the binary, started
//! through each package's own launcher (`bin/skillwright mcp`, as the rendered MCP configs do),
//! on every built-in host.

mod support;

use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use support::{BIN, build_flagship, plugin_root, targets};

/// A client holding one server process.
struct Session {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::Receiver<String>,
    next: u64,
}

impl Session {
    /// Starts `exe mcp` in `cwd` with `env` and completes the MCP handshake.
    fn start(exe: &Path, cwd: &Path, env: &[(&str, &Path)]) -> Session {
        let mut cmd = Command::new(exe);
        cmd.arg("mcp").current_dir(cwd).env_remove("SKILLWRIGHT_HOME").env_remove("HOME");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{}: {e}", exe.display()));
        let stdout: ChildStdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut s = Session { stdin: child.stdin.take(), child, lines, next: 1 };
        let init = s.request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}),
        );
        assert_eq!(init["result"]["serverInfo"]["name"], "skillwright", "{init}");
        s.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        s
    }

    fn send(&mut self, v: &Value) {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{v}").unwrap();
        stdin.flush().unwrap();
    }

    /// Sends a request and waits (at most 20 s) for the response with its id.
    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next;
        self.next += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let line = self.lines.recv_timeout(Duration::from_secs(20)).expect("the server answers");
            let v: Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON-RPC: {line}: {e}"));
            if v["id"] == id {
                return v;
            }
        }
    }

    /// Calls a tool: (is it an error, its text).
    fn call(&mut self, tool: &str, arguments: Value) -> (bool, String) {
        let v = self.request("tools/call", json!({"name": tool, "arguments": arguments}));
        let result = &v["result"];
        assert!(result.is_object(), "{tool}: {v}");
        let text =
            result["content"].as_array().into_iter().flatten().filter_map(|c| c["text"].as_str()).collect();
        (result["isError"] == true, text)
    }

    /// Closes stdin: the server must leave on its own.
    fn finish(mut self) {
        drop(self.stdin.take());
        for _ in 0..200 {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "the server exits cleanly when the client goes: {status}");
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        panic!("the server kept running after its client closed stdin");
    }
}

/// The flagship pack built for every host, with the real binary in each package.
fn packages(out: &Path) -> std::path::PathBuf {
    let plugins = out.join("plugins");
    let o = build_flagship(&plugins, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    support::use_real_binary(&plugins, "skillwright");
    plugins
}

#[test]
fn every_package_serves_its_skills_store_and_metrics_over_mcp() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = packages(tmp.path());
    let mut served = 0;
    for t in targets() {
        let root = plugin_root(&plugins, &t);
        let launcher = root.join("bin/skillwright");
        if !launcher.is_file() {
            continue;
        }
        let home = tmp.path().join(format!("home-{}", t.id));
        let mut s = Session::start(&launcher, &root, &[("SKILLWRIGHT_HOME", &home)]);

        let list = s.request("tools/list", json!({}));
        let tools: Vec<&str> =
            list["result"]["tools"].as_array().unwrap().iter().filter_map(|t| t["name"].as_str()).collect();
        for want in [
            "skills_search",
            "skill_show",
            "store_get",
            "store_set",
            "store_list",
            "store_search",
            "metrics_record",
            "feedback",
        ] {
            assert!(tools.contains(&want), "{}: {want} missing from {tools:?}", t.id);
        }
        for tool in list["result"]["tools"].as_array().unwrap() {
            assert_eq!(tool["inputSchema"]["type"], "object", "{}: {tool}", t.id);
            assert!(tool["description"].as_str().is_some_and(|d| !d.is_empty()), "{}: {tool}", t.id);
        }

        let (err, found) =
            s.call("skills_search", json!({"text": "a test fails and I do not know why", "limit": 3}));
        assert!(!err && found.contains("systematic-debugging"), "{}: {found}", t.id);
        let (err, body) = s.call("skill_show", json!({"name": "systematic-debugging"}));
        assert!(!err && body.starts_with("---\nname: systematic-debugging"), "{}: {body}", t.id);

        let (err, _) =
            s.call("store_set", json!({"key": "notes/ci", "value": "the flaky test is net::retry"}));
        assert!(!err, "{}", t.id);
        let (err, value) = s.call("store_get", json!({"key": "notes/ci"}));
        assert!(!err && value.contains("the flaky test is net::retry"), "{}: {value}", t.id);
        let (err, hits) = s.call("store_search", json!({"text": "flaky"}));
        assert!(!err && hits.contains("notes/ci"), "{}: {hits}", t.id);

        let (err, run) = s.call(
            "metrics_record",
            json!({"skill": "systematic-debugging", "outcome": "success", "duration_s": 42.0, "notes": "found it"}),
        );
        assert!(!err, "{}: {run}", t.id);
        let (err, fb) = s.call("feedback", json!({"skill": "systematic-debugging"}));
        let fb: Value = serde_json::from_str(&fb).unwrap_or_else(|e| panic!("{}: {fb}: {e}", t.id));
        assert!(!err && fb[0]["runs"] == 1 && fb[0]["rate"] == 1.0, "{}: {fb}", t.id);
        s.finish();

        // What the tools wrote is what the CLI reads: one state directory.
        let cli = Command::new(BIN)
            .args(["store", "get", "notes/ci"])
            .env("SKILLWRIGHT_HOME", &home)
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&cli.stdout).trim(), "the flaky test is net::retry", "{}", t.id);
        served += 1;
    }
    assert!(served >= 8, "{served} packages served MCP");
}

#[test]
fn bad_calls_are_tool_errors_the_model_can_read_and_the_server_stays_up() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = packages(tmp.path());
    let t =
        targets().into_iter().find(|t| plugin_root(&plugins, t).join("bin/skillwright").is_file()).unwrap();
    let root = plugin_root(&plugins, &t);
    let home = tmp.path().join("home");
    let mut s = Session::start(&root.join("bin/skillwright"), &root, &[("SKILLWRIGHT_HOME", &home)]);
    let cases = [
        ("skill_show", json!({"name": "no-such-skill"}), "no-such-skill"),
        ("skill_show", json!({"name": "../../etc/passwd"}), "skill"),
        ("store_get", json!({"key": "../outside"}), "key"),
        ("store_get", json!({"key": "never/set"}), "never/set"),
        ("store_set", json!({"key": "big", "value": "x".repeat(2 << 20)}), "the limit is"),
        ("metrics_record", json!({"skill": "nope", "outcome": "success"}), "systematic-debugging"),
        ("metrics_record", json!({"skill": "systematic-debugging", "outcome": "great"}), "outcome must be"),
        (
            "metrics_record",
            json!({"skill": "systematic-debugging", "outcome": "success", "notes": "n".repeat(20_000)}),
            "limit",
        ),
        ("skills_search", json!({"text": "\u{1b}[31mred", "limit": 100000}), ""),
    ];
    for (tool, args, says) in cases {
        let (err, text) = s.call(tool, args);
        if says.is_empty() {
            assert!(!err, "{tool}: {text}");
        } else {
            assert!(err && text.contains(says), "{tool} should fail saying `{says}`: {text}");
        }
        assert!(!text.contains('\u{1b}'), "{tool}: no control characters reach the model: {text:?}");
    }
    // A tool that does not exist and arguments of the wrong type: JSON-RPC errors or tool errors,
    // and the session goes on.
    let v = s.request("tools/call", json!({"name": "rm_rf", "arguments": {}}));
    assert!(v["error"].is_object() || v["result"]["isError"] == true, "{v}");
    let v = s.request("tools/call", json!({"name": "store_get", "arguments": {"key": 7}}));
    assert!(v["error"].is_object() || v["result"]["isError"] == true, "{v}");
    let (err, _) = s.call("store_list", json!({}));
    assert!(!err);
    s.finish();
}

#[test]
fn without_a_state_directory_the_state_tools_say_so_and_the_rest_work() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = packages(tmp.path());
    let t =
        targets().into_iter().find(|t| plugin_root(&plugins, t).join("bin/skillwright").is_file()).unwrap();
    let root = plugin_root(&plugins, &t);
    // Neither SKILLWRIGHT_HOME nor HOME: there is nowhere to keep state.
    let mut s = Session::start(&root.join("bin/skillwright"), &root, &[]);
    let (err, text) = s.call("store_set", json!({"key": "a", "value": "b"}));
    assert!(err && text.contains("SKILLWRIGHT_HOME"), "{text}");
    let (err, text) =
        s.call("metrics_record", json!({"skill": "systematic-debugging", "outcome": "success"}));
    assert!(err && text.contains("SKILLWRIGHT_HOME"), "{text}");
    let (err, text) = s.call("skills_search", json!({"text": "plan a change"}));
    assert!(!err && text.contains("writing-plans"), "{text}");
    s.finish();
}
