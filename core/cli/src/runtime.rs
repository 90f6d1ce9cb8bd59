//! Runtime commands, run inside an installed package (and by agents following the skills).

use crate::Result;
use clap::{Args, Subcommand, ValueEnum};
use skillwright_model::context::{Index, summary};
use skillwright_runtime::{Env, feedback, hook, metrics, package, search, store::Store};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Subcommand)]
pub enum HookCommand {
    /// Print the session-start payload for HOST on stdout, in the shape that host reads.
    ///
    /// Exits 0 with the payload (an empty one with SKILLWRIGHT_DISABLE=1 or for a resumed
    /// session); exits 2 with a message on stderr when the package cannot be read or does not
    /// serve HOST; the package's launcher then prints its pre-rendered payload instead.
    SessionStart {
        /// Host id (the hosts are listed below).
        #[arg(long)]
        host: String,
        /// Package root (default: the package that ships this binary under bin/<triple>/).
        #[arg(long)]
        root: Option<PathBuf>,
    },
}

/// The package root: `--root`, else the package that ships this binary.
fn package_root(root: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(r) = root {
        return Ok(r);
    }
    std::env::current_exe().ok().and_then(|exe| package::enclosing(&exe)).ok_or_else(|| {
        "this skillwright is not running from inside a package; pass --root with the package directory".into()
    })
}

/// The process environment, as the runtime takes it.
pub fn env() -> Env {
    Env::from_vars(|k| std::env::var_os(k))
}

/// Reads the host's stdin JSON without ever blocking the session: at most 1 MiB, and only what
/// arrives within 100 ms.
fn read_stdin() -> Vec<u8> {
    use std::io::IsTerminal;
    if std::io::stdin().is_terminal() {
        return Vec::new();
    }
    read_stdin_bounded(Duration::from_millis(100))
}

/// Unix: poll the descriptor, no thread needed.
#[cfg(unix)]
fn read_stdin_bounded(limit: Duration) -> Vec<u8> {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    let stdin = std::io::stdin();
    let deadline = std::time::Instant::now() + limit;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16384];
    while buf.len() < 1024 * 1024 {
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
    buf.truncate(1024 * 1024);
    buf
}

/// Elsewhere: a reader thread, abandoned if the host never closes stdin.
#[cfg(not(unix))]
fn read_stdin_bounded(limit: Duration) -> Vec<u8> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = std::io::stdin().lock().take(1024 * 1024).read_to_end(&mut buf);
        let _ = tx.send(buf);
    });
    rx.recv_timeout(limit).unwrap_or_default()
}

