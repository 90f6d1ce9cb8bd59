//! `cargo xtask bench`: skillwright side by side with the tools people already use, as ratios.
//!
//! Never a test: nothing here asserts a time. Peers are installed, pinned, into
//! `target/bench/peers` from the npm registry and PyPI. Each measurement runs a fresh process per
//! sample and reads its wall time and peak RSS (`wait4`).

mod packs;
mod peers;
mod report;

use crate::files::copy_tree;
use packs::{Pack, synthetic};
use peers::Peers;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// rulesync's names for the hosts it shares with skillwright.
const RULESYNC_TARGETS: &str = "claudecode,codexcli,cursor,opencode";

/// One process run.
#[derive(Serialize, Clone, Copy)]
struct Sample {
    ms: f64,
    rss_kib: u64,
}

/// Every sample of one command on one pack.
#[derive(Serialize)]
pub struct Measure {
    /// validate, build-cold, build-noop, check, hook, …
    pub op: String,
    pub tool: String,
    pub pack: String,
    pub skills: usize,
    pub command: String,
    pub median_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
    pub peak_rss_kib: u64,
    samples: Vec<Sample>,
}

/// What one cold build put on disk.
#[derive(Serialize)]
pub struct Writes {
    pub pack: String,
    pub tool: String,
    /// Files created (hard links included).
    pub files: u64,
    /// Of those, hard links to a file the same build wrote.
    pub links: u64,
    /// Bytes of contents written.
    pub bytes: u64,
}

/// Everything one run measured.
#[derive(Serialize)]
pub struct Report {
    pub machine: Vec<(String, String)>,
    pub peers: Vec<(String, String)>,
    pub runs: usize,
    pub measures: Vec<Measure>,
    pub writes: Vec<Writes>,
    pub notes: Vec<String>,
}

impl Measure {
    /// The figures of one or more samples.
    fn new(op: &str, tool: &str, pack: &Pack, command: String, samples: Vec<Sample>) -> Measure {
        let mut ms: Vec<f64> = samples.iter().map(|s| s.ms).collect();
        ms.sort_by(f64::total_cmp);
        Measure {
            op: op.into(),
            tool: tool.into(),
            pack: pack.label.clone(),
            skills: pack.skills,
            command,
            median_ms: ms[ms.len() / 2],
            min_ms: ms[0],
            max_ms: ms[ms.len() - 1],
            peak_rss_kib: samples.iter().map(|s| s.rss_kib).max().unwrap_or(0),
            samples,
        }
    }
}

impl Report {
    /// The measure of `tool` doing `op` on `pack`.
    pub fn get(&self, op: &str, tool: &str, pack: &str) -> Option<&Measure> {
        self.measures.iter().find(|m| m.op == op && m.tool == tool && m.pack == pack)
    }
}

/// Runs `cmd` to completion with its output discarded and `stdin` (a file) or nothing as its
/// input; returns wall time, peak RSS and exit code.
///
/// The command is started by a small process of ours (`xtask __measure`, see [`measure_child`])
/// rather than by this one: a child spawned by a process shares or copies that process's memory
/// until it execs, and the kernel counts that towards the child's peak RSS. Started from here,
/// every command would show the harness's own footprint as its floor.
fn run_once(cmd: &mut Command, stdin: Option<&Path>) -> Result<(Sample, i32), String> {
    let input = match stdin {
        Some(p) => Stdio::from(std::fs::File::open(p).map_err(|e| format!("{}: {e}", p.display()))?),
        None => Stdio::null(),
    };
    let me = std::env::current_exe().map_err(|e| format!("cannot find the xtask binary: {e}"))?;
    let mut via = Command::new(me);
    via.arg("__measure").arg(cmd.get_program()).args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => via.env(k, v),
            None => via.env_remove(k),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        via.current_dir(dir);
    }
    let out =
        via.stdin(input).stderr(Stdio::inherit()).output().map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    let said = String::from_utf8_lossy(&out.stdout);
    let mut f = said.split_whitespace();
    let mut next = || f.next().and_then(|x| x.parse::<f64>().ok());
    match (next(), next(), next()) {
        (Some(ms), Some(kib), Some(code)) if out.status.success() => {
            Ok((Sample { ms, rss_kib: kib as u64 }, code as i32))
        }
        _ => Err(format!("cannot run {cmd:?}: {}", said.trim())),
    }
}

