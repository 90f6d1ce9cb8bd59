//! A host's isolated world: temporary HOME and project, a copy of the package, a clean environment.

use super::fake_model::Act;
use super::process::{Output, exec, exec_until};
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

    /// Runs a session against the fake model (logged as `label`): its output, and what the
    /// model server recorded for this space while it ran.
    pub fn session(&self, label: &str, cmd: Command) -> (Output, Vec<Value>) {
        self.session_acting(label, cmd, None)
    }

    /// [`Space::session`], in which the fake model answers the first turn with `act`.
    pub fn session_acting(&self, label: &str, cmd: Command, act: Option<Act>) -> (Output, Vec<Value>) {
        let (server, key) = (&self.ctx.server, self.key());
        let mark = server.records(&key, 0).len();
        server.act(&key, act);
        let out = exec(cmd, SLOW, &self.log(label), None);
        server.act(&key, None);
        (out, server.records(&key, mark))
    }

    /// Runs a session that does not end by itself (an interactive one) until one of the requests
    /// the model server recorded for this space while it ran satisfies `wanted` (then it is
    /// killed and marked `stopped`), or until it times out: its output, and those requests.
    pub fn session_until(
        &self,
        label: &str,
        cmd: Command,
        wanted: &dyn Fn(&Value) -> bool,
    ) -> (Output, Vec<Value>) {
        let (server, key) = (&self.ctx.server, self.key());
        let mark = server.records(&key, 0).len();
        let done = || server.records(&key, mark).iter().any(wanted);
        let out = exec_until(cmd, SLOW, &self.log(label), None, &done);
        (out, server.records(&key, mark))
    }

    /// The fake model's base URL for this space (its requests are recorded under [`Space::key`]).
    pub fn model_url(&self) -> String {
        self.ctx.server.url_for(&self.key())
    }

    /// `claude`, or `claude-universal`: names its logs and its requests to the fake model.
    pub fn key(&self) -> String {
        self.label.replace(" [", "-").replace(']', "")
    }

    /// `logs/<host>-<what>`, or `logs/<host>-universal-<what>`.
    pub fn log(&self, what: &str) -> PathBuf {
        self.ctx.scratch.join("logs").join(format!("{}-{what}", self.key()))
    }

    pub fn package_str(&self) -> String {
        self.package.display().to_string()
    }
}
