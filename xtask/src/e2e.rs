//! `cargo xtask e2e`: do the real host CLIs accept, install and run the packages we build?
//!
//! The checks run offline and isolated: pinned CLIs installed once into `target/e2e/cache` (the
//! one step that needs the npm registry and PyPI), a fresh temporary HOME (and XDG dirs,
//! CODEX_HOME, settings files) per host, dummy API keys, a copy of each package, and
//! `xtask/e2e/fake_model.py` standing in for every model API and recording what the hosts send.
//! Each check prints one line, `PASS host: what` or `FAIL host: what: reason` with the tail of
//! the command's output; every command has a timeout and is killed, with its children, when it
//! runs over. Exit 0 when all pass, 1 when a check failed, 2 when the run could not be set up.
//!
//! Two layouts are checked: each host's own package (`plugins/<host>/`) and, for every host with
//! a CLI, a copy of the one universal tree (`plugins/universal/`) in which each host finds its
//! own manifest; those lines read `PASS host [universal]: what`.

use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The host CLIs, pinned: (host, npm package, version). Each installs a command named as the
/// host. These hosts are also the ones checked against the universal tree.
const NPM: &[(&str, &str, &str)] = &[
    ("claude", "@anthropic-ai/claude-code", "2.1.332"),
    ("codex", "@openai/codex", "0.171.0"),
    ("opencode", "opencode-ai", "1.18.33"),
    ("gemini", "@google/gemini-cli", "0.61.0"),
    ("copilot", "@github/copilot", "1.0.102"),
    ("droid", "@factory/cli", "0.225.1"),
    ("pi", "@earendil-works/pi-coding-agent", "1.6.0"),
    ("kimi", "@moonshot-ai/kimi-code", "2.1.0"),
];
/// More npm packages a host needs, installed beside the CLIs: (host, package, version), where
/// `{platform}` is npm's name for this OS and CPU (`linux-x64`, …). @factory/cli 0.225.1 names
/// `@factory/cli-<platform>@0.225.1` as its binary, a version the registry does not have; its
/// launcher runs whichever one is installed, and this one reports 0.225.2.
const NPM_EXTRA: &[(&str, &str, &str)] = &[("droid", "@factory/cli-{platform}", "0.225.2")];
/// Node.js for the hosts that need a newer one than the system's (Pi and Kimi Code ask for
/// ≥ 22.19): the registry's per-platform Node.js package, in a prefix of its own so that the
/// other hosts keep running on the system's Node.js.
const NODE: (&str, &str) = ("node-{platform}", "22.23.5");
const NEEDS_NODE: &[&str] = &["pi", "kimi"];
/// The package OpenCode installs into its config directory at start-up.
const OPENCODE_SDK: &str = "@opencode-ai/plugin";
/// The Agent Skills reference validator (`agentskills`), pinned.
const SKILLS_REF: (&str, &str) = ("skills-ref", "0.1.1");
/// Hosts with checks of their own, in the order they run. Every other host package (any
/// directory of the plugins tree named after a host spec in `targets/`) gets the agentskills
/// check, after these, in name order.
const DRIVEN: &[&str] =
    &["claude", "codex", "opencode", "gemini", "copilot", "droid", "pi", "kimi", "cursor"];
/// The directory of the plugins tree that holds the universal layout.
const UNIVERSAL: &str = "universal";
/// What the fake model answers; a run passes only if the host prints it.
const REPLY: &str = "OK-FAKE-REPLY";
const PROMPT: &str = "hi";

const QUICK: Duration = Duration::from_secs(60);
const SLOW: Duration = Duration::from_secs(120);
const INSTALL: Duration = Duration::from_secs(1800);
const BUILD: Duration = Duration::from_secs(3600);

