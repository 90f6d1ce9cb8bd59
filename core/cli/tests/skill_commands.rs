//! Every `skillwright …` command the flagship pack's skills quote runs, in the order a reader
//! meets it, and succeeds.
//!
//! The extraction rule:
//!
//! - Files: every `*.md` under `skills/<skill>/`, SKILL.md first, then the others by path. Each
//!   skill directory gets its own scratch state (`SKILLWRIGHT_HOME`) and working directory, so
//!   a skill's examples must hold together on their own: a value is stored before it is read.
//! - Fenced code blocks whose info string is empty, `sh`, `bash`, `shell` or `console` (the others
//!   show files, not commands to run). When some line of a block starts with a `$ ` prompt, only
//!   those lines are commands and the rest is their output. A line ending in `\` continues on the
//!   next. Each line is split at unquoted `|`, `||`, `&&` and `;`, an unquoted `#` starts a
//!   comment, and every piece whose first word is `skillwright` is a command.
//! - A command must exit 0, except that one whose line's comment starts with `exits 1 when`
//!   (a lookup that may find nothing: `# exits 1 when nothing matches`) may also exit 1.
//! - Inline code spans outside fences whose text starts with `skillwright `.
//! - Words are split as a POSIX shell would (single and double quotes, backslashes). A command
//!   may not hold a placeholder: no unquoted all-capitals word (`NAME`, `KEY`), `<…>`, `[…]`,
//!   `...`, `…` or `a|b` alternatives, and no `$` expansion anywhere. Skills quote concrete,
//!   runnable examples.
//!
//! Each command runs as the real binary inside the flagship package (built with `--fake-binaries`
//! for one host, then this binary copied into its `bin/<triple>/`), so runtime commands find their
//! package, with a working directory that holds a copy of the pack (`skills/`, and
//! `skillwright.toml` given a version as an author's pack file has) for the author commands.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use support::{BIN, copy_dir, plugin_root, repo, targets};

/// A quoted command: where it is and its words (after `skillwright`).
#[derive(Debug)]
struct Quoted {
    file: String,
    line: usize,
    text: String,
    words: Vec<String>,
    /// Why it cannot be run as written.
    problem: Option<String>,
    /// Its line says it `exits 1 when …` (a lookup that may find nothing): 1 is fine too.
    may_exit_1: bool,
}

/// Splits `s` into shell words; `None` on an unterminated quote. Each word comes with whether
/// any part of it was quoted.
fn words(s: &str) -> Option<Vec<(String, bool)>> {
    let mut out = Vec::new();
    let mut cur: Option<(String, bool)> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {
                if let Some(w) = cur.take() {
                    out.push(w);
                }
            }
            '\'' => {
                let w = cur.get_or_insert_with(Default::default);
                w.1 = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        c => w.0.push(c),
                    }
                }
            }
            '"' => {
                let w = cur.get_or_insert_with(Default::default);
                w.1 = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => w.0.push(chars.next()?),
                        c => w.0.push(c),
                    }
                }
            }
            '\\' => cur.get_or_insert_with(Default::default).0.push(chars.next().unwrap_or('\\')),
            c => cur.get_or_insert_with(Default::default).0.push(c),
        }
    }
    out.extend(cur);
    Some(out)
}

/// The pieces of a shell line between unquoted `|`, `||`, `&&` and `;`, before an unquoted `#`,
/// and the comment after it.
fn pieces(line: &str) -> (Vec<String>, Option<String>) {
    let mut out = vec![String::new()];
    let mut comment = None;
    let (mut single, mut double) = (false, false);
    let mut prev = ' ';
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single && prev != '\\' => double = !double,
            '#' if !single && !double && prev.is_whitespace() => {
                comment = Some(chars.collect::<String>().trim().to_string());
                break;
            }
            '|' | ';' if !single && !double => {
                if c == '|' && chars.peek() == Some(&'|') {
                    chars.next();
                }
                out.push(String::new());
                prev = ' ';
                continue;
            }
            '&' if !single && !double && chars.peek() == Some(&'&') => {
                chars.next();
                out.push(String::new());
                prev = ' ';
                continue;
            }
            _ => {}
        }
        out.last_mut().unwrap().push(c);
        prev = c;
    }
    (out.into_iter().map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect(), comment)
}

