//! The pack's hooks run by the real binary through each package's launcher, on every built-in
//! host that runs plugin hooks: the input each host sends (built from its target spec) goes in,
//! and the answer must be exactly the host's own way of blocking or adding context.

mod support;

use serde_json::{Value, json};
use skillwright_build::target::Target;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use support::{BIN, repo, targets};

/// The package of the components pack (named `kit`) for `t`.
fn plugin_root(plugins: &Path, t: &Target) -> PathBuf {
    support::pack_root(plugins, t, "kit")
}

const REASON: &str = "force pushes are not allowed in this project";

/// Builds the components pack (or a copy of it changed by `edit`) into `out`, with the real
/// binary for this machine in every package.
fn build(out: &Path, edit: impl Fn(&Path)) -> PathBuf {
    let src = out.join("src");
    support::copy_dir(&repo().join("tests/packs/components"), &src);
    #[cfg(unix)]
    for script in ["hooks/scripts/guard.sh", "hooks/scripts/remind.sh", "servers/notes.py"] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(src.join(script), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    edit(&src);
    let plugins = out.join("plugins");
    let o = Command::new(BIN)
        .args(["build", "--fake-binaries", "--out"])
        .arg(&plugins)
        .arg("--skills")
        .arg(src.join("skills"))
        .arg("--pack")
        .arg(src.join("skillwright.toml"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    support::use_real_binary(&plugins, "kit");
    plugins
}

/// `v` with `value` at the JSON pointer `pointer` (objects created on the way).
fn set(v: &mut Value, pointer: &str, value: Value) {
    let mut at = v;
    let parts: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
    for (i, p) in parts.iter().enumerate() {
        if !at.is_object() {
            *at = json!({});
        }
        let map = at.as_object_mut().unwrap();
        if i == parts.len() - 1 {
            map.insert(p.to_string(), value);
            return;
        }
        at = map.entry(p.to_string()).or_insert(json!({}));
    }
}

/// What `t` sends a hook when its `tool` is called with `field` (the tool spec's pointer for a
/// command or a path) set to `value`.
fn tool_input(
    t: &Target,
    tool: &str,
    field: fn(&skillwright_model::hookspec::HookTool) -> &Option<String>,
    value: &str,
) -> Option<Value> {
    let spec = t.hooks.as_ref()?;
    let ht = spec.tools.get(tool)?;
    let mut stdin = json!({ "cwd": std::env::temp_dir() });
    set(&mut stdin, &spec.input.tool, json!(ht.name));
    let mut args = json!({});
    set(&mut args, field(ht).as_deref()?, json!(value));
    set(&mut stdin, &spec.input.args, args);
    Some(stdin)
}

fn run_hook(root: &Path, host: &str, index: usize, stdin: &Value, home: &Path) -> Output {
    run_raw(root, host, index, stdin.to_string().as_bytes(), home)
}

fn run_raw(root: &Path, host: &str, index: usize, stdin: &[u8], home: &Path) -> Output {
    use std::io::Write;
    let mut child = Command::new(root.join("hooks/run-hook"))
        .args([host, &index.to_string()])
        .env("SKILLWRIGHT_HOME", home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{host}: {}: {e}", root.join("hooks/run-hook").display()));
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

/// The reply `t` expects on `event` when a hook says `text` (`kind` is `block` or `context`),
/// filled in as the runtime must: (stdout, stderr, exit).
fn expected(t: &Target, event: &str, kind: &str, text: &str) -> Option<(Option<Value>, String, i32)> {
    let hooks = t.host_hooks()?;
    let e = hooks.events.get(event)?;
    let reply = if kind == "block" { e.block.as_ref()? } else { e.context.as_ref()? };
    let fill = |s: &str| s.replace("{reason}", text).replace("{context}", text).replace("{event}", &e.name);
    let stdout = reply.stdout.as_ref().map(|v| match v {
        Value::String(s) if s == "text" => Value::String(text.into()),
        v => serde_json::from_str(&fill(
            &v.to_string()
                .replace("{reason}", &text.replace('"', "\\\""))
                .replace("{context}", &text.replace('"', "\\\"")),
        ))
        .unwrap(),
    });
    Some((stdout, reply.stderr.as_deref().map(fill).unwrap_or_default(), reply.exit))
}

fn assert_reply(host: &str, out: &Output, want: &(Option<Value>, String, i32)) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let got: Option<Value> = if stdout.trim().is_empty() {
        None
    } else {
        Some(serde_json::from_str(stdout.trim()).unwrap_or(Value::String(stdout.trim().into())))
    };
    assert_eq!(got, want.0, "{host}: stdout");
    assert_eq!(String::from_utf8_lossy(&out.stderr).trim(), want.1.trim(), "{host}: stderr");
    assert_eq!(out.status.code(), Some(want.2), "{host}: exit code");
}

/// Hosts whose hooks are shell commands with a shell tool and a blocking pre-tool-use event.
fn shell_hosts() -> Vec<Target> {
    targets()
        .into_iter()
        .filter(|t| {
            t.host_hooks()
                .and_then(|h| h.events.get("pre-tool-use").cloned())
                .is_some_and(|e| e.block.is_some())
        })
        .filter(|t| t.hooks.as_ref().and_then(|h| h.tools.get("shell")).is_some_and(|s| s.command.is_some()))
        .collect()
}

#[test]
fn a_guard_blocks_in_each_hosts_own_shape_and_allows_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = build(tmp.path(), |_| {});
    let home = tmp.path().join("home");
    let hosts = shell_hosts();
    assert!(hosts.len() >= 6, "shell-hook hosts: {:?}", hosts.iter().map(|t| &t.id).collect::<Vec<_>>());
    for t in hosts {
        let root = plugin_root(&plugins, &t);
        let push = tool_input(&t, "shell", |h| &h.command, "git push --force origin main").unwrap();
        let out = run_hook(&root, &t.id, 0, &push, &home);
        assert_reply(&t.id, &out, &expected(&t, "pre-tool-use", "block", REASON).unwrap());
        let ls = tool_input(&t, "shell", |h| &h.command, "ls -la").unwrap();
        let out = run_hook(&root, &t.id, 0, &ls, &home);
        assert_reply(&t.id, &out, &(None, String::new(), 0));
        // Another tool than the hook's: allowed without running the script.
        if let Some(read) = tool_input(&t, "read", |h| &h.path, "/tmp/x") {
            assert_reply(&t.id, &run_hook(&root, &t.id, 0, &read, &home), &(None, String::new(), 0));
        }
    }
}

#[test]
fn a_hook_adds_context_where_the_host_takes_it() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = build(tmp.path(), |_| {});
    let home = tmp.path().join("home");
    let mut checked = 0;
    for t in targets() {
        let Some(hooks) = t
            .hooks
            .as_ref()
            .filter(|_| t.host_hooks().is_some_and(|h| h.events.contains_key("user-prompt-submit")))
        else {
            continue;
        };
        let Some(root) = Some(plugin_root(&plugins, &t)).filter(|r| r.join("hooks/run-hook").is_file())
        else {
            continue;
        };
        let mut stdin = json!({});
        set(&mut stdin, &hooks.input.prompt, json!("please ship it"));
        let out = run_hook(&root, &t.id, 2, &stdin, &home);
        let want = expected(&t, "user-prompt-submit", "context", "Remember: run the tests before you stop.")
            .unwrap_or((None, String::new(), 0));
        assert_reply(&t.id, &out, &want);
        checked += 1;
    }
    assert!(checked >= 5, "{checked} hosts checked");
}

#[test]
fn reading_a_skill_records_its_use_on_every_host_with_a_read_or_skill_tool() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = build(tmp.path(), |_| {});
    for t in targets() {
        let home = tmp.path().join(format!("home-{}", t.id));
        let root = plugin_root(&plugins, &t);
        if !root.join("hooks/run-hook").is_file()
            || t.host_hooks().is_none_or(|h| !h.events.contains_key("post-tool-use"))
        {
            continue;
        }
        let path = root.join("skills/review-checklist/SKILL.md").display().to_string();
        let inputs = [
            tool_input(&t, "read", |h| &h.path, &path),
            tool_input(&t, "skill", |h| &h.skill, "kit:review-checklist"),
            tool_input(&t, "shell", |h| &h.command, &format!("cat {path}")),
        ];
        let mut expected = 0;
        for input in inputs.into_iter().flatten() {
            let out = run_hook(&root, &t.id, 1, &input, &home);
            assert!(
                out.status.success() && out.stdout.is_empty(),
                "{}: {}",
                t.id,
                String::from_utf8_lossy(&out.stderr)
            );
            expected += 1;
        }
        // A read of some other file records nothing.
        if let Some(other) = tool_input(&t, "read", |h| &h.path, "/etc/hostname") {
            run_hook(&root, &t.id, 1, &other, &home);
        }
        let fb = Command::new(BIN)
            .args(["feedback", "--format", "json"])
            .env("SKILLWRIGHT_HOME", &home)
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&fb.stdout).unwrap();
        assert_eq!(v[0]["skill"], "review-checklist", "{}: {v}", t.id);
        assert_eq!(v[0]["uses"], expected, "{}: {v}", t.id);
    }
}

