//! Author commands that write starters and fix sources: `new` (a skill, command or agent), `init`
//! `fmt` (every SKILL.md into the form every reader takes).

use crate::Result;
use clap::Args;
use skillwright_build::fields::plain_or_quoted;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
#[command(
    after_help = "Examples:\n  skillwright new my-skill                 skills/my-skill/SKILL.md\n  skillwright new command review           commands/review.md\n  skillwright new agent code-reviewer      agents/code-reviewer.md\n\nRun it in the pack's directory (where skillwright.toml is), or pass --root."
)]
pub struct NewArgs {
    /// `skill` (the default), `command` or `agent`, then the name: 1-64 lowercase letters,
    /// digits and single hyphens, also the directory (skill) or file name (command, agent).
    #[arg(value_name = "[KIND] NAME", num_args = 1..=2, required = true)]
    words: Vec<String>,
    /// Directory to create it in [default: skills, commands or agents, by kind].
    #[arg(long)]
    root: Option<PathBuf>,
    /// What it does and when to use it ("… Use when …"). Without it the starter says TODO, and
    /// `validate --strict` fails on a skill until you replace it.
    #[arg(long)]
    description: Option<String>,
}

/// What `new` creates.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Skill,
    Command,
    Agent,
}

impl Kind {
    fn parse(word: &str) -> Option<Kind> {
        match word {
            "skill" => Some(Kind::Skill),
            "command" => Some(Kind::Command),
            "agent" => Some(Kind::Agent),
            _ => None,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Kind::Skill => "skill",
            Kind::Command => "command",
            Kind::Agent => "agent",
        }
    }

    fn default_root(self) -> &'static str {
        match self {
            Kind::Skill => "skills",
            Kind::Command => "commands",
            Kind::Agent => "agents",
        }
    }
}

/// Capitalised words of a name, for a heading.
fn title(name: &str) -> String {
    let t = name.replace('-', " ");
    let mut c = t.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
}

/// The starter SKILL.md: the Agent Skills standard form (skillwright's own fields under
/// `metadata`), which `agentskills validate` accepts.
pub fn starter(name: &str, description: Option<&str>) -> String {
    let description = description
        .unwrap_or("TODO: say what this skill does. Use when TODO: the situation, in the user's words.");
    format!(
        "---\nname: {name}\ndescription: {}\nmetadata:\n  version: 0.1.0\n  metrics-tracks: outcome\n---\n\n# {}\n\n## When to use\n\nWhen the description above matches the request. Say what should make an agent reach for this skill, and what should not.\n\n## Procedure\n\n1. Restate the goal and the constraints in one sentence.\n2. Work in small steps; check each one against the goal before the next.\n3. Verify the result (run it, test it, read it back) before reporting it.\n\n## Record the outcome\n\n```sh\nskillwright metrics record --skill {name} --outcome success\n```\n",
        plain_or_quoted(description),
        title(name)
    )
}

/// The starter `commands/<name>.md`: a prompt with the user's arguments in it.
fn command_starter(name: &str, description: Option<&str>) -> String {
    let description = description.unwrap_or("TODO: what this command does, shown in the command menu");
    format!(
        "---\ndescription: {}\nargument-hint: \"[what to work on]\"\n---\n{}: $ARGUMENTS\n\n1. Restate what was asked in one sentence, and the result that would satisfy it.\n2. Do the work in small steps, checking each against that result.\n3. Report what you did and how you verified it.\n",
        plain_or_quoted(description),
        title(name)
    )
}

/// The starter `agents/<name>.md`: the body is the agent's system prompt.
fn agent_starter(name: &str, description: Option<&str>) -> String {
    let description = description
        .unwrap_or("TODO: what this agent does. Use when TODO: the work to hand to it, in the user's words.");
    format!(
        "---\nname: {name}\ndescription: {}\ntools: [read, grep, glob]\nmodel: inherit\n---\nYou are {}, a focused helper. You get one task from the main session.\n\n1. Read what you need before concluding anything; quote file and line for every claim.\n2. Stay inside the task you were given; say what you left out and why.\n3. Finish with a short report: what you found, what you are least sure of.\n",
        plain_or_quoted(description),
        name
    )
}

