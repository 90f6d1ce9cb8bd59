//! `skillwright build`: render a pack into a package per host (or one universal tree).

use crate::Result;
use crate::validate::{plural, render_diagnostics};
use clap::{Args, ValueEnum};
use skillwright_build::report::Format;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct BuildArgs {
    /// Skills root.
    #[arg(long, default_value = "skills")]
    pub skills: PathBuf,
    /// Pack file with name, description, version and author.
    #[arg(long, default_value = "skillwright.toml")]
    pub pack: PathBuf,
    /// Version to use when the pack file has none.
    #[arg(long)]
    pub pack_version: Option<String>,
    /// Output directory; each host gets OUT/<host>/ and the loss report goes to OUT/REPORT.md (OUT/REPORT-universal.md for --layout universal).
    #[arg(long, default_value = "target/plugins")]
    pub out: PathBuf,
    /// Hosts to build, comma-separated (default: all).
    #[arg(long, value_delimiter = ',')]
    pub hosts: Vec<String>,
    /// Write nothing; exit 1 with a diff of every file that differs from a fresh build.
    #[arg(long)]
    pub check: bool,
    /// Bundle binaries from DIR/<triple>/skillwright[.exe] (a release matrix's output), and the
    /// Node.js addon DIR/<triple>/skillwright.node where present.
    #[arg(long, conflicts_with = "fake_binaries")]
    pub bin_dir: Option<PathBuf>,
    /// Bundle small placeholder files instead of binaries (tests, snapshots).
    #[arg(long, conflicts_with = "no_binaries")]
    pub fake_binaries: bool,
    /// Bundle no binaries at all: launchers and JS loaders then give the pre-rendered static
    /// context (for repositories that keep binaries out of git).
    #[arg(long, conflicts_with = "bin_dir")]
    pub no_binaries: bool,
    /// `host`: one directory per host (OUT/<host>/). `universal`: one tree (OUT/universal/) with
    /// every host's manifest side by side, installable by every host from one repository.
    #[arg(long, value_enum, default_value = "host")]
    pub layout: LayoutArg,
    /// Sign with this private key file (or set SKILLWRIGHT_SIGNING_KEY to its path).
    #[arg(long, env = "SKILLWRIGHT_SIGNING_KEY")]
    pub sign_key: Option<PathBuf>,
    /// Add target specs from this directory (DIR/<id>.toml; one with a built-in id replaces it).
    #[arg(long)]
    pub targets: Option<PathBuf>,
    /// Overlay the built-in templates with this directory, file by file (DIR/<host>/<path>
    /// replaces one built-in file; the rest stay built-in).
    #[arg(long)]
    pub templates: Option<PathBuf>,
    /// Print only problems: no summary, no progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LayoutArg {
    Host,
    Universal,
}

