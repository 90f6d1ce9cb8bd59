//! Every component rule met on a hostile variant of the components pack, through the real
//! `skillwright build`: the problem is reported with its rule code at the file, line and column
//! of what is wrong, an error stops the build before anything is written, and a warning alone
//! lets the build through.

mod support;

use skillwright_model::diag::Severity;
use skillwright_model::rules;
use std::path::Path;
use std::process::Command;
use support::{BIN, repo};

/// One hostile change: what it does to the pack, the rule it breaks, the file reported and text
/// found on the reported line (`None` when the problem is the file itself).
struct Case {
    edit: fn(&Path),
    code: &'static str,
    file: &'static str,
    line_has: Option<&'static str>,
}

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn append_toml(dir: &Path, text: &str) {
    let path = dir.join("skillwright.toml");
    let mut toml = std::fs::read_to_string(&path).unwrap();
    toml.push('\n');
    toml.push_str(text);
    std::fs::write(path, toml).unwrap();
}

/// A directory beside the pack `d`, outside it.
fn outside(d: &Path) -> std::path::PathBuf {
    d.with_file_name(format!("{}-outside", d.file_name().unwrap().to_string_lossy()))
}

fn link(target: &Path, at: &Path) {
    #[cfg(unix)]
    std::os::unix::fs::symlink(target, at).unwrap();
    #[cfg(not(unix))]
    let _ = (target, at);
}

