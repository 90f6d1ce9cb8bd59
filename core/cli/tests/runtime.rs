//! The real binary and the real launcher inside a freshly built package: payload shapes, fault
//! paths, the store under concurrent writers, and launcher fallbacks.

mod support;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use support::{BIN, context_of, plugin_root, targets};

/// Builds the flagship pack with fake binaries into `out`.
fn build_packages(out: &Path) {
    let o = support::build_flagship(out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn hook(host: &str, root: &Path, home: &Path, stdin: &[u8]) -> Output {
    use std::io::Write;
    let mut child = Command::new(BIN)
        .args(["hook", "session-start", "--host", host, "--root"])
        .arg(root)
        .env("SKILLWRIGHT_HOME", home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

fn claude() -> skillwright_build::target::Target {
    targets().into_iter().find(|t| t.id == "claude").unwrap()
}

#[test]
fn every_host_gets_its_own_payload_shape_within_budget() {
    let tmp = tempfile::tempdir().unwrap();
    build_packages(tmp.path());
    let home = tmp.path().join("home");
    for t in targets() {
        let root = plugin_root(tmp.path(), &t);
        let out = hook(&t.id, &root, &home, b"{\"source\":\"startup\"}");
        assert_eq!(out.status.code(), Some(0), "{}: {}", t.id, String::from_utf8_lossy(&out.stderr));
        let ctx = context_of(&t, &out.stdout);
        assert!(ctx.contains("systematic-debugging"), "{}: {ctx}", t.id);
        assert!(ctx.len() <= 2048, "{}: {} bytes", t.id, ctx.len());
        assert!(out.stderr.is_empty(), "{}: nothing on stderr", t.id);
        // The static fallback has the same shape, without the runtime's own line.
        let fallback = std::fs::read(root.join("hooks/static").join(&t.id)).unwrap();
        let static_ctx = context_of(&t, &fallback);
        assert!(static_ctx.contains("systematic-debugging") && !static_ctx.contains("Runtime:"), "{}", t.id);
        // A host this package does not serve is refused, naming the one it does.
        let other = if t.id == "claude" { "cursor" } else { "claude" };
        let out = hook(other, &root, &home, b"");
        assert_eq!(out.status.code(), Some(2), "{}", t.id);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.stdout.is_empty() && err.contains(&format!("serves: {}", t.id)), "{}: {err}", t.id);
    }
}

#[test]
fn fault_paths_still_exit_0_with_a_valid_payload() {
    let tmp = tempfile::tempdir().unwrap();
    build_packages(tmp.path());
    let home = tmp.path().join("home");
    for t in targets() {
        fault_paths(tmp.path(), &t, &home);
    }
}

fn fault_paths(plugins: &Path, t: &skillwright_build::target::Target, home: &Path) {
    let root = plugin_root(plugins, t);
    let host = t.id.as_str();
    // Corrupt and oversized state.
    std::fs::create_dir_all(home.join("metrics")).unwrap();
    std::fs::write(home.join("metrics/2026-11.jsonl"), b"{not json\n\xff\xfe garbage\n".repeat(1000))
        .unwrap();
    for (name, stdin) in [
        ("garbage stdin", &b"\x00\xffnot json"[..]),
        ("empty stdin", b""),
        ("huge stdin", &vec![b'x'; 3 << 20]),
    ] {
        let out = hook(host, &root, home, stdin);
        assert_eq!(out.status.code(), Some(0), "{host}: {name}");
        assert!(context_of(t, &out.stdout).contains("brainstorming"), "{host}: {name}");
    }
    // A missing package is a clear error (the launcher then prints the static payload).
    let out = hook(host, Path::new("/nonexistent/pkg"), home, b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a skillwright package"), "{host}");
    // No HOME at all, read-only HOME.
    let out = Command::new(BIN)
        .args(["hook", "session-start", "--host", host, "--root"])
        .arg(&root)
        .env_remove("HOME")
        .env_remove("SKILLWRIGHT_HOME")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{host}");
    context_of(t, &out.stdout);
    let ro = out_dir_ro(plugins);
    let out = hook(host, &root, &ro.join("state"), b"");
    assert_eq!(out.status.code(), Some(0), "{host}");
    context_of(t, &out.stdout);
    // Opt-out and resume give valid empty payloads: `{}`, or nothing for a text host.
    let empty = if t.payload_shape().as_str() == Some("text") { "" } else { "{}" };
    let out = Command::new(BIN)
        .args(["hook", "session-start", "--host", host, "--root"])
        .arg(&root)
        .env("SKILLWRIGHT_DISABLE", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), empty, "{host}");
    let out = hook(host, &root, home, br#"{"source":"resume"}"#);
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), empty, "{host}");
}

/// A read-only directory under `out` (made once).
fn out_dir_ro(out: &Path) -> std::path::PathBuf {
    let ro = out.join("ro");
    if !ro.exists() {
        std::fs::create_dir(&ro).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o500)).unwrap();
        }
    }
    ro
}

