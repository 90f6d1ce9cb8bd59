//! The build: one pack source in, an installable package per host out.
//!
//! Data flows one way: [`discover`] walks a skills root and [`parse`]s every `SKILL.md` into a
//! [`SkillSet`]; [`validate`] (and, with `--strict`, [`lint`]) turn it into [`Diagnostic`]s;
//! [`packfile`] reads `skillwright.toml`; [`plan`] renders the set through [`target`] specs and
//! [`render`]ed templates into an in-memory tree per host; [`write`] puts that tree on disk (or
//! compares it, for `--check`). [`pipeline`] strings them together.

#![forbid(unsafe_code)]

pub mod components;
pub mod discover;
pub mod fields;
pub mod fmt;
pub mod frontmatter;
pub mod hooks;
pub mod links;
pub mod lint;
pub mod packfile;
pub mod parallel;
pub mod parse;
pub mod pipeline;
pub mod plan;
pub mod progress;
pub mod reading;
pub mod render;
pub mod report;
pub mod stamp;
pub mod target;
pub mod validate;
mod walk;
pub mod write;
pub mod yaml;

use skillwright_model::{Diagnostic, SkillSet};

/// Reads, parses and validates a skills root in one call, judging frontmatter keys against what
/// the given hosts read.
///
/// Never fails on bad input: every problem becomes a diagnostic. Only an unreadable root is an
/// error.
pub fn load(
    root: &std::path::Path,
    hosts: &validate::Hosts,
) -> Result<(SkillSet, Vec<Diagnostic>), discover::Error> {
    let (set, mut diags) = discover::discover(root)?;
    diags.extend(validate::validate(&set, hosts));
    skillwright_model::diag::sort(&mut diags);
    Ok((set, diags))
}

/// [`load`] for any number of skills roots, skill directories and files in skills (see
/// [`discover::discover_paths`]), naming files as the paths were given.
pub fn load_paths(
    paths: &[std::path::PathBuf],
    hosts: &validate::Hosts,
) -> Result<(SkillSet, Vec<Diagnostic>), discover::Error> {
    let (set, mut diags) = discover::discover_paths(paths)?;
    diags.extend(validate::validate(&set, hosts));
    skillwright_model::diag::sort(&mut diags);
    Ok((set, diags))
}