#[test]
fn a_failing_or_hanging_script_follows_on_failure() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = build(tmp.path(), |src| {
        // The guard (on-failure = block) crashes; the reminder (on-failure = allow) hangs past a
        // one-second limit.
        std::fs::write(src.join("hooks/scripts/guard.sh"), "#!/bin/sh\necho boom >&2\nexit 3\n").unwrap();
        std::fs::write(src.join("hooks/scripts/remind.sh"), "#!/bin/sh\nsleep 30\n").unwrap();
        let toml = std::fs::read_to_string(src.join("skillwright.toml")).unwrap();
        std::fs::write(
            src.join("skillwright.toml"),
            toml.replace(
                "run = \"hooks/scripts/remind.sh\"\n",
                "run = \"hooks/scripts/remind.sh\"\ntimeout = 1\n",
            ),
        )
        .unwrap();
    });
    let home = tmp.path().join("home");
    for t in shell_hosts() {
        let root = plugin_root(&plugins, &t);
        let ls = tool_input(&t, "shell", |h| &h.command, "ls").unwrap();
        let out = run_hook(&root, &t.id, 0, &ls, &home);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            (stdout.contains("failed (exit 3: boom)") || stderr.contains("failed (exit 3: boom)"))
                && stdout.len() + stderr.len() < 2000,
            "{}: a crash of a blocking guard blocks, saying why: {stdout} {stderr}",
            t.id
        );
    }
    // The reminder hangs: every host with a prompt event gets its answer (nothing) within the
    // limit instead of a stalled session.
    let mut checked = 0;
    for t in targets() {
        let root = plugin_root(&plugins, &t);
        let Some(hooks) = t.hooks.as_ref().filter(|_| root.join("hooks/run-hook").is_file()) else {
            continue;
        };
        if t.host_hooks().is_none_or(|h| !h.events.contains_key("user-prompt-submit")) {
            continue;
        }
        let mut stdin = json!({});
        set(&mut stdin, &hooks.input.prompt, json!("x"));
        let start = std::time::Instant::now();
        let out = run_hook(&root, &t.id, 2, &stdin, &home);
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "{}: the 1 s limit held: {:?}",
            t.id,
            start.elapsed()
        );
        assert_reply(&t.id, &out, &(None, String::new(), 0));
        checked += 1;
    }
    assert!(checked >= 5, "{checked} hosts checked");
}

