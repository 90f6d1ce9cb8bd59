//! What the `skillwright` binary (and the Node.js addon) does inside an installed package: the
//! session-start hook, the store, metrics, feedback, the dashboard and skill search.
//!
//! Nothing here reads process globals: the state directory and the few environment settings come
//! in as an [`Env`], so the CLI, the addon and the tests each say where state lives. Everything on
//! the hook's path degrades instead of failing: a hook must never break a session.

#![forbid(unsafe_code)]

pub mod dashboard;
pub mod event;
pub mod feedback;
pub mod hook;
#[cfg(feature = "mcp")]
pub mod mcp;
pub mod metrics;
pub mod package;
pub mod search;
pub mod state;
pub mod store;
pub mod tamper;
pub mod trust;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Where state lives and the settings that change what the runtime does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env {
    /// The state directory (`$SKILLWRIGHT_HOME`, else `~/.skillwright`); `None` when there is no
    /// home to put it in.
    pub home: Option<PathBuf>,
    /// The session id runs are tagged with (`$SKILLWRIGHT_SESSION`).
    pub session: Option<String>,
    /// `SKILLWRIGHT_DISABLE=1`: hooks add nothing.
    pub disabled: bool,
    /// The project the agent works in (`$SKILLWRIGHT_PROJECT`, else the caller's working tree),
    /// recorded with stored values and runs.
    pub project: Option<PathBuf>,
}

/// There is no state directory to use.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("no state directory: set SKILLWRIGHT_HOME or HOME")]
pub struct NoHome;

impl Env {
    /// The environment described by the variables `var` returns (the process's, in the binaries).
    pub fn from_vars(var: impl Fn(&str) -> Option<OsString>) -> Env {
        let set = |k: &str| var(k).filter(|v| !v.is_empty());
        let home = set("SKILLWRIGHT_HOME").map(PathBuf::from).or_else(|| {
            set("HOME").or_else(|| set("USERPROFILE")).map(|h| PathBuf::from(h).join(".skillwright"))
        });
        let session = set("SKILLWRIGHT_SESSION")
            .and_then(|s| s.into_string().ok())
            .filter(|s| s.len() < 200 && !s.chars().any(char::is_control));
        let disabled = var("SKILLWRIGHT_DISABLE").is_some_and(|v| v == "1");
        let project = set("SKILLWRIGHT_PROJECT").map(PathBuf::from);
        Env { home, session, disabled, project }
    }

    /// This environment, with the project taken from `cwd` when none was set: the enclosing git
    /// working tree, else `cwd` itself.
    pub fn in_dir(mut self, cwd: Option<&Path>) -> Env {
        if self.project.is_none() {
            self.project = cwd
                .map(|d| d.ancestors().take(64).find(|a| a.join(".git").exists()).unwrap_or(d).to_path_buf());
        }
        self
    }

    /// A state directory at `home` and nothing else set (tests, embedders).
    pub fn at(home: impl Into<PathBuf>) -> Env {
        Env { home: Some(home.into()), ..Env::default() }
    }

    /// The state directory.
    pub fn home(&self) -> Result<&Path, NoHome> {
        self.home.as_deref().ok_or(NoHome)
    }
}

/// Creates `dir` (and parents) with mode 0700 on Unix.
pub fn ensure_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_from_variables() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| OsString::from(v))
        };
        let e = Env::from_vars(vars(&[("HOME", "/h"), ("SKILLWRIGHT_DISABLE", "1")]));
        assert_eq!(e.home.as_deref(), Some(Path::new("/h/.skillwright")));
        assert!(e.disabled);
        let e = Env::from_vars(vars(&[
            ("HOME", "/h"),
            ("SKILLWRIGHT_HOME", "/s"),
            ("SKILLWRIGHT_SESSION", "a\nb"),
        ]));
        assert_eq!((e.home.as_deref(), e.session), (Some(Path::new("/s")), None));
        assert!(Env::from_vars(vars(&[("HOME", "")])).home().is_err());
    }
}
