//! `cargo xtask bench`: timings as ratios against baselines measured in the same run.
//! Never a test: nothing here asserts a time.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

struct Stats {
    median: Duration,
    min: Duration,
    max: Duration,
}

fn time(runs: usize, mut f: impl FnMut()) -> Stats {
    let mut t: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    t.sort();
    Stats { median: t[t.len() / 2], min: t[0], max: t[t.len() - 1] }
}

fn quiet(cmd: &mut Command) {
    let ok = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "benchmark command failed: {cmd:?}");
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// Runs the session-start hook benchmark on the built flagship packages in `plugins`.
pub fn run(root: &Path, plugins: &Path, quick: bool) -> Result<String, String> {
    let runs = if quick { 20 } else { 200 };
    let launcher = plugins.join("claude/hooks/run");
    if !launcher.exists() {
        return Err(format!("{} not found: run `cargo xtask build-plugins` first", launcher.display()));
    }
    let home = root.join("target/bench-home");
    let hook = time(runs, || quiet(Command::new(&launcher).arg("claude").env("SKILLWRIGHT_HOME", &home)));
    let sh = time(runs, || quiet(Command::new("sh").args(["-c", "exec true"])));
    let has_node = Command::new("node").arg("-v").stdout(Stdio::null()).status().is_ok_and(|s| s.success());
    let node = has_node.then(|| time(runs, || quiet(Command::new("node").args(["-e", "0"]))));
    let mut out = format!("session-start hook, {runs} runs each (median, min, max):\n");
    let row = |name: &str, s: &Stats| {
        format!("  {name:<34} {:>10} {:>10} {:>10}\n", ms(s.median), ms(s.min), ms(s.max))
    };
    out.push_str(&row("launcher + binary (claude)", &hook));
    out.push_str(&row("sh -c 'exec true'", &sh));
    let r_sh = hook.median.as_secs_f64() / sh.median.as_secs_f64();
    match &node {
        Some(n) => {
            out.push_str(&row("node -e 0", n));
            let r_node = hook.median.as_secs_f64() / n.median.as_secs_f64();
            out.push_str(&format!(
                "  ratio hook/sh = {r_sh:.2} (target <= 2.0); hook/node = {r_node:.3} (target <= 0.2)\n"
            ));
        }
        None => out.push_str(&format!(
            "  ratio hook/sh = {r_sh:.2} (target <= 2.0); node not found, node baseline skipped\n"
        )),
    }
    Ok(out)
}