/// Waits (up to 20 s) until `cond` holds: for what the hook starts in the background.
fn eventually(what: &str, cond: impl Fn() -> bool) {
    let start = std::time::Instant::now();
    while !cond() {
        assert!(start.elapsed() < std::time::Duration::from_secs(20), "timed out waiting for {what}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

fn self_check(root: &Path, home: &Path) {
    let st = Command::new(BIN)
        .args(["hook", "self-check", "--root"])
        .arg(root)
        .env("SKILLWRIGHT_HOME", home)
        .status();
    assert!(st.unwrap().success());
}

#[test]
fn a_tampered_package_says_so_inside_the_payload() {
    let tmp = tempfile::tempdir().unwrap();
    build_packages(tmp.path());
    for (i, t) in targets().iter().enumerate() {
        tampered(&plugin_root(tmp.path(), t), t, &tmp.path().join("home"), i + 1);
    }
}

fn tampered(root: &Path, t: &skillwright_build::target::Target, home: &Path, verdicts: usize) {
    let host = t.id.as_str();
    let selfcheck = home.join("selfcheck");
    let count = || std::fs::read_dir(&selfcheck).map_or(0, |d| d.count());
    // The first start finds no verdict: it answers at once and starts the full check in the
    // background, which caches one.
    let clean = context_of(t, &hook(host, root, home, b"").stdout);
    assert!(!clean.contains("Note:"), "{clean}");
    eventually("the background self-check", || count() == verdicts);
    // Same size, same mtime: only the content (and so the ctime) changes. The next full check
    // (the background one, here run directly) finds it, and every start then says so.
    let file = root.join("skills/brainstorming/SKILL.md");
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[10] ^= 0x20;
    let mtime = std::fs::metadata(&file).unwrap().modified().unwrap();
    std::fs::write(&file, &bytes).unwrap();
    std::fs::File::options().write(true).open(&file).unwrap().set_modified(mtime).unwrap();
    self_check(root, home);
    let out = hook(host, root, home, b"");
    assert_eq!(out.status.code(), Some(0));
    let ctx = context_of(t, &out.stdout);
    assert!(
        ctx.contains("is not what was built and signed") && ctx.contains("skills/brainstorming/SKILL.md"),
        "{host}: {ctx}"
    );
    assert_eq!(context_of(t, &hook(host, root, home, b"").stdout), ctx, "served from the cached verdict");
    // An old verdict is renewed in the background: the file is fixed, a start with the old
    // verdict still warns and starts a check, and the check clears the note.
    bytes[10] ^= 0x20;
    std::fs::write(&file, &bytes).unwrap();
    let verdict_file = std::fs::read_dir(&selfcheck)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| std::fs::read_to_string(p).unwrap().contains("brainstorming"))
        .unwrap();
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&verdict_file).unwrap()).unwrap();
    v["checked"] = 0.into();
    std::fs::write(&verdict_file, v.to_string()).unwrap();
    assert!(context_of(t, &hook(host, root, home, b"").stdout).contains("is not what was built"));
    eventually("the renewed verdict", || {
        !std::fs::read_to_string(&verdict_file).unwrap().contains("brainstorming")
    });
    assert!(!context_of(t, &hook(host, root, home, b"").stdout).contains("Note:"), "{host}");
}