/// What stands for something else instead of being it.
fn placeholder(word: &str) -> bool {
    let caps = word.len() > 1 && word.chars().all(|c| c.is_ascii_uppercase() || c == '_');
    caps || word.contains("...")
        || word.contains('…')
        || word.contains('$')
        || word.contains('|')
        || (word.starts_with('<') && word.ends_with('>'))
        || word.starts_with('[')
}

/// The `skillwright` commands quoted in `text` (the file `file`), in order.
fn quoted(file: &str, text: &str) -> Vec<Quoted> {
    let mut out = Vec::new();
    let mut push = |line: usize, cmd: &str, may_exit_1: bool| {
        if cmd.split_whitespace().next() != Some("skillwright") {
            return;
        }
        let Some(ws) = words(cmd) else {
            let problem = Some("has an unterminated quote".to_string());
            out.push(Quoted {
                file: file.to_string(),
                line,
                text: cmd.to_string(),
                words: vec![],
                problem,
                may_exit_1,
            });
            return;
        };
        let problem = ws
            .iter()
            .find(|(w, quoted)| (!quoted && placeholder(w)) || w.contains('$'))
            .map(|(w, _)| format!("holds the placeholder `{w}`: quote a concrete, runnable example"));
        let words = ws.into_iter().skip(1).map(|w| w.0).collect();
        out.push(Quoted { file: file.to_string(), line, text: cmd.to_string(), words, problem, may_exit_1 });
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let trimmed = lines[i].trim_start();
        let fence: String = trimmed.chars().take_while(|&c| c == '`' || c == '~').collect();
        if fence.len() >= 3 && fence.chars().all(|c| c == fence.chars().next().unwrap()) {
            let info = trimmed[fence.len()..].trim();
            let start = i + 1;
            let mut end = start;
            while end < lines.len() {
                let t = lines[end].trim();
                if t.starts_with(&fence) && t.chars().all(|c| c == fence.chars().next().unwrap()) {
                    break;
                }
                end += 1;
            }
            if ["", "sh", "bash", "shell", "console"].contains(&info) {
                let body = &lines[start..end.min(lines.len())];
                let prompts = body.iter().any(|l| l.trim_start().starts_with("$ "));
                let mut j = 0;
                while j < body.len() {
                    let first = j;
                    let mut cmd = body[j].trim().to_string();
                    while cmd.ends_with('\\') && j + 1 < body.len() {
                        cmd.pop();
                        j += 1;
                        cmd.push(' ');
                        cmd.push_str(body[j].trim());
                    }
                    j += 1;
                    let cmd = match cmd.strip_prefix("$ ") {
                        Some(c) => c.to_string(),
                        None if prompts => continue,
                        None => cmd,
                    };
                    let (cmds, comment) = pieces(&cmd);
                    let may_exit_1 = comment.is_some_and(|c| c.starts_with("exits 1 when"));
                    for piece in cmds {
                        push(start + first + 1, &piece, may_exit_1);
                    }
                }
            }
            i = end + 1;
            continue;
        }
        // Inline code spans.
        let mut rest = lines[i];
        while let Some(open) = rest.find('`') {
            let after = &rest[open + 1..];
            let Some(close) = after.find('`') else { break };
            let span = &after[..close];
            if span.starts_with("skillwright ") {
                push(i + 1, span, false);
            }
            rest = &after[close + 1..];
        }
        i += 1;
    }
    out
}

/// Every skill directory's quoted commands: SKILL.md first, then its other Markdown files.
fn pack_commands(skills: &Path) -> Vec<(String, Vec<Quoted>)> {
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(skills).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    dirs.into_iter()
        .map(|dir| {
            let mut files: Vec<PathBuf> = support::walk(&dir)
                .into_iter()
                .filter(|p| p.extension().is_some_and(|x| x == "md"))
                .collect();
            files.sort_by_key(|p| (p.file_name().unwrap() != "SKILL.md", p.clone()));
            let cmds = files
                .iter()
                .flat_map(|f| {
                    let rel = f.strip_prefix(skills.parent().unwrap()).unwrap().display().to_string();
                    quoted(&rel, &std::fs::read_to_string(f).unwrap())
                })
                .collect();
            (dir.file_name().unwrap().to_string_lossy().into_owned(), cmds)
        })
        .collect()
}

