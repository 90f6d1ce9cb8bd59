//! `skillwright hook …`: what the hosts run. Each prints exactly what its host reads and never
//! holds a session up.

use crate::Result;
use crate::runtime::{env, package_root};
use clap::Subcommand;
use skillwright_runtime::{hook, tamper};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long the hook may take before the pre-rendered payload is printed instead: well under the
/// shortest timeout a host gives a session-start hook (10 s).
pub const HARD_LIMIT: Duration = Duration::from_secs(3);

#[derive(Subcommand, Debug)]
pub enum HookCommand {
    /// Print the session-start payload for HOST on stdout, in the shape that host reads.
    ///
    /// Exits 0 with the payload (an empty one with SKILLWRIGHT_DISABLE=1 or for a resumed
    /// session); exits 2 with a message on stderr when the package cannot be read or does not
    /// serve HOST; the package's launcher then prints its pre-rendered payload instead. Past
    /// 3 seconds the pre-rendered payload is printed and the hook ends, whatever held it up.
    #[command(after_help = hosts_note())]
    SessionStart {
        /// Host id (the hosts are listed below).
        #[arg(long)]
        host: String,
        /// Package root (default: the package that ships this binary under bin/<triple>/).
        #[arg(long)]
        root: Option<PathBuf>,
    },
    /// Run the pack's hook INDEX for HOST on what the host sends on stdin, answering in that
    /// host's shape (what the package's hooks/run-hook launcher runs).
    ///
    /// Exits 0 with nothing to let the action go on, or with the host's own way of blocking it or
    /// adding context. A package or hook that cannot be read lets the action go on (with a
    /// message on stderr): a broken package must not stop the agent's work.
    Run {
        /// Host id.
        #[arg(long)]
        host: String,
        /// The hook's index in the pack's `[[hooks]]`.
        #[arg(long)]
        index: usize,
        /// Package root (default: the package that ships this binary under bin/<triple>/).
        #[arg(long)]
        root: Option<PathBuf>,
        /// `host`: answer as the host reads it. `decision`: print the decision as JSON
        /// (`{"decision": "allow" | "block" | "context", …}`), for in-process JavaScript hosts.
        #[arg(long, value_enum, default_value = "host")]
        format: RunFormat,
    },
    /// Check the package against its signed manifest and cache the verdict for the next session
    /// start (started in the background by session-start when the cached verdict is old).
    #[command(hide = true)]
    SelfCheck {
        /// Package root.
        #[arg(long)]
        root: Option<PathBuf>,
    },
}

/// What `hook session-start --help` says after the options: the built-in host ids, from the
/// target files' names.
fn hosts_note() -> String {
    let hosts = skillwright_build::target::builtin_ids().join(", ");
    format!(
        "Built-in hosts: {hosts}. A package serves the hosts it was built for (a custom target's id too)."
    )
}

/// The command the package's launchers run, when `args` is exactly that form:
/// `hook session-start --host H [--root R]` or `hook run --host H --index N [--root R]`, each flag
/// once with a value that does not start with `-`. Anything else is left to the full parser, so
/// both paths accept the same command lines and give them the same meaning.
pub fn launcher_form(args: &[std::ffi::OsString]) -> Option<HookCommand> {
    let words: Vec<&str> = args.iter().skip(1).map(|a| a.to_str()).collect::<Option<_>>()?;
    let (run, flags) = match words.as_slice() {
        ["hook", "session-start", rest @ ..] => (false, rest),
        ["hook", "run", rest @ ..] => (true, rest),
        _ => return None,
    };
    let (mut host, mut index, mut root) = (None, None, None);
    for pair in flags.chunks(2) {
        let [flag, value] = pair else { return None };
        if value.is_empty() || value.starts_with('-') {
            return None;
        }
        let slot = match *flag {
            "--host" => &mut host,
            "--root" => &mut root,
            "--index" if run => &mut index,
            _ => return None,
        };
        if slot.replace(*value).is_some() {
            return None;
        }
    }
    let host = host?.to_string();
    let root = root.map(PathBuf::from);
    if run {
        let index = index?.parse().ok()?;
        Some(HookCommand::Run { host, index, root, format: RunFormat::Host })
    } else {
        Some(HookCommand::SessionStart { host, root })
    }
}

