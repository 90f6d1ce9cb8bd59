//! Runtime commands shared helpers and `skillwright skills …`: run inside an installed package
//! (and by agents following the skills).

use crate::Result;
use clap::{Args, Subcommand};
use skillwright_model::context::{Index, summary};
use skillwright_model::text::one_line;
use skillwright_runtime::{Env, package, search};
use std::path::PathBuf;
use std::process::ExitCode;

/// The package root: `--root`, else `$SKILLWRIGHT_PACKAGE`, else the package that ships this binary.
pub fn package_root(root: Option<PathBuf>) -> Result<PathBuf> {
    if let Some(r) = root {
        return Ok(r);
    }
    // Set by the package's bin/skillwright launcher when it runs a skillwright found on PATH.
    if let Some(r) = std::env::var_os("SKILLWRIGHT_PACKAGE").filter(|r| !r.is_empty()) {
        return Ok(PathBuf::from(r));
    }
    std::env::current_exe().ok().and_then(|exe| package::enclosing(&exe)).ok_or_else(|| {
        "this skillwright is not running from inside a package; pass --root with the package directory".into()
    })
}

/// The process environment, as the runtime takes it.
pub fn env() -> Env {
    Env::from_vars(|k| std::env::var_os(k)).in_dir(std::env::current_dir().ok().as_deref())
}

/// Prints text that came from a pack or from local state: nothing in it may restyle a terminal.
pub fn print_clean(text: &str) {
    out!("{}", skillwright_model::text::clean(text));
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

/// `skillwright mcp`: the runtime as an MCP server on stdin and stdout.
pub fn mcp(a: RootArg) -> Result<ExitCode> {
    let root = package_root(a.root)?;
    skillwright_runtime::mcp::serve(root, env())?;
    Ok(ExitCode::SUCCESS)
}

/// Where a skill's text comes from: an installed package, or a skills source directory.
pub enum Skills {
    Package(PathBuf, Index),
    Source(skillwright_model::SkillSet),
}

impl Skills {
    /// The skills at `--root`, or of the package that ships this binary.
    pub fn load(root: Option<PathBuf>) -> Result<Skills> {
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

    /// The package's index (its pack, version and skills).
    pub fn index(&self) -> Index {
        match self {
            Skills::Package(_, idx) => idx.clone(),
            Skills::Source(set) => Index {
                skills: set.skills.iter().map(skillwright_model::context::IndexSkill::of).collect(),
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
                outln!("{:<32} {}", one_line(&s.name, 64), summary(&s.description, 100));
            }
            Ok(ExitCode::SUCCESS)
        }
        SkillsCommand::Show { name, root } => {
            let text = Skills::load(root.root)?.show(&name)?;
            print_clean(&text);
            Ok(ExitCode::SUCCESS)
        }
        SkillsCommand::Search { text, limit, root } => {
            let idx = Skills::load(root.root)?.index();
            let hits = search::search(&idx.skills, &text.join(" "));
            if hits.is_empty() {
                errln!("no skill matches; `skillwright skills list` shows them all");
                return Ok(ExitCode::from(1));
            }
            for (s, score) in hits.into_iter().take(limit) {
                outln!("{:<32} {:>5.2}  {}", one_line(&s.name, 64), score, summary(&s.description, 90));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
