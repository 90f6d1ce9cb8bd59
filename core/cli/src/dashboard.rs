//! `skillwright dashboard` (an HTML page of how the skills are doing) and `skillwright status`
//! (the same, in five lines of text).

use crate::Result;
use crate::runtime::{Skills, env, package_root};
use clap::Args;
use skillwright_model::context::Index;
use skillwright_model::fsio;
use skillwright_model::text::one_line;
use skillwright_runtime::trust::{self, Verdict};
use skillwright_runtime::{dashboard, feedback, metrics, store::Store};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub struct DashboardArgs {
    /// Where to write the page (default: dashboard.html in the state directory).
    #[arg(long, value_name = "FILE.html")]
    out: Option<PathBuf>,
    /// Package root (default: the package that ships this binary; outside a package the page
    /// covers what local state holds).
    #[arg(long)]
    root: Option<PathBuf>,
}

/// The package the command is about: `--root`, else the one that ships this binary, if any.
fn package(root: Option<PathBuf>) -> Result<Option<(PathBuf, Index)>> {
    let explicit = root.is_some();
    match package_root(root) {
        Ok(root) => Ok(Some((root.clone(), Skills::load(Some(root))?.index()))),
        Err(e) if explicit => Err(e),
        Err(_) => Ok(None),
    }
}

pub fn dashboard(a: DashboardArgs) -> Result<ExitCode> {
    let env = env();
    let pkg = package(a.root)?;
    let dir = metrics::dir(&env)?;
    let (runs, bad) = metrics::read(&dir, None);
    // Shown on the page: under the user's home, as `~/…`.
    let home = env.home()?;
    let home = match std::env::var_os("HOME").map(PathBuf::from).and_then(|h| home.strip_prefix(h).ok()) {
        Some(rest) => Path::new("~").join(rest).display().to_string(),
        None => home.display().to_string(),
    };
    let generated = metrics::now();
    let page = dashboard::render(&dashboard::Input {
        index: pkg.as_ref().map(|(_, idx)| idx),
        runs: &runs,
        generated: &generated,
        state: Some(&home),
    });
    let out = a.out.unwrap_or_else(|| env.home.clone().unwrap_or_default().join("dashboard.html"));
    // The page holds local notes and project paths: readable by its owner only.
    fsio::write_atomic(&out, page.as_bytes(), fsio::WriteOptions { mode: 0o600, durable: false })
        .map_err(|e| format!("{}: {e}", out.display()))?;
    if bad > 0 {
        errln!("skipped {bad} unreadable metrics line(s)");
    }
    errln!("dashboard of {} runs written; open it in a browser:", runs.len());
    outln!("{}", out.display());
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct StatusArgs {
    /// Package root (default: the package that ships this binary).
    #[arg(long)]
    root: Option<PathBuf>,
}

/// The integrity verdict on the package at `root`, in a line.
fn integrity(root: &Path, pack: &str) -> String {
    let check = match skillwright_model::integrity::check_dir(root, true) {
        Ok(c) => c,
        Err(e) => return format!("cannot check: {}", one_line(&e.to_string(), 200)),
    };
    match trust::judge(&check, None, &[], &trust::load(&env())) {
        Verdict::Verified { key, .. } => {
            format!("verified: intact and signed by the key pinned for it ({key})")
        }
        Verdict::Unpinned { key } => format!(
            "intact, signed by {key}, which is not pinned: check it with the publisher, then `skillwright trust add {} {key}`",
            one_line(pack, 64)
        ),
        Verdict::Unsigned => "intact as built, unsigned".to_string(),
        Verdict::Failed { problems } => format!(
            "FAILED: {} problem(s), first: {}; `skillwright verify {}` lists them",
            problems.len(),
            problems.first().map_or(String::new(), |p| one_line(p, 120)),
            root.display()
        ),
    }
}

pub fn status(a: StatusArgs) -> Result<ExitCode> {
    let env = env();
    let pkg = package(a.root)?;
    match &pkg {
        Some((root, idx)) => {
            let name = if idx.pack.is_empty() {
                "(a skills directory)".to_string()
            } else {
                one_line(&idx.pack, 64)
            };
            outln!(
                "pack       {name} {} ({} skills) at {}",
                one_line(&idx.version, 40),
                idx.skills.len(),
                root.display()
            );
            outln!("integrity  {}", integrity(root, &idx.pack));
        }
        None => {
            outln!("pack       none: this skillwright is not running from inside a package; pass --root");
            outln!("integrity  -");
        }
    }
    let dir = metrics::dir(&env)?;
    if !dir.join(metrics::SUMMARY).is_file() {
        // Runs written by hand or an older version: count them once, then read the tally.
        let _ = metrics::rebuild_summary(&dir);
    }
    let mut tallies = metrics::read_summary(&dir);
    if let Some((_, idx)) = &pkg {
        tallies.retain(|skill, _| idx.get(skill).is_some());
    }
    let (runs, uses) = tallies.values().fold((0, 0), |(r, u), t| (r + t.runs, u + t.uses));
    let stored = Store::open(&env)?.list("")?.len();
    outln!(
        "state      {}: {runs} runs and {uses} uses of {} skills, {stored} stored values",
        env.home()?.display(),
        tallies.len()
    );
    let pct = |r: Option<f64>| r.map_or("-".to_string(), |r| format!("{:.0}%", r * 100.0));
    let top: Vec<String> = feedback::top(&tallies, 3)
        .into_iter()
        .map(|(s, t)| format!("{} {} of {} runs", one_line(s, 64), pct(t.rate()), t.scored))
        .collect();
    outln!(
        "top        {}",
        if top.is_empty() {
            format!("none yet ({} scored runs per skill needed)", feedback::MIN_RUNS)
        } else {
            top.join(", ")
        }
    );
    let declining: Vec<String> = tallies
        .iter()
        .filter(|(_, t)| t.declining())
        .map(|(s, t)| {
            format!("{} {} recently, {} overall", one_line(s, 64), pct(t.recent_rate()), pct(t.rate()))
        })
        .collect();
    outln!("declining  {}", if declining.is_empty() { "none".to_string() } else { declining.join("; ") });
    Ok(ExitCode::SUCCESS)
}