pub fn hook(c: HookCommand) -> Result<ExitCode> {
    match c {
        HookCommand::SessionStart { host, root } => session_start(host, root),
        HookCommand::Run { host, index, root, format } => run(&host, index, root, format),
        HookCommand::SelfCheck { root } => {
            tamper::refresh(&package_root(root)?, &env());
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum RunFormat {
    Host,
    Decision,
}

/// `hook run`: the decision of the pack's hook, in the host's form.
fn run(host: &str, index: usize, root: Option<PathBuf>, format: RunFormat) -> Result<ExitCode> {
    use skillwright_runtime::event;
    let outcome = std::panic::catch_unwind(|| -> Result<event::Answer> {
        let root = package_root(root)?;
        // A tool's whole input or output can be large; past the cap (or the time limit) it is cut,
        // which the hook treats as unreadable input, never as a pass.
        let stdin = read_stdin(Duration::from_secs(2), 16 * 1024 * 1024);
        let (decision, spec, ev) = event::decide(&root, host, index, &stdin, &env())?;
        Ok(match format {
            RunFormat::Host => event::answer(&decision, &spec, &ev),
            RunFormat::Decision => {
                event::Answer { stdout: serde_json::to_string(&decision)?, ..Default::default() }
            }
        })
    });
    let answer = match outcome {
        Ok(Ok(a)) => a,
        Ok(Err(e)) => {
            errln!("skillwright: hook {index} not run: {e}");
            return Ok(ExitCode::SUCCESS);
        }
        Err(_) => return Ok(ExitCode::SUCCESS),
    };
    use std::io::Write;
    if !answer.stdout.is_empty() {
        let _ = std::io::stdout().lock().write_all(format!("{}\n", answer.stdout).as_bytes());
    }
    if !answer.stderr.is_empty() {
        let _ = std::io::stderr().lock().write_all(format!("{}\n", answer.stderr).as_bytes());
    }
    Ok(ExitCode::from(u8::try_from(answer.exit).unwrap_or(0)))
}

/// Prints `payload` (and a newline) in one write, unless something already printed.
fn emit(printed: &Mutex<bool>, payload: &[u8]) -> bool {
    let Ok(mut done) = printed.lock() else { return false };
    if *done {
        return false;
    }
    *done = true;
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(&[payload, b"\n"].concat());
    let _ = out.flush();
    true
}

fn session_start(host: String, root: Option<PathBuf>) -> Result<ExitCode> {
    let root = package_root(root)?;
    let printed = Arc::new(Mutex::new(false));
    // The hard limit: whatever holds the hook up (a stalled file system, a slow disk), the host
    // gets the pre-rendered payload in time and the process ends.
    {
        let (printed, root, host) = (printed.clone(), root.clone(), host.clone());
        std::thread::spawn(move || {
            std::thread::sleep(HARD_LIMIT);
            let fallback = static_payload(&root, &host);
            if emit(&printed, &fallback) {
                std::process::exit(0);
            }
        });
    }
    #[cfg(debug_assertions)]
    if let Some(ms) = std::env::var("SKILLWRIGHT_TEST_HOOK_DELAY_MS").ok().and_then(|v| v.parse().ok()) {
        std::thread::sleep(Duration::from_millis(ms)); // lets the tests prove the hard limit
    }
    let start = std::panic::catch_unwind(|| -> Result<hook::Start> {
        let input = hook::HostInput::parse(&read_stdin(Duration::from_millis(100), 1024 * 1024));
        let exe = std::env::current_exe().ok().map(|p| p.display().to_string());
        Ok(hook::session_start(&host, &root, &input, exe.as_deref(), &env())?)
    })
    .unwrap_or_else(|_| Err("internal error while building the payload".into()))?;
    emit(&printed, start.payload.as_bytes());
    if start.refresh {
        spawn_self_check(&root);
    }
    Ok(ExitCode::SUCCESS)
}

/// The package's pre-rendered payload for `host` (empty when there is none).
fn static_payload(root: &Path, host: &str) -> Vec<u8> {
    use skillwright_model::fsio::{Links, read_bounded};
    if !skillwright_model::names::valid_name(host) {
        return Vec::new();
    }
    let mut b =
        read_bounded(&root.join("hooks/static").join(host), 64 * 1024, Links::Refuse).unwrap_or_default();
    while b.last() == Some(&b'\n') {
        b.pop();
    }
    b
}

/// Starts `skillwright hook self-check` detached, in a process group of its own, so the session
/// does not wait for it and a host that kills the hook's group does not stop it.
fn spawn_self_check(root: &Path) {
    let Ok(exe) = std::env::current_exe() else { return };
    let mut cmd = std::process::Command::new(exe);
    cmd.args(["hook", "self-check", "--root"])
        .arg(root)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    #[cfg(windows)]
    {
        use std::os::windows::process::CommandExt;
        const DETACHED_PROCESS: u32 = 0x0000_0008;
        const CREATE_NEW_PROCESS_GROUP: u32 = 0x0000_0200;
        cmd.creation_flags(DETACHED_PROCESS | CREATE_NEW_PROCESS_GROUP);
    }
    let _ = cmd.spawn();
}

/// Reads the host's stdin JSON without ever blocking the session: at most `cap` bytes, and only
/// what arrives within `limit` (a host writes it all at once and closes stdin).
fn read_stdin(limit: Duration, cap: usize) -> Vec<u8> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        return Vec::new();
    }
    read_stdin_bounded(limit, cap)
}

/// Unix: poll the descriptor, no thread needed.
#[cfg(unix)]
fn read_stdin_bounded(limit: Duration, cap: usize) -> Vec<u8> {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    let stdin = std::io::stdin();
    let deadline = std::time::Instant::now() + limit;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16384];
    while buf.len() <= cap {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let timeout = Timespec { tv_sec: left.as_secs() as _, tv_nsec: left.subsec_nanos() as _ };
        let mut fds = [PollFd::new(&stdin, PollFlags::IN)];
        match poll(&mut fds, Some(&timeout)) {
            Ok(n) if n > 0 => {}
            _ => break, // timed out or failed: use what arrived
        }
        match stdin.lock().read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    buf
}

/// Elsewhere: a reader thread, abandoned if the host never closes stdin.
#[cfg(not(unix))]
fn read_stdin_bounded(limit: Duration, cap: usize) -> Vec<u8> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = std::io::stdin().lock().take(cap as u64 + 1).read_to_end(&mut buf);
        let _ = tx.send(buf);
    });
    rx.recv_timeout(limit).unwrap_or_default()
}
