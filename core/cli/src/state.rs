//! Commands over local state: `store`, `metrics`, `feedback`, `trust`.

use crate::Result;
use crate::runtime::{Skills, env, print_clean};
use clap::{Args, Subcommand, ValueEnum};
use skillwright_model::text::one_line;
use skillwright_runtime::metrics::{self, NewRun, Outcome, Value};
use skillwright_runtime::{feedback, store::Store, trust};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Lines of each value `store search` prints.
const SHOWN_LINES: usize = 5;

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
    /// List keys, one per line: all of them, or those starting with PREFIX.
    List {
        /// Only keys starting with this.
        #[arg(conflicts_with = "prefix_opt", value_name = "PREFIX")]
        prefix: Option<String>,
        /// The same, as an option.
        #[arg(long = "prefix", value_name = "PREFIX")]
        prefix_opt: Option<String>,
    },
    /// Append a line to a value.
    Append { key: String, line: String },
    /// Add to an integer value (default 1) and print the result; safe under concurrent callers.
    Incr {
        key: String,
        #[arg(default_value_t = 1, allow_negative_numbers = true)]
        by: i64,
    },
    /// Find stored values by words from them (or from their keys), best match first, with when
    /// and in which project each was written.
    Search {
        /// Words to look for, e.g. the words of an error message.
        #[arg(required = true)]
        text: Vec<String>,
        /// Only keys starting with this.
        #[arg(long, default_value = "")]
        prefix: String,
        /// How many results.
        #[arg(long, default_value_t = 5)]
        limit: usize,
        /// Output format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

pub fn store(c: StoreCommand) -> Result<ExitCode> {
    let s = Store::open(&env())?;
    let code = match c {
        StoreCommand::Get { key } => match s.get(&key)? {
            Some(v) => {
                print_clean(&v);
                if !v.ends_with('\n') {
                    outln!();
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
        StoreCommand::List { prefix, prefix_opt } => {
            for k in s.list(prefix.or(prefix_opt).as_deref().unwrap_or(""))? {
                outln!("{k}");
            }
            0
        }
        StoreCommand::Append { key, line } => {
            s.append(&key, &line)?;
            0
        }
        StoreCommand::Incr { key, by } => {
            outln!("{}", s.incr(&key, by)?);
            0
        }
        StoreCommand::Search { text, prefix, limit, format } => {
            let hits = s.search(&text.join(" "), &prefix, limit)?;
            match format {
                Format::Json => {
                    let items: Vec<_> = hits
                        .iter()
                        .map(|(e, score)| serde_json::json!({ "key": e.key, "value": e.value, "ts": e.ts, "project": e.project, "score": score }))
                        .collect();
                    outln!("{}", serde_json::to_string_pretty(&items)?);
                }
                Format::Text => {
                    for (e, score) in &hits {
                        let when = e.ts.as_deref().unwrap_or("-");
                        let project = e
                            .project
                            .as_deref()
                            .map(|p| format!("  [{}]", one_line(p, 80)))
                            .unwrap_or_default();
                        outln!("{}  {score:.2}  {when}{project}", e.key);
                        // A value is often a log, a line per finding: show its first lines.
                        let lines: Vec<&str> = e.value.lines().filter(|l| !l.trim().is_empty()).collect();
                        for l in lines.iter().take(SHOWN_LINES) {
                            outln!("    {}", one_line(l, 200));
                        }
                        if lines.len() > SHOWN_LINES {
                            outln!(
                                "    … {} more line(s): skillwright store get {}",
                                lines.len() - SHOWN_LINES,
                                e.key
                            );
                        }
                    }
                }
            }
            if hits.is_empty() {
                errln!("nothing stored matches; `skillwright store list` shows every key");
                1
            } else {
                0
            }
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
    Used,
}

#[derive(Subcommand)]
pub enum MetricsCommand {
    /// Record one run of a skill of this package.
    Record(RecordArgs),
}

#[derive(Args)]
pub struct RecordArgs {
    /// Skill name (one of the package's skills).
    #[arg(long)]
    skill: String,
    /// How it ended (`used`: the skill was read, no outcome yet).
    #[arg(long, value_enum)]
    outcome: OutcomeArg,
    /// How long it took, in seconds.
    #[arg(long)]
    duration_s: Option<f64>,
    /// What happened, in a few words.
    #[arg(long)]
    notes: Option<String>,
    /// A value of a metric the skill declares in `metadata.metrics-tracks`, as NAME=VALUE (a number or a
    /// short text); repeat for several.
    #[arg(long = "metric", value_name = "NAME=VALUE")]
    metrics: Vec<String>,
    /// Package root (default: the package that ships this binary).
    #[arg(long)]
    root: Option<PathBuf>,
}

pub fn metrics(c: MetricsCommand) -> Result<ExitCode> {
    let MetricsCommand::Record(a) = c;
    let index = Skills::load(a.root)?.index();
    let skill = index.get(&a.skill).ok_or_else(|| {
        format!(
            "this pack has no skill `{}`; its skills: {}",
            one_line(&a.skill, 64),
            index.skills.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
        )
    })?;
    let mut values = Vec::new();
    for m in &a.metrics {
        let (name, value) =
            m.split_once('=').ok_or_else(|| format!("`--metric {}`: write NAME=VALUE", one_line(m, 64)))?;
        values.push((name.trim().to_string(), Value::parse(value)));
    }
    let outcome = match a.outcome {
        OutcomeArg::Success => Outcome::Success,
        OutcomeArg::Failure => Outcome::Failure,
        OutcomeArg::Partial => Outcome::Partial,
        OutcomeArg::Skipped => Outcome::Skipped,
        OutcomeArg::Used => Outcome::Used,
    };
    let new = NewRun { outcome: Some(outcome), duration_s: a.duration_s, notes: a.notes, metrics: values };
    let run = metrics::record(&env(), skill, new)?;
    errln!("recorded {} {} at {}", run.skill, serde_json::to_string(&run.outcome)?.trim_matches('"'), run.ts);
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct FeedbackArgs {
    /// Only this skill.
    #[arg(long)]
    skill: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

pub fn feedback(a: FeedbackArgs) -> Result<ExitCode> {
    let dir = metrics::dir(&env())?;
    let (runs, bad) = metrics::read(&dir, None);
    let fb = feedback::compute(&runs, a.skill.as_deref());
    match a.format {
        Format::Json => outln!("{}", serde_json::to_string_pretty(&fb)?),
        Format::Text => {
            if fb.is_empty() {
                match &a.skill {
                    Some(s) => outln!(
                        "no runs of {} recorded yet; record one with `skillwright metrics record --skill {} --outcome success`",
                        one_line(s, 64),
                        one_line(s, 64)
                    ),
                    None => outln!(
                        "no runs recorded yet; record one with `skillwright metrics record --skill NAME --outcome success`"
                    ),
                }
            }
            let pct = |r: Option<f64>| r.map_or("-".to_string(), |r| format!("{:.0}%", r * 100.0));
            for f in &fb {
                let trend = if f.declining { "  declining" } else { "" };
                outln!(
                    "{:<32} {:>4} runs {:>4} uses  {:>4}  recent {:>4}  {:<6}{trend}",
                    one_line(&f.skill, 64),
                    f.runs,
                    f.uses,
                    pct(f.rate),
                    pct(f.recent_rate),
                    f.tier
                );
                if let Some(d) = &f.duration_s {
                    outln!(
                        "    duration: median {:.0} s, mean {:.0} s over {} runs",
                        d.median,
                        d.mean,
                        d.count
                    );
                }
                for (name, m) in &f.metrics {
                    let name = one_line(name, 64);
                    match &m.numbers {
                        Some(n) => outln!(
                            "    {name}: mean {:.2}, median {:.2}, recent {:.2}{} ({} runs)",
                            n.mean,
                            n.median,
                            n.recent_mean,
                            n.trend
                                .map(|t| format!(
                                    ", trend {}",
                                    serde_json::to_string(&t).unwrap_or_default().trim_matches('"')
                                ))
                                .unwrap_or_default(),
                            m.count
                        ),
                        None => outln!(
                            "    {name}: {} ({} runs)",
                            m.texts
                                .iter()
                                .map(|(t, n)| format!("{} ×{n}", one_line(t, 40)))
                                .collect::<Vec<_>>()
                                .join(", "),
                            m.count
                        ),
                    }
                }
                outln!("    {}", one_line(&f.suggestion, 300));
            }
        }
    }
    if bad > 0 {
        errln!("skipped {bad} unreadable metrics line(s)");
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Subcommand)]
pub enum TrustCommand {
    /// Trust KEY to sign PACK (replacing any key pinned for it). Check the key with the
    /// publisher first: their README, release notes or another channel you trust.
    Add {
        /// Pack name, as integrity.json names it.
        pack: String,
        /// Public key (hex), as `skillwright keygen` printed it.
        key: String,
    },
    /// Forget the key pinned for PACK.
    Remove { pack: String },
    /// List pinned keys: pack, key, since when and how.
    List,
}

pub fn trust(c: TrustCommand) -> Result<ExitCode> {
    let env = env();
    match c {
        TrustCommand::Add { pack, key } => {
            if !skillwright_model::names::valid_name(&pack) {
                return Err(format!("`{}` is not a pack name", one_line(&pack, 64)).into());
            }
            let key = skillwright_model::integrity::parse_public_key(&key)?;
            trust::pin(&env, &pack, &key, "trust add")?;
            errln!("{pack}: packages signed by {key} now verify");
        }
        TrustCommand::Remove { pack } => {
            if !trust::unpin(&env, &pack)? {
                errln!("no key was pinned for {}", one_line(&pack, 64));
                return Ok(ExitCode::from(1));
            }
        }
        TrustCommand::List => {
            for (pack, pin) in trust::load(&env).packs {
                outln!("{pack}  {}  {}  {}", pin.key, pin.since, one_line(&pin.how, 200));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
