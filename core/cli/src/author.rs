//! Author commands: validate, explain, new, build, verify, keygen.

use crate::Result;
use clap::{Args, ValueEnum};
use skillwright_build::report::{self, Format};
use skillwright_model::text::one_line;
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
    Sarif,
    Github,
}

impl From<OutputFormat> for Format {
    fn from(f: OutputFormat) -> Self {
        match f {
            OutputFormat::Text => Format::Text,
            OutputFormat::Json => Format::Json,
            OutputFormat::Sarif => Format::Sarif,
            OutputFormat::Github => Format::Github,
        }
    }
}

#[derive(Args)]
pub struct ValidateArgs {
    /// Skills root: a directory holding one directory per skill.
    #[arg(default_value = "skills")]
    root: PathBuf,
    /// Output format. `text` goes to stderr for people; the others to stdout for tools.
    #[arg(long, value_enum, default_value = "text")]
    format: OutputFormat,
    /// Also run the quality lint: triggers, overlapping descriptions, body length, heading order.
    #[arg(long)]
    strict: bool,
    /// Exit 1 on warnings too.
    #[arg(long)]
    deny_warnings: bool,
    /// Also judge frontmatter keys against the target specs in this directory (as `build
    /// --targets`).
    #[arg(long)]
    targets: Option<PathBuf>,
}

/// What the hosts of the built-in targets, or of a targets directory, read.
fn hosts(dir: Option<&std::path::Path>) -> Result<skillwright_build::validate::Hosts> {
    let targets = skillwright_build::target::load(dir)?;
    Ok(skillwright_build::validate::Hosts::of(targets.values()))
}