pub fn new(a: NewArgs) -> Result<ExitCode> {
    let (kind, name) = match a.words.as_slice() {
        [word] if Kind::parse(word).is_some() => {
            return Err(format!(
                "`new {word}` needs a name: `skillwright new {word} NAME` (for a skill named `{word}`: \
                 `skillwright new skill {word}`)"
            )
            .into());
        }
        [name] => (Kind::Skill, name.clone()),
        [kind, name] => match Kind::parse(kind) {
            Some(k) => (k, name.clone()),
            None => {
                let kind = skillwright_model::text::one_line(kind, 40);
                return Err(format!("`{kind}` is not a kind: use `skill`, `command` or `agent`").into());
            }
        },
        _ => return Err("give a name, or a kind (`skill`, `command`, `agent`) and a name".into()),
    };
    let noun = kind.noun();
    let shown = skillwright_model::text::one_line(&name, 70);
    if !skillwright_model::names::valid_name(&name) {
        return Err(format!(
            "`{shown}` is not a valid {noun} name: use 1-64 lowercase letters, digits and single hyphens"
        )
        .into());
    }
    if let Some(why) = skillwright_model::names::unportable(&name) {
        return Err(format!("`{shown}` cannot be a {noun} name: it {why}").into());
    }
    let root = a.root.clone().unwrap_or_else(|| PathBuf::from(kind.default_root()));
    // Skills, commands and agents share one namespace (SW405): look beside the root for the others.
    let pack = root.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    let taken = [
        (root.join(&name), kind == Kind::Skill),
        (root.join(format!("{name}.md")), kind != Kind::Skill),
        (pack.join("skills").join(&name), true),
        (pack.join("commands").join(format!("{name}.md")), true),
        (pack.join("agents").join(format!("{name}.md")), true),
    ];
    if let Some((path, _)) = taken.iter().find(|(p, check)| *check && std::fs::symlink_metadata(p).is_ok()) {
        return Err(format!(
            "{} already exists: skills, commands and agents share one namespace, so pick another name",
            path.display()
        )
        .into());
    }
    let description = a.description.as_deref();
    let (file, text) = match kind {
        Kind::Skill => (root.join(&name).join("SKILL.md"), starter(&name, description)),
        Kind::Command => (root.join(format!("{name}.md")), command_starter(&name, description)),
        Kind::Agent => (root.join(format!("{name}.md")), agent_starter(&name, description)),
    };
    if let Some(dir) = file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // create_new: never replace a file that appeared since the check above.
    use std::io::Write;
    std::fs::OpenOptions::new().write(true).create_new(true).open(&file)?.write_all(text.as_bytes())?;
    let next = if description.is_some() { "adapt the body" } else { "replace the TODOs" };
    let check = match kind {
        Kind::Skill => format!("skillwright validate --strict {}", root.display()),
        _ => "skillwright build".to_string(),
    };
    errln!("created {}; {next}, then run `{check}`", file.display());
    Ok(ExitCode::SUCCESS)
}

#[derive(Args)]
pub struct FmtArgs {
    /// Skills roots, skill directories or files in skills, as for `validate`.
    #[arg(default_value = "skills")]
    paths: Vec<PathBuf>,
    /// Change nothing; list the files that would change and exit 1 if there are any.
    #[arg(long)]
    check: bool,
}

pub fn fmt(a: FmtArgs) -> Result<ExitCode> {
    let (set, _) = skillwright_build::discover::discover_paths(&a.paths)?;
    let (mut changed, mut refused) = (0usize, 0usize);
    for skill in &set.skills {
        // The skill's SKILL.md on disk: where discovery read it from (links resolved).
        let shown = skill.skill_md();
        let path = PathBuf::from(&shown);
        let Ok(path) = std::fs::canonicalize(&path) else { continue };
        let bytes = skillwright_model::fsio::read_bounded(
            &path,
            skillwright_build::discover::MAX_SKILL_MD,
            skillwright_model::fsio::Links::Refuse,
        )?;
        match skillwright_build::fmt::format(&bytes) {
            Ok(None) => {}
            Ok(Some(text)) => {
                changed += 1;
                if a.check {
                    errln!("would rewrite {shown}");
                } else {
                    let mode = file_mode(&path);
                    skillwright_model::fsio::write_atomic(
                        &path,
                        text.as_bytes(),
                        skillwright_model::fsio::WriteOptions { mode, durable: true },
                    )?;
                    errln!("rewrote {shown}");
                }
            }
            Err(e) => {
                refused += 1;
                errln!("{shown}: {e}");
            }
        }
    }
    let verb = if a.check { "would change" } else { "changed" };
    errln!(
        "{} skill{} checked: {changed} {verb}, {refused} left as they are",
        set.skills.len(),
        crate::validate::plural(set.skills.len())
    );
    Ok(if refused > 0 || (a.check && changed > 0) { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn file_mode(path: &std::path::Path) -> u32 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::metadata(path) {
            return m.permissions().mode() & 0o777;
        }
    }
    let _ = path;
    0o644
}