const USAGE: &str = "\
cargo xtask e2e [--plugins DIR] [--only HOST,HOST] [--layout host|universal|both] [--keep]

  --plugins DIR   check this already-built tree (DIR/<host>/, DIR/universal/) instead of
                  building target/e2e/plugins with `cargo xtask build-plugins`
  --only LIST     only these hosts (ids of targets/*.toml: claude, codex, opencode, gemini, …)
  --layout WHICH  host: each host's own package; universal: the one tree for every host,
                  checked with each host that has a CLI; both (default)
  --keep          keep the scratch directory (it is always kept when a check fails)
";

pub fn run(root: &Path, args: &[String]) -> ExitCode {
    let started = Instant::now();
    interrupt::install();
    let options = match Options::parse(args) {
        Ok(Some(options)) => options,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let ctx = match Ctx::setup(root, &options) {
        Ok(ctx) => ctx,
        Err(e) => {
            eprintln!("e2e setup failed: {e}");
            return ExitCode::from(2);
        }
    };
    let mut report = Report::default();
    for host in &ctx.hosts {
        check_host(&ctx, host, Layout::Host, &mut report);
    }
    if !ctx.universal.is_empty() {
        universal_skills(&ctx, &mut report);
        for host in &ctx.universal {
            check_host(&ctx, host, Layout::Universal, &mut report);
        }
    }
    let Ctx { server, scratch, .. } = ctx;
    drop(server);
    if report.failed > 0 || options.keep {
        eprintln!("e2e: scratch directory kept: {}", scratch.display());
    } else {
        let _ = fs::remove_dir_all(&scratch);
    }
    eprintln!("e2e: finished in {:.1} s", started.elapsed().as_secs_f64());
    println!("{} passed, {} failed", report.passed, report.failed);
    if report.failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS }
}

/// Which package a host is checked against.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// `plugins/<host>/`, built for that host alone.
    Host,
    /// `plugins/universal/`, one tree for every host.
    Universal,
}

struct Options {
    plugins: Option<PathBuf>,
    /// `--only`: None for every host package.
    only: Option<Vec<String>>,
    /// `--layout`: the layouts to check.
    layouts: Vec<Layout>,
    keep: bool,
}

impl Options {
    /// `Ok(None)` for `--help`.
    fn parse(args: &[String]) -> Result<Option<Options>, String> {
        let mut options = Options {
            plugins: None,
            only: None,
            layouts: vec![Layout::Host, Layout::Universal],
            keep: false,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let (flag, inline) = match arg.split_once('=') {
                Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_string())),
                _ => (arg.as_str(), None),
            };
            let mut value =
                || inline.clone().or_else(|| args.next().cloned()).ok_or(format!("{flag} needs a value"));
            match flag {
                "--plugins" => options.plugins = Some(PathBuf::from(value()?)),
                "--only" => {
                    let hosts: Vec<String> = value()?
                        .split(',')
                        .map(str::trim)
                        .filter(|h| !h.is_empty())
                        .map(String::from)
                        .collect();
                    if hosts.is_empty() {
                        return Err("--only needs at least one host".into());
                    }
                    options.only = Some(hosts);
                }
                "--layout" => {
                    options.layouts = match value()?.as_str() {
                        "host" => vec![Layout::Host],
                        "universal" => vec![Layout::Universal],
                        "both" => vec![Layout::Host, Layout::Universal],
                        other => return Err(format!("--layout {other}: expected host, universal or both")),
                    }
                }
                "--keep" => options.keep = true,
                "-h" | "--help" => return Ok(None),
                other => return Err(format!("unknown option `{other}`")),
            }
        }
        Ok(Some(options))
    }

    fn checks(&self, layout: Layout) -> bool {
        self.layouts.contains(&layout)
    }
}

// ---------------------------------------------------------------------------------------------
// Setup: pinned tools, packages, scratch directory, fake model server.

struct Ctx {
    /// The host packages to check, in order.
    hosts: Vec<String>,
    /// The hosts to check against the universal tree, in order (empty: none).
    universal: Vec<String>,
    /// `node_modules/.bin` of the pinned npm install.
    npm_bin: PathBuf,
    /// PATH with the pinned Node.js first, for the hosts in [`NEEDS_NODE`].
    node_path: OsString,
    /// Copilot's unpacked runtime, shared by the Copilot runs (see [`copilot`]).
    copilot_pkg: PathBuf,
    /// `pip install --target` directory holding skills-ref.
    pylib: PathBuf,
    /// `npm install --prefix` directory holding OpenCode's plugin SDK, copied into its config dir.
    opencode_seed: PathBuf,
    plugins: PathBuf,
    scratch: PathBuf,
    /// PATH for every child: the pinned CLIs first.
    path: OsString,
    server: Server,
}

impl Ctx {
    fn setup(root: &Path, options: &Options) -> Result<Ctx, String> {
        let known = known_hosts(root)?;
        if let Some(bad) = options.only.iter().flatten().find(|h| !known.contains(*h)) {
            let known: Vec<&str> = known.iter().map(String::as_str).collect();
            return Err(format!("unknown host `{bad}` in --only (hosts: {})", known.join(", ")));
        }
        let universal: Vec<String> = if options.checks(Layout::Universal) {
            NPM.iter().map(|(host, ..)| host.to_string()).filter(|h| wanted_host(options, h)).collect()
        } else {
            Vec::new()
        };
        if universal.is_empty() && !options.checks(Layout::Host) {
            let hosts: Vec<&str> = NPM.iter().map(|(host, ..)| *host).collect();
            return Err(format!("--layout universal checks only hosts with a CLI: {}", hosts.join(", ")));
        }
        let cache = root.join("target/e2e/cache");
        let npm_dir = cache.join("npm");
        let pylib = cache.join("py");
        let platform = npm_platform();
        let wanted: Vec<(String, String)> = NPM
            .iter()
            .chain(NPM_EXTRA)
            .filter(|(host, ..)| wanted_host(options, host))
            .map(|&(_, package, version)| (package.replace("{platform}", &platform), version.to_string()))
            .collect();
        npm_install(&npm_dir, &wanted)?;
        let node_dir = cache.join("node");
        if NEEDS_NODE.iter().any(|host| wanted_host(options, host)) {
            let node_platform = platform.replace("win32", "win");
            npm_install(&node_dir, &[(NODE.0.replace("{platform}", &node_platform), NODE.1.to_string())])?;
        }
        // OpenCode installs its plugin SDK (same version as itself) into its config directory
        // when it starts and finds none: about 10 s online, over a minute of retries offline.
        // A pinned copy, put in each fresh config directory, keeps its runs quick and offline.
        let opencode_seed = cache.join("opencode-config");
        if let Some(&(.., version)) =
            NPM.iter().find(|(host, ..)| *host == "opencode" && wanted_host(options, host))
        {
            npm_install(&opencode_seed, &[(OPENCODE_SDK.to_string(), version.to_string())])?;
        }
        install_skills_ref(&pylib)?;
        let plugins = match &options.plugins {
            Some(dir) => fs::canonicalize(dir).map_err(|e| format!("--plugins {}: {e}", dir.display()))?,
            None => {
                let out = root.join("target/e2e/plugins");
                if options.checks(Layout::Host) {
                    build_plugins(root, &out, None)?;
                }
                if !universal.is_empty() {
                    build_plugins(root, &out, Some("universal"))?;
                }
                out
            }
        };
        let hosts =
            if options.checks(Layout::Host) { host_packages(&plugins, &known, options)? } else { Vec::new() };
        if !universal.is_empty() && !plugins.join(UNIVERSAL).join("integrity.json").is_file() {
            return Err(format!(
                "no universal tree in {} (build one with `cargo xtask build-plugins --layout universal`, \
                 or check only the host packages with --layout host)",
                plugins.join(UNIVERSAL).display()
            ));
        }
        let scratch = std::env::temp_dir().join(format!("skillwright-e2e-{}", std::process::id()));
        let _ = fs::remove_dir_all(&scratch);
        fs::create_dir_all(scratch.join("logs")).map_err(|e| format!("{}: {e}", scratch.display()))?;
        // Canonical, so paths the hosts print compare equal to ours (e.g. a symlinked /tmp).
        let scratch = fs::canonicalize(&scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
        let npm_bin = npm_dir.join("node_modules/.bin");
        let system_path: Vec<PathBuf> =
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()).collect();
        let join = |first: &[PathBuf]| {
            std::env::join_paths(first.iter().chain(&system_path)).map_err(|e| format!("PATH: {e}"))
        };
        let path = join(std::slice::from_ref(&npm_bin))?;
        let node_path = join(&[node_dir.join("node_modules/.bin"), npm_bin.clone()])?;
        let copilot_pkg = cache.join("copilot-pkg");
        let server = Server::start(&root.join("xtask/e2e/fake_model.py"), &scratch)?;
        eprintln!("e2e: fake model server on 127.0.0.1:{}; scratch {}", server.port, scratch.display());
        Ok(Ctx {
            hosts,
            universal,
            npm_bin,
            node_path,
            copilot_pkg,
            pylib,
            opencode_seed,
            plugins,
            scratch,
            path,
            server,
        })
    }
}

/// npm's name for this OS and CPU, as in its platform packages (`linux-x64`, `darwin-arm64`, …).
fn npm_platform() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        "windows" => "win32",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        other => other,
    };
    format!("{os}-{arch}")
}

/// `npm install --prefix DIR` of pinned packages, unless they are there already.
fn npm_install(dir: &Path, wanted: &[(String, String)]) -> Result<(), String> {
    let installed = |(package, version): &(String, String)| {
        let manifest = dir.join("node_modules").join(package).join("package.json");
        read_json(&manifest).is_ok_and(|v| v["version"] == version.as_str())
    };
    let missing: Vec<String> = wanted
        .iter()
        .filter(|p| !installed(p))
        .map(|(package, version)| format!("{package}@{version}"))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    eprintln!("e2e: npm install {} (into {}; minutes the first time)", missing.join(" "), dir.display());
    let mut cmd = Command::new("npm");
    cmd.arg("install")
        .arg("--prefix")
        .arg(dir)
        .args(["--no-fund", "--no-audit", "--save-exact"])
        .args(&missing);
    let out = exec(cmd, INSTALL, &dir.join("npm-install"), None);
    if out.did_not_start() {
        return Err(format!("{} (npm comes with Node.js ≥ 18)", out.stderr.trim()));
    }
    if !out.success() || wanted.iter().any(|p| !installed(p)) {
        return Err(format!(
            "npm install {} failed ({}); is the npm registry reachable (`npm ping`)?\n{}",
            missing.join(" "),
            out.status_text(),
            indent(&out.tail())
        ));
    }
    Ok(())
}

/// `python3 -m pip install --target DIR skills-ref==…`, unless already there.
fn install_skills_ref(dir: &Path) -> Result<(), String> {
    let (package, version) = SKILLS_REF;
    let marker = dir.join(format!("{}-{version}.dist-info", package.replace('-', "_")));
    if marker.is_dir() {
        return Ok(());
    }
    fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    eprintln!("e2e: pip install {package}=={version} (into {})", dir.display());
    let mut cmd = Command::new("python3");
    cmd.args(["-m", "pip", "install", "--quiet", "--upgrade", "--target"])
        .arg(dir)
        .arg(format!("{package}=={version}"));
    let log = dir.parent().unwrap_or(dir).join("pip-install");
    let out = exec(cmd, INSTALL, &log, None);
    if out.did_not_start() {
        return Err(format!("{} (python3 with pip is needed)", out.stderr.trim()));
    }
    if !out.success() || !marker.is_dir() {
        return Err(format!(
            "pip install {package}=={version} failed ({}); is PyPI reachable?\n{}",
            out.status_text(),
            indent(&out.tail())
        ));
    }
    Ok(())
}

/// `cargo xtask build-plugins --out OUT [--layout LAYOUT]`, run as this very binary so nothing
/// is rebuilt twice. Each layout leaves the other's packages in place.
fn build_plugins(root: &Path, out: &Path, layout: Option<&str>) -> Result<(), String> {
    let what = layout.map(|l| format!(" --layout {l}")).unwrap_or_default();
    eprintln!("e2e: building the packages into {} (cargo xtask build-plugins{what})…", out.display());
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the xtask binary: {e}"))?;
    let mut cmd = Command::new(exe);
    cmd.arg("build-plugins").arg("--out").arg(out).current_dir(root);
    if let Some(layout) = layout {
        cmd.args(["--layout", layout]);
    }
    let started = Instant::now();
    let log = format!("target/e2e/build-plugins{}", layout.map(|l| format!("-{l}")).unwrap_or_default());
    let result = exec(cmd, BUILD, &root.join(log), None);
    if !result.success() {
        return Err(format!(
            "cargo xtask build-plugins{what} failed ({})\n{}",
            result.status_text(),
            indent(&result.tail())
        ));
    }
    let last_line = |text: &str| text.lines().rfind(|l| !l.trim().is_empty()).map(str::to_string);
    let summary = last_line(&result.stderr).or_else(|| last_line(&result.stdout)).unwrap_or_default();
    eprintln!("e2e: built in {:.1} s: {summary}", started.elapsed().as_secs_f64());
    Ok(())
}

fn wanted_host(options: &Options, host: &str) -> bool {
    options.only.as_ref().is_none_or(|only| only.iter().any(|h| h == host))
}

/// The ids of the host specs in `targets/`.
fn known_hosts(root: &Path) -> Result<BTreeSet<String>, String> {
    let dir = root.join("targets");
    let entries = fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect())
}

/// The host packages of a plugins tree to check: the driven hosts first, then the rest by name.
fn host_packages(plugins: &Path, known: &BTreeSet<String>, options: &Options) -> Result<Vec<String>, String> {
    let entries = fs::read_dir(plugins).map_err(|e| format!("{}: {e}", plugins.display()))?;
    let mut found: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| known.contains(name))
        .collect();
    if let Some(only) = &options.only {
        if let Some(missing) = only.iter().find(|h| !found.contains(h)) {
            return Err(format!(
                "no {missing} package in {} (found: {})",
                plugins.display(),
                found.join(", ")
            ));
        }
        found.retain(|h| only.contains(h));
    }
    if found.is_empty() {
        return Err(format!("no host packages in {}", plugins.display()));
    }
    found.sort_by_key(|h| (DRIVEN.iter().position(|d| d == h).unwrap_or(DRIVEN.len()), h.clone()));
    Ok(found)
}

// ---------------------------------------------------------------------------------------------
// Running commands: output to files (never pipes: Node and Bun exit before a pipe drains, which
// cuts big JSON at 64 KiB), stdin from a file or nothing, a timeout that kills the whole tree.

struct Output {
    started: bool,
    /// None when it did not start or was killed.
    code: Option<i32>,
    timed_out: bool,
    timeout: Duration,
    stdout: String,
    stderr: String,
}

impl Output {
    fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// It could not be started (e.g. the program is not installed).
    fn did_not_start(&self) -> bool {
        !self.started
    }

    fn status_text(&self) -> String {
        match self.code {
            _ if self.timed_out => format!("timed out after {} s", self.timeout.as_secs()),
            Some(code) => format!("exit {code}"),
            None if self.started => "killed by a signal".into(),
            None => "did not start".into(),
        }
    }

    /// The last lines of stderr, or of stdout when stderr is empty.
    fn tail(&self) -> String {
        let text = if self.stderr.trim().is_empty() { &self.stdout } else { &self.stderr };
        tail(text, 12)
    }

    /// A failure for a command that did not exit 0.
    fn failure(&self) -> Failure {
        Failure { reason: self.status_text(), tail: self.tail() }
    }

    fn require_success(&self) -> Result<(), Failure> {
        if self.success() { Ok(()) } else { Err(self.failure()) }
    }
}

/// Runs `cmd` with stdout and stderr to `log.out` and `log.err`, and stdin from `input` (or
/// nothing); kills its process group when it runs past `timeout`.
fn exec(mut cmd: Command, timeout: Duration, log: &Path, input: Option<&str>) -> Output {
    let mut output = Output {
        started: false,
        code: None,
        timed_out: false,
        timeout,
        stdout: String::new(),
        stderr: String::new(),
    };
    let out_path = log.with_extension("out");
    let err_path = log.with_extension("err");
    let files = (|| -> std::io::Result<(fs::File, fs::File, Stdio)> {
        if let Some(parent) = log.parent() {
            fs::create_dir_all(parent)?;
        }
        let stdin = match input {
            Some(text) => {
                let in_path = log.with_extension("in");
                fs::write(&in_path, text)?;
                Stdio::from(fs::File::open(&in_path)?)
            }
            None => Stdio::null(),
        };
        Ok((fs::File::create(&out_path)?, fs::File::create(&err_path)?, stdin))
    })();
    let (out, err, stdin) = match files {
        Ok(files) => files,
        Err(e) => {
            output.stderr = format!("cannot create {}: {e}", log.display());
            return output;
        }
    };
    cmd.stdout(out).stderr(err).stdin(stdin);
    own_process_group(&mut cmd);
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            output.stderr = format!("cannot run {:?}: {e}", cmd.get_program());
            return output;
        }
    };
    interrupt::running(Some(&child));
    output.started = true;
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                interrupt::running(None);
                output.code = status.code();
                break;
            }
            Ok(None) if Instant::now() >= deadline => {
                kill_tree(&mut child);
                output.timed_out = true;
                break;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => {
                kill_tree(&mut child);
                output.stderr = format!("cannot wait for {:?}: {e}", cmd.get_program());
                return output;
            }
        }
    }
    output.stdout = read_lossy(&out_path);
    output.stderr = read_lossy(&err_path);
    output
}

fn own_process_group(cmd: &mut Command) {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    #[cfg(not(unix))]
    let _ = cmd;
}

/// Kills a still-running child started with [`own_process_group`] and everything it started.
fn kill_tree(child: &mut Child) {
    #[cfg(unix)]
    {
        if let Ok(pgid) = i32::try_from(child.id()) {
            // SAFETY: kill(2) has no memory-safety preconditions. The child is not reaped yet,
            // so its pid is still the id of its own process group and names nothing else.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
    }
    let _ = child.kill();
    interrupt::running(None);
    let _ = child.wait();
}

/// Children run in their own process groups (so a timeout can kill all they started), which
/// also keeps a terminal's Ctrl-C from reaching them: on SIGINT or SIGTERM this process kills
/// the group of the command running at the time, then dies of the signal. (The fake model
/// server stops by itself once this process is gone.)
#[cfg(unix)]
mod interrupt {
    use std::process::Child;
    use std::sync::atomic::{AtomicI32, Ordering};

    /// The process group of the command running now, or 0.
    static RUNNING: AtomicI32 = AtomicI32::new(0);

    pub(super) fn install() {
        // SAFETY: the handler only makes async-signal-safe calls (kill, signal, raise).
        unsafe {
            libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
            libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
        }
    }

    pub(super) fn running(child: Option<&Child>) {
        let pgid = child.and_then(|c| i32::try_from(c.id()).ok()).unwrap_or(0);
        RUNNING.store(pgid, Ordering::SeqCst);
    }

    extern "C" fn on_signal(signal: libc::c_int) {
        let pgid = RUNNING.load(Ordering::SeqCst);
        // SAFETY: async-signal-safe calls only; `pgid` is a child's group we have not reaped.
        unsafe {
            if pgid > 0 {
                libc::kill(-pgid, libc::SIGKILL);
            }
            libc::signal(signal, libc::SIG_DFL);
            libc::raise(signal);
        }
    }
}

#[cfg(not(unix))]
mod interrupt {
    pub(super) fn install() {}
    pub(super) fn running(_: Option<&std::process::Child>) {}
}

fn read_lossy(path: &Path) -> String {
    fs::read(path).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
}

fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.trim_end().lines().collect();
    all[all.len().saturating_sub(lines)..].iter().map(|l| truncate(l, 300)).collect::<Vec<_>>().join("\n")
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}

// ---------------------------------------------------------------------------------------------
// The fake model server.

struct Server {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Server {
    fn start(script: &Path, scratch: &Path) -> Result<Server, String> {
        let log = scratch.join("requests.jsonl");
        let port_file = scratch.join("server.port");
        let server_log = fs::File::create(scratch.join("logs/server.log")).map_err(|e| e.to_string())?;
        let mut cmd = Command::new("python3");
        cmd.arg(script)
            .arg("--log")
            .arg(&log)
            .arg("--port-file")
            .arg(&port_file)
            .args(["--reply", REPLY, "--idle-exit", "900"])
            .stdin(Stdio::null())
            .stdout(server_log.try_clone().map_err(|e| e.to_string())?)
            .stderr(server_log);
        own_process_group(&mut cmd);
        let child = cmd.spawn().map_err(|e| format!("cannot start python3 {}: {e}", script.display()))?;
        let mut server = Server { child, port: 0, log };
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Some(port) = fs::read_to_string(&port_file).ok().and_then(|p| p.trim().parse().ok()) {
                server.port = port;
                return Ok(server);
            }
            if let Ok(Some(status)) = server.child.try_wait() {
                let log = read_lossy(&scratch.join("logs/server.log"));
                return Err(format!("the fake model server exited ({status})\n{}", indent(&tail(&log, 12))));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err("the fake model server did not report its port within 15 s".into())
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn requests(&self) -> Vec<Value> {
        read_lossy(&self.log).lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
    }

    /// A mark in the request log; [`Server::since`] returns what came after it.
    fn mark(&self) -> usize {
        self.requests().len()
    }

    fn since(&self, mark: usize) -> Vec<Value> {
        self.requests().into_iter().skip(mark).collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            kill_tree(&mut self.child);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reporting.

#[derive(Default)]
struct Report {
    passed: usize,
    failed: usize,
}

#[derive(Clone)]
struct Failure {
    reason: String,
    tail: String,
}

fn fail(reason: impl Into<String>) -> Failure {
    Failure { reason: reason.into(), tail: String::new() }
}

/// A check's result: what it saw on success.
type Check = Result<String, Failure>;

impl Report {
    fn record(&mut self, host: &str, what: &str, result: Check) {
        let mut stdout = std::io::stdout().lock();
        match result {
            Ok(seen) => {
                self.passed += 1;
                let seen = if seen.is_empty() { String::new() } else { format!(" ({seen})") };
                let _ = writeln!(stdout, "PASS {host}: {what}{seen}");
            }
            Err(failure) => {
                self.failed += 1;
                let _ = writeln!(stdout, "FAIL {host}: {what}: {}", failure.reason);
                if !failure.tail.trim().is_empty() {
                    let _ = writeln!(stdout, "{}", indent(&failure.tail));
                }
            }
        }
        let _ = stdout.flush();
    }
}

// ---------------------------------------------------------------------------------------------
// One host: its package, its isolated environment, its checks.

/// What a package says about itself; the checks expect exactly this.
struct Pack {
    name: String,
    version: String,
    /// The plugin root in the copy (the directory holding integrity.json).
    root: PathBuf,
    /// Names of the skills in `root/skills/`, sorted.
    skills: Vec<String>,
    /// The first line of the pre-rendered session context (`hooks/static/<host>`): the text the
    /// live hook must deliver to the model.
    context: String,
}

/// A host's isolated world.
struct Space<'a> {
    ctx: &'a Ctx,
    host: &'a str,
    layout: Layout,
    /// How its lines name it: `claude`, or `claude [universal]`.
    label: String,
    home: PathBuf,
    project: PathBuf,
    /// The copy of the package.
    package: PathBuf,
    /// Extra environment for every command of this host.
    env: Vec<(String, String)>,
}

impl Space<'_> {
    /// A command with a clean environment: only PATH, a few locale and shell variables, the
    /// temporary HOME and XDG dirs, and this host's own variables; run in the project directory.
    fn command(&self, program: &str) -> Command {
        let pinned = self.ctx.npm_bin.join(program);
        let mut cmd = Command::new(if pinned.exists() { pinned.into_os_string() } else { program.into() });
        cmd.env_clear().current_dir(&self.project).env("PATH", &self.ctx.path);
        for key in ["SHELL", "TMPDIR", "LANG", "LC_ALL", "TZ", "SYSTEMROOT", "COMSPEC", "PATHEXT"] {
            if let Some(value) = std::env::var_os(key) {
                cmd.env(key, value);
            }
        }
        cmd.env("HOME", &self.home)
            .env("USERPROFILE", &self.home)
            .env("XDG_CONFIG_HOME", self.home.join(".config"))
            .env("XDG_DATA_HOME", self.home.join(".local/share"))
            .env("XDG_CACHE_HOME", self.home.join(".cache"))
            .env("XDG_STATE_HOME", self.home.join(".local/state"))
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost");
        if NEEDS_NODE.contains(&self.host) {
            cmd.env("PATH", &self.ctx.node_path);
        }
        for (key, value) in &self.env {
            cmd.env(key, value);
        }
        cmd
    }

    /// Runs `program args…` (stdin empty) and keeps its output under `logs/` (see [`Space::log`]).
    fn run(&self, label: &str, program: &str, args: &[&str], timeout: Duration) -> Output {
        let mut cmd = self.command(program);
        cmd.args(args);
        exec(cmd, timeout, &self.log(label), None)
    }

    /// `logs/<host>-<what>`, or `logs/<host>-universal-<what>`.
    fn log(&self, what: &str) -> PathBuf {
        let name = self.label.replace(" [", "-").replace(']', "");
        self.ctx.scratch.join("logs").join(format!("{name}-{what}"))
    }

    fn package_str(&self) -> String {
        self.package.display().to_string()
    }
}

fn check_host(ctx: &Ctx, host: &str, layout: Layout, report: &mut Report) {
    let (source, dir, label) = match layout {
        Layout::Host => (ctx.plugins.join(host), ctx.scratch.join(host), host.to_string()),
        Layout::Universal => (
            ctx.plugins.join(UNIVERSAL),
            ctx.scratch.join(format!("{host}-{UNIVERSAL}")),
            format!("{host} [{UNIVERSAL}]"),
        ),
    };
    let prepared = (|| -> Result<(Space, Pack), String> {
        // Droid names a local marketplace after its directory: the copy goes into one named
        // after the pack, as a clone of the pack's repository would.
        let package = match host {
            "droid" => dir.join("marketplace").join(pack_meta(&source)?.0),
            _ => dir.join("package"),
        };
        let space = Space {
            ctx,
            host,
            layout,
            label: label.clone(),
            home: dir.join("home"),
            project: dir.join("project"),
            package,
            env: Vec::new(),
        };
        for d in [&space.home, &space.project] {
            fs::create_dir_all(d).map_err(|e| format!("{}: {e}", d.display()))?;
        }
        copy_tree(&source, &space.package)?;
        let pack = read_pack(host, &space.package)?;
        Ok((space, pack))
    })();
    let (space, pack) = match prepared {
        Ok(prepared) => prepared,
        Err(e) => return report.record(&label, "package layout", Err(fail(e))),
    };
    if layout == Layout::Host {
        report.record(&label, "agentskills validate", agentskills(&space, &pack));
    }
    match host {
        "claude" => claude(space, &pack, report),
        "codex" => codex(space, &pack, report),
        "opencode" => opencode(space, &pack, report),
        "gemini" => gemini(space, &pack, report),
        "copilot" => copilot(space, &pack, report),
        "droid" => droid(space, &pack, report),
        "pi" => pi(space, &pack, report),
        "kimi" => kimi(space, &pack, report),
        "cursor" => cursor(space, &pack, report),
        _ => {} // no CLI to drive here: its skills are checked above.
    }
}

/// The universal tree's skills are shared by every host: agentskills checks them once, in place.
fn universal_skills(ctx: &Ctx, report: &mut Report) {
    let tree = ctx.plugins.join(UNIVERSAL);
    let space = Space {
        ctx,
        host: UNIVERSAL,
        layout: Layout::Universal,
        label: UNIVERSAL.to_string(),
        home: ctx.scratch.join(UNIVERSAL).join("home"),
        project: ctx.scratch.clone(),
        package: tree.clone(),
        env: Vec::new(),
    };
    let result = read_pack("claude", &tree).map_err(fail).and_then(|pack| agentskills(&space, &pack));
    report.record(UNIVERSAL, "agentskills validate", result);
}

/// Copies a file or a directory tree (symbolic links as links).
fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.map_err(|e| e.to_string())?;
        let rel = entry.path().strip_prefix(from).map_err(|e| e.to_string())?;
        let dest = if rel.as_os_str().is_empty() { to.to_path_buf() } else { to.join(rel) };
        let kind = entry.file_type();
        let copied = if kind.is_dir() {
            fs::create_dir_all(&dest)
        } else if kind.is_file() {
            fs::copy(entry.path(), &dest).map(drop)
        } else if kind.is_symlink() && cfg!(unix) {
            copy_link(entry.path(), &dest)
        } else {
            return Err(format!("{}: not a file, directory or link", entry.path().display()));
        };
        copied.map_err(|e| format!("{}: {e}", dest.display()))?;
    }
    Ok(())
}

#[cfg(unix)]
fn copy_link(from: &Path, to: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(fs::read_link(from)?, to)
}

#[cfg(not(unix))]
fn copy_link(from: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::other(format!("{}: a symbolic link", from.display())))
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The pack's name and version, from the first integrity.json of a package, and that file.
fn pack_meta(package: &Path) -> Result<(String, String, PathBuf), String> {
    let integrity = walkdir::WalkDir::new(package)
        .max_depth(4)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .find(|e| e.file_name() == "integrity.json")
        .ok_or("no integrity.json in the package")?
        .into_path();
    let meta = read_json(&integrity)?;
    let field = |key: &str| {
        meta[key].as_str().map(String::from).ok_or(format!("{}: no \"{key}\"", integrity.display()))
    };
    Ok((field("pack")?, field("version")?, integrity))
}

/// The names of the skills (directories holding a SKILL.md) in a `skills/` directory, sorted.
fn skill_names(skills_dir: &Path) -> Result<Vec<String>, String> {
    let mut skills: Vec<String> = fs::read_dir(skills_dir)
        .map_err(|e| format!("{}: {e}", skills_dir.display()))?
        .filter_map(Result::ok)
        .filter(|e| e.path().join("SKILL.md").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    skills.sort();
    Ok(skills)
}

fn read_pack(host: &str, package: &Path) -> Result<Pack, String> {
    let (name, version, integrity) = pack_meta(package)?;
    let root = integrity.parent().unwrap_or(package).to_path_buf();
    let skills_dir = root.join("skills");
    let skills = skill_names(&skills_dir)?;
    if skills.is_empty() {
        return Err(format!("no skills in {}", skills_dir.display()));
    }
    let static_context = root.join("hooks/static").join(host);
    let text =
        fs::read_to_string(&static_context).map_err(|e| format!("{}: {e}", static_context.display()))?;
    // JSON-shaped payloads hold the context as their one long string.
    let text = match serde_json::from_str::<Value>(&text) {
        Ok(value) => strings(&value)
            .into_iter()
            .map(|(_, s)| s)
            .max_by_key(|s| s.len())
            .unwrap_or_default()
            .to_string(),
        Err(_) => text,
    };
    let context = text.lines().next().unwrap_or_default().trim().to_string();
    if context.is_empty() {
        return Err(format!("{}: empty context", static_context.display()));
    }
    Ok(Pack { name, version, root, skills, context })
}

/// Every string in a JSON value, with its JSON pointer.
fn strings(value: &Value) -> Vec<(String, &str)> {
    fn walk<'v>(value: &'v Value, at: String, out: &mut Vec<(String, &'v str)>) {
        match value {
            Value::String(s) => out.push((at, s)),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, format!("{at}/{i}"), out);
                }
            }
            Value::Object(map) => {
                for (key, item) in map {
                    walk(item, format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")), out);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(value, String::new(), &mut out);
    out
}

/// The JSON a CLI printed: the whole text, or failing that the text from the first line that
/// starts a JSON value (some print a notice first).
fn json_in(text: &str) -> Result<Value, Failure> {
    if let Ok(value) = serde_json::from_str(text.trim()) {
        return Ok(value);
    }
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if (line.starts_with('{') || line.starts_with('['))
            && let Ok(value) = serde_json::from_str(&text[at..])
        {
            return Ok(value);
        }
        at += line.len();
    }
    Err(Failure { reason: "output is not JSON".into(), tail: tail(text, 12) })
}

fn expect(ok: bool, reason: impl FnOnce() -> String) -> Result<(), Failure> {
    if ok { Ok(()) } else { Err(fail(reason())) }
}

/// Compares what a host lists with the package's skills.
fn same_skills(expected: &[String], seen: &BTreeSet<String>) -> Result<(), Failure> {
    let expected: BTreeSet<String> = expected.iter().cloned().collect();
    let missing: Vec<&String> = expected.difference(seen).collect();
    let extra: Vec<&String> = seen.difference(&expected).collect();
    expect(missing.is_empty() && extra.is_empty(), || {
        format!("skills differ from the package's: missing {missing:?}, unexpected {extra:?}")
    })
}

/// The session context in the recorded model requests: every request to `endpoint` must carry
/// it exactly once, in the place `placed` accepts (given the body, the pointer and the string).
/// A session that answered with the fake model's reply and whose every request to `endpoint`
/// carried the context once, in `place`; failures show the tail of the session's output.
fn replied_with_context(
    out: &Output,
    requests: &[Value],
    endpoint: &str,
    context: &str,
    place: &str,
    placed: impl Fn(&Value, &str, &str) -> bool,
) -> Check {
    let with_tail = |f: Failure| Failure { tail: out.tail(), ..f };
    out.require_success()?;
    expect(out.stdout.contains(REPLY), || format!("no {REPLY} on stdout")).map_err(with_tail)?;
    context_sent(requests, endpoint, context, place, placed).map_err(with_tail)
}

fn context_sent(
    requests: &[Value],
    endpoint: &str,
    context: &str,
    place: &str,
    placed: impl Fn(&Value, &str, &str) -> bool,
) -> Check {
    let calls: Vec<&Value> = requests
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"].as_str().is_some_and(|p| p.contains(endpoint)))
        .collect();
    if calls.is_empty() {
        let seen: Vec<String> = requests.iter().map(|r| format!("{} {}", r["method"], r["path"])).collect();
        return Err(fail(format!("no POST to {endpoint} recorded (saw {seen:?})")));
    }
    for (i, call) in calls.iter().enumerate() {
        let body = &call["body"];
        let hits: Vec<(String, &str)> =
            strings(body).into_iter().filter(|(_, s)| s.contains(context)).collect();
        let count: usize = hits.iter().map(|(_, s)| s.matches(context).count()).sum();
        expect(count > 0, || {
            format!("request {} to {endpoint} lacks the session context {:?}", i + 1, truncate(context, 60))
        })?;
        expect(count == 1, || {
            format!("request {} to {endpoint} has the session context {count} times", i + 1)
        })?;
        let (pointer, text) = &hits[0];
        expect(placed(body, pointer, text), || {
            format!("request {}: context at {pointer}, not {place}", i + 1)
        })?;
    }
    Ok(format!("{} request(s) to {endpoint}, context once each, {place}", calls.len()))
}

/// The `role` of the message a JSON pointer like `/messages/1/content` points into.
fn role_at<'v>(body: &'v Value, pointer: &str) -> Option<&'v str> {
    let message: Vec<&str> = pointer.split('/').take(3).collect();
    body.pointer(&message.join("/"))?["role"].as_str()
}

/// agentskills (skills-ref) `validate` on every skill directory of the package, in one Python
/// process (the same `validate()` the `agentskills validate` command calls, without paying a
/// 0.4 s interpreter start per skill).
fn agentskills(space: &Space, pack: &Pack) -> Check {
    let mut dirs: Vec<PathBuf> = walkdir::WalkDir::new(&space.package)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "SKILL.md")
        .filter_map(|e| e.path().parent().map(Path::to_path_buf))
        .collect();
    dirs.sort();
    const SCRIPT: &str = "import json, sys\n\
        from pathlib import Path\n\
        from skills_ref.validator import validate\n\
        print(json.dumps({d: [str(e) for e in validate(Path(d))] for d in sys.argv[1:]}))\n";
    let mut cmd = space.command("python3");
    cmd.args(["-c", SCRIPT]).args(&dirs).env("PYTHONPATH", &space.ctx.pylib);
    let out = exec(cmd, QUICK, &space.log("agentskills"), None);
    out.require_success()?;
    let results = json_in(&out.stdout)?;
    let problems: Vec<String> = results
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(dir, errors)| {
            let errors = errors.as_array().filter(|e| !e.is_empty())?;
            let name =
                Path::new(dir).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            Some(format!(
                "{name}: {}",
                errors.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("; ")
            ))
        })
        .collect();
    if !problems.is_empty() {
        return Err(Failure {
            reason: format!("{} of {} skills invalid", problems.len(), dirs.len()),
            tail: problems.join("\n"),
        });
    }
    expect(dirs.len() >= pack.skills.len(), || {
        format!("{} skill dirs for {} skills", dirs.len(), pack.skills.len())
    })?;
    Ok(format!("{} skills, skills-ref {}", dirs.len(), SKILLS_REF.1))
}

// ---------------------------------------------------------------------------------------------
// Claude Code

fn claude(mut space: Space, pack: &Pack, report: &mut Report) {
    let url = space.ctx.server.url();
    space.env = [
        ("DISABLE_TELEMETRY", "1"),
        ("DISABLE_AUTOUPDATER", "1"),
        ("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1"),
        ("ANTHROPIC_BASE_URL", url.as_str()),
        ("ANTHROPIC_API_KEY", "dummy"),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .to_vec();
    let package = space.package_str();
    let host = space.label.clone();

    report.record(&host, "plugin validate --strict --json", {
        let out =
            space.run("validate", "claude", &["plugin", "validate", "--strict", "--json", &package], QUICK);
        (|| {
            let v = json_in(&out.stdout).map_err(|f| if out.success() { f } else { out.failure() })?;
            let manifest = &v["manifest"];
            expect(v["success"] == true, || "\"success\" is not true".into())?;
            for key in ["errors", "warnings"] {
                let list = manifest[key].as_array().cloned().unwrap_or_default();
                expect(list.is_empty(), || format!("manifest {key}: {}", Value::Array(list.clone())))?;
            }
            let seen: BTreeSet<String> = v["provides"]["skills"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|s| s.strip_prefix(&format!("{}:", pack.name)).unwrap_or(s).to_string())
                .collect();
            same_skills(&pack.skills, &seen)?;
            let hooks = v["provides"]["hooks"].as_array().cloned().unwrap_or_default();
            expect(hooks.len() == 1 && hooks[0]["event"] == "SessionStart", || {
                format!("expected one SessionStart hook, got {}", Value::Array(hooks.clone()))
            })?;
            out.require_success()?;
            Ok(format!("{} skills, 1 SessionStart hook", seen.len()))
        })()
    });

    let market = read_json(&space.package.join(".claude-plugin/marketplace.json"))
        .ok()
        .and_then(|m| m["name"].as_str().map(String::from))
        .unwrap_or_else(|| pack.name.clone());
    let id = format!("{}@{market}", pack.name);
    report.record(&host, "plugin marketplace add + plugin install", {
        let add = space.run("marketplace-add", "claude", &["plugin", "marketplace", "add", &package], QUICK);
        (|| {
            add.require_success()?;
            let install = space.run("install", "claude", &["plugin", "install", &id, "--json"], QUICK);
            install.require_success()?;
            let v = json_in(&install.stdout)?;
            expect(v["outcome"] == "ok", || format!("install outcome: {}", v["outcome"]))?;
            Ok(format!("{id}, scope {}", v["scope"].as_str().unwrap_or("?")))
        })()
    });

    report.record(&host, "plugin list --json", {
        let out = space.run("list", "claude", &["plugin", "list", "--json"], QUICK);
        (|| {
            out.require_success()?;
            let v = json_in(&out.stdout)?;
            let entry = v.as_array().into_iter().flatten().find(|p| p["id"] == id.as_str());
            let entry = entry.ok_or_else(|| fail(format!("{id} not listed")))?;
            expect(entry["enabled"] == true, || format!("{id} is not enabled"))?;
            expect(entry["version"] == pack.version.as_str(), || {
                format!("version {} (pack {})", entry["version"], pack.version)
            })?;
            Ok(format!("{id} {} enabled", pack.version))
        })()
    });

    report.record(&host, "claude -p: session context in /v1/messages", {
        let mark = space.ctx.server.mark();
        let out = space.run("print", "claude", &["-p", PROMPT, "--output-format", "json"], SLOW);
        (|| {
            out.require_success()?;
            let v = json_in(&out.stdout)?;
            expect(v["result"] == REPLY, || format!("result {} (expected {REPLY:?})", v["result"]))?;
            context_sent(
                &space.ctx.server.since(mark),
                "/v1/messages",
                &pack.context,
                "in the SessionStart hook text",
                |_, _, s| s.contains("SessionStart hook additional context"),
            )
            .map_err(|f| Failure { tail: out.tail(), ..f })
        })()
    });
}

// ---------------------------------------------------------------------------------------------
// OpenAI Codex

fn codex(mut space: Space, pack: &Pack, report: &mut Report) {
    let codex_home = space.home.join(".codex");
    space.env = vec![
        ("CODEX_HOME".into(), codex_home.display().to_string()),
        ("FAKE_API_KEY".into(), "dummy".into()),
    ];
    // Top-level keys must come before any table.
    let config = format!(
        "model_provider = \"fake\"\nmodel = \"gpt-5\"\n\n[model_providers.fake]\nname = \"fake\"\n\
         base_url = \"{}/v1\"\nenv_key = \"FAKE_API_KEY\"\nwire_api = \"responses\"\n",
        space.ctx.server.url()
    );
    let host = space.label.clone();
    if let Err(e) =
        fs::create_dir_all(&codex_home).and_then(|()| fs::write(codex_home.join("config.toml"), config))
    {
        return report.record(&host, "config.toml", Err(fail(e.to_string())));
    }
    let package = space.package_str();
    let market = read_json(&space.package.join(".agents/plugins/marketplace.json"))
        .ok()
        .and_then(|m| m["name"].as_str().map(String::from))
        .unwrap_or_else(|| pack.name.clone());
    let id = format!("{}@{market}", pack.name);

    report.record(&host, "plugin marketplace add + plugin add", {
        let add = space.run(
            "marketplace-add",
            "codex",
            &["plugin", "marketplace", "add", &package, "--json"],
            QUICK,
        );
        (|| {
            add.require_success()?;
            let v = json_in(&add.stdout)?;
            expect(v["marketplaceName"] == market.as_str(), || {
                format!("marketplaceName {}", v["marketplaceName"])
            })?;
            let plugin = space.run("plugin-add", "codex", &["plugin", "add", &id, "--json"], QUICK);
            plugin.require_success()?;
            let v = json_in(&plugin.stdout)?;
            expect(v["pluginId"] == id.as_str(), || format!("pluginId {}", v["pluginId"]))?;
            expect(v["version"] == pack.version.as_str(), || format!("version {}", v["version"]))?;
            Ok(format!("{id} {}", pack.version))
        })()
    });

    report.record(&host, "plugin list --json", {
        let out = space.run("list", "codex", &["plugin", "list", "--json"], QUICK);
        (|| {
            out.require_success()?;
            let v = json_in(&out.stdout)?;
            let entry =
                v["installed"].as_array().into_iter().flatten().find(|p| p["pluginId"] == id.as_str());
            let entry = entry.ok_or_else(|| fail(format!("{id} not installed")))?;
            expect(entry["enabled"] == true, || format!("{id} is not enabled"))?;
            Ok(format!("{id} enabled"))
        })()
    });

    report.record(&host, "debug prompt-input lists every skill", {
        let out = space.run("prompt-input", "codex", &["debug", "prompt-input", PROMPT], QUICK);
        (|| {
            out.require_success()?;
            let v = json_in(&out.stdout)?;
            let prefix = format!("- {}:", pack.name);
            let text: String = strings(&v).into_iter().map(|(_, s)| s).collect::<Vec<_>>().join("\n");
            let seen: BTreeSet<String> = text
                .lines()
                .filter_map(|l| l.trim_start().strip_prefix(&prefix))
                .filter_map(|rest| rest.split(':').next())
                .map(String::from)
                .collect();
            same_skills(&pack.skills, &seen)?;
            Ok(format!("{} skills", seen.len()))
        })()
    });

    report.record(&host, "app-server hooks/list shows the sessionStart hook", {
        let params = json!({ "cwds": [space.project.display().to_string()] });
        (|| {
            let answer = app_server(&space, "hooks/list", params)?;
            let data = answer["result"]["data"].as_array().cloned().unwrap_or_default();
            expect(!data.is_empty(), || {
                format!("unexpected answer: {}", truncate(&answer.to_string(), 300))
            })?;
            for entry in &data {
                for key in ["warnings", "errors"] {
                    let list = entry[key].as_array().cloned().unwrap_or_default();
                    expect(list.is_empty(), || {
                        format!("{key}: {}", truncate(&Value::Array(list.clone()).to_string(), 300))
                    })?;
                }
            }
            let hooks: Vec<&Value> =
                data.iter().flat_map(|d| d["hooks"].as_array().into_iter().flatten()).collect();
            let ours: Vec<&&Value> = hooks.iter().filter(|h| h["pluginId"] == id.as_str()).collect();
            expect(ours.len() == 1 && ours[0]["eventName"] == "sessionStart", || {
                format!("expected one sessionStart hook of {id}, got {}", ours.len())
            })?;
            let hook = ours[0];
            let command = hook["command"].as_str().unwrap_or_default();
            expect(!command.contains("${"), || format!("unresolved command {command}"))?;
            Ok(format!(
                "{}, {}",
                hook["source"].as_str().unwrap_or("?"),
                hook["trustStatus"].as_str().unwrap_or("?")
            ))
        })()
    });

    report.record(&host, "codex exec: session context in /v1/responses", {
        let mark = space.ctx.server.mark();
        let out = space.run(
            "exec",
            "codex",
            &["exec", "--skip-git-repo-check", "--dangerously-bypass-hook-trust", PROMPT],
            SLOW,
        );
        replied_with_context(
            &out,
            &space.ctx.server.since(mark),
            "/v1/responses",
            &pack.context,
            "in a developer message",
            |b, p, _| role_at(b, p) == Some("developer"),
        )
    });
}

/// One JSON-RPC request to `codex app-server` over stdio, after the initialize handshake.
fn app_server(space: &Space, method: &str, params: Value) -> Result<Value, Failure> {
    let mut cmd = space.command("codex");
    let err_path = space.log("app-server").with_extension("err");
    let stderr = fs::File::create(&err_path).map_err(|e| fail(e.to_string()))?;
    cmd.arg("app-server").stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(stderr);
    own_process_group(&mut cmd);
    let mut child = cmd.spawn().map_err(|e| fail(format!("cannot run codex app-server: {e}")))?;
    interrupt::running(Some(&child));
    let (stdin, stdout) = (child.stdin.take(), child.stdout.take());
    let result = (|| {
        let (mut stdin, stdout) = stdin.zip(stdout).ok_or_else(|| fail("no stdio"))?;
        let (tx, rx) = mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + QUICK;
        let mut send = |message: Value| {
            writeln!(stdin, "{message}").and_then(|()| stdin.flush()).map_err(|e| fail(format!("write: {e}")))
        };
        let answer = |id: u64| -> Result<Value, Failure> {
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                let line = rx.recv_timeout(left).map_err(|_| Failure {
                    reason: format!("no answer to request {id} within {} s", QUICK.as_secs()),
                    tail: tail(&read_lossy(&err_path), 12),
                })?;
                if let Ok(message) = serde_json::from_str::<Value>(&line)
                    && message["id"] == id
                {
                    return Ok(message);
                }
            }
        };
        send(
            json!({"id": 1, "method": "initialize", "params": {"clientInfo": {"name": "skillwright-e2e", "version": "0"}}}),
        )?;
        answer(1)?;
        send(json!({"method": "initialized"}))?;
        send(json!({"id": 2, "method": method, "params": params}))?;
        let message = answer(2)?;
        fs::write(space.log("app-server").with_extension("out"), message.to_string()).ok();
        Ok(message)
    })();
    kill_tree(&mut child);
    result
}

// ---------------------------------------------------------------------------------------------
// OpenCode

fn opencode(mut space: Space, pack: &Pack, report: &mut Report) {
    space.env = vec![
        ("OPENCODE_DISABLE_MODELS_FETCH".into(), "1".into()),
        ("OPENCODE_DISABLE_AUTOUPDATE".into(), "1".into()),
    ];
    let host = space.label.clone();
    let package = space.package_str();
    let config = json!({
        "plugin": [package],
        "model": "fake/fake-model",
        "small_model": "fake/fake-model",
        "provider": {"fake": {
            "npm": "@ai-sdk/openai-compatible",
            "name": "Fake",
            "options": {"baseURL": format!("{}/v1", space.ctx.server.url()), "apiKey": "dummy"},
            "models": {"fake-model": {"name": "Fake model"}},
        }},
    });
    if let Err(e) = fs::write(space.project.join("opencode.json"), format!("{config:#}")) {
        return report.record(&host, "opencode.json", Err(fail(e.to_string())));
    }
    let config_dir = space.home.join(".config/opencode");
    for name in ["package.json", "package-lock.json", "node_modules"] {
        if let Err(e) = copy_tree(&space.ctx.opencode_seed.join(name), &config_dir.join(name)) {
            return report.record(&host, "seed the config directory", Err(fail(e)));
        }
    }
    let skills_dir = pack.root.join("skills");

    report.record(&host, "debug skill lists every skill of the package", {
        let out = space.run("debug-skill", "opencode", &["debug", "skill"], SLOW);
        (|| {
            out.require_success()?;
            let v = json_in(&out.stdout)?;
            let seen: BTreeSet<String> = v
                .as_array()
                .into_iter()
                .flatten()
                .filter(|s| s["location"].as_str().is_some_and(|l| Path::new(l).starts_with(&skills_dir)))
                .filter_map(|s| s["name"].as_str().map(String::from))
                .collect();
            same_skills(&pack.skills, &seen)?;
            Ok(format!("{} skills from {}", seen.len(), skills_dir.display()))
        })()
    });

    report.record(&host, "debug config shows the plugin's skills.paths", {
        let out = space.run("debug-config", "opencode", &["debug", "config"], SLOW);
        (|| {
            out.require_success()?;
            let v = json_in(&out.stdout)?;
            let paths: Vec<&str> =
                v["skills"]["paths"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
            expect(paths.iter().any(|p| Path::new(p) == skills_dir), || {
                format!("skills.paths {paths:?} lacks {}", skills_dir.display())
            })?;
            Ok(format!("skills.paths {paths:?}"))
        })()
    });

    report.record(&host, "opencode run: session context in /v1/chat/completions", {
        let mark = space.ctx.server.mark();
        let out = space.run("run", "opencode", &["run", PROMPT], SLOW);
        replied_with_context(
            &out,
            &space.ctx.server.since(mark),
            "/chat/completions",
            &pack.context,
            "in a system message",
            |b, p, _| role_at(b, p) == Some("system"),
        )
    });
}

// ---------------------------------------------------------------------------------------------
// Gemini CLI

fn gemini(mut space: Space, pack: &Pack, report: &mut Report) {
    space.env = vec![
        ("GOOGLE_GEMINI_BASE_URL".into(), space.ctx.server.url()),
        ("GEMINI_API_KEY".into(), "dummy".into()),
        // Without it `extensions install` asks on /dev/tty whether to trust the workspace.
        ("GEMINI_CLI_TRUST_WORKSPACE".into(), "true".into()),
    ];
    let host = space.label.clone();
    let settings = space.home.join(".gemini");
    let written = fs::create_dir_all(&settings).and_then(|()| {
        fs::write(
            settings.join("settings.json"),
            r#"{"security":{"auth":{"selectedType":"gemini-api-key"}}}"#,
        )
    });
    if let Err(e) = written {
        return report.record(&host, "settings.json", Err(fail(e.to_string())));
    }
    let package = space.package_str();

    report.record(&host, "extensions validate", {
        let out = space.run("validate", "gemini", &["extensions", "validate", &package], QUICK);
        (|| {
            out.require_success()?;
            let text = format!("{}{}", out.stdout, out.stderr);
            expect(text.contains("successfully validated"), || "no \"successfully validated\"".into())
                .map_err(|f| Failure { tail: out.tail(), ..f })?;
            Ok(String::new())
        })()
    });

    report.record(&host, "extensions install --consent", {
        let out = space.run("install", "gemini", &["extensions", "install", &package, "--consent"], QUICK);
        (|| {
            out.require_success()?;
            let text = format!("{}{}", out.stdout, out.stderr);
            expect(text.contains("installed successfully"), || "no \"installed successfully\"".into())
                .map_err(|f| Failure { tail: out.tail(), ..f })?;
            Ok(String::new())
        })()
    });

    report.record(&host, "extensions list -o json", {
        // It prints the JSON on stderr.
        let out = space.run("list", "gemini", &["extensions", "list", "-o", "json"], QUICK);
        let installed = space.home.join(".gemini/extensions").join(&pack.name);
        (|| {
            out.require_success()?;
            let v = json_in(&out.stderr).or_else(|_| json_in(&out.stdout))?;
            let entry = v.as_array().into_iter().flatten().find(|e| e["name"] == pack.name.as_str());
            let entry = entry.ok_or_else(|| fail(format!("{} not listed", pack.name)))?;
            expect(entry["isActive"] == true, || "not active".into())?;
            expect(entry["version"] == pack.version.as_str(), || format!("version {}", entry["version"]))?;
            let seen: BTreeSet<String> = entry["skills"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|s| s["name"].as_str().or(s.as_str()).map(String::from))
                .collect();
            same_skills(&pack.skills, &seen)?;
            let commands: Vec<&str> = entry["hooks"]["SessionStart"]
                .as_array()
                .into_iter()
                .flatten()
                .flat_map(|group| group["hooks"].as_array().into_iter().flatten())
                .filter_map(|h| h["command"].as_str())
                .collect();
            expect(!commands.is_empty(), || "no SessionStart hook".into())?;
            let prefix = installed.display().to_string();
            for command in &commands {
                // The universal tree's shared hooks.json picks its root from whichever variable
                // the host sets (`${DROID_PLUGIN_ROOT}`, …, `${extensionPath}`): only Gemini's
                // own variable must have been replaced there.
                let resolved = match space.layout {
                    Layout::Host => !command.contains("${") && command.starts_with(&prefix),
                    Layout::Universal => !command.contains("${extensionPath}") && command.contains(&prefix),
                };
                expect(resolved, || format!("hook command {command:?} is not resolved into {prefix}"))?;
            }
            Ok(format!(
                "active, {} skills, {} SessionStart hook(s), ${{extensionPath}} resolved",
                seen.len(),
                commands.len()
            ))
        })()
    });

    report.record(&host, "gemini -p: session context in streamGenerateContent", {
        let mark = space.ctx.server.mark();
        let out = space.run("print", "gemini", &["-p", PROMPT, "--skip-trust", "-o", "json"], SLOW);
        (|| {
            out.require_success()?;
            let v = json_in(&out.stdout)?;
            expect(v["response"] == REPLY, || format!("response {} (expected {REPLY:?})", v["response"]))?;
            context_sent(
                &space.ctx.server.since(mark),
                ":streamGenerateContent",
                &pack.context,
                "in <hook_context>",
                |_, _, s| s.contains(&format!("<hook_context>{}", pack.context)),
            )
            .map_err(|f| Failure { tail: out.tail(), ..f })
        })()
    });
}

// ---------------------------------------------------------------------------------------------
// GitHub Copilot CLI: bring-your-own-model mode (COPILOT_OFFLINE and a provider URL) needs no
// GitHub sign-in; it speaks OpenAI chat completions to the fake server.

fn copilot(space: Space, pack: &Pack, report: &mut Report) {
    let host = space.label.clone();
    // The CLI unpacks its runtime (235 MB) into ~/.cache/copilot/pkg/<platform>/<version> at the
    // first run in each HOME; one shared copy in the cache spares every run that second or two.
    let pkg = space.home.join(".cache/copilot/pkg");
    let linked = fs::create_dir_all(&space.ctx.copilot_pkg)
        .and_then(|()| fs::create_dir_all(space.home.join(".cache/copilot")))
        .and_then(|()| link_dir(&space.ctx.copilot_pkg, &pkg));
    if let Err(e) = linked {
        return report.record(
            &host,
            "share the unpacked runtime",
            Err(fail(format!("{}: {e}", pkg.display()))),
        );
    }
    let package = space.package_str();
    let market = read_json(&space.package.join(".github/plugin/marketplace.json"))
        .ok()
        .and_then(|m| m["name"].as_str().map(String::from))
        .unwrap_or_else(|| pack.name.clone());
    let id = format!("{}@{market}", pack.name);
    // The skills Copilot says come from a plugin (its own built-in ones say "builtin").
    let plugin_skills = |out: &Output| -> Result<BTreeSet<String>, Failure> {
        out.require_success()?;
        let v = json_in(&out.stdout)?;
        Ok(v.as_array()
            .into_iter()
            .flatten()
            .filter(|s| s["source"] == "plugin" && s["enabled"] != false)
            .filter_map(|s| s["name"].as_str().map(String::from))
            .collect())
    };

    report.record(&host, "--plugin-dir: plugin list --json", {
        let out = space.run(
            "dir-plugins",
            "copilot",
            &["--plugin-dir", &package, "plugin", "list", "--json"],
            QUICK,
        );
        (|| {
            out.require_success()?;
            let v = json_in(&out.stdout)?;
            let entry = v.as_array().into_iter().flatten().find(|p| p["name"] == pack.name.as_str());
            let entry = entry.ok_or_else(|| fail(format!("{} not listed", pack.name)))?;
            expect(entry["enabled"] == true, || format!("{} is not enabled", pack.name))?;
            expect(entry["version"] == pack.version.as_str(), || {
                format!("version {} (pack {})", entry["version"], pack.version)
            })?;
            expect(out.stderr.trim().is_empty(), || format!("stderr: {}", truncate(out.stderr.trim(), 300)))?;
            Ok(format!("{} {} enabled, nothing on stderr", pack.name, pack.version))
        })()
    });

    report.record(&host, "--plugin-dir: skill list --json lists every skill", {
        let out =
            space.run("dir-skills", "copilot", &["--plugin-dir", &package, "skill", "list", "--json"], QUICK);
        (|| {
            let seen = plugin_skills(&out)?;
            same_skills(&pack.skills, &seen)?;
            expect(out.stderr.trim().is_empty(), || format!("stderr: {}", truncate(out.stderr.trim(), 300)))?;
            Ok(format!("{} plugin skills", seen.len()))
        })()
    });

    report.record(&host, "plugin marketplace add + plugin install", {
        let add = space.run("marketplace-add", "copilot", &["plugin", "marketplace", "add", &package], QUICK);
        (|| {
            add.require_success()?;
            let said = format!("Marketplace \"{market}\" added");
            expect(add.stdout.contains(&said), || format!("no {said:?}"))
                .map_err(|f| Failure { tail: add.tail(), ..f })?;
            let install = space.run("install", "copilot", &["plugin", "install", &id], QUICK);
            install.require_success()?;
            let said = format!("Installed {} skills", pack.skills.len());
            expect(install.stdout.contains(&said), || format!("no {said:?}"))
                .map_err(|f| Failure { tail: install.tail(), ..f })?;
            Ok(format!("{id}, {} skills", pack.skills.len()))
        })()
    });

    report.record(&host, "plugin list --json", {
        let out = space.run("list", "copilot", &["plugin", "list", "--json"], QUICK);
        (|| {
            out.require_success()?;
            let v = json_in(&out.stdout)?;
            let entry = v
                .as_array()
                .into_iter()
                .flatten()
                .find(|p| p["name"] == pack.name.as_str() && p["marketplace"] == market.as_str());
            let entry = entry.ok_or_else(|| fail(format!("{id} not listed")))?;
            expect(entry["enabled"] == true, || format!("{id} is not enabled"))?;
            expect(entry["version"] == pack.version.as_str(), || {
                format!("version {} (pack {})", entry["version"], pack.version)
            })?;
            Ok(format!("{id} {} enabled, {}", pack.version, entry["source"].as_str().unwrap_or("?")))
        })()
    });

    report.record(&host, "skill list --json lists every skill", {
        let out = space.run("skills", "copilot", &["skill", "list", "--json"], QUICK);
        (|| {
            let seen = plugin_skills(&out)?;
            same_skills(&pack.skills, &seen)?;
            Ok(format!("{} plugin skills", seen.len()))
        })()
    });

    report.record(&host, "copilot -p: session context in /v1/chat/completions", {
        let mark = space.ctx.server.mark();
        let mut cmd = space.command("copilot");
        cmd.args(["-p", PROMPT, "--allow-all-tools"])
            .env("COPILOT_OFFLINE", "true")
            .env("COPILOT_PROVIDER_BASE_URL", format!("{}/v1", space.ctx.server.url()))
            .env("COPILOT_PROVIDER_API_KEY", "dummy")
            .env("COPILOT_MODEL", "gpt-4o");
        let out = exec(cmd, SLOW, &space.log("print"), None);
        replied_with_context(
            &out,
            &space.ctx.server.since(mark),
            "/chat/completions",
            &pack.context,
            "in a user message",
            |b, p, _| role_at(b, p) == Some("user"),
        )
    });
}

// ---------------------------------------------------------------------------------------------
// Factory Droid: a custom (bring-your-own-key) model in a settings file given with --settings.

fn droid(space: Space, pack: &Pack, report: &mut Report) {
    let host = space.label.clone();
    let package = space.package_str();
    // A local marketplace is named after its directory.
    let market = space.package.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let id = format!("{}@{market}", pack.name);

    report.record(&host, "plugin marketplace add + plugin install", {
        let add = space.run("marketplace-add", "droid", &["plugin", "marketplace", "add", &package], QUICK);
        (|| {
            add.require_success()?;
            let said = format!("Successfully added marketplace: {market}");
            expect(add.stdout.contains(&said), || format!("no {said:?}"))
                .map_err(|f| Failure { tail: add.tail(), ..f })?;
            let install = space.run("install", "droid", &["plugin", "install", &id], QUICK);
            install.require_success()?;
            let said = format!("Successfully installed {id}");
            expect(install.stdout.contains(&said), || format!("no {said:?}"))
                .map_err(|f| Failure { tail: install.tail(), ..f })?;
            Ok(id.clone())
        })()
    });

    report.record(&host, "plugin list; the installed copy has every skill", {
        let out = space.run("list", "droid", &["plugin", "list"], QUICK);
        (|| {
            out.require_success()?;
            let active = out.stdout.split_once("Active:").map(|(_, rest)| rest).unwrap_or_default();
            let listed = active.lines().any(|l| l.split_whitespace().next() == Some(id.as_str()));
            expect(listed, || format!("{id} is not listed as active"))
                .map_err(|f| Failure { tail: out.tail(), ..f })?;
            let records = space.home.join(".factory/plugins/installed_plugins");
            let install_path = fs::read_dir(&records)
                .map_err(|e| fail(format!("{}: {e}", records.display())))?
                .filter_map(Result::ok)
                .filter_map(|e| read_json(&e.path()).ok())
                .find(|r| r["pluginId"] == id.as_str())
                .and_then(|r| r["entry"]["installPath"].as_str().map(PathBuf::from))
                .ok_or_else(|| fail(format!("no install record of {id} in {}", records.display())))?;
            let seen: BTreeSet<String> =
                skill_names(&install_path.join("skills")).map_err(fail)?.into_iter().collect();
            same_skills(&pack.skills, &seen)?;
            let hooks = install_path.join("hooks/hooks.json");
            expect(hooks.is_file(), || format!("no {}", hooks.display()))?;
            Ok(format!(
                "{id} active; {} skills and hooks/hooks.json in {}",
                seen.len(),
                install_path.display()
            ))
        })()
    });

    let settings = space.home.join("e2e-settings.json");
    let written = fs::write(
        &settings,
        json!({
            // Without it every run waits 5 s for a cloud sync that cannot reach its server.
            "cloudSessionSync": false,
            "customModels": [{
                "model": "fake-model",
                "displayName": "Fake",
                "baseUrl": format!("{}/v1", space.ctx.server.url()),
                "apiKey": "dummy",
                "provider": "generic-chat-completion-api",
                "maxOutputTokens": 1000,
            }],
        })
        .to_string(),
    );
    if let Err(e) = written {
        return report.record(&host, "settings file", Err(fail(format!("{}: {e}", settings.display()))));
    }
    let mark = space.ctx.server.mark();
    let settings = settings.display().to_string();
    // `custom:<displayName>-<index>`; without the built-in skills only the plugin's are listed.
    let args = [
        "exec",
        "--settings",
        &settings,
        "-m",
        "custom:Fake-0",
        "--disable-builtin-skills",
        "-o",
        "json",
        PROMPT,
    ];
    let out = space.run("exec", "droid", &args, SLOW);
    let ran = (|| -> Result<Vec<Value>, Failure> {
        out.require_success()?;
        let v = json_in(&out.stdout)?;
        expect(v["result"] == REPLY, || format!("result {} (expected {REPLY:?})", v["result"]))
            .map_err(|f| Failure { tail: out.tail(), ..f })?;
        Ok(space.ctx.server.since(mark))
    })();

    report.record(&host, "droid exec: \"Available skills\" lists every skill", {
        (|| {
            let requests = ran.as_ref().map_err(Failure::clone)?;
            let texts: Vec<String> = requests
                .iter()
                .filter(|r| r["path"].as_str().is_some_and(|p| p.contains("/chat/completions")))
                .flat_map(|r| strings(&r["body"]).into_iter().map(|(_, s)| s.to_string()).collect::<Vec<_>>())
                .filter(|s| s.contains("Available skills"))
                .collect();
            let text = texts.first().ok_or_else(|| fail("no \"Available skills\" in the model requests"))?;
            let seen: BTreeSet<String> = text
                .split_once("Available skills")
                .map(|(_, rest)| rest)
                .unwrap_or_default()
                .lines()
                .skip(1)
                .take_while(|l| !l.starts_with("</"))
                .filter_map(|l| l.split_once(':').map(|(name, _)| name.trim().to_string()))
                .filter(|name| is_kebab(name))
                .collect();
            same_skills(&pack.skills, &seen)?;
            Ok(format!("{} skills", seen.len()))
        })()
    });

    report.record(&host, "droid exec: session context in /v1/chat/completions", {
        ran.and_then(|requests| {
            context_sent(&requests, "/chat/completions", &pack.context, "in a user message", |b, p, _| {
                role_at(b, p) == Some("user")
            })
            .map_err(|f| Failure { tail: out.tail(), ..f })
        })
    });
}

// ---------------------------------------------------------------------------------------------
// Pi: a provider of its own in ~/.pi/agent/models.json; runs on the pinned Node.js 22.

fn pi(mut space: Space, pack: &Pack, report: &mut Report) {
    let host = space.label.clone();
    space.env = vec![("PI_OFFLINE".into(), "1".into())];
    let agent = space.home.join(".pi/agent");
    let models = json!({"providers": {"fake": {
        "baseUrl": format!("{}/v1", space.ctx.server.url()),
        "api": "openai-completions",
        "apiKey": "dummy",
        "models": [{"id": "fake-model"}],
    }}});
    if let Err(e) =
        fs::create_dir_all(&agent).and_then(|()| fs::write(agent.join("models.json"), models.to_string()))
    {
        return report.record(&host, "models.json", Err(fail(e.to_string())));
    }
    let package = space.package_str();

    report.record(&host, "pi install", {
        let out = space.run("install", "pi", &["install", &package], QUICK);
        (|| {
            out.require_success()?;
            let said = format!("Installed {package}");
            expect(out.stdout.contains(&said), || format!("no {said:?}"))
                .map_err(|f| Failure { tail: out.tail(), ..f })?;
            Ok(String::new())
        })()
    });

    report.record(&host, "pi list", {
        let out = space.run("list", "pi", &["list"], QUICK);
        (|| {
            out.require_success()?;
            let listed = out.stdout.lines().any(|l| l.trim() == package);
            expect(listed, || format!("{package} not listed"))
                .map_err(|f| Failure { tail: out.tail(), ..f })?;
            Ok(String::new())
        })()
    });

    report.record(&host, "--mode rpc get_commands lists every skill", {
        let mut cmd = space.command("pi");
        cmd.args(["--mode", "rpc"]);
        let out = exec(cmd, QUICK, &space.log("rpc"), Some("{\"type\":\"get_commands\"}\n"));
        (|| {
            out.require_success()?;
            let answer = out
                .stdout
                .lines()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                .find(|v| v["command"] == "get_commands")
                .ok_or_else(|| Failure { reason: "no answer to get_commands".into(), tail: out.tail() })?;
            expect(answer["success"] == true, || {
                format!("get_commands: {}", truncate(&answer.to_string(), 300))
            })?;
            let seen: BTreeSet<String> = answer["data"]["commands"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|c| c["sourceInfo"]["baseDir"].as_str().is_some_and(|d| Path::new(d) == pack.root))
                .filter_map(|c| c["name"].as_str()?.strip_prefix("skill:").map(String::from))
                .collect();
            same_skills(&pack.skills, &seen)?;
            let problem = out.stderr.lines().find(|l| l.contains("Failed to load"));
            expect(problem.is_none(), || problem.unwrap_or_default().to_string())?;
            Ok(format!("{} skill commands from {}", seen.len(), pack.root.display()))
        })()
    });

    report.record(&host, "pi -p: session context in /v1/chat/completions", {
        let mark = space.ctx.server.mark();
        let out = space.run("print", "pi", &["-p", "--model", "fake/fake-model", PROMPT], SLOW);
        replied_with_context(
            &out,
            &space.ctx.server.since(mark),
            "/chat/completions",
            &pack.context,
            "in the system message",
            |b, p, _| role_at(b, p) == Some("system"),
        )
    });
}

// ---------------------------------------------------------------------------------------------
// Kimi Code: plugins are installed through its local server (`kimi web`, REST); one `kimi -p`
// against a provider in config.toml. Kimi discards hook output, so the context is the static
// system-prompt file the manifest names (systemPromptPath).

fn kimi(mut space: Space, pack: &Pack, report: &mut Report) {
    let host = space.label.clone();
    let kimi_home = space.home.join(".kimi-code");
    space.env = vec![("KIMI_CODE_HOME".into(), kimi_home.display().to_string())];
    let config = format!(
        "default_model = \"fake\"\n\n[providers.fake]\ntype = \"openai\"\nbase_url = \"{}/v1\"\n\
         api_key = \"dummy\"\n\n[models.fake]\nprovider = \"fake\"\nmodel = \"fake-model\"\n\
         max_context_size = 128000\n",
        space.ctx.server.url()
    );
    if let Err(e) =
        fs::create_dir_all(&kimi_home).and_then(|()| fs::write(kimi_home.join("config.toml"), config))
    {
        return report.record(&host, "config.toml", Err(fail(e.to_string())));
    }
    let static_prompt = fs::read_to_string(pack.root.join("hooks/static/kimi")).unwrap_or_default();

    match KimiWeb::start(&space) {
        Err(failure) => report.record(&host, "kimi web starts", Err(failure)),
        Ok(web) => {
            report.record(&host, "kimi web: POST /api/v1/plugins installs the plugin", {
                (|| {
                    let answer =
                        web.call("POST", "/api/v1/plugins", Some(&json!({"source": space.package_str()})))?;
                    let d = &answer["data"];
                    expect(d["id"] == pack.name.as_str(), || format!("id {}", d["id"]))?;
                    expect(d["version"] == pack.version.as_str(), || format!("version {}", d["version"]))?;
                    expect(d["state"] == "ok" && d["hasErrors"] == false, || {
                        format!("state {}, hasErrors {}", d["state"], d["hasErrors"])
                    })?;
                    let diagnostics = d["diagnostics"].as_array().cloned().unwrap_or_default();
                    expect(diagnostics.is_empty(), || {
                        format!(
                            "diagnostics: {}",
                            truncate(&Value::Array(diagnostics.clone()).to_string(), 300)
                        )
                    })?;
                    expect(d["skillCount"] == pack.skills.len(), || {
                        format!("skillCount {} (the package has {})", d["skillCount"], pack.skills.len())
                    })?;
                    let prompt = d["manifest"]["systemPrompt"].as_str().unwrap_or_default();
                    expect(!prompt.is_empty() && prompt.trim() == static_prompt.trim(), || {
                        format!("manifest.systemPrompt is not hooks/static/kimi: {}", truncate(prompt, 80))
                    })?;
                    Ok(format!(
                        "state ok, {} skills, no diagnostics, systemPrompt from {}",
                        d["skillCount"],
                        d["manifestKind"].as_str().unwrap_or("?")
                    ))
                })()
            });

            let session = web
                .call(
                    "POST",
                    "/api/v1/sessions",
                    Some(&json!({"metadata": {"cwd": space.project.display().to_string()}})),
                )
                .and_then(|v| {
                    v["data"]["id"]
                        .as_str()
                        .map(String::from)
                        .ok_or_else(|| fail(format!("no session id: {v}")))
                });

            report.record(&host, "kimi web: a new session lists every skill", {
                (|| {
                    let id = session.as_ref().map_err(Failure::clone)?;
                    let answer = web.call("GET", &format!("/api/v1/sessions/{id}/skills"), None)?;
                    let managed = format!("/plugins/managed/{}/skills/", pack.name);
                    let seen: BTreeSet<String> = answer["data"]["skills"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter(|s| s["path"].as_str().is_some_and(|p| p.contains(&managed)))
                        .filter_map(|s| s["name"].as_str().map(String::from))
                        .collect();
                    same_skills(&pack.skills, &seen)?;
                    Ok(format!("{} skills from …{managed}", seen.len()))
                })()
            });

            report.record(&host, "kimi web: the session has no warnings", {
                (|| {
                    let id = session.as_ref().map_err(Failure::clone)?;
                    let answer = web.call("GET", &format!("/api/v1/sessions/{id}/warnings"), None)?;
                    let warnings = answer["data"]["warnings"].as_array().cloned().unwrap_or_default();
                    expect(warnings.is_empty(), || {
                        format!("warnings: {}", truncate(&Value::Array(warnings.clone()).to_string(), 300))
                    })?;
                    Ok(String::new())
                })()
            });
        }
    }

    report.record(&host, "kimi -p: session context in /v1/chat/completions", {
        let mark = space.ctx.server.mark();
        let out = space.run("print", "kimi", &["-p", PROMPT, "-m", "fake"], SLOW);
        let from = format!("<!-- From: plugin {} -->", pack.name);
        replied_with_context(
            &out,
            &space.ctx.server.since(mark),
            "/chat/completions",
            &pack.context,
            "in the system message, after the plugin's marker",
            |b, p, s| role_at(b, p) == Some("system") && s.contains(&format!("{from}\n{}", pack.context)),
        )
    });
}

/// A running `kimi web --dangerous-bypass-auth` on a free local port; killed when dropped.
struct KimiWeb {
    child: Child,
    port: u16,
    err_log: PathBuf,
}

impl KimiWeb {
    fn start(space: &Space) -> Result<KimiWeb, Failure> {
        let port = free_port().map_err(|e| fail(format!("no free port: {e}")))?;
        let log = space.log("web");
        let err_log = log.with_extension("err");
        let files = fs::File::create(log.with_extension("out"))
            .and_then(|out| Ok((out, fs::File::create(&err_log)?)));
        let (out, err) = files.map_err(|e| fail(format!("{}: {e}", log.display())))?;
        let mut cmd = space.command("kimi");
        cmd.args(["web", "--no-open", "--port", &port.to_string(), "--dangerous-bypass-auth"])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        own_process_group(&mut cmd);
        let child = cmd.spawn().map_err(|e| fail(format!("cannot run kimi web: {e}")))?;
        interrupt::running(Some(&child));
        let mut web = KimiWeb { child, port, err_log };
        let deadline = Instant::now() + QUICK;
        loop {
            if web.call("GET", "/api/v1/meta", None).is_ok() {
                return Ok(web);
            }
            if let Ok(Some(status)) = web.child.try_wait() {
                return Err(Failure { reason: format!("kimi web exited ({status})"), tail: web.tail() });
            }
            if Instant::now() >= deadline {
                return Err(Failure {
                    reason: format!("kimi web did not answer within {} s", QUICK.as_secs()),
                    tail: web.tail(),
                });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn tail(&self) -> String {
        tail(&read_lossy(&self.err_log), 12)
    }

    /// One REST call; its answer must be `{"code": 0, …}`.
    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, Failure> {
        let answer = http_json(self.port, method, path, body).map_err(fail)?;
        expect(answer["code"] == 0, || format!("{method} {path}: {}", truncate(&answer.to_string(), 300)))?;
        Ok(answer)
    }
}

impl Drop for KimiWeb {
    fn drop(&mut self) {
        kill_tree(&mut self.child);
    }
}

/// A port on 127.0.0.1 that was free a moment ago.
fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// One HTTP/1.1 request to 127.0.0.1 (`Connection: close`) with an optional JSON body; the JSON
/// of a 2xx answer.
fn http_json(port: u16, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
    let what = format!("{method} {path}");
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream =
        TcpStream::connect_timeout(&addr, Duration::from_secs(5)).map_err(|e| format!("{what}: {e}"))?;
    let _ = stream.set_read_timeout(Some(QUICK));
    let _ = stream.set_write_timeout(Some(QUICK));
    let body = body.map(Value::to_string);
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\nConnection: close\r\n"
    );
    if method != "GET" {
        let body = body.as_deref().unwrap_or_default();
        request.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    request.push_str("\r\n");
    request.push_str(body.as_deref().unwrap_or_default());
    stream.write_all(request.as_bytes()).map_err(|e| format!("{what}: {e}"))?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(|e| format!("{what}: {e}"))?;
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or(format!("{what}: no HTTP answer"))?;
    let head = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
    let mut content = raw[split + 4..].to_vec();
    let status: u16 = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    if head.lines().any(|l| l.starts_with("transfer-encoding:") && l.contains("chunked")) {
        content = dechunk(&content).ok_or(format!("{what}: bad chunked body"))?;
    }
    let text = String::from_utf8_lossy(&content);
    if !(200..300).contains(&status) {
        return Err(format!("{what}: HTTP {status}: {}", truncate(text.trim(), 300)));
    }
    serde_json::from_str(&text).map_err(|e| format!("{what}: {e}: {}", truncate(text.trim(), 300)))
}

/// The body of a `Transfer-Encoding: chunked` answer.
fn dechunk(mut raw: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let end = raw.windows(2).position(|w| w == b"\r\n")?;
        let size = std::str::from_utf8(&raw[..end]).ok()?.split(';').next()?.trim().to_string();
        let size = usize::from_str_radix(&size, 16).ok()?;
        raw = &raw[end + 2..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(raw.get(..size)?);
        raw = raw.get(size + 2..)?;
    }
}

/// Makes `link` a symbolic link to the directory `target` (elsewhere: leaves it to be created).
#[cfg(unix)]
fn link_dir(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(target, link)
}

#[cfg(not(unix))]
fn link_dir(_: &Path, _: &Path) -> std::io::Result<()> {
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Cursor: no CLI to drive. The manifest is checked against the rules of Cursor's plugin schema
// (docs/host-formats.md §3), and the sessionStart hook is run the way Cursor runs it.

const CURSOR_KEYS: &[&str] = &[
    "name",
    "displayName",
    "description",
    "version",
    "minClientVersions",
    "author",
    "publisher",
    "homepage",
    "repository",
    "license",
    "logo",
    "keywords",
    "category",
    "tags",
    "commands",
    "agents",
    "skills",
    "rules",
    "hooks",
    "mcpServers",
];
const CURSOR_PATHS: &[&str] = &["commands", "agents", "skills", "rules", "hooks", "mcpServers", "logo"];
const CURSOR_EVENTS: &[&str] = &[
    "sessionStart",
    "sessionEnd",
    "preToolUse",
    "postToolUse",
    "postToolUseFailure",
    "subagentStart",
    "subagentStop",
    "beforeShellExecution",
    "afterShellExecution",
    "beforeMCPExecution",
    "afterMCPExecution",
    "beforeReadFile",
    "afterFileEdit",
    "beforeSubmitPrompt",
    "preCompact",
    "stop",
    "afterAgentResponse",
    "afterAgentThought",
    "beforeTabFileRead",
    "afterTabFileEdit",
];

fn cursor(space: Space, pack: &Pack, report: &mut Report) {
    let host = space.label.clone();
    let manifest_path = pack.root.join(".cursor-plugin/plugin.json");
    let manifest = read_json(&manifest_path);
    report.record(&host, ".cursor-plugin/plugin.json structure", {
        manifest.as_ref().map_err(|e| fail(e.clone())).and_then(|m| cursor_manifest(m, pack).map_err(fail))
    });

    let hooks_file = manifest.as_ref().ok().and_then(|m| m["hooks"].as_str()).map(|p| pack.root.join(p));
    let hooks = hooks_file.as_ref().map(|p| read_json(p)).unwrap_or_else(|| Err("no \"hooks\" path".into()));
    report.record(&host, "hooks file structure", {
        hooks.as_ref().map_err(|e| fail(e.clone())).and_then(|h| cursor_hooks(h, pack).map_err(fail))
    });

    report.record(&host, "sessionStart hook prints additional_context", {
        (|| {
            let hooks = hooks.as_ref().map_err(|e| fail(e.clone()))?;
            let commands: Vec<&str> = hooks["hooks"]["sessionStart"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|h| h["command"].as_str())
                .collect();
            expect(commands.len() == 1, || format!("{} sessionStart commands, expected 1", commands.len()))?;
            let input = json!({
                "hook_event_name": "sessionStart",
                "session_id": "e2e",
                "conversation_id": "e2e",
                "workspace_roots": [space.project.display().to_string()],
                "is_background_agent": false,
            });
            let mut cmd = space.command("sh");
            cmd.args(["-c", commands[0]])
                .current_dir(&pack.root)
                .env("CURSOR_PLUGIN_ROOT", &pack.root)
                .env("CURSOR_PROJECT_DIR", &space.project);
            let out = exec(cmd, QUICK, &space.log("session-start"), Some(&input.to_string()));
            out.require_success()?;
            let v = json_in(&out.stdout)?;
            let context =
                v["additional_context"].as_str().ok_or_else(|| fail("no \"additional_context\" string"))?;
            let count = context.matches(&pack.context).count();
            expect(count == 1, || format!("the context appears {count} times"))?;
            Ok(format!("{} bytes", context.len()))
        })()
    });
}

fn cursor_manifest(m: &Value, pack: &Pack) -> Result<String, String> {
    let object = m.as_object().ok_or("not a JSON object")?;
    let unknown: Vec<&String> = object.keys().filter(|k| !CURSOR_KEYS.contains(&k.as_str())).collect();
    if !unknown.is_empty() {
        return Err(format!("keys the schema does not allow: {unknown:?}"));
    }
    let name = m["name"].as_str().ok_or("no \"name\" string")?;
    if !is_kebab(name) {
        return Err(format!("name {name:?} is not kebab-case"));
    }
    if name != pack.name {
        return Err(format!("name {name:?} is not the pack's {:?}", pack.name));
    }
    if let Some(version) = object.get("version") {
        let version = version.as_str().ok_or("\"version\" is not a string")?;
        if !is_semver(version) {
            return Err(format!("version {version:?} is not semver"));
        }
        if version != pack.version {
            return Err(format!("version {version:?} is not the pack's {:?}", pack.version));
        }
    }
    if let Some(author) = object.get("author") {
        let author = author.as_object().ok_or("\"author\" is not an object")?;
        if !author.get("name").is_some_and(Value::is_string) {
            return Err("author has no \"name\" string".into());
        }
        if let Some(key) = author.keys().find(|k| !["name", "email"].contains(&k.as_str())) {
            return Err(format!("author key {key:?} is not allowed"));
        }
    }
    let mut checked = Vec::new();
    for key in CURSOR_PATHS {
        let paths: Vec<&str> = match object.get(*key) {
            Some(Value::String(p)) => vec![p.as_str()],
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => continue, // absent, or an inline object
        };
        for path in paths {
            if *key == "logo" && (path.starts_with("https://") || path.starts_with("http://")) {
                continue;
            }
            if !path.starts_with("./") || path.split(['/', '\\']).any(|s| s == "..") {
                return Err(format!("{key}: {path:?} is not a relative path inside the plugin (./…)"));
            }
            if !path.contains('*') && !pack.root.join(path).exists() {
                return Err(format!("{key}: {path:?} does not exist"));
            }
            checked.push(format!("{key} {path}"));
        }
    }
    Ok(format!("{name} {}, {}", pack.version, checked.join(", ")))
}

fn cursor_hooks(h: &Value, pack: &Pack) -> Result<String, String> {
    if h["version"] != 1 {
        return Err(format!("\"version\" is {}, not 1", h["version"]));
    }
    let events = h["hooks"].as_object().ok_or("no \"hooks\" object")?;
    let mut count = 0;
    for (event, handlers) in events {
        if !CURSOR_EVENTS.contains(&event.as_str()) {
            return Err(format!("unknown event {event:?}"));
        }
        for handler in handlers.as_array().ok_or(format!("{event} is not a list"))? {
            let command =
                handler["command"].as_str().ok_or(format!("{event}: a handler has no \"command\""))?;
            let program = command.split_whitespace().next().unwrap_or_default();
            if program.starts_with("./") {
                let path = pack.root.join(program);
                if !is_executable(&path) {
                    return Err(format!("{event}: {program} is not an executable file in the plugin"));
                }
            }
            count += 1;
        }
    }
    if !events.contains_key("sessionStart") {
        return Err("no sessionStart hook".into());
    }
    Ok(format!("version 1, {count} handler(s)"))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

fn is_kebab(name: &str) -> bool {
    !name.is_empty()
        && name.split('-').all(|part| {
            !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// `MAJOR.MINOR.PATCH[-pre][+build]` (semver.org §2, §9, §10).
fn is_semver(version: &str) -> bool {
    let (rest, build) = match version.split_once('+') {
        Some((rest, build)) => (rest, Some(build)),
        None => (version, None),
    };
    let (core, pre) = match rest.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (rest, None),
    };
    let identifiers = |s: &str| {
        s.split('.').all(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    };
    let numbers: Vec<&str> = core.split('.').collect();
    numbers.len() == 3
        && numbers.iter().all(|n| {
            !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && (n.len() == 1 || !n.starts_with('0'))
        })
        && pre.is_none_or(|p| {
            identifiers(p)
                && p.split('.').all(|id| {
                    !(id.len() > 1 && id.starts_with('0') && id.bytes().all(|b| b.is_ascii_digit()))
                })
        })
        && build.is_none_or(identifiers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_and_kebab() {
        for ok in ["0.1.0", "1.2.3-rc.1", "1.0.0+build.5", "10.20.30-alpha-1+x"] {
            assert!(is_semver(ok), "{ok}");
        }
        for bad in ["1.2", "01.2.3", "1.2.3-", "1.2.3-01", "v1.2.3", "1.2.3+"] {
            assert!(!is_semver(bad), "{bad}");
        }
        assert!(is_kebab("skill-wright2"));
        for bad in ["", "-a", "a-", "a--b", "A", "a.b", "a_b"] {
            assert!(!is_kebab(bad), "{bad}");
        }
    }

    #[test]
    fn layout_option() {
        let parse = |args: &[&str]| {
            Options::parse(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
                .map(|o| o.map(|o| o.layouts))
        };
        assert!(parse(&[]) == Ok(Some(vec![Layout::Host, Layout::Universal])));
        assert!(parse(&["--layout", "universal"]) == Ok(Some(vec![Layout::Universal])));
        assert!(parse(&["--layout=host"]) == Ok(Some(vec![Layout::Host])));
        assert!(parse(&["--layout", "both"]) == Ok(Some(vec![Layout::Host, Layout::Universal])));
        assert!(parse(&["--layout", "flat"]).is_err());
        assert!(parse(&["--layout"]).is_err());
    }

    #[test]
    fn chunked_bodies_are_joined() {
        assert_eq!(dechunk(b"4\r\nWiki\r\n5;x=1\r\npedia\r\n0\r\n\r\n").as_deref(), Some(&b"Wikipedia"[..]));
        assert_eq!(dechunk(b"0\r\n\r\n").as_deref(), Some(&b""[..]));
        assert!(dechunk(b"4\r\nWi").is_none());
        assert!(dechunk(b"zz\r\n").is_none());
    }

    #[test]
    fn context_must_appear_once_in_place() {
        let request = |text: &str| json!({"method": "POST", "path": "/v1/x", "body": {"messages": [{"role": "system", "content": text}]}});
        let system = |b: &Value, p: &str, _: &str| role_at(b, p) == Some("system");
        assert!(context_sent(&[request("ctx line")], "/v1/x", "ctx", "system", system).is_ok());
        assert!(context_sent(&[request("ctx ctx")], "/v1/x", "ctx", "system", system).is_err());
        assert!(context_sent(&[request("none")], "/v1/x", "ctx", "system", system).is_err());
        assert!(context_sent(&[], "/v1/x", "ctx", "system", system).is_err());
    }

    #[cfg(unix)]
    #[test]
    fn a_command_past_its_timeout_is_killed_with_its_children() {
        let dir = std::env::temp_dir().join(format!("skillwright-e2e-test-{}", std::process::id()));
        let marker = dir.join("survived");
        let mut cmd = Command::new("sh");
        // The background child would create the marker after 2 s unless it is killed too.
        cmd.arg("-c").arg(format!("(sleep 2; touch '{}') & echo started; sleep 30", marker.display()));
        let started = Instant::now();
        let out = exec(cmd, Duration::from_millis(500), &dir.join("sleep"), None);
        assert!(out.timed_out && !out.success(), "{}", out.status_text());
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(out.stdout.trim(), "started");
        std::thread::sleep(Duration::from_millis(2500));
        assert!(!marker.exists(), "a child outlived the timeout");
        let _ = fs::remove_dir_all(&dir);
    }
}