#[test]
fn a_resigned_package_is_noted_against_the_key_pinned_on_first_use() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    let claude = claude();
    for name in ["a", "b"] {
        let key = tmp.path().join(format!("key-{name}"));
        assert!(Command::new(BIN).args(["keygen", "--out"]).arg(&key).output().unwrap().status.success());
        let out = support::build_flagship(
            &tmp.path().join("out"),
            &["--hosts", "claude", "--sign-key", key.to_str().unwrap()],
        );
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let root = plugin_root(&tmp.path().join("out"), &claude);
        self_check(&root, &home);
        let ctx = context_of(&claude, &hook("claude", &root, &home, b"").stdout);
        if name == "a" {
            assert!(!ctx.contains("Note:"), "first use pins the key: {ctx}");
        } else {
            assert!(ctx.contains("is pinned to"), "a new key is not silently accepted: {ctx}");
        }
    }
}

#[cfg(debug_assertions)]
#[test]
fn a_hook_held_up_past_its_hard_limit_prints_the_static_payload_in_time() {
    let tmp = tempfile::tempdir().unwrap();
    build_packages(tmp.path());
    let t = claude();
    let root = plugin_root(tmp.path(), &t);
    let start = std::time::Instant::now();
    let out = Command::new(BIN)
        .args(["hook", "session-start", "--host", "claude", "--root"])
        .arg(&root)
        .env("SKILLWRIGHT_HOME", tmp.path().join("home"))
        .env("SKILLWRIGHT_TEST_HOOK_DELAY_MS", "60000")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(start.elapsed() < std::time::Duration::from_secs(10), "{:?}", start.elapsed());
    assert_eq!(out.status.code(), Some(0));
    let printed = String::from_utf8_lossy(&out.stdout);
    let fallback = std::fs::read_to_string(root.join("hooks/static/claude")).unwrap();
    assert!(printed.trim_end() == fallback.trim_end(), "the static payload, once");
}

#[test]
fn declining_skills_are_noted_from_local_metrics() {
    let tmp = tempfile::tempdir().unwrap();
    build_packages(tmp.path());
    let home = tmp.path().join("home");
    let root = plugin_root(tmp.path(), &claude());
    for outcome in ["success"; 8].into_iter().chain(["failure"; 5]) {
        let st = Command::new(BIN)
            .args(["metrics", "record", "--skill", "systematic-debugging", "--outcome", outcome, "--root"])
            .arg(&root)
            .env("SKILLWRIGHT_HOME", &home)
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(st.success());
    }
    for t in targets() {
        let ctx = context_of(&t, &hook(&t.id, &plugin_root(tmp.path(), &t), &home, b"").stdout);
        assert!(ctx.contains("recent runs of systematic-debugging"), "{}: {ctx}", t.id);
    }
    let fb = Command::new(BIN)
        .args(["feedback", "--format", "json"])
        .env("SKILLWRIGHT_HOME", &home)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&fb.stdout).unwrap();
    assert_eq!(v[0]["runs"], 13);
    assert_eq!(v[0]["declining"], true);
}