/// `xtask __measure PROGRAM ARGS…`: runs the program with this process's standard input, its
/// output discarded, and prints `milliseconds peak-RSS-KiB exit-code`. This process stays small,
/// so the program's peak RSS is its own.
pub fn measure_child(args: &[String]) -> std::process::ExitCode {
    let Some((program, rest)) = args.split_first() else {
        println!("no program to measure");
        return std::process::ExitCode::from(2);
    };
    let mut cmd = Command::new(program);
    cmd.args(rest).stdout(Stdio::null()).stderr(Stdio::null());
    // A hook that does nothing, so that the child is forked (only this process's few anonymous
    // pages are copied) rather than vforked (sharing, and counted with, all of its memory).
    // SAFETY: the closure calls nothing; it is async-signal-safe.
    unsafe { std::os::unix::process::CommandExt::pre_exec(&mut cmd, || Ok(())) };
    let start = Instant::now();
    let child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            println!("{program}: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid out-parameter; wait4 reaps exactly our child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    if pid < 0 {
        println!("wait4 failed");
        return std::process::ExitCode::from(2);
    }
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 };
    println!("{ms} {} {code}", usage.ru_maxrss);
    std::process::ExitCode::SUCCESS
}

struct Bench {
    runs: usize,
    measures: Vec<Measure>,
    writes: Vec<Writes>,
    notes: Vec<String>,
}

/// One command to time: how to prepare each run (untimed) and how to start it.
struct Cand<'a> {
    tool: &'a str,
    ok_codes: &'a [i32],
    /// A peer: a failure becomes a note instead of stopping the run.
    soft: bool,
    before: Box<dyn FnMut() + 'a>,
    make: Box<dyn Fn() -> Command + 'a>,
    /// A file given as standard input to every run.
    stdin: Option<PathBuf>,
}

impl<'a> Cand<'a> {
    fn new(tool: &'a str, make: impl Fn() -> Command + 'a) -> Cand<'a> {
        Cand { tool, ok_codes: &[0], soft: false, before: Box::new(|| {}), make: Box::new(make), stdin: None }
    }
    fn stdin(mut self, file: &Path) -> Self {
        self.stdin = Some(file.to_path_buf());
        self
    }
    fn before(mut self, f: impl FnMut() + 'a) -> Self {
        self.before = Box::new(f);
        self
    }
    fn codes(mut self, codes: &'a [i32]) -> Self {
        self.ok_codes = codes;
        self
    }
    fn peer(mut self) -> Self {
        self.soft = true;
        self
    }
}