#[test]
fn the_extraction_rule() {
    let md = "Run `skillwright skills list` first.\n\n```sh\n$ skillwright store set a 'x | y' # exits 1 when\n\
              output line\n$ git log | skillwright store append log \"two words\" && skillwright feedback\n```\n\n\
              ```python\nskillwright store get nope\n```\n\n```\nskillwright metrics record --skill s \\\n  --outcome success\n```\n";
    let got = quoted("f", md);
    assert_eq!(got.iter().map(|q| q.may_exit_1).collect::<Vec<_>>(), [false, true, false, false, false]);
    let got: Vec<(usize, Vec<String>)> = got.into_iter().map(|q| (q.line, q.words)).collect();
    let w = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        got,
        [
            (1, w(&["skills", "list"])),
            (4, w(&["store", "set", "a", "x | y"])),
            (6, w(&["store", "append", "log", "two words"])),
            (6, w(&["feedback"])),
            (14, w(&["metrics", "record", "--skill", "s", "--outcome", "success"])),
        ]
    );
    for bad in [
        "`skillwright skills show NAME`",
        "`skillwright feedback [--skill x]`",
        "`skillwright store get <key>`",
    ] {
        assert!(quoted("f", bad)[0].problem.is_some(), "{bad}");
    }
}

#[test]
fn every_command_the_skills_quote_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let o = support::build_flagship(&tmp.path().join("out"), &["--hosts", "claude"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let root =
        plugin_root(&tmp.path().join("out"), &targets().into_iter().find(|t| t.id == "claude").unwrap());
    let exe = root.join("bin").join(env!("SKILLWRIGHT_TRIPLE")).join("skillwright");
    std::fs::copy(BIN, &exe).unwrap();
    let index = skillwright_runtime::package::index(&root).unwrap();

    let mut failures = Vec::new();
    let mut count = 0;
    let all = pack_commands(&repo().join("skills"));
    for (skill, cmds) in &all {
        let scratch = tmp.path().join("scratch").join(skill);
        let (cwd, home) = (scratch.join("work"), scratch.join("home"));
        copy_dir(&repo().join("skills"), &cwd.join("skills"));
        // The flagship's pack file leaves its version to the release; an author's has one.
        let pack = std::fs::read_to_string(repo().join("skillwright.toml")).unwrap();
        std::fs::write(
            cwd.join("skillwright.toml"),
            pack.replacen("[pack]\n", "[pack]\nversion = \"0.1.0\"\n", 1),
        )
        .unwrap();
        for q in cmds {
            count += 1;
            if let Some(p) = &q.problem {
                failures.push(format!("{}:{}: `{}` {p}", q.file, q.line, q.text));
                continue;
            }
            let out = Command::new(&exe)
                .args(&q.words)
                .current_dir(&cwd)
                .env("SKILLWRIGHT_HOME", &home)
                .env("HOME", &scratch)
                .env_remove("SKILLWRIGHT_DISABLE")
                .stdin(Stdio::null())
                .output()
                .unwrap();
            let ok = out.status.code() == Some(0) || (q.may_exit_1 && out.status.code() == Some(1));
            if !ok {
                failures.push(format!(
                    "{}:{}: `{}` exited {:?}: {}",
                    q.file,
                    q.line,
                    q.text,
                    out.status.code(),
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} quoted commands failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(count >= 80, "only {count} commands found: is the extraction rule still right?");

    // Each skill that declares metrics of its own shows them recorded; the debugging skill
    // stores a hypothesis and finds it again by words from its error.
    for s in &index.skills {
        let own: Vec<&String> =
            s.tracks.iter().filter(|t| !["outcome", "duration"].contains(&t.as_str())).collect();
        if own.is_empty() {
            continue;
        }
        let cmds = &all.iter().find(|(name, _)| *name == s.name).unwrap().1;
        let records = cmds.iter().filter(|q| q.words.starts_with(&["metrics".into(), "record".into()]));
        let recorded: Vec<&str> = records
            .flat_map(|q| {
                q.words.windows(2).filter(|w| w[0] == "--metric").map(|w| w[1].split('=').next().unwrap())
            })
            .collect();
        assert!(!recorded.is_empty(), "{} declares {own:?} but never records one with --metric", s.name);
    }
    let debugging = &all.iter().find(|(name, _)| name == "systematic-debugging").unwrap().1;
    let verbs: Vec<String> = debugging.iter().map(|q| q.words[..2].join(" ")).collect();
    let stored = verbs.iter().position(|v| v == "store append" || v == "store set");
    let found = verbs.iter().rposition(|v| v == "store search");
    assert!(
        stored.is_some() && found > stored,
        "systematic-debugging stores a hypothesis, then finds it: {verbs:?}"
    );
}
