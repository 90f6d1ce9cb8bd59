//! The `skillwright` command: author tools (validate, build, verify, …) and the runtime that
//! ships inside every package (hook, skills, store, metrics, feedback).

#[macro_use]
pub mod term;
pub mod build;
pub mod dashboard;
pub mod hook;
pub mod init;
pub mod runtime;
pub mod scaffold;
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
    /// Colour the text for people: auto (when stderr is a terminal and NO_COLOR is unset),
    /// always or never.
    #[arg(long, value_enum, global = true, default_value = "auto", value_name = "WHEN")]
    color: term::Color,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start a pack here (or in DIR): a commented skillwright.toml and a first skill.
    Init(Later<init::InitArgs>),
    /// Check every SKILL.md under skills roots (or given skills) and report every problem with
    /// file:line:col.
    Validate(Later<validate::ValidateArgs>),
    /// Explain a rule code (e.g. `skillwright explain SW102`), or list all rules.
    Explain(Later<validate::ExplainArgs>),
    /// Start a skill, command or agent from a starter: skills/NAME/SKILL.md (in the Agent Skills
    /// standard form), commands/NAME.md or agents/NAME.md.
    New(Later<scaffold::NewArgs>),
    /// Rewrite SKILL.md files into the form every host and the reference validator read: LF, no
    /// BOM, `---` fences, skillwright's keys under `metadata`, `allowed-tools` as one string.
    Fmt(Later<scaffold::FmtArgs>),
    /// Render an installable package per host from a skills root.
    Build(Later<build::BuildArgs>),
    /// Check a package directory against its integrity.json (and signature).
    Verify(Later<verify::VerifyArgs>),
    /// Make a secp256k1 key pair for signing packages.
    Keygen(Later<verify::KeygenArgs>),
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
    Feedback(Later<state::FeedbackArgs>),
    /// Serve the package's runtime to an agent as an MCP server over stdio: skill search and
    /// show, store get/set/list/search, metrics record, feedback.
    Mcp(Later<runtime::RootArg>),
    /// The keys you trust to sign each pack (what `verify` and the session-start self-check
    /// check signatures against).
    #[command(subcommand)]
    Trust(state::TrustCommand),
    /// Write one self-contained HTML page of how the skills are doing, from local state.
    Dashboard(Later<dashboard::DashboardArgs>),
    /// Pack, version, integrity, state directory, and the best and declining skills.
    Status(Later<dashboard::StatusArgs>),
    /// Print a shell completion script (e.g. `skillwright completions bash > ~/.local/share/bash-completion/completions/skillwright`).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command into a directory.
    Man {
        /// Write skillwright.1 and a page per subcommand (skillwright-build.1, …) here instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<std::path::PathBuf>,
    },
}

/// A subcommand's arguments, added to the command line only when that subcommand is the one run
/// (or its help, completions or man page are asked for): building every subcommand's arguments
/// on every start was about a tenth of the instructions `skillwright --version` runs.
struct Later<A>(A);

fn add_args<A: clap::Args>(cmd: clap::Command) -> clap::Command {
    A::augment_args(cmd)
}

fn add_args_for_update<A: clap::Args>(cmd: clap::Command) -> clap::Command {
    A::augment_args_for_update(cmd)
}

impl<A: clap::Args> clap::Args for Later<A> {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        cmd.defer(add_args::<A>)
    }
    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        cmd.defer(add_args_for_update::<A>)
    }
    fn group_id() -> Option<clap::Id> {
        A::group_id()
    }
}

impl<A: FromArgMatches> FromArgMatches for Later<A> {
    fn from_arg_matches(m: &clap::ArgMatches) -> std::result::Result<Self, clap::Error> {
        A::from_arg_matches(m).map(Later)
    }
    fn update_from_arg_matches(&mut self, m: &clap::ArgMatches) -> std::result::Result<(), clap::Error> {
        self.0.update_from_arg_matches(m)
    }
}

/// Runs the command line `args` (the first item is the program name) and returns the exit code.
pub fn run<I, T>(args: I) -> ExitCode
where
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    let args: Vec<std::ffi::OsString> = args.into_iter().map(Into::into).collect();
    // The hooks a host runs at every session start and tool call skip building the whole
    // command line (a fifth of their work): their launchers use one fixed form.
    if let Some(c) = hook::launcher_form(&args) {
        return finish(hook::hook(c));
    }
    let cli = match command().try_get_matches_from(args).and_then(|m| Cli::from_arg_matches(&m)) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    term::set_color(cli.color);
    let result = match cli.command {
        Command::Init(Later(a)) => init::init(a),
        Command::Validate(Later(a)) => validate::validate(a),
        Command::Explain(Later(a)) => validate::explain(a),
        Command::New(Later(a)) => scaffold::new(a),
        Command::Fmt(Later(a)) => scaffold::fmt(a),
        Command::Build(Later(a)) => build::build(a),
        Command::Verify(Later(a)) => verify::verify(a),
        Command::Keygen(Later(a)) => verify::keygen(a),
        Command::Hook(c) => hook::hook(c),
        Command::Skills(c) => runtime::skills(c),
        Command::Store(c) => state::store(c),
        Command::Metrics(c) => state::metrics(c),
        Command::Feedback(Later(a)) => state::feedback(a),
        Command::Trust(c) => state::trust(c),
        Command::Mcp(Later(a)) => runtime::mcp(a),
        Command::Dashboard(Later(a)) => dashboard::dashboard(a),
        Command::Status(Later(a)) => dashboard::status(a),
        Command::Completions { shell } => completions(shell),
        Command::Man { dir } => man(dir),
    };
    finish(result)
}