pub fn validate(a: ValidateArgs) -> Result<ExitCode> {
    let (set, mut diags) = skillwright_build::load(&a.root, &hosts(a.targets.as_deref())?)?;
    if a.strict {
        diags.extend(skillwright_build::lint::lint(&set));
        skillwright_model::diag::sort(&mut diags);
    }
    let format: Format = a.format.into();
    let out = render_diagnostics(format, &diags, &a.root, &set);
    let (errors, warnings) = skillwright_model::diag::counts(&diags);
    if format == Format::Text {
        eprint!("{out}");
        eprintln!(
            "{} skill{} checked: {errors} error{}, {warnings} warning{}",
            set.skills.len(),
            plural(set.skills.len()),
            plural(errors),
            plural(warnings)
        );
    } else {
        print!("{out}");
    }
    Ok(if errors > 0 || (a.deny_warnings && warnings > 0) { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Renders diagnostics with snippets from `set`; colours only for text on a terminal.
fn render_diagnostics(
    format: Format,
    diags: &[skillwright_model::Diagnostic],
    root: &std::path::Path,
    set: &skillwright_model::SkillSet,
) -> String {
    let sources: BTreeMap<String, &str> =
        set.skills.iter().map(|s| (s.skill_md(), s.source.as_str())).collect();
    let color =
        format == Format::Text && std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    report::render(format, diags, &root.to_string_lossy(), &sources, color)
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[derive(Args)]
pub struct ExplainArgs {
    /// Rule code (SW102) or name (name-invalid). Omit to list every rule.
    code: Option<String>,
}

pub fn explain(a: ExplainArgs) -> Result<ExitCode> {
    match a.code {
        None => {
            for r in skillwright_model::rules::RULES {
                println!("{}  {:<8} {:<26} {}", r.code, r.severity.as_str(), r.name, r.summary);
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(code) => match skillwright_model::rules::find(&code) {
            Some(r) => {
                println!("{} {} ({})\n\n{}\n\n{}", r.code, r.name, r.severity.as_str(), r.summary, r.explain);
                Ok(ExitCode::SUCCESS)
            }
            None => Err(format!("no rule `{code}`; `skillwright explain` lists them all").into()),
        },
    }
}

#[derive(Args)]
pub struct NewArgs {
    /// Name of the skill (lowercase letters, digits, hyphens); also its directory name.
    name: String,
    /// Skills root to create it in.
    #[arg(long, default_value = "skills")]
    root: PathBuf,
}

pub fn new(a: NewArgs) -> Result<ExitCode> {
    if !skillwright_model::names::valid_name(&a.name) {
        return Err(format!(
            "`{}` is not a valid skill name: use 1-64 lowercase letters, digits and single hyphens",
            a.name
        )
        .into());
    }
    let dir = a.root.join(&a.name);
    if dir.exists() {
        return Err(format!("{} already exists", dir.display()).into());
    }
    std::fs::create_dir_all(&dir)?;
    let title = a.name.replace('-', " ");
    let text = format!(
        "---\nname: {name}\ndescription: \"TODO say what this skill does. Use when TODO the situation, in the user's words.\"\nversion: 0.1.0\nrequires:\n  tools: []\n  runtime: false\nmetrics:\n  tracks: [outcome]\n  improves: []\n---\n\n# {title}\n\n## When to use\n\n## Procedure\n\n1. First step.\n\n## Record the outcome\n\n```sh\nskillwright metrics record --skill {name} --outcome success\n```\n",
        name = a.name
    );
    std::fs::write(dir.join("SKILL.md"), text)?;
    eprintln!(
        "created {}/SKILL.md; fill in the TODOs, then run `skillwright validate --strict {}`",
        dir.display(),
        a.root.display()
    );
    Ok(ExitCode::SUCCESS)
}

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
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LayoutArg {
    Host,
    Universal,
}

pub fn build(a: BuildArgs) -> Result<ExitCode> {
    use skillwright_build::pipeline;
    let binaries = if a.fake_binaries {
        pipeline::fake_binaries()
    } else if a.no_binaries {
        BTreeMap::new()
    } else if let Some(dir) = &a.bin_dir {
        pipeline::binaries_from_dir(dir)?
    } else {
        let me = std::env::current_exe()?;
        let name = if cfg!(windows) { pipeline::EXE_WINDOWS } else { pipeline::EXE };
        BTreeMap::from([(format!("{}/{name}", crate::TRIPLE), std::fs::read(&me)?.into())])
    };
    let opts = pipeline::Options {
        skills: a.skills.clone(),
        pack: a.pack,
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
    let outcome = pipeline::build(&opts, &binaries)?;
    let (errors, warnings) = skillwright_model::diag::counts(&outcome.diagnostics);
    if !outcome.diagnostics.is_empty() {
        eprint!("{}", render_diagnostics(Format::Text, &outcome.diagnostics, &a.skills, &outcome.set));
    }
    let Some(plan) = outcome.plan else {
        eprintln!(
            "build stopped: {errors} error{} in the skills ({warnings} warning{}); nothing was written",
            plural(errors),
            plural(warnings)
        );
        return Ok(ExitCode::from(1));
    };
    eprint!("{}", pipeline::summary_table(&plan, warnings));
    for p in &plan.packages {
        for l in &p.loss {
            eprintln!("  {}: {l}", p.host);
        }
    }
    let out = a.out.display();
    if a.check {
        if outcome.stale.is_empty() {
            eprintln!("check passed: {out} matches a fresh build");
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
    if w.written == 0 && w.removed == 0 {
        eprintln!("nothing to write: {out} is up to date ({} files)", w.unchanged);
    } else {
        eprintln!(
            "wrote {} file{}, {} unchanged, {} stale removed in {out}",
            w.written,
            plural(w.written),
            w.unchanged,
            w.removed
        );
    }
    if warnings > 0 {
        eprintln!("{warnings} warning{} in the skills (see above)", plural(warnings));
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct VerifyArgs {
    /// Package directory (the one holding integrity.json).
    dir: PathBuf,
    /// Require a signature by this public key (hex, as printed by `skillwright keygen`).
    #[arg(long)]
    pubkey: Option<String>,
    /// Also trust the public keys listed in this file (one hex key per line, `#` comments).
    #[arg(long)]
    trusted_keys: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: VerifyFormat,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum VerifyFormat {
    Text,
    Json,
}

/// The keys listed in a trusted-keys file.
fn trusted_keys(path: &std::path::Path) -> Result<Vec<String>> {
    use skillwright_model::fsio::{Links, read_text_bounded};
    let text = read_text_bounded(path, 1024 * 1024, Links::Follow)?;
    let mut keys = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        keys.push(
            skillwright_model::integrity::parse_public_key(line)
                .map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?,
        );
    }
    Ok(keys)
}

pub fn verify(a: VerifyArgs) -> Result<ExitCode> {
    use skillwright_runtime::trust::{self, Verdict};
    // A malformed key is a usage error, before anything is read.
    let given = a.pubkey.as_deref().map(skillwright_model::integrity::parse_public_key).transpose()?;
    let trusted = a.trusted_keys.as_deref().map(trusted_keys).transpose()?.unwrap_or_default();
    let dir = &a.dir;
    let check = skillwright_model::integrity::check_dir(dir, true).map_err(|e| {
        let nested =
            std::fs::read_dir(dir.join("plugins")).ok().and_then(|mut rd| rd.next()).and_then(|e| e.ok());
        match nested {
            Some(p) if !dir.join(skillwright_model::integrity::MANIFEST).exists() => format!(
                "{e}\n  = help: {} looks like a marketplace root; the signed plugin is {}",
                dir.display(),
                p.path().display()
            ),
            _ => e.to_string(),
        }
    })?;
    let verdict = trust::judge(&check, given.as_deref(), &trusted, &trust::load(&crate::runtime::env()));
    let m = &check.manifest;
    let code = match &verdict {
        Verdict::Verified { .. } => 0,
        Verdict::Failed { .. } => 1,
        Verdict::Unpinned { .. } | Verdict::Unsigned => 3,
    };
    match a.format {
        VerifyFormat::Json => {
            let doc = serde_json::json!({
                "ok": verdict.verified(), "verdict": verdict, "pack": m.pack, "version": m.version, "host": m.host,
                "signature": check.signature, "files": m.files.len(), "findings": check.files,
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        VerifyFormat::Text => {
            let what = format!(
                "{} {} for {} ({} files)",
                one_line(&m.pack, 64),
                one_line(&m.version, 40),
                one_line(&m.host, 40),
                m.files.len()
            );
            match &verdict {
                Verdict::Verified { key, by } => {
                    let by = match by {
                        trust::Source::Given => "the key given with --pubkey",
                        trust::Source::TrustedKeys => "a key in the trusted-keys file",
                        trust::Source::Pinned => "the key pinned for this pack",
                    };
                    eprintln!("ok: {what}, signed by {key}, {by}");
                }
                Verdict::Unpinned { key } => eprintln!(
                    "UNVERIFIED: {what}: the files match integrity.json and it is signed by {key}, NOT pinned: \
                     nothing says this key is the publisher's. Check it with the publisher, then pass --pubkey \
                     or run `skillwright trust add {} {key}`",
                    one_line(&m.pack, 64)
                ),
                Verdict::Unsigned => eprintln!(
                    "UNVERIFIED: {what}: the files match integrity.json, which is not signed: intact as built, \
                     but nothing says by whom"
                ),
                Verdict::Failed { problems } => {
                    for p in problems {
                        eprintln!("{}", one_line(p, 400));
                    }
                    eprintln!(
                        "FAILED: {} problem{} in {}",
                        problems.len(),
                        plural(problems.len()),
                        dir.display()
                    );
                }
            }
        }
    }
    Ok(ExitCode::from(code))
}

#[derive(Args)]
pub struct KeygenArgs {
    /// Where to write the private key (created with mode 0600, its directory 0700 if new; never
    /// overwritten). The public key goes beside it, in OUT.pub.
    #[arg(long)]
    out: PathBuf,
}

pub fn keygen(a: KeygenArgs) -> Result<ExitCode> {
    let (private, public) = skillwright_model::integrity::generate()?;
    let public_path = {
        let mut p = a.out.clone().into_os_string();
        p.push(".pub");
        PathBuf::from(p)
    };
    if public_path.exists() {
        return Err(format!("{} already exists; choose another --out", public_path.display()).into());
    }
    if let Some(dir) = a.out.parent().filter(|d| !d.as_os_str().is_empty() && !d.exists()) {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(&a.out).map_err(|e| format!("{}: {e}", a.out.display()))?;
    use std::io::Write;
    f.write_all(format!("{private}\n").as_bytes())?;
    std::fs::write(&public_path, format!("{public}\n"))
        .map_err(|e| format!("{}: {e}", public_path.display()))?;
    println!("{public}");
    eprintln!(
        "private key written to {} (keep it secret; sign with --sign-key); public key printed above and written to {} (publish it: users pin it with `skillwright trust add PACK KEY`)",
        a.out.display(),
        public_path.display()
    );
    Ok(ExitCode::SUCCESS)
}