fn cases() -> Vec<Case> {
    let toml = "skillwright.toml";
    vec![
        Case {
            edit: |d| write(d, "commands/Bad Name.md", "---\ndescription: x\n---\nDo it.\n"),
            code: "SW401",
            file: "commands/Bad Name.md",
            line_has: None,
        },
        Case {
            edit: |d| {
                write(d, "agents/bad_agent.md", "---\nname: bad_agent\ndescription: x\n---\nYou help.\n")
            },
            code: "SW401",
            file: "agents/bad_agent.md",
            line_has: None,
        },
        Case {
            edit: |d| write(d, "commands/con.md", "---\ndescription: x\n---\nDo it.\n"),
            code: "SW013",
            file: "commands/con.md",
            line_has: None,
        },
        Case {
            edit: |d| write(d, "commands/nodesc.md", "---\nargument-hint: \"[x]\"\n---\nDo it.\n"),
            code: "SW402",
            file: "commands/nodesc.md",
            line_has: None,
        },
        Case {
            edit: |d| write(d, "commands/positional.md", "---\ndescription: x\n---\nFix issue $1 now.\n"),
            code: "SW403",
            file: "commands/positional.md",
            line_has: Some("$1"),
        },
        Case {
            edit: |d| write(d, "commands/extra.md", "---\ndescription: x\ncolour: red\n---\nDo it.\n"),
            code: "SW404",
            file: "commands/extra.md",
            line_has: Some("colour"),
        },
        Case {
            edit: |d| write(d, "commands/review-checklist.md", "---\ndescription: x\n---\nDo it.\n"),
            code: "SW405",
            file: "commands/review-checklist.md",
            line_has: None,
        },
        Case {
            edit: |d| write(d, "commands/empty.md", "---\ndescription: x\n---\n"),
            code: "SW406",
            file: "commands/empty.md",
            line_has: None,
        },
        Case {
            edit: |d| write(d, "agents/helper.md", "---\nname: assistant\ndescription: x\n---\nYou help.\n"),
            code: "SW421",
            file: "agents/helper.md",
            line_has: Some("assistant"),
        },
        Case {
            edit: |d| {
                write(
                    d,
                    "agents/helper.md",
                    "---\nname: helper\ndescription: x\ntools: [read, teleport]\n---\nYou help.\n",
                )
            },
            code: "SW422",
            file: "agents/helper.md",
            line_has: Some("teleport"),
        },
        Case {
            edit: |d| append_toml(d, "[mcp.both]\ncommand = \"x\"\nurl = \"https://a.example\"\n"),
            code: "SW441",
            file: toml,
            line_has: Some("[mcp.both]"),
        },
        Case {
            edit: |d| append_toml(d, "[mcp.res]\ncommand = \"x\"\nenv = { PLUGIN_DATA = \"/tmp\" }\n"),
            code: "SW441",
            file: toml,
            line_has: Some("PLUGIN_DATA"),
        },
        Case {
            edit: |d| append_toml(d, "[mcp.abs]\ncommand = \"/usr/bin/evil\"\n"),
            code: "SW442",
            file: toml,
            line_has: Some("/usr/bin/evil"),
        },
        Case {
            edit: |d| append_toml(d, "[mcp.up]\ncommand = \"x\"\ncwd = \"../elsewhere\"\n"),
            code: "SW442",
            file: toml,
            line_has: Some("../elsewhere"),
        },
        Case {
            // The server's directory is a link to files outside the pack.
            edit: |d| {
                let outside = outside(d);
                std::fs::rename(d.join("servers"), &outside).unwrap();
                link(&outside, &d.join("servers"));
            },
            code: "SW442",
            file: toml,
            line_has: Some("./servers/notes.py"),
        },
        Case {
            edit: |d| {
                let outside = outside(d);
                std::fs::create_dir_all(&outside).unwrap();
                std::fs::write(outside.join("secret.txt"), "not the pack's\n").unwrap();
                link(&outside, &d.join("docs"));
                let toml = std::fs::read_to_string(d.join("skillwright.toml")).unwrap();
                std::fs::write(
                    d.join("skillwright.toml"),
                    toml.replacen("[pack]\n", "[pack]\nfiles = [\"docs\"]\n", 1),
                )
                .unwrap();
            },
            code: "SW442",
            file: toml,
            line_has: None,
        },
        Case {
            edit: |d| {
                let outside = outside(d);
                std::fs::rename(d.join("commands"), &outside).unwrap();
                link(&outside, &d.join("commands"));
            },
            code: "SW012",
            file: "commands",
            line_has: None,
        },
        Case {
            edit: |d| append_toml(d, "[mcp.gone]\ncommand = \"./servers/missing.py\"\n"),
            code: "SW442",
            file: toml,
            line_has: Some("missing.py"),
        },
        Case {
            edit: |d| {
                append_toml(
                    d,
                    "[mcp.leak]\nurl = \"https://a.example\"\nheaders = { Authorization = \"Bearer sk-0123456789abcdefghij\" }\n",
                )
            },
            code: "SW443",
            file: toml,
            line_has: Some("Authorization"),
        },
        Case {
            edit: |d| append_toml(d, "[mcp.var]\ncommand = \"x\"\nargs = [\"--log\", \"${HOME}/log\"]\n"),
            code: "SW444",
            file: toml,
            line_has: Some("${HOME}"),
        },
        Case {
            edit: |d| append_toml(d, "[mcp.plain]\nurl = \"http://mcp.example.com\"\n"),
            code: "SW445",
            file: toml,
            line_has: Some("http://mcp.example.com"),
        },
        Case {
            edit: |d| append_toml(d, "[mcp.creds]\nurl = \"https://u:p@mcp.example.com\"\n"),
            code: "SW445",
            file: toml,
            line_has: Some("u:p@"),
        },
        Case {
            edit: |d| append_toml(d, "[[hooks]]\nevent = \"on-save\"\nhandler = \"skill-usage\"\n"),
            code: "SW461",
            file: toml,
            line_has: Some("on-save"),
        },
        Case {
            edit: |d| {
                append_toml(
                    d,
                    "[[hooks]]\nevent = \"stop\"\ntools = [\"shell\"]\nhandler = \"skill-usage\"\n",
                )
            },
            code: "SW462",
            file: toml,
            line_has: Some("tools = [\"shell\"]"),
        },
        Case {
            edit: |d| {
                append_toml(
                    d,
                    "[[hooks]]\nevent = \"pre-tool-use\"\ntools = [\"telepathy\"]\nhandler = \"skill-usage\"\n",
                )
            },
            code: "SW462",
            file: toml,
            line_has: Some("telepathy"),
        },
        Case {
            edit: |d| append_toml(d, "[[hooks]]\nevent = \"stop\"\nrun = \"hooks/scripts/nowhere.sh\"\n"),
            code: "SW463",
            file: toml,
            line_has: Some("nowhere.sh"),
        },
        Case {
            edit: |d| {
                let outside = outside(d);
                std::fs::create_dir_all(&outside).unwrap();
                write(&outside, "guard.sh", "#!/bin/sh\nexit 0\n");
                #[cfg(unix)]
                {
                    use std::os::unix::fs::PermissionsExt;
                    let mode = std::fs::Permissions::from_mode(0o755);
                    std::fs::set_permissions(outside.join("guard.sh"), mode).unwrap();
                }
                link(&outside, &d.join("hooks/linked"));
                append_toml(d, "[[hooks]]\nevent = \"stop\"\nrun = \"hooks/linked/guard.sh\"\n");
            },
            code: "SW463",
            file: toml,
            line_has: Some("hooks/linked/guard.sh"),
        },
        Case {
            edit: |d| append_toml(d, "[[hooks]]\nevent = \"stop\"\nrun = \"../outside.sh\"\n"),
            code: "SW463",
            file: toml,
            line_has: Some("../outside.sh"),
        },
        Case {
            edit: |d| {
                write(d, "hooks/scripts/plain.sh", "#!/bin/sh\nexit 0\n");
                append_toml(d, "[[hooks]]\nevent = \"stop\"\nrun = \"hooks/scripts/plain.sh\"\n");
            },
            code: "SW463",
            file: toml,
            line_has: Some("plain.sh"),
        },
        Case {
            edit: |d| append_toml(d, "[[hooks]]\nevent = \"stop\"\nhandler = \"mind-reader\"\n"),
            code: "SW464",
            file: toml,
            line_has: Some("mind-reader"),
        },
        Case {
            edit: |d| append_toml(d, "[[hooks]]\nevent = \"stop\"\n"),
            code: "SW464",
            file: toml,
            line_has: Some("[[hooks]]"),
        },
        Case {
            edit: |d| {
                append_toml(d, "[[hooks]]\nevent = \"stop\"\nhandler = \"skill-usage\"\ntimeout = 600\n")
            },
            code: "SW465",
            file: toml,
            line_has: Some("600"),
        },
        Case {
            edit: |d| append_toml(d, "[[hooks]]\nevent = \"stop\"\nhandler = \"skill-usage\"\ntimeout = 0\n"),
            code: "SW465",
            file: toml,
            line_has: Some("timeout = 0"),
        },
    ]
}