#[test]
fn a_script_gets_the_canonical_input() {
    let tmp = tempfile::tempdir().unwrap();
    let dump = tmp.path().join("dump.json");
    let dump_for = dump.clone();
    let plugins = build(tmp.path(), move |src| {
        std::fs::write(
            src.join("hooks/scripts/guard.sh"),
            format!("#!/bin/sh\ncat > '{}'\n", dump_for.display()),
        )
        .unwrap();
    });
    for t in shell_hosts() {
        let root = plugin_root(&plugins, &t);
        let stdin = tool_input(&t, "shell", |h| &h.command, "echo hi").unwrap();
        assert!(run_hook(&root, &t.id, 0, &stdin, &tmp.path().join("home")).status.success());
        let got: Value = serde_json::from_slice(&std::fs::read(&dump).unwrap()).unwrap();
        assert_eq!(
            (got["event"].as_str(), got["host"].as_str()),
            (Some("pre-tool-use"), Some(t.id.as_str()))
        );
        assert_eq!(
            (got["tool"].as_str(), got["command"].as_str()),
            (Some("shell"), Some("echo hi")),
            "{}: {got}",
            t.id
        );
        assert_eq!(got["raw"], stdin);
    }
}

/// Input the hook cannot read whole (cut short, not JSON, nothing at all) is a failure: a guard
/// that blocks when it fails blocks, on every host, instead of letting an unjudged call through.
#[test]
fn unreadable_input_is_a_failure_not_a_pass() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = build(tmp.path(), |_| {});
    let home = tmp.path().join("home");
    for t in shell_hosts() {
        let root = plugin_root(&plugins, &t);
        let whole = tool_input(&t, "shell", |h| &h.command, "ls").unwrap().to_string();
        let cut = &whole[..whole.len() / 2];
        for bad in [cut, "not json", "", "[1, 2]"] {
            let out = run_raw(&root, &t.id, 0, bad.as_bytes(), &home);
            let said =
                format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
            assert!(said.contains("could not read what the host sent"), "{}: {bad:?} gave {said}", t.id);
        }
    }
}

/// A script that leaves a process behind holding its output open still gets its answer read, and
/// the hook returns within the script's limit.
#[test]
fn a_script_leaving_a_process_behind_does_not_stall_the_hook() {
    let tmp = tempfile::tempdir().unwrap();
    let plugins = build(tmp.path(), |src| {
        std::fs::write(
            src.join("hooks/scripts/guard.sh"),
            "#!/bin/sh\nsleep 60 &\necho '{\"decision\": \"block\", \"reason\": \"left one behind\"}'\n",
        )
        .unwrap();
    });
    for t in shell_hosts() {
        let root = plugin_root(&plugins, &t);
        let stdin = tool_input(&t, "shell", |h| &h.command, "ls").unwrap();
        let start = std::time::Instant::now();
        let out = run_hook(&root, &t.id, 0, &stdin, &tmp.path().join("home"));
        assert!(start.elapsed() < std::time::Duration::from_secs(9), "{}: {:?}", t.id, start.elapsed());
        assert_reply(&t.id, &out, &expected(&t, "pre-tool-use", "block", "left one behind").unwrap());
    }
}
