//! A host's isolated world: temporary HOME and project, a copy of the package, a clean environment.

use super::process::{Output, exec};
use super::setup::Ctx;
use super::{Layout, SLOW};
use serde_json::Value;
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

pub(super) struct Space<'a> {
    pub ctx: &'a Ctx,
    pub layout: Layout,
    /// How its lines name it: `claude`, or `claude [universal]`.
    pub label: String,
    pub home: PathBuf,
    pub project: PathBuf,
    /// The copy of the package.
    pub package: PathBuf,
    /// PATH for its commands: the pinned CLIs first, and the pinned Node.js for the hosts that
    /// need it.
    pub path: &'a OsString,
    /// Extra environment for every command of this host.
    pub env: Vec<(String, String)>,
}

impl Space<'_> {
    /// A command with a clean environment: only PATH, a few locale and shell variables, the
    /// temporary HOME and XDG dirs, and this host's own variables; run in the project directory.
    pub fn command(&self, program: &str) -> Command {
        let pinned = self.ctx.npm_bin.join(program);
        let mut cmd = Command::new(if pinned.exists() { pinned.into_os_string() } else { program.into() });
        cmd.env_clear().current_dir(&self.project).env("PATH", self.path);
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
        for (key, value) in &self.env {
            cmd.env(key, value);
        }
        cmd
    }

    /// `program args…` as [`Space::command`] makes it.
    pub fn command_with(&self, program: &str, args: &[&str]) -> Command {
        let mut cmd = self.command(program);
        cmd.args(args);
        cmd
    }

    /// Runs `program args…` (stdin empty) and keeps its output under `logs/` (see [`Space::log`]).
    pub fn run(&self, label: &str, program: &str, args: &[&str], timeout: Duration) -> Output {
        exec(self.command_with(program, args), timeout, &self.log(label), None)
    }

    /// Runs a session against the fake model (logged as `label`): its output, and the requests
    /// the model server got while it ran.
    pub fn session(&self, label: &str, cmd: Command) -> (Output, Vec<Value>) {
        let mark = self.ctx.server.mark();
        let out = exec(cmd, SLOW, &self.log(label), None);
        (out, self.ctx.server.since(mark))
    }

    /// `logs/<host>-<what>`, or `logs/<host>-universal-<what>`.
    pub fn log(&self, what: &str) -> PathBuf {
        let name = self.label.replace(" [", "-").replace(']', "");
        self.ctx.scratch.join("logs").join(format!("{name}-{what}"))
    }

    pub fn package_str(&self) -> String {
        self.package.display().to_string()
    }
}