pub fn hook(c: HookCommand) -> Result<ExitCode> {
    match c {
        HookCommand::SessionStart { host, root } => {
            let payload = std::panic::catch_unwind(|| -> Result<String> {
                let root = package_root(root)?;
                let input = hook::HostInput::parse(&read_stdin());
                let exe = std::env::current_exe().ok().map(|p| p.display().to_string());
                Ok(hook::session_start(&host, &root, &input, exe.as_deref(), &env())?)
            })
            .unwrap_or_else(|_| Err("internal error while building the payload".into()))?;
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(payload.as_bytes());
            let _ = out.write_all(b"\n");
            let _ = out.flush();
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[derive(Subcommand)]
pub enum SkillsCommand {
    /// List the package's skills with one-line descriptions.
    List(RootArg),
    /// Print a skill's SKILL.md.
    Show {
        /// Skill name.
        name: String,
        #[command(flatten)]
        root: RootArg,
    },
    /// Find the skills that best match a request, best first.
    Search {
        /// Words describing the task, e.g. "the build got slow".
        text: Vec<String>,
        /// How many results to show.
        #[arg(long, default_value_t = 5)]
        limit: usize,
        #[command(flatten)]
        root: RootArg,
    },
}

#[derive(Args)]
pub struct RootArg {
    /// Package root, or a skills directory (default: the package that ships this binary).
    #[arg(long)]
    root: Option<PathBuf>,
}

/// Where a skill's text comes from: an installed package, or a skills source directory.
enum Skills {
    Package(PathBuf, Index),
    Source(skillwright_model::SkillSet),
}

impl Skills {
    fn load(root: Option<PathBuf>) -> Result<Skills> {
        let root = package_root(root)?;
        match package::index(&root) {
            Ok(idx) => Ok(Skills::Package(root, idx)),
            Err(package::Error::NotAPackage { .. }) if root.is_dir() => {
                // An author's skills directory: read it as the build would.
                let (set, _) = skillwright_build::load(&root, &skillwright_build::validate::Hosts::builtin())
                    .map_err(|e| format!("{e}; pass --root with a package or a skills directory"))?;
                Ok(Skills::Source(set))
            }
            Err(e) => Err(e.into()),
        }
    }

    fn index(&self) -> Index {
        match self {
            Skills::Package(_, idx) => idx.clone(),
            Skills::Source(set) => Index {
                skills: set
                    .skills
                    .iter()
                    .map(|s| skillwright_model::context::IndexSkill {
                        name: s.name().to_string(),
                        description: s.description().to_string(),
                        dir: s.dir.clone(),
                        tracks: s.meta.metrics_tracks.clone(),
                    })
                    .collect(),
                ..Index::default()
            },
        }
    }

    fn show(&self, name: &str) -> Result<String> {
        match self {
            Skills::Package(root, idx) => Ok(package::skill_md(root, idx, name)?),
            Skills::Source(set) => {
                set.skills.iter().find(|s| s.name() == name).map(|s| s.source.clone()).ok_or_else(|| {
                    format!("no skill `{name}` in this pack; `skillwright skills list` shows them").into()
                })
            }
        }
    }
}

pub fn skills(c: SkillsCommand) -> Result<ExitCode> {
    match c {
        SkillsCommand::List(r) => {
            let idx = Skills::load(r.root)?.index();
            for s in &idx.skills {
                println!("{:<32} {}", s.name, summary(&s.description, 100));
            }
            Ok(ExitCode::SUCCESS)
        }
        SkillsCommand::Show { name, root } => {
            let text = Skills::load(root.root)?.show(&name)?;
            print!("{}", skillwright_model::text::clean(&text));
            Ok(ExitCode::SUCCESS)
        }
        SkillsCommand::Search { text, limit, root } => {
            let idx = Skills::load(root.root)?.index();
            let hits = search::search(&idx.skills, &text.join(" "));
            if hits.is_empty() {
                eprintln!("no skill matches; `skillwright skills list` shows them all");
                return Ok(ExitCode::from(1));
            }
            for (s, score) in hits.into_iter().take(limit) {
                println!("{:<32} {:>5.2}  {}", s.name, score, summary(&s.description, 90));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[derive(Subcommand)]
pub enum StoreCommand {
    /// Print a value (exit 1 if unset).
    Get { key: String },
    /// Set a value.
    Set { key: String, value: String },
    /// Delete a key (exit 1 if it did not exist).
    Delete { key: String },
    /// Exit 0 if the key is set, 1 if not.
    Exists { key: String },
    /// List keys, one per line, optionally only those starting with PREFIX.
    List { prefix: Option<String> },
    /// Append a line to a value.
    Append { key: String, line: String },
    /// Add to an integer value (default 1) and print the result; safe under concurrent callers.
    Incr {
        key: String,
        #[arg(default_value_t = 1, allow_negative_numbers = true)]
        by: i64,
    },
}

pub fn store(c: StoreCommand) -> Result<ExitCode> {
    let s = Store::open(&env())?;
    let code = match c {
        StoreCommand::Get { key } => match s.get(&key)? {
            Some(v) => {
                print!("{v}");
                if !v.ends_with('\n') {
                    println!();
                }
                0
            }
            None => 1,
        },
        StoreCommand::Set { key, value } => {
            s.set(&key, &value)?;
            0
        }
        StoreCommand::Delete { key } => u8::from(!s.delete(&key)?),
        StoreCommand::Exists { key } => u8::from(s.get(&key)?.is_none()),
        StoreCommand::List { prefix } => {
            for k in s.list(prefix.as_deref().unwrap_or(""))? {
                println!("{k}");
            }
            0
        }
        StoreCommand::Append { key, line } => {
            s.append(&key, &line)?;
            0
        }
        StoreCommand::Incr { key, by } => {
            println!("{}", s.incr(&key, by)?);
            0
        }
    };
    Ok(ExitCode::from(code))
}

#[derive(Clone, Copy, ValueEnum)]
pub enum OutcomeArg {
    Success,
    Failure,
    Partial,
    Skipped,
}

#[derive(Subcommand)]
pub enum MetricsCommand {
    /// Record one run of a skill.
    Record {
        /// Skill name.
        #[arg(long)]
        skill: String,
        /// How it ended.
        #[arg(long, value_enum)]
        outcome: OutcomeArg,
        /// How long it took, in seconds.
        #[arg(long)]
        duration_s: Option<f64>,
        /// What happened, in a few words.
        #[arg(long)]
        notes: Option<String>,
    },
}

pub fn metrics(c: MetricsCommand) -> Result<ExitCode> {
    match c {
        MetricsCommand::Record { skill, outcome, duration_s, notes } => {
            let outcome = match outcome {
                OutcomeArg::Success => metrics::Outcome::Success,
                OutcomeArg::Failure => metrics::Outcome::Failure,
                OutcomeArg::Partial => metrics::Outcome::Partial,
                OutcomeArg::Skipped => metrics::Outcome::Skipped,
            };
            let run = metrics::record(&env(), &skill, outcome, duration_s, notes.as_deref())?;
            eprintln!("recorded {} {:?} at {}", run.skill, run.outcome, run.ts);
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[derive(Args)]
pub struct FeedbackArgs {
    /// Only this skill.
    #[arg(long)]
    skill: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: FeedbackFormat,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum FeedbackFormat {
    Text,
    Json,
}

pub fn feedback(a: FeedbackArgs) -> Result<ExitCode> {
    let (runs, bad) = metrics::read(&metrics::dir(&env())?, None);
    let fb = feedback::compute(&runs, a.skill.as_deref());
    match a.format {
        FeedbackFormat::Json => println!("{}", serde_json::to_string_pretty(&fb)?),
        FeedbackFormat::Text => {
            if fb.is_empty() {
                println!(
                    "no runs recorded yet; record one with `skillwright metrics record --skill NAME --outcome success`"
                );
            }
            let pct = |r: Option<f64>| r.map_or("-".to_string(), |r| format!("{:.0}%", r * 100.0));
            for f in &fb {
                let trend = if f.declining { "  declining" } else { "" };
                println!(
                    "{:<32} {:>4} runs  {:>4}  recent {:>4}  {:<6}{trend}",
                    f.skill,
                    f.runs,
                    pct(f.rate),
                    pct(f.recent_rate),
                    f.tier
                );
                println!("    {}", f.suggestion);
            }
        }
    }
    if bad > 0 {
        eprintln!("skipped {bad} unreadable metrics line(s)");
    }
    Ok(ExitCode::SUCCESS)
}
