//! Running commands with timeouts, each in a process group of its own, killed whole when need be.

use super::report::{Failure, tail};
use std::fs;
use std::io;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(super) struct Output {
    started: bool,
    /// None when it did not start or was killed.
    code: Option<i32>,
    timed_out: bool,
    /// Killed because what it was run for had happened (see [`exec_until`]).
    pub stopped: bool,
    timeout: Duration,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn success(&self) -> bool {
        self.code == Some(0)
    }

    /// It could not be started (e.g. the program is not installed).
    pub fn did_not_start(&self) -> bool {
        !self.started
    }

    pub fn status_text(&self) -> String {
        match self.code {
            _ if self.timed_out => format!("timed out after {} s", self.timeout.as_secs()),
            _ if self.stopped => "stopped once done".into(),
            Some(code) => format!("exit {code}"),
            None if self.started => "killed by a signal".into(),
            None => "did not start".into(),
        }
    }

    /// The last lines of stderr, or of stdout when stderr is empty.
    pub fn tail(&self) -> String {
        let text = if self.stderr.trim().is_empty() { &self.stdout } else { &self.stderr };
        tail(text, 12)
    }

    /// A failure for a command that did not exit 0.
    pub fn failure(&self) -> Failure {
        Failure { reason: self.status_text(), tail: self.tail() }
    }

    pub fn require_success(&self) -> Result<(), Failure> {
        if self.success() { Ok(()) } else { Err(self.failure()) }
    }

    /// `failure`, showing the tail of this command's output.
    pub fn with_tail(&self, failure: Failure) -> Failure {
        Failure { tail: self.tail(), ..failure }
    }
}

/// Runs `cmd` with stdout and stderr to `log.out` and `log.err`, and stdin from `input` (or
/// nothing); kills its process group when it runs past `timeout`. Output goes to files, never
/// pipes: Node and Bun exit before a pipe drains, which cuts big JSON at 64 KiB.
pub(super) fn exec(cmd: Command, timeout: Duration, log: &Path, input: Option<&str>) -> Output {
    exec_until(cmd, timeout, log, input, &|| false)
}

/// [`exec`], which also stops the command (and marks it `stopped`) as soon as `done()` holds:
/// for a command that would not exit by itself, such as an interactive session. It is asked to
/// end (SIGTERM to its process group, which a wrapper such as script(1) passes on to the session
/// it runs, and waits for) and killed only if it is still running after a grace period: so
/// what it ran has ended, and sends nothing more, by the time this returns.
pub(super) fn exec_until(
    mut cmd: Command,
    timeout: Duration,
    log: &Path,
    input: Option<&str>,
    done: &dyn Fn() -> bool,
) -> Output {
    let mut output = Output {
        started: false,
        code: None,
        timed_out: false,
        stopped: false,
        timeout,
        stdout: String::new(),
        stderr: String::new(),
    };
    let out_path = log.with_extension("out");
    let err_path = log.with_extension("err");
    let files = (|| -> io::Result<(fs::File, fs::File, Stdio)> {
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
    let mut child = match spawn(&mut cmd) {
        Ok(child) => child,
        Err(e) => {
            output.stderr = format!("cannot run {:?}: {e}", cmd.get_program());
            return output;
        }
    };
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
            Ok(None) if done() => {
                stop_tree(&mut child);
                output.stopped = true;
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

/// Starts `cmd` in a process group of its own, as the command a Ctrl-C kills (see
/// [`interrupt`]); stop it with [`kill_tree`].
pub(super) fn spawn(cmd: &mut Command) -> io::Result<Child> {
    own_process_group(cmd);
    let child = cmd.spawn()?;
    interrupt::running(Some(&child));
    Ok(child)
}

/// Makes `cmd` start a process group of its own, which [`kill_tree`] kills as a whole.
pub(super) fn own_process_group(cmd: &mut Command) {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    #[cfg(not(unix))]
    let _ = cmd;
}

/// Sends SIGTERM to the process group of a still-running child started with
/// [`own_process_group`] and gives the child [`GRACE`] to exit; kills the group
/// ([`kill_tree`]) if it is still running then.
pub(super) fn stop_tree(child: &mut Child) {
    #[cfg(unix)]
    let _ = rustix::process::kill_process_group(
        rustix::process::Pid::from_child(child),
        rustix::process::Signal::TERM,
    );
    let until = Instant::now() + GRACE;
    while Instant::now() < until {
        match child.try_wait() {
            // Reaped: its pid (and group id) may name another process from now on.
            Ok(Some(_)) => return interrupt::running(None),
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(_) => break,
        }
    }
    kill_tree(child);
}

/// How long [`stop_tree`] lets a command end by itself.
const GRACE: Duration = Duration::from_secs(10);

/// Kills a still-running child started with [`own_process_group`] and everything it started.
pub(super) fn kill_tree(child: &mut Child) {
    // The child is not reaped yet, so its pid is still the id of its own process group and
    // names nothing else.
    #[cfg(unix)]
    let _ = rustix::process::kill_process_group(
        rustix::process::Pid::from_child(child),
        rustix::process::Signal::KILL,
    );
    let _ = child.kill();
    interrupt::running(None);
    let _ = child.wait();
}

/// Children run in their own process groups (so a timeout can kill all they started), which
/// also keeps a terminal's Ctrl-C from reaching them: on SIGINT or SIGTERM this process kills
/// the group of the command running at the time, then dies of the signal. (The fake model
/// server stops by itself once this process is gone.)
#[cfg(unix)]
pub(super) mod interrupt {
    use rustix::process::{Pid, Signal, getpid, kill_process, kill_process_group};
    use std::process::Child;
    use std::sync::atomic::{AtomicI32, Ordering};

    /// The process group of the command running now, or 0.
    static RUNNING: AtomicI32 = AtomicI32::new(0);

    pub fn install() {
        // SAFETY: all zeroes is a valid sigaction on every Unix: no flags, an empty mask.
        let mut action: libc::sigaction = unsafe { std::mem::zeroed() };
        action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
        // The default action comes back as the handler starts, so the handler can die of the
        // signal by sending it again, without changing any signal's action itself.
        action.sa_flags = libc::SA_RESETHAND;
        for signal in [libc::SIGINT, libc::SIGTERM] {
            // SAFETY: the handler makes only async-signal-safe calls (an atomic load, kill(2),
            // getpid(2)); the old action is not asked for.
            unsafe { libc::sigaction(signal, &action, std::ptr::null_mut()) };
        }
    }

    pub fn running(child: Option<&Child>) {
        let pgid = child.map_or(0, |c| Pid::from_child(c).as_raw_nonzero().get());
        RUNNING.store(pgid, Ordering::SeqCst);
    }

    extern "C" fn on_signal(signal: libc::c_int) {
        // `pgid` is the group of a child that has not been reaped (0: none runs).
        if let Some(pgid) = Pid::from_raw(RUNNING.load(Ordering::SeqCst)) {
            let _ = kill_process_group(pgid, Signal::KILL);
        }
        // Its action is the default again (SA_RESETHAND): sent now, it kills this process, at
        // once or (where it is blocked while its handler runs) as the handler returns.
        if let Some(signal) = Signal::from_named_raw(signal) {
            let _ = kill_process(getpid(), signal);
        }
    }
}

#[cfg(not(unix))]
pub(super) mod interrupt {
    pub fn install() {}
    pub fn running(_: Option<&std::process::Child>) {}
}

pub(super) fn read_lossy(path: &Path) -> String {
    fs::read(path).map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

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
