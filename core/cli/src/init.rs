//! `skillwright init`: a new pack in a directory — a commented `skillwright.toml` and a first
//! skill that validates, so `validate` and `build` work at once.

use crate::Result;
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args)]
pub struct InitArgs {
    /// Directory of the pack (created if missing).
    #[arg(default_value = ".")]
    dir: PathBuf,
    /// Pack name (default: the directory's name, made lowercase with hyphens).
    #[arg(long)]
    name: Option<String>,
    /// Author shown in the manifests (default: `git config user.name`).
    #[arg(long)]
    author: Option<String>,
    /// Print nothing but errors.
    #[arg(long, short)]
    quiet: bool,
}

/// The schema editors use to check and complete the pack file (Taplo, Even Better TOML).
pub const SCHEMA_URL: &str =
    "https://raw.githubusercontent.com/skillwright/skillwright/main/docs/skillwright.schema.json";

/// The name of the first skill.
const FIRST_SKILL: &str = "commit-messages";

pub fn init(a: InitArgs) -> Result<ExitCode> {
    let pack_file = a.dir.join("skillwright.toml");
    if pack_file.exists() {
        return Err(format!(
            "{} already exists; edit it, or run init in another directory",
            pack_file.display()
        )
        .into());
    }
    let name = match a.name {
        Some(n) => n,
        None => pack_name(&a.dir),
    };
    let name_ok =
        skillwright_model::names::valid_name(&name) && name.starts_with(|c: char| c.is_ascii_lowercase());
    if !name_ok {
        return Err(format!(
            "`{name}` is not a pack name: use lowercase letters, digits and single hyphens, starting with a letter (--name)"
        )
        .into());
    }
    let author = a.author.or_else(git_user).unwrap_or_else(|| "Your Name".into());
    std::fs::create_dir_all(&a.dir).map_err(|e| format!("{}: {e}", a.dir.display()))?;
    let skills = a.dir.join("skills");
    let has_skills = std::fs::read_dir(&skills).is_ok_and(|mut d| d.next().is_some());
    std::fs::write(&pack_file, pack_toml(&name, &author))
        .map_err(|e| format!("{}: {e}", pack_file.display()))?;
    let first = skills.join(FIRST_SKILL);
    if !has_skills {
        std::fs::create_dir_all(&first).map_err(|e| format!("{}: {e}", first.display()))?;
        std::fs::write(first.join("SKILL.md"), FIRST_SKILL_MD)?;
    }
    if a.quiet {
        return Ok(ExitCode::SUCCESS);
    }
    errln!("wrote {} (every field is explained in it)", pack_file.display());
    if has_skills {
        errln!("kept the skills already in {}", skills.display());
    } else {
        errln!("wrote {}/SKILL.md, a first skill to edit or replace", first.display());
    }
    let out = crate::build::default_out(&pack_file);
    let shown = a.dir.display().to_string();
    let cd = match shown.as_str() {
        "." => String::new(),
        d if d.contains(char::is_whitespace) => format!("cd '{d}' && "),
        d => format!("cd {d} && "),
    };
    errln!(
        "next: {cd}skillwright validate   # every problem at once\n      {cd}skillwright build      # a package per host in {}",
        out.strip_prefix(&a.dir).unwrap_or(&out).display()
    );
    Ok(ExitCode::SUCCESS)
}

/// A pack name from a directory's name: lowercase, runs of other characters as one hyphen.
fn pack_name(dir: &Path) -> String {
    let base =
        std::path::absolute(dir).ok().and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()));
    let mut name = String::new();
    for c in base.unwrap_or_default().chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_lowercase());
        } else if !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
    }
    let name = name.trim_matches('-').to_string();
    if name.starts_with(|c: char| c.is_ascii_lowercase()) { name } else { "my-skills".into() }
}

/// The user's name as git knows it, if git is there.
fn git_user() -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["config", "user.name"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let name = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (out.status.success() && !name.is_empty()).then_some(name)
}

