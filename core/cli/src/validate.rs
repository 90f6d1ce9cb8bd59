//! Author commands that read a skills source: `validate` and `explain`.

use crate::Result;
use clap::{Args, ValueEnum};
use skillwright_build::report::{self, Format};
use std::collections::BTreeMap;
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
    /// Skills roots (a directory holding one directory per skill), skill directories, or files in
    /// skills (pre-commit passes SKILL.md paths); any number at once.
    #[arg(default_value = "skills")]
    paths: Vec<PathBuf>,
    /// Output format. `text` goes to stderr for people; the others to stdout for tools.
    #[arg(long, value_enum, default_value = "text")]
    format: OutputFormat,
    /// Also run the quality lint: triggers, overlapping descriptions, body length, heading order,
    /// placeholders left in.
    #[arg(long)]
    strict: bool,
    /// Exit 1 on warnings too.
    #[arg(long)]
    deny_warnings: bool,
    /// Also judge frontmatter keys against the target specs in this directory (as `build
    /// --targets`).
    #[arg(long)]
    targets: Option<PathBuf>,
    /// Also check this pack file (`skillwright.toml`): its shape and every field, and the pack's
    /// commands/, agents/, MCP servers and hooks beside it, as `build` does.
    #[arg(long)]
    pack: Option<PathBuf>,
}

/// What the hosts of the built-in targets, or of a targets directory, read.
fn hosts(
    dir: Option<&std::path::Path>,
) -> std::result::Result<skillwright_build::validate::Hosts, skillwright_build::target::Error> {
    Ok(match dir {
        None => skillwright_build::validate::Hosts::builtin(),
        Some(dir) => {
            skillwright_build::validate::Hosts::of(skillwright_build::target::load(Some(dir))?.into_values())
        }
    })
}

pub fn validate(a: ValidateArgs) -> Result<ExitCode> {
    let hosts = hosts(a.targets.as_deref())?;
    let (set, mut diags) = skillwright_build::load_paths(&a.paths, &hosts)?;
    if a.strict {
        diags.extend(skillwright_build::lint::lint(&set));
    }
    let mut extra = BTreeMap::new();
    if let Some(pack) = &a.pack {
        let (pack_diags, text) = skillwright_build::packfile::diagnostics(pack)?;
        let clean = pack_diags.is_empty();
        diags.extend(pack_diags);
        extra.insert(pack.display().to_string(), text.clone());
        if clean {
            // The pack's other components, as the build checks them, named from here.
            let parsed = skillwright_build::packfile::parse(pack, &text, Some("0.0.0"))?;
            let dir = pack.parent().unwrap_or(std::path::Path::new(""));
            let source = skillwright_build::components::load(dir, &parsed, &set, &hosts, pack);
            for mut d in source.diagnostics {
                d.file = dir.join(&d.file).display().to_string();
                diags.push(d);
            }
            for (file, text) in source.sources {
                extra.insert(dir.join(file).display().to_string(), text);
            }
        }
    }
    skillwright_model::diag::sort(&mut diags);
    let format: Format = a.format.into();
    let out = render(format, &diags, std::path::Path::new(""), &set, &extra);
    let (errors, warnings) = skillwright_model::diag::counts(&diags);
    if format == Format::Text {
        err!("{out}");
        errln!(
            "{} skill{} checked: {errors} error{}, {warnings} warning{}",
            set.skills.len(),
            plural(set.skills.len()),
            plural(errors),
            plural(warnings)
        );
    } else {
        out!("{out}");
    }
    // The process exits next, which frees everything at once: dropping every skill and target
    // spec one by one first would only add to the wall time.
    std::mem::forget((set, hosts));
    Ok(if errors > 0 || (a.deny_warnings && warnings > 0) { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// Renders diagnostics with snippets from `set`; colours only for text on a terminal.
pub fn render_diagnostics(
    format: Format,
    diags: &[skillwright_model::Diagnostic],
    root: &std::path::Path,
    set: &skillwright_model::SkillSet,
) -> String {
    render(format, diags, root, set, &BTreeMap::new())
}

/// [`render_diagnostics`] with the text of other files diagnostics point into (the pack file).
fn render(
    format: Format,
    diags: &[skillwright_model::Diagnostic],
    root: &std::path::Path,
    set: &skillwright_model::SkillSet,
    extra: &BTreeMap<String, String>,
) -> String {
    // Source lines are only shown with diagnostics: a clean pack needs none gathered.
    let mut sources: BTreeMap<String, &str> = BTreeMap::new();
    if !diags.is_empty() {
        sources.extend(set.skills.iter().map(|s| (s.skill_md(), s.source.as_str())));
    }
    sources.extend(extra.iter().map(|(k, v)| (k.clone(), v.as_str())));
    let color = format == Format::Text && crate::term::color_stderr();
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
                outln!("{}  {:<8} {:<26} {}", r.code, r.severity.as_str(), r.name, r.summary);
            }
            Ok(ExitCode::SUCCESS)
        }
        Some(code) => match skillwright_model::rules::find(&code) {
            Some(r) => {
                outln!("{} {} ({})\n\n{}\n\n{}", r.code, r.name, r.severity.as_str(), r.summary, r.explain);
                Ok(ExitCode::SUCCESS)
            }
            None => Err(format!("no rule `{code}`; `skillwright explain` lists them all").into()),
        },
    }
}