/// The exit code of a command's `result`: its own, or 2 (with the error on stderr), or 2 when
/// stdout could not be written.
fn finish(result: Result<ExitCode>) -> ExitCode {
    let code = match result {
        Ok(code) => code,
        Err(e) => {
            errln!("error: {e}");
            ExitCode::from(2)
        }
    };
    // Output cut short by anything but a reader that left (a full disk, say) is an I/O error.
    match term::finish() {
        Some(e) => {
            errln!("error: cannot write to stdout: {e}");
            ExitCode::from(2)
        }
        None => code,
    }
}

/// The command line.
pub fn command() -> clap::Command {
    Cli::command()
}

/// Prints the completion script for `shell`.
fn completions(shell: clap_complete::Shell) -> Result<ExitCode> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut command(), "skillwright", &mut buf);
    out!("{}", String::from_utf8_lossy(&buf));
    Ok(ExitCode::SUCCESS)
}

/// Prints the man page, or writes every page into `dir`.
fn man(dir: Option<std::path::PathBuf>) -> Result<ExitCode> {
    let cmd = command();
    match dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            clap_mangen::generate_to(cmd, &dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            errln!("wrote the man pages to {}", dir.display());
        }
        None => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut buf)?;
            out!("{}", String::from_utf8_lossy(&buf));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The target triple this binary was built for.
pub const TRIPLE: &str = env!("SKILLWRIGHT_TRIPLE");

/// The error type of command handlers: a message for people, exit code 2.
pub type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_definition_is_consistent() {
        super::command().debug_assert();
    }

    /// What the full parser makes of `line`, as text (or why it refuses it).
    fn parsed(line: &[&str]) -> String {
        match command().try_get_matches_from(line).and_then(|m| Cli::from_arg_matches(&m)) {
            Ok(Cli { command: Command::Hook(c), .. }) => format!("{c:?}"),
            Ok(_) => "another command".into(),
            Err(e) => format!("refused: {}", e.kind()),
        }
    }

    #[test]
    fn the_launchers_fast_path_means_what_the_full_parser_means() {
        let taken: &[&[&str]] = &[
            &["sw", "hook", "session-start", "--host", "claude"],
            &["sw", "hook", "session-start", "--host", "claude", "--root", "/p/x y"],
            &["sw", "hook", "session-start", "--root", "/p", "--host", "cursor"],
            &["sw", "hook", "run", "--host", "gemini", "--index", "3", "--root", "/p"],
            &["sw", "hook", "run", "--index", "+0", "--host", "codex"],
        ];
        for line in taken {
            let args: Vec<std::ffi::OsString> = line.iter().map(Into::into).collect();
            let fast = hook::launcher_form(&args).unwrap_or_else(|| panic!("{line:?} not taken"));
            assert_eq!(format!("{fast:?}"), parsed(line), "{line:?}");
        }
        // Anything else goes to the full parser, which accepts it or explains why not.
        let left: &[&[&str]] = &[
            &["sw", "hook", "session-start"],
            &["sw", "hook", "session-start", "--host"],
            &["sw", "hook", "session-start", "--host", "a", "--host", "b"],
            &["sw", "hook", "session-start", "--host=claude"],
            &["sw", "hook", "session-start", "--host", "-x"],
            &["sw", "hook", "session-start", "--host", "claude", "--index", "1"],
            &["sw", "hook", "run", "--host", "claude", "--index", "x"],
            &["sw", "hook", "run", "--host", "claude"],
            &["sw", "hook", "run", "--host", "claude", "--index", "1", "--format", "decision"],
            &["sw", "--color", "never", "hook", "session-start", "--host", "claude"],
            &["sw", "hook", "self-check"],
            &["sw", "validate"],
        ];
        for line in left {
            let args: Vec<std::ffi::OsString> = line.iter().map(Into::into).collect();
            assert!(hook::launcher_form(&args).is_none(), "{line:?} taken");
        }
    }
}