#[test]
fn concurrent_incr_loses_no_update() {
    let tmp = tempfile::tempdir().unwrap();
    let script = format!(
        "i=0; while [ $i -lt 200 ]; do \"{BIN}\" store incr counter >/dev/null || exit 1; i=$((i+1)); done"
    );
    let children: Vec<_> = (0..64)
        .map(|_| {
            Command::new("sh").arg("-c").arg(&script).env("SKILLWRIGHT_HOME", tmp.path()).spawn().unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    let out = Command::new(BIN)
        .args(["store", "get", "counter"])
        .env("SKILLWRIGHT_HOME", tmp.path())
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "12800");
}

#[test]
fn a_killed_writer_never_leaves_a_torn_value() {
    let tmp = tempfile::tempdir().unwrap();
    let a = "a".repeat(100_000);
    let b = "b".repeat(100_000);
    let set = |v: &str| {
        Command::new(BIN)
            .args(["store", "set", "big", v])
            .env("SKILLWRIGHT_HOME", tmp.path())
            .spawn()
            .unwrap()
    };
    assert!(set(&a).wait().unwrap().success());
    for i in 0..20 {
        let mut child = set(if i % 2 == 0 { &b } else { &a });
        std::thread::sleep(std::time::Duration::from_micros(500 * i));
        let _ = child.kill();
        let _ = child.wait();
        let out = Command::new(BIN)
            .args(["store", "get", "big"])
            .env("SKILLWRIGHT_HOME", tmp.path())
            .output()
            .unwrap();
        let v = String::from_utf8_lossy(&out.stdout);
        let v = v.trim_end();
        assert!(v == a || v == b, "torn value of {} bytes after kill {i}", v.len());
    }
}

#[test]
fn store_rejects_escaping_keys() {
    let tmp = tempfile::tempdir().unwrap();
    for key in ["../x", "/etc/passwd", "a/../../b", "a\\b"] {
        let out = Command::new(BIN)
            .args(["store", "set", key, "v"])
            .env("SKILLWRIGHT_HOME", tmp.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{key}");
    }
    assert!(!tmp.path().join("x").exists());
}

#[cfg(unix)]
#[test]
fn launcher_runs_the_binary_and_falls_back_to_the_static_payload() {
    let tmp = tempfile::tempdir().unwrap();
    build_packages(tmp.path());
    for t in targets().iter().filter(|t| t.hook.dynamic) {
        launcher(&plugin_root(tmp.path(), t), t, &tmp.path().join("home"));
    }
}

#[cfg(unix)]
fn launcher(root: &Path, t: &skillwright_build::target::Target, home: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let run = |root: &Path| {
        let out = Command::new(root.join("hooks/run"))
            .arg(&t.id)
            .env("SKILLWRIGHT_HOME", home)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        context_of(t, &out.stdout)
    };
    // Fake binaries cannot run: the static payload is printed.
    let static_ctx = run(root);
    assert!(!static_ctx.contains("Runtime:"), "{static_ctx}");
    // The real binary for this machine: the dynamic payload names the runtime command.
    let triple = env!("SKILLWRIGHT_TRIPLE");
    let exe = root.join("bin").join(triple).join("skillwright");
    // Replaced, not written through: the placeholder is one file hard-linked into every host.
    std::fs::remove_file(&exe).unwrap();
    std::fs::copy(BIN, &exe).unwrap();
    let dynamic = run(root);
    assert!(dynamic.contains("Runtime:"), "{}: {dynamic}", t.id);
    // Not executable, then missing: static again.
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(run(root), static_ctx);
    std::fs::remove_file(&exe).unwrap();
    assert_eq!(run(root), static_ctx);
    // An unknown host prints nothing and still exits 0.
    let out = Command::new(root.join("hooks/run")).arg("no such host").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
}

#[test]
fn a_host_that_never_closes_stdin_does_not_hold_the_hook() {
    let tmp = tempfile::tempdir().unwrap();
    build_packages(tmp.path());
    let root = plugin_root(tmp.path(), &claude());
    let mut child = Command::new(BIN)
        .args(["hook", "session-start", "--host", "claude", "--root"])
        .arg(&root)
        .env("SKILLWRIGHT_HOME", tmp.path().join("home"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Half a JSON document, then silence with the pipe held open.
    use std::io::Write;
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"{\"source\": \"resu").unwrap();
    let start = std::time::Instant::now();
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    assert!(start.elapsed() < std::time::Duration::from_secs(5), "the 100 ms stdin limit held");
    assert_eq!(out.status.code(), Some(0));
    assert!(context_of(&claude(), &out.stdout).contains("brainstorming"));
}
