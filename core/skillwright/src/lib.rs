//! skillwright: one source of agent skills, rendered into an installable package per host.
//!
//! Data flows one way: [`discover`] walks a skills root and [`parse`]s every `SKILL.md` into a
//! [`model::SkillSet`]; [`validate`] (and, with `--strict`, [`lint`]) turn it into
//! [`diag::Diagnostic`]s; [`plan`] renders the set through [`target`] specs and templates into an
//! in-memory tree per host; [`write`] puts that tree on disk (or compares it, for `--check`);
//! [`integrity`] hashes and signs it. The [`runtime`] module is what the shipped binary does inside
//! an installed package: the session-start hook, the store, metrics and feedback.

pub mod diag;
pub mod discover;
pub mod frontmatter;
pub mod integrity;
pub mod lint;
pub mod model;
pub mod pack;
pub mod parallel;
pub mod parse;
pub mod pipeline;
pub mod plan;
pub mod render;
pub mod report;
pub mod rules;
pub mod runtime;
pub mod source;
pub mod target;
pub mod validate;
pub mod words;
pub mod write;

pub use diag::{Diagnostic, Severity};
pub use model::{Skill, SkillSet};

/// Reads, parses and validates a skills root in one call: the usual entry point.
///
/// Never fails on bad input: every problem becomes a diagnostic. Only an unreadable root is an
/// error.
pub fn load(root: &std::path::Path) -> Result<(SkillSet, Vec<Diagnostic>), discover::Error> {
    let (set, mut diags) = discover::discover(root)?;
    diags.extend(validate::validate(&set));
    diag::sort(&mut diags);
    Ok((set, diags))
}
