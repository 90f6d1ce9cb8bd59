//! `skillwright build` on bad input: every case exits with a clear message and writes nothing.

use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_skillwright");

const PACK: &str =
    "[pack]\nname = \"p\"\ndescription = \"A pack\"\nversion = \"1.0.0\"\n[pack.author]\nname = \"A\"\n";

/// A directory with a valid one-skill pack, ready to be broken by a case.
fn setup(dir: &Path) {
    std::fs::create_dir_all(dir.join("skills/one")).unwrap();
    std::fs::write(
        dir.join("skills/one/SKILL.md"),
        "---\nname: one\ndescription: Does one thing. Use when testing.\n---\n# One\n\nBody.\n",
    )
    .unwrap();
    std::fs::write(dir.join("skillwright.toml"), PACK).unwrap();
}

struct Case {
    name: &'static str,
    /// Breaks the valid setup.
    breaks: fn(&Path),
    extra: &'static [&'static str],
    code: i32,
    says: &'static str,
}

fn target_toml(id: &str, extra: &str) -> String {
    format!(
        "id = \"{id}\"\ndisplay = \"{id}\"\nskill-keys = [\"name\", \"description\"]\n{extra}\n[hook]\nvia = \"x\"\noutput = \"text\"\ndynamic = false\n"
    )
}

fn custom_host(dir: &Path, toml: &str, file: &str, template: &str) {
    std::fs::create_dir_all(dir.join("targets")).unwrap();
    std::fs::create_dir_all(dir.join("templates/h").join(Path::new(file).parent().unwrap())).unwrap();
    std::fs::write(dir.join("targets/h.toml"), toml).unwrap();
    std::fs::write(dir.join("templates/h").join(file), template).unwrap();
}

const CASES: &[Case] = &[
    Case {
        name: "missing pack file",
        breaks: |d| std::fs::remove_file(d.join("skillwright.toml")).unwrap(),
        extra: &[],
        code: 2,
        says: "no pack file at skillwright.toml; run `skillwright init`",
    },
    Case {
        name: "pack file is not TOML",
        breaks: |d| std::fs::write(d.join("skillwright.toml"), "[pack\nname=").unwrap(),
        extra: &[],
        code: 2,
        says: "pack file",
    },
    Case {
        name: "unknown pack field",
        breaks: |d| {
            std::fs::write(
                d.join("skillwright.toml"),
                PACK.replace("[pack.author]", "colour = \"red\"\n[pack.author]"),
            )
            .unwrap()
        },
        extra: &[],
        code: 2,
        says: "unknown field `colour`",
    },
    Case {
        name: "bad pack name",
        breaks: |d| {
            std::fs::write(d.join("skillwright.toml"), PACK.replace("name = \"p\"", "name = \"My Pack\""))
                .unwrap()
        },
        extra: &[],
        code: 2,
        says: "must be lowercase letters",
    },
    Case {
        name: "pack version not semver",
        breaks: |d| std::fs::write(d.join("skillwright.toml"), PACK.replace("1.0.0", "v1")).unwrap(),
        extra: &[],
        code: 2,
        says: "not a semantic version",
    },
    Case {
        name: "pack without version",
        breaks: |d| {
            std::fs::write(d.join("skillwright.toml"), PACK.replace("version = \"1.0.0\"\n", "")).unwrap()
        },
        extra: &[],
        code: 2,
        says: "pack has no `version`",
    },
    Case {
        name: "empty author",
        breaks: |d| {
            std::fs::write(d.join("skillwright.toml"), PACK.replace("name = \"A\"", "name = \" \"")).unwrap()
        },
        extra: &[],
        code: 2,
        says: "author name is empty",
    },
    Case {
        name: "skills with errors",
        breaks: |d| std::fs::write(d.join("skills/one/SKILL.md"), "no frontmatter").unwrap(),
        extra: &[],
        code: 1,
        says: "nothing was written",
    },
    Case {
        name: "unknown host",
        breaks: |_| {},
        extra: &["--hosts", "claude,nosuch"],
        code: 2,
        says: "unknown host `nosuch`",
    },
    Case {
        name: "bin dir without binaries",
        breaks: |d| std::fs::create_dir_all(d.join("bins/x86_64-unknown-linux-gnu")).unwrap(),
        extra: &["--bin-dir", "bins"],
        code: 2,
        says: "no binaries in",
    },
    Case {
        name: "target with a bad id",
        breaks: |d| custom_host(d, &target_toml("Bad Id", ""), "x.txt", "x"),
        extra: &["--targets", "targets", "--templates", "templates"],
        code: 2,
        says: "is not a valid name",
    },
    Case {
        name: "host without templates",
        breaks: |d| {
            std::fs::create_dir_all(d.join("targets")).unwrap();
            std::fs::write(d.join("targets/h.toml"), target_toml("h", "")).unwrap();
        },
        extra: &["--targets", "targets", "--hosts", "h"],
        code: 2,
        says: "host `h` has no templates",
    },
    Case {
        name: "plugin-root escaping the package",
        breaks: |d| custom_host(d, &target_toml("h", "plugin-root = \"../up\""), "x.txt", "x"),
        extra: &["--targets", "targets", "--templates", "templates"],
        code: 2,
        says: "plugin-root must be a relative path",
    },
    Case {
        name: "template with a syntax error",
        breaks: |d| custom_host(d, &target_toml("h", ""), "x.txt.j2", "{% if %}"),
        extra: &["--targets", "targets", "--templates", "templates"],
        code: 2,
        says: "template h/x.txt.j2",
    },
    Case {
        name: "template using an undefined value",
        breaks: |d| custom_host(d, &target_toml("h", ""), "x.txt.j2", "{{ nothing.here }}"),
        extra: &["--targets", "targets", "--templates", "templates"],
        code: 2,
        says: "template h/x.txt.j2",
    },
    Case {
        name: "runaway template",
        breaks: |d| {
            custom_host(
                d,
                &target_toml("h", ""),
                "x.txt.j2",
                "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
            )
        },
        extra: &["--targets", "targets", "--templates", "templates"],
        code: 2,
        says: "fuel",
    },
    Case {
        name: "template writing invalid JSON",
        breaks: |d| custom_host(d, &target_toml("h", ""), "m.json.j2", "{ not json"),
        extra: &["--targets", "targets", "--templates", "templates"],
        code: 2,
        says: "not valid JSON",
    },
    Case {
        name: "template hard-coding a version",
        breaks: |d| custom_host(d, &target_toml("h", ""), "m.json.j2", "{\"version\": \"9.9.9\"}"),
        extra: &["--targets", "targets", "--templates", "templates"],
        code: 2,
        says: "hard-codes version `9.9.9`",
    },
];

#[test]
fn every_bad_build_input_is_a_clear_error_and_writes_nothing() {
    for case in CASES {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        setup(dir);
        (case.breaks)(dir);
        let out = Command::new(BIN)
            .args(["build", "--out", "out"])
            .args(if case.extra.contains(&"--bin-dir") { &[][..] } else { &["--no-binaries"][..] })
            .args(case.extra)
            .current_dir(dir)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(case.code), "{}: {stderr}", case.name);
        assert!(stderr.contains(case.says), "{}: expected `{}` in:\n{stderr}", case.name, case.says);
        assert!(!dir.join("out").exists(), "{}: wrote output", case.name);
        assert!(!stderr.contains("panicked"), "{}: {stderr}", case.name);
    }
}