/// A diagnostic as printed: code, severity, `file:line:col` (or just the file).
struct Printed {
    code: String,
    error: bool,
    at: String,
}

fn printed(stderr: &str) -> Vec<Printed> {
    let lines: Vec<&str> = stderr.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let (error, rest) = match (l.strip_prefix("error["), l.strip_prefix("warning[")) {
            (Some(r), _) => (true, r),
            (_, Some(r)) => (false, r),
            _ => continue,
        };
        let code = rest.split(']').next().unwrap_or("").to_string();
        let at = lines.get(i + 1).and_then(|n| n.trim().strip_prefix("--> ")).unwrap_or("").to_string();
        out.push(Printed { code, error, at });
    }
    out
}

#[test]
fn each_component_rule_is_reported_where_the_problem_is() {
    let tmp = tempfile::tempdir().unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for (n, case) in cases().into_iter().enumerate() {
        let src = tmp.path().join(format!("pack-{n}"));
        support::copy_dir(&repo().join("tests/packs/components"), &src);
        #[cfg(unix)]
        for script in ["hooks/scripts/guard.sh", "hooks/scripts/remind.sh", "servers/notes.py"] {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(src.join(script), std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        (case.edit)(&src);
        let out = tmp.path().join(format!("out-{n}"));
        let o = Command::new(BIN)
            .current_dir(&src)
            .args(["build", "--fake-binaries", "--skills", "skills", "--pack", "skillwright.toml", "--out"])
            .arg(&out)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        let found = printed(&stderr);
        let Some(d) = found.iter().find(|d| d.code == case.code) else {
            panic!("case {n}: no {} in:\n{stderr}", case.code)
        };
        let rule = rules::find(case.code).unwrap();
        assert_eq!(d.error, rule.severity == Severity::Error, "case {n}: {} severity", case.code);
        // Nothing else is wrong with the pack: the case's own problem is the only kind reported.
        assert!(found.iter().all(|f| f.code == case.code), "case {n}: other problems too:\n{stderr}");
        match case.line_has {
            None => assert!(d.at.starts_with(case.file), "case {n}: at {} not {}", d.at, case.file),
            Some(needle) => {
                let rest = d.at.strip_prefix(case.file).and_then(|r| r.strip_prefix(':'));
                let (line, col) = rest
                    .and_then(|r| r.split_once(':'))
                    .map(|(l, c)| (l.parse::<usize>().unwrap(), c.parse::<usize>().unwrap()))
                    .unwrap_or_else(|| panic!("case {n}: `{}` has no {}:line:col", d.at, case.file));
                let text = std::fs::read_to_string(src.join(case.file)).unwrap();
                let shown = text.lines().nth(line - 1).unwrap_or("");
                assert!(
                    shown.contains(needle),
                    "case {n}: {}:{line} is `{shown}`, not the line with `{needle}`",
                    case.file
                );
                assert!(col >= 1 && col <= shown.chars().count() + 1, "case {n}: column {col} on `{shown}`");
            }
        }
        if found.iter().any(|f| f.error) {
            assert_eq!(o.status.code(), Some(1), "case {n}: an error fails the build:\n{stderr}");
            assert!(!out.exists(), "case {n}: nothing is written when the pack has errors");
        } else {
            assert!(o.status.success(), "case {n}: warnings alone let the build through:\n{stderr}");
        }
        seen.insert(case.code);
    }
    // Every component rule the model defines is met by some case.
    for r in rules::RULES.iter().filter(|r| r.code.starts_with("SW4")) {
        assert!(seen.contains(r.code), "no case meets {} ({})", r.code, r.summary);
    }
}