pub fn build(a: BuildArgs) -> Result<ExitCode> {
    use skillwright_build::pipeline::{self, Bundle};
    let binaries = if a.fake_binaries {
        Bundle::Bytes(pipeline::fake_binaries())
    } else if a.no_binaries {
        Bundle::Bytes(BTreeMap::new())
    } else if let Some(dir) = &a.bin_dir {
        Bundle::from_dir(dir)?
    } else {
        let me = std::env::current_exe()?;
        let name = if cfg!(windows) { pipeline::EXE_WINDOWS } else { pipeline::EXE };
        Bundle::Files(BTreeMap::from([(format!("{}/{name}", crate::TRIPLE), me)]))
    };
    let opts = pipeline::Options {
        skills: a.skills.clone(),
        pack: a.pack.clone(),
        version: a.pack_version,
        out: a.out.clone(),
        hosts: a.hosts,
        check: a.check,
        targets_dir: a.targets,
        templates_dir: a.templates,
        sign_key: a.sign_key,
        layout: match a.layout {
            LayoutArg::Host => skillwright_build::plan::Layout::Host,
            LayoutArg::Universal => skillwright_build::plan::Layout::Universal,
        },
    };
    let bar = Bar::new(!a.quiet);
    let outcome = pipeline::build_with(&opts, &binaries, &bar);
    bar.bar.finish_and_clear();
    let outcome = outcome?;
    let say = !a.quiet;
    if let Some(r) = &outcome.up_to_date {
        if say {
            eprint!("{}", r.table);
            for (host, l) in &r.loss {
                eprintln!("  {host}: {l}");
            }
            eprintln!(
                "nothing to write: {} is up to date ({} files; no input changed since the build that wrote it)",
                a.out.display(),
                r.files
            );
        }
        if r.warnings > 0 {
            eprintln!(
                "{} warning{} in the pack, as at the last build (`skillwright validate` lists them)",
                r.warnings,
                plural(r.warnings)
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let all: Vec<_> = outcome.diagnostics.iter().chain(&outcome.pack_diagnostics).cloned().collect();
    let (errors, warnings) = skillwright_model::diag::counts(&all);
    if !outcome.diagnostics.is_empty() {
        eprint!("{}", render_diagnostics(Format::Text, &outcome.diagnostics, &a.skills, &outcome.set));
    }
    if !outcome.pack_diagnostics.is_empty() {
        let dir = a.pack.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new(""));
        let sources = outcome.pack_sources.iter().map(|(k, v)| (k.clone(), v.as_str())).collect();
        let color =
            std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none();
        eprint!(
            "{}",
            skillwright_build::report::render(
                Format::Text,
                &outcome.pack_diagnostics,
                &dir.to_string_lossy(),
                &sources,
                color
            )
        );
    }
    let Some(plan) = outcome.plan else {
        eprintln!(
            "build stopped: {errors} error{} in the pack ({warnings} warning{}); nothing was written",
            plural(errors),
            plural(warnings)
        );
        return Ok(ExitCode::from(1));
    };
    if say {
        eprint!("{}", pipeline::summary_table(&plan, warnings));
        for p in &plan.packages {
            for l in &p.loss {
                eprintln!("  {}: {l}", p.host);
            }
        }
    }
    let out = a.out.display();
    if a.check {
        if outcome.stale.is_empty() {
            if say {
                eprintln!("check passed: {out} matches a fresh build");
            }
            return Ok(ExitCode::SUCCESS);
        }
        for s in &outcome.stale {
            println!("--- {}: {}", s.path, if s.detail.contains('\n') { "differs" } else { &s.detail });
            if s.detail.contains('\n') {
                print!("{}", s.detail);
            }
        }
        eprintln!(
            "check failed: {} file{} in {out} differ from a fresh build; run the build to update them",
            outcome.stale.len(),
            plural(outcome.stale.len())
        );
        return Ok(ExitCode::from(1));
    }
    let w = outcome.written.unwrap_or_default();
    if !say {
    } else if w.written == 0 && w.removed == 0 {
        eprintln!("nothing to write: {out} is up to date ({} files)", w.unchanged);
    } else {
        eprintln!(
            "wrote {} file{} ({} bytes; {} of them hard links to identical copies), {} unchanged, {} stale removed in {out}",
            w.written,
            plural(w.written),
            w.bytes,
            w.linked,
            w.unchanged,
            w.removed
        );
    }
    if warnings > 0 {
        eprintln!("{warnings} warning{} in the skills (see above)", plural(warnings));
    }
    Ok(ExitCode::SUCCESS)
}

/// A progress bar on stderr for builds that run past a second: only on a terminal, never with
/// `--quiet`, never under CI (`CI` set) or on a dumb terminal.
struct Bar {
    bar: indicatif::ProgressBar,
    start: std::time::Instant,
    wanted: bool,
    shown: std::sync::atomic::AtomicBool,
}

impl Bar {
    fn new(wanted: bool) -> Bar {
        let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
        let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
        let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
        Bar {
            bar: indicatif::ProgressBar::hidden(),
            start: std::time::Instant::now(),
            wanted: wanted && tty && !ci && !dumb,
            shown: std::sync::atomic::AtomicBool::new(false),
        }
    }

    fn show_when_slow(&self) {
        use std::sync::atomic::Ordering;
        if self.wanted
            && self.start.elapsed() >= std::time::Duration::from_secs(1)
            && !self.shown.swap(true, Ordering::Relaxed)
        {
            self.bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            self.bar.enable_steady_tick(std::time::Duration::from_millis(100));
        }
    }
}

impl skillwright_build::progress::Progress for Bar {
    fn step(&self, what: &str, total: u64) {
        let style = if total == 0 {
            indicatif::ProgressStyle::with_template("{spinner} {msg}")
        } else {
            indicatif::ProgressStyle::with_template("{spinner} {msg:24} [{bar:30}] {pos}/{len}")
        };
        if let Ok(style) = style {
            self.bar.set_style(style.progress_chars("=> "));
        }
        self.bar.set_message(what.to_string());
        self.bar.set_length(total);
        self.bar.set_position(0);
        self.show_when_slow();
    }

    fn advance(&self, n: u64) {
        self.bar.inc(n);
        self.show_when_slow();
    }
}