/// The commented pack file (docs/pack-file.md says the same at more length).
pub fn pack_toml(name: &str, author: &str) -> String {
    let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
    PACK_TOML
        .replace("{schema}", SCHEMA_URL)
        .replace("{name}", &q(name))
        .replace("{display}", &q(&name.replace('-', " ")))
        .replace("{author}", &q(author))
}

const PACK_TOML: &str = r#"#:schema {schema}
# skillwright.toml: the pack file. `skillwright build` reads it, the skills in skills/<name>/SKILL.md
# and, when present, commands/<name>.md and agents/<name>.md beside it, and writes one package per
# host. Every field is described in docs/pack-file.md of the skillwright repository.

[pack]
# Package name on every host: lowercase letters, digits and single hyphens, starting with a letter.
name = {name}
# Name shown in marketplaces and plugin lists (optional; default: `name`).
# display-name = {display}
# One line for marketplaces and plugin lists (1-1024 characters).
description = "Skills for coding agents that TODO say what they help with."
# Semantic version, the same in every host's manifest. Leave it out to pass
# `skillwright build --pack-version X.Y.Z` instead (e.g. from a release tag).
version = "0.1.0"
# SPDX license identifier of the skills (optional).
license = "MIT"
# Links the hosts show where they have a place for them (optional).
# homepage = "https://example.com/my-skills"
# repository = "https://github.com/you/my-skills"
# Marketplace keywords (optional).
# keywords = ["testing", "review"]
# Marketplace category (optional, free text).
# category = "Developer Tools"

[pack.author]
# Shown as the author or owner in every manifest.
name = {author}
# email = "you@example.com"

# MCP servers that the hosts which support them start with the plugin (optional), one table each.
# A local server run over stdio: `command` is a program on PATH or a ./path inside the package;
# ${PLUGIN_ROOT} (the installed package) and ${PLUGIN_DATA} (its data directory) work everywhere.
# [mcp.my-server]
# command = "npx"
# args = ["-y", "@scope/my-server"]
# env = { LOG_LEVEL = "info" }
# cwd = "."
# A remote server: `type` is "http" (the default with `url`) or "sse"; https only (http for
# localhost). Never put a secret here: everything in this file ships in every package.
# [mcp.docs]
# url = "https://example.com/mcp"
# headers = { X-Client = "skillwright" }

# Lifecycle hooks (optional), in the order they run. `event` is skillwright's name; each host gets
# its own. `run` is a script path relative to this file; `handler` a built-in one ("skill-usage").
# [[hooks]]
# event = "pre-tool-use"   # session-start, user-prompt-submit, pre-tool-use, permission-request,
#                          # post-tool-use, post-tool-use-failure, subagent-start, subagent-stop,
#                          # notification, pre-compact, stop, session-end
# tools = ["shell"]        # tool events only: read, grep, glob, list, shell, edit, write,
#                          # web-fetch, web-search, task (default: every tool)
# run = "hooks/check-shell.sh"
# timeout = 10             # seconds, 1-60 (default 10)
# on-failure = "allow"     # what a crash or timeout means: "allow" (default) or "block"
"#;

const FIRST_SKILL_MD: &str = r#"---
name: commit-messages
description: "Writes a commit message from the staged changes: a short subject in the imperative, then why the change was made. Use when the user asks to commit, or to write or improve a commit message."
metadata:
  version: 0.1.0
  requires-tools: git
  requires-runtime: "false"
  metrics-tracks: outcome
  metrics-improves: quality
---

# Commit messages

## When to use

The user asks you to commit, or to write, review or improve a commit message.

## Procedure

1. Read what is staged: `git diff --staged`. If nothing is staged, ask what to commit.
2. Write a subject line of at most 72 characters, in the imperative ("Add", "Fix", "Remove"),
   naming what changed for a reader of `git log --oneline`.
3. After a blank line, say why the change was made and anything a reviewer should know. Leave
   out what the diff already shows.
4. Show the message, and commit only when the user agrees.

## Record the outcome

```sh
skillwright metrics record --skill commit-messages --outcome success
```
"#;
