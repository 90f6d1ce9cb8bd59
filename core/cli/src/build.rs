//! `skillwright build`: render a pack into a package per host (or one universal tree).

use crate::Result;
use crate::validate::{plural, render_diagnostics};
use clap::{Args, ValueEnum};
use skillwright_build::report::Format;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
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
    /// Output directory; each host gets OUT/<host>/ and the loss report goes to OUT/REPORT.md
    /// (OUT/REPORT-universal.md for --layout universal). Default: `dist/` beside the pack file, or
    /// `target/plugins/` when a Cargo.toml sits beside it.
    #[arg(long)]
    pub out: Option<PathBuf>,
    // The help names the built-in hosts, from their target files.
    #[arg(long, value_delimiter = ',', help = hosts_help())]
    pub hosts: Vec<String>,
    /// Write nothing; exit 1 with a diff of every file that differs from a fresh build.
    #[arg(long)]
    pub check: bool,
    /// Bundle binaries from DIR/<triple>/skillwright[.exe] (a release matrix's output), and the
    /// Node.js addon DIR/<triple>/skillwright.node where present.
    #[arg(long, conflicts_with = "fake_binaries")]
    pub bin_dir: Option<PathBuf>,
    /// Bundle small placeholder files instead of binaries (tests, snapshots).
    #[arg(long, conflicts_with = "no_binaries", hide = true)]
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
    /// Print only problems: no progress bar, summary table, loss notes or totals.
    #[arg(long, short)]
    pub quiet: bool,
    /// Overlay the built-in templates with this directory, file by file (DIR/<host>/<path>
    /// replaces one built-in file; the rest stay built-in).
    #[arg(long)]
    pub templates: Option<PathBuf>,
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
    let out_dir = a.out.clone().unwrap_or_else(|| default_out(&a.pack));
    let report_path = out_dir.join(match a.layout {
        LayoutArg::Host => "REPORT.md",
        LayoutArg::Universal => "REPORT-universal.md",
    });
    let report_before = std::fs::read_to_string(&report_path).ok();
    let bundled_line = bundled(&a, &binaries);
    let opts = pipeline::Options {
        skills: a.skills.clone(),
        pack: a.pack.clone(),
        version: a.pack_version,
        out: out_dir.clone(),
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
            err!("{}", r.table);
            loss_notes(&r.loss, false, &report_path);
            errln!("{bundled_line}");
            errln!(
                "nothing to write: {} is up to date ({} files; no input changed since the build that wrote it)",
                out_dir.display(),
                r.files
            );
        }
        if r.warnings > 0 {
            errln!(
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
        err!("{}", render_diagnostics(Format::Text, &outcome.diagnostics, &a.skills, &outcome.set));
    }
    if !outcome.pack_diagnostics.is_empty() {
        let dir = a.pack.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(std::path::Path::new(""));
        let sources = outcome.pack_sources.iter().map(|(k, v)| (k.clone(), v.as_str())).collect();
        let color = crate::term::color_stderr();
        err!(
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
        errln!(
            "build stopped: {errors} error{} in the pack ({warnings} warning{}); nothing was written",
            plural(errors),
            plural(warnings)
        );
        return Ok(ExitCode::from(1));
    };
    if say {
        err!("{}", pipeline::summary_table(&plan, warnings));
        let losses: Vec<(String, String)> =
            plan.packages.iter().flat_map(|p| p.loss.iter().map(|l| (p.host.clone(), l.clone()))).collect();
        loss_notes(&losses, report_before.as_deref() != Some(plan.report.as_str()), &report_path);
        errln!("{bundled_line}");
    }
    let out = out_dir.display();
    if a.check {
        if outcome.stale.is_empty() {
            if say {
                errln!("check passed: {out} matches a fresh build");
            }
            return Ok(ExitCode::SUCCESS);
        }
        for s in &outcome.stale {
            outln!("--- {}: {}", s.path, if s.detail.contains('\n') { "differs" } else { &s.detail });
            if s.detail.contains('\n') {
                out!("{}", s.detail);
            }
        }
        errln!(
            "check failed: {} file{} in {out} differ from a fresh build; run the build to update them",
            outcome.stale.len(),
            plural(outcome.stale.len())
        );
        return Ok(ExitCode::from(1));
    }
    let w = outcome.written.unwrap_or_default();
    if a.quiet {
        return Ok(ExitCode::SUCCESS);
    }
    if w.written == 0 && w.removed == 0 {
        errln!("nothing to write: {out} is up to date ({} files)", w.unchanged);
    } else {
        errln!(
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
        errln!("{warnings} warning{} in the skills (see above)", plural(warnings));
    }
    Ok(ExitCode::SUCCESS)
}

/// The output directory when `--out` is not given: `target/plugins/` beside the pack file of a
/// Rust project (a Cargo.toml beside it), else `dist/` beside the pack file.
pub fn default_out(pack: &Path) -> PathBuf {
    let dir = pack.parent().unwrap_or(Path::new(""));
    if dir.join("Cargo.toml").is_file() { dir.join("target").join("plugins") } else { dir.join("dist") }
}

/// Each host's losses, when they differ from the report already in the output directory (or
/// there was none); else one line pointing at it, so a rebuild with no change stays short.
fn loss_notes(losses: &[(String, String)], changed: bool, report: &Path) {
    let lossy = losses.iter().map(|(h, _)| h).collect::<std::collections::BTreeSet<_>>().len();
    if lossy == 0 {
        return;
    }
    if !changed {
        errln!(
            "{lossy} host{} {} losses, unchanged since the last build; see {}",
            plural(lossy),
            if lossy == 1 { "has" } else { "have" },
            report.display()
        );
        return;
    }
    for (host, l) in losses {
        errln!("  {host}: {l}");
    }
}

/// Which platforms' binaries the packages carry, and how to bundle the rest.
fn bundled(a: &BuildArgs, binaries: &skillwright_build::pipeline::Bundle) -> String {
    use skillwright_build::plan::{ADDON, TRIPLES};
    if a.fake_binaries {
        return "bundled placeholder binaries (--fake-binaries): these packages are for tests only".into();
    }
    if a.no_binaries {
        return "bundled no binaries (--no-binaries): launchers print the pre-rendered context, and the \
                runtime commands need a separately installed skillwright"
            .into();
    }
    let triples = |addon: bool| -> Vec<&str> {
        TRIPLES
            .iter()
            .copied()
            .filter(|t| {
                binaries
                    .names()
                    .iter()
                    .any(|k| k.starts_with(&format!("{t}/")) && k.ends_with(ADDON) == addon)
            })
            .collect()
    };
    let (exe, node) = (triples(false), triples(true));
    let addon =
        if node.is_empty() { String::new() } else { format!("; the Node.js addon for {}", node.join(", ")) };
    if exe.len() == TRIPLES.len() {
        return format!("bundled the skillwright binary for all {} platforms{addon}", TRIPLES.len());
    }
    format!(
        "bundled the skillwright binary for {} ({} of {} platforms){addon}; elsewhere the launcher prints the \
         pre-rendered context. To bundle every platform, pass --bin-dir with the release binaries \
         (https://github.com/skillwright/skillwright/blob/main/docs/release.md)",
        exe.join(", "),
        exe.len(),
        TRIPLES.len()
    )
}

/// A progress bar on stderr for builds that run past a second: only on a terminal, never with
/// `--quiet`, never under CI (`CI` set) or on a dumb terminal.
struct Bar {
    bar: indicatif::ProgressBar,
    start: std::time::Instant,
    wanted: bool,
    /// Not `--quiet`: a wait for another build is said even where no bar is drawn.
    say: bool,
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
            say: wanted,
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
    fn waiting(&self, why: &str) {
        if self.say {
            self.bar.suspend(|| errln!("{why}"));
        }
    }

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

/// The help of `--hosts`: the built-in ids come from the target files' names, not parsed specs.
fn hosts_help() -> String {
    let hosts = skillwright_build::target::builtin_ids().join(", ");
    format!("Hosts to build, comma-separated (default: all). Built-in: {hosts}")
}
