//! Author commands that write starters and fix sources: `new` (a skill), `init` (a pack file) and
//! `fmt` (every SKILL.md into the form every reader takes).

use crate::Result;
use clap::Args;
use skillwright_build::fields::plain_or_quoted;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args)]
pub struct NewArgs {
    /// Name of the skill (lowercase letters, digits, hyphens); also its directory name.
    name: String,
    /// Skills root to create it in.
    #[arg(long, default_value = "skills")]
    root: PathBuf,
    /// What the skill does and when to use it ("… Use when …"). Without it the starter says TODO,
    /// and `validate --strict` fails until you replace it.
    #[arg(long)]
    description: Option<String>,
}

/// The starter SKILL.md: the Agent Skills standard form (skillwright's own fields under
/// `metadata`), which `agentskills validate` accepts.
pub fn starter(name: &str, description: Option<&str>) -> String {
    let description = description
        .unwrap_or("TODO: say what this skill does. Use when TODO: the situation, in the user's words.");
    let title = {
        let t = name.replace('-', " ");
        let mut c = t.chars();
        c.next().map(|f| f.to_uppercase().chain(c).collect::<String>()).unwrap_or_default()
    };
    format!(
        "---\nname: {name}\ndescription: {}\nmetadata:\n  version: 0.1.0\n  metrics-tracks: outcome\n---\n\n# {title}\n\n## When to use\n\nWhen the description above matches the request. Say what should make an agent reach for this skill, and what should not.\n\n## Procedure\n\n1. Restate the goal and the constraints in one sentence.\n2. Work in small steps; check each one against the goal before the next.\n3. Verify the result (run it, test it, read it back) before reporting it.\n\n## Record the outcome\n\n```sh\nskillwright metrics record --skill {name} --outcome success\n```\n",
        plain_or_quoted(description)
    )
}

pub fn new(a: NewArgs) -> Result<ExitCode> {
    if !skillwright_model::names::valid_name(&a.name) {
        return Err(format!(
            "`{}` is not a valid skill name: use 1-64 lowercase letters, digits and single hyphens",
            a.name
        )
        .into());
    }
    if let Some(why) = skillwright_model::names::unportable(&a.name) {
        return Err(format!("`{}` cannot be a skill name: it {why}", a.name).into());
    }
    let dir = a.root.join(&a.name);
    if dir.exists() {
        return Err(format!("{} already exists", dir.display()).into());
    }
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join("SKILL.md"), starter(&a.name, a.description.as_deref()))?;
    let next = if a.description.is_some() { "adapt the procedure" } else { "replace the TODOs" };
    errln!(
        "created {}/SKILL.md; {next}, then run `skillwright validate --strict {}`",
        dir.display(),
        a.root.display()
    );
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
