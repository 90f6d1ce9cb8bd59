//! `cargo xtask e2e`: do the real host CLIs accept, install and run the packages we build?
//!
//! The checks run offline and isolated: pinned CLIs installed once into `target/e2e/cache` (the
//! one step that needs the npm registry and PyPI), a fresh temporary HOME (and XDG dirs,
//! CODEX_HOME, settings files) per host, dummy API keys, a copy of each package, and an
//! in-process fake model server (`fake_model`) standing in for every model API, recording what
//! the hosts send and, in the sessions that need one, asking for a tool call.
//! Each check prints one line, `PASS host: what` or `FAIL host: what: reason` with the tail of
//! the command's output, also written to `target/e2e/report.txt`; every command has a timeout and
//! is killed, with its children, when it runs over. Exit 0 when all pass, 1 when a check failed,
//! 2 when the run could not be set up.
//!
//! Two layouts are checked: each host's own package (`plugins/<host>/`) and, for every host with
//! a CLI, a copy of the one universal tree (`plugins/universal/`) in which each host finds its
//! own manifest; those lines read `PASS host [universal]: what`.
//!
//! The modules: `hosts` (the one table of hosts, and a file per host), `setup` (what a run
//! needs), `install` (the pinned clients and the packages), `process` (commands with timeouts),
//! `fake_model` (the model server), `space` (a host's isolated world), `package` (what a package
//! says about itself), `checks` (checks every host shares) and `report` (PASS and FAIL lines).

mod checks;
mod fake_model;
mod hosts;
mod install;
mod package;
mod process;
mod report;
mod setup;
mod space;
mod tools;

pub(crate) use install::SKILLS_REF;
use report::Report;
use setup::Ctx;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// The directory of the plugins tree that holds the universal layout.
const UNIVERSAL: &str = "universal";
/// What the fake model answers; a run passes only if the host prints it.
const REPLY: &str = "OK-FAKE-REPLY";
const PROMPT: &str = "hi";
/// The file the guard session's shell command would create, and what the guard pack's guard
/// (`xtask/e2e/packs/guard/hooks/scripts/guard.sh`) tells the model when it blocks it.
const GUARD_MARKER: &str = "e2e-guard-marker";
const GUARD_REASON: &str = "E2E-GUARD-BLOCKED";

/// Where the report (every PASS and FAIL line with its details) is written.
const REPORT_FILE: &str = "target/e2e/report.txt";

const QUICK: Duration = Duration::from_secs(60);
const SLOW: Duration = Duration::from_secs(120);

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
    process::interrupt::install();
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
    let report_file = root.join(REPORT_FILE);
    let mut report = match Report::create(&report_file) {
        Ok(report) => report,
        Err(e) => {
            eprintln!("e2e setup failed: {e}");
            return ExitCode::from(2);
        }
    };
    for package in &ctx.packages {
        hosts::check(&ctx, package, Layout::Host, &mut report);
    }
    if !ctx.universal.is_empty() {
        hosts::universal_skills(&ctx, &mut report);
        for host in &ctx.universal {
            hosts::check(&ctx, host.id, Layout::Universal, &mut report);
        }
    }
    let Ctx { server, scratch, .. } = ctx;
    drop(server);
    if report.failed > 0 || options.keep {
        eprintln!("e2e: scratch directory kept: {}", scratch.display());
    } else {
        let _ = fs::remove_dir_all(&scratch);
    }
    let took = started.elapsed().as_secs_f64();
    eprintln!("e2e: finished in {took:.1} s; the report is in {}", report_file.display());
    let summary = format!("{} passed, {} failed in {took:.0} s", report.passed, report.failed);
    report.note(&summary);
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

    /// Whether `--only` (if given) names this host.
    fn wants(&self, host: &str) -> bool {
        self.only.as_ref().is_none_or(|only| only.iter().any(|h| h == host))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<Options>, String> {
        Options::parse(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn layout_option() {
        let layouts = |args: &[&str]| parse(args).map(|o| o.map(|o| o.layouts));
        assert!(layouts(&[]) == Ok(Some(vec![Layout::Host, Layout::Universal])));
        assert!(layouts(&["--layout", "universal"]) == Ok(Some(vec![Layout::Universal])));
        assert!(layouts(&["--layout=host"]) == Ok(Some(vec![Layout::Host])));
        assert!(layouts(&["--layout", "both"]) == Ok(Some(vec![Layout::Host, Layout::Universal])));
        assert!(layouts(&["--layout", "flat"]).is_err());
        assert!(layouts(&["--layout"]).is_err());
    }

    #[test]
    fn only_option() {
        let options = parse(&["--only", "codex, pi,", "--keep"]).unwrap().unwrap();
        assert!(options.keep);
        assert!(options.wants("codex") && options.wants("pi") && !options.wants("claude"));
        assert!(parse(&[]).unwrap().unwrap().wants("claude"));
        assert!(parse(&["--only", ","]).is_err());
        assert!(parse(&["--bogus"]).is_err());
        assert!(parse(&["--help"]).unwrap().is_none());
    }
}
