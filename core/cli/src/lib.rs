//! The `skillwright` command: author tools (validate, build, verify, …) and the runtime that
//! ships inside every package (hook, skills, store, metrics, feedback).

pub mod build;
pub mod hook;
pub mod runtime;
pub mod state;
pub mod validate;
pub mod verify;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::process::ExitCode;

/// Write agent skills once; ship them to every coding-agent host.
///
/// Authors: `skillwright validate` checks a skills tree, `skillwright build` renders a package per
/// host, `skillwright verify` checks a package against its signed manifest.
/// Inside an installed package the same binary runs the session-start hook and keeps local state
/// (store, metrics, feedback) under $SKILLWRIGHT_HOME (default ~/.skillwright).
///
/// Exit codes: 0 success, 1 problems found (or check failed), 2 usage or I/O error.
#[derive(Parser)]
#[command(name = "skillwright", version, about, long_about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check every SKILL.md under a skills root and report every problem with file:line:col.
    Validate(validate::ValidateArgs),
    /// Explain a rule code (e.g. `skillwright explain SW102`), or list all rules.
    Explain(validate::ExplainArgs),
    /// Create a new skill directory with a valid starter SKILL.md.
    New(validate::NewArgs),
    /// Render an installable package per host from a skills root.
    Build(build::BuildArgs),
    /// Check a package directory against its integrity.json (and signature).
    Verify(verify::VerifyArgs),
    /// Make a secp256k1 key pair for signing packages.
    Keygen(verify::KeygenArgs),
    /// Hooks run by a host (inside an installed package).
    #[command(subcommand)]
    Hook(hook::HookCommand),
    /// List, show and search the skills of an installed package.
    #[command(subcommand)]
    Skills(runtime::SkillsCommand),
    /// A small durable key/value store under $SKILLWRIGHT_HOME, safe under concurrent writers,
    /// searchable by words.
    #[command(subcommand)]
    Store(state::StoreCommand),
    /// Record skill runs (one JSON line each, in a monthly file).
    #[command(subcommand)]
    Metrics(state::MetricsCommand),
    /// Success rate, usage, declared metrics, tiers, declining trends and suggestions per skill.
    Feedback(state::FeedbackArgs),
    /// The keys you trust to sign each pack (what `verify` and the session-start self-check
    /// check signatures against).
    #[command(subcommand)]
    Trust(state::TrustCommand),
}

/// Runs the command line `args` (the first item is the program name) and returns the exit code.
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let cli = match command().try_get_matches_from(args).and_then(|m| Cli::from_arg_matches(&m)) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Validate(a) => validate::validate(a),
        Command::Explain(a) => validate::explain(a),
        Command::New(a) => validate::new(a),
        Command::Build(a) => build::build(a),
        Command::Verify(a) => verify::verify(a),
        Command::Keygen(a) => verify::keygen(a),
        Command::Hook(c) => hook::hook(c),
        Command::Skills(c) => runtime::skills(c),
        Command::Store(c) => state::store(c),
        Command::Metrics(c) => state::metrics(c),
        Command::Feedback(a) => state::feedback(a),
        Command::Trust(c) => state::trust(c),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// The command line, with the built-in hosts (read from their target specs) in its help.
fn command() -> clap::Command {
    // File names, not parsed specs: this runs on every start, the session hook's included.
    let hosts = skillwright_build::target::builtin_ids().join(", ");
    Cli::command()
        .mut_subcommand("hook", |c| {
            c.mut_subcommand("session-start", |c| {
                c.after_help(format!(
                    "Built-in hosts: {hosts}. A package serves the hosts it was built for (a custom target's id too)."
                ))
            })
        })
        .mut_subcommand("build", |c| {
            c.mut_arg("hosts", |a| a.help(format!("Hosts to build, comma-separated (default: all). Built-in: {hosts}")))
        })
}

/// The target triple this binary was built for.
pub const TRIPLE: &str = env!("SKILLWRIGHT_TRIPLE");

/// The error type of command handlers: a message for people, exit code 2.
pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

#[cfg(test)]
mod tests {
    #[test]
    fn command_line_definition_is_consistent() {
        super::command().debug_assert();
    }
}
