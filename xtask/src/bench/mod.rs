//! `cargo xtask bench`: skillwright side by side with the tools people already use, as ratios.
//!
//! Never a test: nothing here asserts a time. Peers are installed, pinned, into
//! `target/bench/peers` from the npm registry and PyPI. Each measurement runs a fresh process per
//! sample and reads its wall time and peak RSS (`wait4`).

mod report;

use crate::e2e::SKILLS_REF;
use crate::files::copy_tree;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const RULESYNC: &str = "rulesync@17.0.0";
const AGNIX: &str = "agnix==0.59.3";
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

/// Everything one run measured.
#[derive(Serialize)]
pub struct Report {
    pub machine: Vec<(String, String)>,
    pub peers: Vec<(String, String)>,
    pub runs: usize,
    pub measures: Vec<Measure>,
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

/// Runs `cmd` to completion with its output discarded; returns wall time, peak RSS and exit code.
fn run_once(cmd: &mut Command) -> Result<(Sample, i32), String> {
    let start = Instant::now();
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid out-parameter; wait4 reaps exactly our child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    if pid < 0 {
        return Err(format!("wait4 failed for {cmd:?}"));
    }
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 };
    Ok((Sample { ms, rss_kib: usage.ru_maxrss as u64 }, code))
}

struct Bench {
    runs: usize,
    measures: Vec<Measure>,
    notes: Vec<String>,
}

impl Bench {
    /// Times `runs` fresh runs of `make()`, calling `before()` (untimed) ahead of each. Exit codes
    /// other than `ok_codes` abort the measurement.
    fn measure(
        &mut self,
        op: &str,
        tool: &str,
        pack: &Pack,
        ok_codes: &[i32],
        mut before: impl FnMut(),
        make: impl Fn() -> Command,
    ) -> Result<(), String> {
        let mut samples = Vec::new();
        for _ in 0..self.runs {
            before();
            let mut cmd = make();
            let (s, code) = run_once(&mut cmd)?;
            if !ok_codes.contains(&code) {
                return Err(format!("{tool} {op} on {}: exit {code} from {cmd:?}", pack.label));
            }
            samples.push(s);
        }
        self.measures.push(Measure::new(op, tool, pack, describe(&make()), samples));
        Ok(())
    }