impl Bench {
    /// Times `runs` fresh runs of each candidate, interleaved (a, b, c, a, b, c, …) so that a
    /// change in the machine's load during the measurement falls on every tool alike.
    fn compare(&mut self, op: &str, pack: &Pack, mut cands: Vec<Cand>) -> Result<(), String> {
        let mut samples: Vec<Vec<Sample>> = cands.iter().map(|_| Vec::new()).collect();
        let mut failed = vec![false; cands.len()];
        for _ in 0..self.runs {
            for (i, c) in cands.iter_mut().enumerate() {
                if failed[i] {
                    continue;
                }
                (c.before)();
                let mut cmd = (c.make)();
                let r = run_once(&mut cmd, c.stdin.as_deref()).and_then(|(s, code)| {
                    if c.ok_codes.contains(&code) {
                        Ok(s)
                    } else {
                        Err(format!("{} {op} on {}: exit {code} from {cmd:?}", c.tool, pack.label))
                    }
                });
                match r {
                    Ok(s) => samples[i].push(s),
                    Err(e) if c.soft => {
                        eprintln!("  note: {e}");
                        self.notes.push(e);
                        failed[i] = true;
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        for ((c, s), failed) in cands.iter().zip(samples).zip(failed) {
            if !failed && !s.is_empty() {
                self.measures.push(Measure::new(op, c.tool, pack, describe(&(c.make)()), s));
            }
        }
        Ok(())
    }
}

fn describe(cmd: &Command) -> String {
    let mut s = Path::new(cmd.get_program()).file_name().unwrap_or_default().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        let a = a.to_string_lossy();
        s.push(' ');
        s.push_str(&a.replace(&*crate::root().to_string_lossy(), "."));
    }
    s
}

/// skills-ref validates one skill directory per call; one Python process walks the whole tree.
const SKILLS_REF_SCRIPT: &str = "import sys\nfrom pathlib import Path\nfrom skills_ref.validator import validate\n\
problems = sum(len(validate(p)) for p in sorted(Path(sys.argv[1]).iterdir()) if p.is_dir())\n\
sys.exit(1 if problems else 0)\n";

/// Where outputs go between runs, under the bench's work directory.
const TRASH: &str = "trash";

/// Moves `p` (if it exists) into `trash`, emptied untimed at the end of the run.
///
/// Not deleted here: on an ext4 file system without a journal (this machine's), creating inodes
/// within a minute of deleting thousands makes the kernel skip every recently deleted one
/// (`recently_deleted` in the inode allocator), and a cold build measured right after deleting
/// the previous one's output costs two to eight times what the same build costs into a fresh
/// directory. That is a cost of the harness, paid most by whoever creates the most directories.
fn aside(p: &Path, trash: &Path) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    if std::fs::symlink_metadata(p).is_ok() {
        let _ = std::fs::create_dir_all(trash);
        let to = trash.join(N.fetch_add(1, Ordering::Relaxed).to_string());
        if std::fs::rename(p, &to).is_err() {
            let _ = if p.is_dir() { std::fs::remove_dir_all(p) } else { std::fs::remove_file(p) };
        }
    }
}

/// Empties the file system's write-back queue (untimed, before each cold build of every tool):
/// otherwise each run pays for writing back the previous run's output.
fn settle() {
    let _ = Command::new("sync").status();
}

/// Files, hard links and bytes under `dir` (each inode's bytes once), skipping `skip`.
fn tally(dir: &Path, skip: &str) -> (u64, u64, u64) {
    use std::collections::BTreeSet;
    let mut seen = BTreeSet::new();
    let (mut files, mut links, mut bytes) = (0, 0, 0);
    for e in
        walkdir::WalkDir::new(dir).min_depth(1).into_iter().filter_entry(|e| e.file_name() != skip).flatten()
    {
        if !e.file_type().is_file() {
            continue;
        }
        let Ok(m) = e.metadata() else { continue };
        files += 1;
        #[cfg(unix)]
        let id = std::os::unix::fs::MetadataExt::ino(&m);
        #[cfg(not(unix))]
        let id = files;
        if seen.insert(id) {
            bytes += m.len();
        } else {
            links += 1;
        }
    }
    (files, links, bytes)
}

/// `wrote N files (B bytes; L of them hard links …` from a build's summary.
fn parse_written(summary: &str) -> Option<(u64, u64, u64)> {
    let line = summary.lines().find(|l| l.starts_with("wrote "))?;
    let num = |s: &str| s.trim().parse::<u64>().ok();
    let rest = line.strip_prefix("wrote ")?;
    let (files, rest) = rest.split_once(" file")?;
    let (_, rest) = rest.split_once('(')?;
    let (bytes, rest) = rest.split_once(" bytes; ")?;
    let (links, _) = rest.split_once(" of them")?;
    Some((num(files)?, num(links)?, num(bytes)?))
}

/// Measures every operation on one pack.
fn measure_pack(
    b: &mut Bench,
    sw: &Path,
    bins: &Path,
    peers: &Peers,
    pack: &Pack,
    work: &Path,
) -> Result<(), String> {
    eprintln!("measuring {} ({} skills)…", pack.label, pack.skills);
    let trash = &work.join(TRASH);
    let sw_cmd = |args: &[&str]| {
        let mut c = Command::new(sw);
        c.args(args);
        c
    };
    let skills = pack.dir.to_string_lossy().into_owned();
    let skills_s = skills.as_str();
    let mut validate = vec![Cand::new("skillwright", || sw_cmd(&["validate", &skills])).codes(&[0, 1])];
    if let Some(agnix) = &peers.agnix {
        // A comparison only counts if agnix really read the skills.
        let seen = Command::new(agnix)
            .args([skills.as_str(), "--format", "json"])
            .output()
            .ok()
            .and_then(|o| serde_json::from_slice::<serde_json::Value>(&o.stdout).ok())
            .and_then(|v| v["files_checked"].as_u64())
            .unwrap_or(0);
        if (seen as usize) < pack.skills {
            return Err(format!("agnix checked {seen} files of {} skills in {}", pack.skills, pack.label));
        }
        validate.push(
            Cand::new("agnix", move || {
                let mut c = Command::new(agnix);
                c.args(["validate", skills_s]);
                c
            })
            .codes(&[0, 1])
            .peer(),
        );
    }
    if let Some(py) = &peers.python_path {
        validate.push(
            Cand::new("skills-ref", move || {
                let mut c = Command::new("python3");
                c.args(["-c", SKILLS_REF_SCRIPT, skills_s]).env("PYTHONPATH", py);
                c
            })
            .codes(&[0, 1])
            .peer(),
        );
    }
    b.compare("validate", pack, validate)?;

    let out = work.join(format!("out-{}", pack.label));
    let out_s = out.to_string_lossy().into_owned();
    let toml = pack.toml.to_string_lossy().into_owned();
    let bins_s = bins.to_string_lossy().into_owned();
    let build = [
        "build",
        "--skills",
        &skills,
        "--pack",
        &toml,
        "--pack-version",
        env!("CARGO_PKG_VERSION"),
        "--bin-dir",
        &bins_s,
        "--out",
        &out_s,
    ];
    let tree = work.join(format!("rulesync-{}", pack.label));
    if peers.rulesync.is_some() {
        aside(&tree, trash);
        copy_tree(&pack.dir, &tree.join(".rulesync/skills"))?;
    }
    let clean = || {
        for e in std::fs::read_dir(&tree).into_iter().flatten().flatten() {
            if e.file_name() != ".rulesync" {
                aside(&e.path(), trash);
            }
        }
    };
    let generate = |rulesync: &Path| {
        let mut c = Command::new(rulesync);
        c.args(["generate", "--targets", RULESYNC_TARGETS, "--features", "skills", "--silent"])
            .current_dir(&tree);
        if let Some(node) = &peers.rulesync_node {
            let path = std::env::var_os("PATH").unwrap_or_default();
            let mut dirs = vec![node.clone()];
            dirs.extend(std::env::split_paths(&path));
            c.env("PATH", std::env::join_paths(dirs).unwrap_or(path));
        }
        c
    };
    let reference = work.join(format!("ref-{}", pack.label));
    let copy = work.join(format!("cp-{}", pack.label));
    let mut cold = vec![Cand::new("skillwright", || sw_cmd(&build)).before(|| {
        aside(&out, trash);
        settle();
    })];
    if let Some(rulesync) = &peers.rulesync {
        cold.push(
            Cand::new("rulesync", move || generate(rulesync))
                .before(|| {
                    clean();
                    settle();
                })
                .peer(),
        );
    }
    // The floor: the same tree (directories, hard links, the few distinct files) made by
    // coreutils' `cp -al` from a copy built untimed beforehand.
    aside(&reference, trash);
    let made = sw_cmd(&build[..build.len() - 1]).arg(&reference).output().map_err(|e| e.to_string())?;
    if made.status.success() {
        cold.push(
            Cand::new(CP_AL, || {
                let mut c = Command::new("cp");
                c.arg("-al").arg(&reference).arg(&copy);
                c
            })
            .before(|| {
                aside(&copy, trash);
                settle();
            })
            .peer(),
        );
    }
    b.compare("build-cold", pack, cold)?;

    // What a cold build writes, from its own summary (and, for rulesync, its output tree).
    aside(&out, trash);
    let said = sw_cmd(&build).output().map_err(|e| e.to_string())?;
    let said = String::from_utf8_lossy(&said.stderr);
    let (files, links, bytes) =
        parse_written(&said).ok_or_else(|| format!("no `wrote …` line in the build summary:\n{said}"))?;
    b.writes.push(Writes { pack: pack.label.clone(), tool: "skillwright".into(), files, links, bytes });
    if peers.rulesync.is_some() && tree.is_dir() {
        let (files, links, bytes) = tally(&tree, ".rulesync");
        b.writes.push(Writes { pack: pack.label.clone(), tool: "rulesync".into(), files, links, bytes });
    }

    let mut noop = vec![Cand::new("skillwright", || sw_cmd(&build))];
    if let Some(rulesync) = &peers.rulesync {
        noop.push(Cand::new("rulesync", move || generate(rulesync)).peer());
    }
    b.compare("build-noop", pack, noop)?;
    let again = sw_cmd(&build).output().map_err(|e| e.to_string())?;
    let said = String::from_utf8_lossy(&again.stderr);
    if !said.contains("nothing to write") {
        return Err(format!("a no-op build of {} wrote files:\n{said}", pack.label));
    }
    let mut check = build.to_vec();
    check.push("--check");
    b.compare("check", pack, vec![Cand::new("skillwright", || sw_cmd(&check))])?;
    Ok(())
}

/// The session-start hook as Claude Code runs it (the launcher, which starts the binary) in the
/// package built from `pack`, against the cheapest possible hooks.
fn measure_hook(b: &mut Bench, pack: &Pack, plugins: &Path, notes_home: &Path) -> Result<(), String> {
    eprintln!("measuring the session-start hook ({})…", pack.label);
    let launcher = plugins.join("claude/hooks/run");
    let mut cands = vec![Cand::new("launcher + binary", || {
        let mut c = Command::new(&launcher);
        c.arg("claude").env("SKILLWRIGHT_HOME", notes_home);
        c
    })];
    let mut baselines = vec![("sh -c 'exec true'", "sh", ["-c", "exec true"])];
    // Node's start is the same for every pack (and slow): measured once, beside the flagship.
    if pack.label == "flagship" {
        baselines.push(("node -e 0", "node", ["-e", "0"]));
    }
    for (tool, program, args) in baselines {
        cands.push(Cand::new(tool, move || {
            let mut c = Command::new(program);
            c.args(args);
            c
        }));
    }
    b.compare("hook", pack, cands)
}

/// A tool hook as Claude Code runs it on every tool call: the flagship's post-tool-use
/// `skill-usage` hook (through its launcher, `hooks/run-hook`) on a Read of a source file, the
/// common case, against the cheapest possible hook given the same input.
fn measure_tool_hook(b: &mut Bench, pack: &Pack, plugins: &Path, home: &Path) -> Result<(), String> {
    eprintln!("measuring the per-tool-call hook ({})…", pack.label);
    let pkg = plugins.join("claude");
    let hooks: serde_json::Value = std::fs::read(pkg.join("hooks/hooks.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .ok_or_else(|| format!("{}: no hooks/hooks.json", pkg.display()))?;
    // The launcher's arguments, from the command the host runs: `"…/hooks/run-hook" claude N`.
    let command = hooks["hooks"]["PostToolUse"][0]["hooks"][0]["command"]
        .as_str()
        .ok_or("the flagship's Claude package has no PostToolUse hook")?;
    let args: Vec<String> =
        command.rsplit('"').next().unwrap_or_default().split_whitespace().map(String::from).collect();
    let input = home.join("post-tool-use.json");
    std::fs::create_dir_all(home).map_err(|e| e.to_string())?;
    let payload = serde_json::json!({
        "session_id": "bench", "hook_event_name": "PostToolUse", "cwd": crate::root(),
        "tool_name": "Read", "tool_input": { "file_path": crate::root().join("core/cli/src/main.rs") },
        "tool_response": { "type": "text" },
    });
    std::fs::write(&input, payload.to_string()).map_err(|e| e.to_string())?;
    let launcher = pkg.join("hooks/run-hook");
    let cands = vec![
        Cand::new(HOOK_TOOL, move || {
            let mut c = Command::new(&launcher);
            c.args(&args).env("SKILLWRIGHT_HOME", home).env("CLAUDE_PLUGIN_ROOT", &pkg);
            c
        })
        .stdin(&input),
        Cand::new("sh -c 'exec true'", || {
            let mut c = Command::new("sh");
            c.args(["-c", "exec true"]);
            c
        })
        .stdin(&input),
    ];
    b.compare("tool-hook", pack, cands)
}

/// The floor of a cold build in the figures: the same tree made by `cp -al`.
pub const CP_AL: &str = "cp -al (same tree)";

/// What the per-tool-call hook is called in the figures.
pub const HOOK_TOOL: &str = "skill-usage hook (launcher + binary)";

/// The addon's in-process call against spawning the CLI, in one Node process.
fn measure_addon(b: &mut Bench, plugins: &Path, hook_runs: usize, notes_home: &Path) -> Result<(), String> {
    eprintln!("measuring the addon…");
    let flagship = Pack { label: "flagship".into(), skills: 20, dir: PathBuf::new(), toml: PathBuf::new() };
    let pkg = plugins.join("opencode");
    let script = format!(
        "const {{ execFileSync }} = require('node:child_process');\n\
         const path = require('node:path');\n\
         const pkg = {pkg:?};\n\
         const dir = require('node:fs').readdirSync(path.join(pkg, 'bin'))\n\
           .map((t) => path.join(pkg, 'bin', t)).find((d) => require('node:fs').existsSync(path.join(d, 'skillwright.node')));\n\
         const t0 = process.hrtime.bigint();\n\
         const addon = require(path.join(dir, 'skillwright.node'));\n\
         const load = Number(process.hrtime.bigint() - t0) / 1e6;\n\
         const time = (f) => {{ const xs = []; for (let i = 0; i < {hook_runs}; i++) {{ const s = process.hrtime.bigint(); f(); xs.push(Number(process.hrtime.bigint() - s) / 1e6); }} return xs; }};\n\
         const a = time(() => addon.sessionContext('opencode', pkg));\n\
         const c = time(() => execFileSync(path.join(dir, 'skillwright'), ['hook', 'session-start', '--host', 'opencode', '--root', pkg], {{ stdio: ['ignore', 'pipe', 'ignore'] }}));\n\
         console.log(JSON.stringify({{ load, addon: a, cli: c }}));\n"
    );
    let out = Command::new("node")
        .args(["-e", &script])
        .env("SKILLWRIGHT_HOME", notes_home)
        .output()
        .map_err(|e| format!("node: {e}"))?;
    if !out.status.success() {
        return Err(format!("addon benchmark failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    for (tool, key) in [("addon sessionContext (in-process)", "addon"), ("CLI spawned from node", "cli")] {
        let samples: Vec<Sample> = v[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|x| x.as_f64())
            .map(|ms| Sample { ms, rss_kib: 0 })
            .collect();
        let command =
            "node: addon.sessionContext('opencode', pkg) vs execFileSync(skillwright hook session-start)";
        b.measures.push(Measure::new("context-in-node", tool, &flagship, command.into(), samples));
    }
    b.notes.push(format!(
        "loading the addon into node (once per process): {:.2} ms",
        v["load"].as_f64().unwrap_or(0.0)
    ));
    Ok(())
}

fn machine() -> Vec<(String, String)> {
    let cmd = |p: &str, a: &[&str]| {
        Command::new(p)
            .args(a)
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .unwrap_or_else(|| "not found".into())
    };
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| t.lines().next().map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_string()))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map(|kb| format!("{:.1} GiB", kb as f64 / 1048576.0))
        .unwrap_or_default();
    vec![
        ("os".into(), cmd("uname", &["-srm"])),
        ("cpu".into(), format!("{cpu} × {}", std::thread::available_parallelism().map_or(1, |n| n.get()))),
        ("memory".into(), mem),
        ("rustc".into(), cmd("rustc", &["--version"])),
        ("node".into(), cmd("node", &["--version"])),
        ("python".into(), cmd("python3", &["--version"])),
    ]
}

/// Runs everything; writes the report (docs/ for a full run, target/bench/ for `--quick`).
pub fn run(root: &Path, quick: bool) -> Result<String, String> {
    let work = root.join("target/bench");
    std::fs::create_dir_all(&work).map_err(|e| e.to_string())?;
    let bins = crate::release_binary(root)?;
    let sw = bins.join(skillwright_cli::TRIPLE).join("skillwright");
    let mut b = Bench {
        runs: if quick { 3 } else { 10 },
        measures: Vec::new(),
        writes: Vec::new(),
        notes: Vec::new(),
    };
    let peers = peers::install(&work.join("peers"), &mut b.notes);

    let flagship = Pack {
        label: "flagship".into(),
        skills: std::fs::read_dir(root.join("skills")).map_err(|e| e.to_string())?.count(),
        dir: root.join("skills"),
        toml: root.join("skillwright.toml"),
    };
    let sizes: &[usize] = if quick { &[25] } else { &[25, 100, 250, 1000] };
    let mut packs = vec![flagship];
    // Outside the repository: agnix skips git-ignored paths such as target/, and would then
    // "validate" nothing.
    // One directory per checkout, so that benches of two worktrees do not write the same packs.
    let checkout = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        root.hash(&mut h);
        h.finish() & 0xffff_ffff
    };
    let packs_dir = std::env::temp_dir().join(format!("skillwright-bench-packs-{checkout:08x}"));
    for &n in sizes {
        packs.push(synthetic(&packs_dir.join(format!("pack-{n}")), n)?);
    }
    // What a killed run left (deleted before anything is measured, so it weighs least).
    let _ = std::fs::remove_dir_all(work.join(TRASH));
    for p in &packs {
        measure_pack(&mut b, &sw, &bins, &peers, p, &work)?;
    }
    // The hook as Claude Code runs it, in the packages just built: its cost must not grow with
    // the pack.
    let hook_runs = if quick { 20 } else { 200 };
    let runs = std::mem::replace(&mut b.runs, hook_runs);
    let home = work.join("home");
    for p in &packs {
        measure_hook(&mut b, p, &work.join(format!("out-{}", p.label)), &home)?;
    }
    measure_tool_hook(&mut b, &packs[0], &work.join("out-flagship"), &home)?;
    b.runs = runs;
    measure_addon(&mut b, &work.join("out-flagship"), hook_runs, &home)?;
    eprintln!("removing the outputs of the cold builds…");
    let _ = std::fs::remove_dir_all(work.join(TRASH));

    let report = Report {
        machine: machine(),
        peers: peers.versions,
        runs: b.runs,
        measures: b.measures,
        writes: b.writes,
        notes: b.notes,
    };
    let dest = if quick { work.clone() } else { root.join("docs") };
    let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(dest.join("bench")).map_err(|e| e.to_string())?;
    std::fs::write(dest.join("bench/results.json"), json + "\n").map_err(|e| e.to_string())?;
    std::fs::write(dest.join("bench/scaling.svg"), report::scaling_svg(&report))
        .map_err(|e| e.to_string())?;
    // Keep the hand-written analysis below the marker across runs.
    let md_path = dest.join("BENCHMARKS.md");
    let analysis = std::fs::read_to_string(&md_path)
        .ok()
        .and_then(|t| t.split_once(report::MARKER).map(|(_, a)| a.to_string()))
        .unwrap_or_else(|| "\n".into());
    let md = format!("{}{}{analysis}", report::markdown(&report, quick), report::MARKER);
    std::fs::write(&md_path, &md).map_err(|e| e.to_string())?;
    eprintln!("wrote {}", dest.join("BENCHMARKS.md").display());
    Ok(md)
}