    /// Records a peer failure as a note instead of stopping the whole run.
    fn soft(&mut self, r: Result<(), String>) {
        if let Err(e) = r {
            eprintln!("  note: {e}");
            self.notes.push(e);
        }
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

/// A skills tree to measure on.
struct Pack {
    label: String,
    skills: usize,
    dir: PathBuf,
    toml: PathBuf,
}

const WORDS: &[&str] = &[
    "cache",
    "parser",
    "deploy",
    "schema",
    "latency",
    "queue",
    "retry",
    "index",
    "migration",
    "token",
    "shard",
    "replica",
    "compiler",
    "linker",
    "socket",
    "thread",
    "buffer",
    "journal",
    "snapshot",
    "quota",
    "tenant",
    "webhook",
    "cursor",
    "ledger",
    "render",
    "layout",
    "font",
    "locale",
    "payment",
    "invoice",
    "search",
    "ranking",
    "crawler",
    "sitemap",
    "backup",
    "restore",
    "audit",
    "policy",
];

/// Writes a pack of `n` valid skills (accepted by skillwright, agnix and skills-ref alike).
fn synthetic(dir: &Path, n: usize) -> Result<Pack, String> {
    let skills = dir.join("skills");
    if skills.exists() {
        std::fs::remove_dir_all(&skills).map_err(|e| format!("{}: {e}", skills.display()))?;
    }
    for i in 0..n {
        let name = format!("skill-{i:04}");
        let w = |k: usize| WORDS[(i * 7 + k * 13) % WORDS.len()];
        let description = format!(
            "Diagnoses and fixes {} problems in the {} and {} layers, step by step, with a check at \
             the end. Use when the user reports trouble with {} {} or asks to tune the {}.",
            w(0),
            w(1),
            w(2),
            w(3),
            w(4),
            w(5)
        );
        let body = format!(
            "# {name}\n\n## Procedure\n\n1. Reproduce the {a} problem.\n2. Measure the {b}.\n3. Change one \
             thing.\n4. Measure again.\n\n## Checklist\n\n- [ ] {a} reproduced\n- [ ] {b} measured\n\n\
             ## Example\n\nA {a} issue traced to the {b}: fixed and verified.\n",
            a = w(6),
            b = w(7)
        );
        let d = skills.join(&name);
        std::fs::create_dir_all(&d).map_err(|e| e.to_string())?;
        let md = format!("---\nname: {name}\ndescription: {description}\nlicense: MIT\n---\n{body}");
        std::fs::write(d.join("SKILL.md"), md).map_err(|e| e.to_string())?;
    }
    let toml = dir.join("skillwright.toml");
    std::fs::write(
        &toml,
        format!(
            "[pack]\nname = \"bench-{n}\"\ndescription = \"Synthetic pack of {n} skills\"\nversion = \"1.0.0\"\n\n\
             [pack.author]\nname = \"Bench\"\n"
        ),
    )
    .map_err(|e| e.to_string())?;
    Ok(Pack { label: format!("synthetic-{n}"), skills: n, dir: skills, toml })
}

/// The installed peers (any may be missing, with a note saying why).
struct Peers {
    rulesync: Option<PathBuf>,
    agnix: Option<PathBuf>,
    python_path: Option<PathBuf>,
    versions: Vec<(String, String)>,
}

fn install_peers(cache: &Path, notes: &mut Vec<String>) -> Peers {
    let npm = cache.join("npm");
    let py = cache.join("py");
    let mut peers = Peers { rulesync: None, agnix: None, python_path: None, versions: Vec::new() };
    let rulesync = npm.join("node_modules/.bin/rulesync");
    if !rulesync.exists() {
        eprintln!("installing {RULESYNC} from the npm registry…");
        let _ = Command::new("npm")
            .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
            .arg(&npm)
            .arg(RULESYNC)
            .status();
    }
    if rulesync.exists() {
        peers.rulesync = Some(rulesync);
        peers.versions.push(("rulesync".into(), RULESYNC.into()));
    } else {
        notes.push(format!("rulesync skipped: `npm install {RULESYNC}` failed"));
    }
    let skills_ref = format!("{}=={}", SKILLS_REF.0, SKILLS_REF.1);
    let agnix = py.join("bin/agnix");
    if !agnix.exists() || !py.join("skills_ref").exists() {
        eprintln!("installing {AGNIX} and {skills_ref} from PyPI…");
        let _ = Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target"])
            .arg(&py)
            .args([AGNIX, &skills_ref])
            .status();
    }
    if agnix.exists() {
        peers.agnix = Some(agnix);
        peers.versions.push(("agnix".into(), AGNIX.into()));
    } else {
        notes.push(format!("agnix skipped: `pip install {AGNIX}` failed"));
    }
    if py.join("skills_ref").exists() {
        peers.python_path = Some(py);
        peers.versions.push(("skills-ref".into(), skills_ref));
    } else {
        notes.push(format!("skills-ref skipped: `pip install {skills_ref}` failed"));
    }
    peers
}

/// skills-ref validates one skill directory per call; one Python process walks the whole tree.
const SKILLS_REF_SCRIPT: &str = "import sys\nfrom pathlib import Path\nfrom skills_ref.validator import validate\n\
problems = sum(len(validate(p)) for p in sorted(Path(sys.argv[1]).iterdir()) if p.is_dir())\n\
sys.exit(1 if problems else 0)\n";

fn rm(p: &Path) {
    if p.exists() {
        let _ = std::fs::remove_dir_all(p);
    }
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
    let sw_cmd = |args: &[&str]| {
        let mut c = Command::new(sw);
        c.args(args);
        c
    };
    let skills = pack.dir.to_string_lossy().into_owned();
    b.measure("validate", "skillwright", pack, &[0, 1], || {}, || sw_cmd(&["validate", &skills]))?;
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
        let r = b.measure(
            "validate",
            "agnix",
            pack,
            &[0, 1],
            || {},
            || {
                let mut c = Command::new(agnix);
                c.args(["validate", &skills]);
                c
            },
        );
        b.soft(r);
    }
    if let Some(py) = &peers.python_path {
        let r = b.measure(
            "validate",
            "skills-ref",
            pack,
            &[0, 1],
            || {},
            || {
                let mut c = Command::new("python3");
                c.args(["-c", SKILLS_REF_SCRIPT, &skills]).env("PYTHONPATH", py);
                c
            },
        );
        b.soft(r);
    }

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
    b.measure("build-cold", "skillwright", pack, &[0], || rm(&out), || sw_cmd(&build))?;
    b.measure("build-noop", "skillwright", pack, &[0], || {}, || sw_cmd(&build))?;
    let noop = sw_cmd(&build).output().map_err(|e| e.to_string())?;
    let said = String::from_utf8_lossy(&noop.stderr);
    if !said.contains("nothing to write") {
        return Err(format!("a no-op build of {} wrote files:\n{said}", pack.label));
    }
    let mut check = build.to_vec();
    check.push("--check");
    b.measure("check", "skillwright", pack, &[0], || {}, || sw_cmd(&check))?;

    if let Some(rulesync) = &peers.rulesync {
        let tree = work.join(format!("rulesync-{}", pack.label));
        rm(&tree);
        copy_tree(&pack.dir, &tree.join(".rulesync/skills"))?;
        let clean = || {
            for e in std::fs::read_dir(&tree).into_iter().flatten().flatten() {
                if e.file_name() != ".rulesync" {
                    let p = e.path();
                    let _ = if p.is_dir() { std::fs::remove_dir_all(&p) } else { std::fs::remove_file(&p) };
                }
            }
        };
        let generate = || {
            let mut c = Command::new(rulesync);
            c.args(["generate", "--targets", RULESYNC_TARGETS, "--features", "skills", "--silent"])
                .current_dir(&tree);
            c
        };
        let r = b.measure("build-cold", "rulesync", pack, &[0], clean, generate);
        b.soft(r);
        let r = b.measure("build-noop", "rulesync", pack, &[0], || {}, generate);
        b.soft(r);
    }
    Ok(())
}

/// The session-start hook as hosts run it, against the cheapest possible hooks, and the addon's
/// in-process call against spawning the CLI.
fn measure_hook(b: &mut Bench, plugins: &Path, hook_runs: usize, notes_home: &Path) -> Result<(), String> {
    eprintln!("measuring the session-start hook…");
    let flagship = Pack { label: "flagship".into(), skills: 20, dir: PathBuf::new(), toml: PathBuf::new() };
    let runs = std::mem::replace(&mut b.runs, hook_runs);
    let launcher = plugins.join("claude/hooks/run");
    b.measure(
        "hook",
        "launcher + binary",
        &flagship,
        &[0],
        || {},
        || {
            let mut c = Command::new(&launcher);
            c.arg("claude").env("SKILLWRIGHT_HOME", notes_home);
            c
        },
    )?;
    for (tool, program, args) in
        [("sh -c 'exec true'", "sh", ["-c", "exec true"]), ("node -e 0", "node", ["-e", "0"])]
    {
        b.measure(
            "hook",
            tool,
            &flagship,
            &[0],
            || {},
            || {
                let mut c = Command::new(program);
                c.args(args);
                c
            },
        )?;
    }
    b.runs = runs;

    // In one Node process: the addon's sessionContext vs spawning the CLI for it.
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
    let mut b = Bench { runs: if quick { 3 } else { 10 }, measures: Vec::new(), notes: Vec::new() };
    let peers = install_peers(&work.join("peers"), &mut b.notes);

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
    let packs_dir = std::env::temp_dir().join("skillwright-bench-packs");
    for &n in sizes {
        packs.push(synthetic(&packs_dir.join(format!("pack-{n}")), n)?);
    }
    for p in &packs {
        measure_pack(&mut b, &sw, &bins, &peers, p, &work)?;
    }
    let plugins = work.join("out-flagship");
    measure_hook(&mut b, &plugins, if quick { 20 } else { 200 }, &work.join("home"))?;

    let report = Report {
        machine: machine(),
        peers: peers.versions,
        runs: b.runs,
        measures: b.measures,
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
