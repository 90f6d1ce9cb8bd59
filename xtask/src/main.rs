//! `cargo xtask`: this repository's own tasks. Thin: the work is done by the library and CLI.

mod bench;
mod e2e;
mod files;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const HELP: &str = "\
cargo xtask <task> [options]

Tasks:
  build-plugins [OPTIONS]   Build every host's package of the flagship pack (skills/) into
                            target/plugins/<host>/, bundling a release build of the skillwright
                            binary for this machine. Options are those of `skillwright build`:
                              --out DIR         output directory (default target/plugins)
                              --hosts a,b       only these hosts
                              --check           compare with a fresh build; exit 1 with a diff
                              --bin-dir DIR     bundle DIR/<triple>/skillwright[.exe] instead
                              --fake-binaries   bundle placeholders (fast; for tests)
                              --no-binaries     bundle none (launchers use the static context)
                              --layout universal
                                                one tree for every host (OUT/universal/)
                              --sign-key FILE   sign integrity.json
                            and --source DIR: build the pack in DIR (DIR/skills/,
                            DIR/skillwright.toml and what it names) instead of the flagship
  bench [--quick]           Measure skillwright side by side with its peers (rulesync, agnix,
                            skills-ref; installed pinned into target/bench/peers) on the
                            flagship pack and synthetic packs of 25-1000 skills: validate,
                            build (cold, no-op), --check, the session-start hook against
                            `sh` and `node`, the Node.js addon against the spawned CLI.
                            Writes docs/BENCHMARKS.md, docs/bench/results.json and
                            docs/bench/scaling.svg. --quick: 25 skills, 3 runs, output in
                            target/bench/ (a smoke run of the harness).
  e2e [--plugins DIR] [--only a,b] [--layout host|universal|both] [--keep]
                            Check offline that the real host CLIs (pinned, installed into
                            target/e2e/cache) validate, install and run the packages built into
                            target/e2e/plugins (or DIR), against a recording fake model server:
                            each host's own package and the universal tree (default: both).
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("build-plugins") => build_plugins(&args[1..]),
        Some("bench") => match bench::run(&root(), args.iter().any(|a| a == "--quick")) {
            Ok(report) => {
                print!("{report}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
        Some("e2e") => e2e::run(&root(), &args[1..]),
        Some("__measure") => bench::measure_child(&args[1..]),
        Some("-h" | "--help" | "help") | None => {
            print!("{HELP}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("error: unknown task `{other}`\n\n{HELP}");
            ExitCode::from(2)
        }
    }
}

pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

fn build_plugins(args: &[String]) -> ExitCode {
    let root = root();
    let mut args = args.to_vec();
    // `--source DIR`: another pack than the flagship (the e2e guard pack).
    let mut source = PathBuf::new();
    if let Some(at) = args.iter().position(|a| a == "--source" || a.starts_with("--source=")) {
        let flag = args.remove(at);
        match flag.strip_prefix("--source=") {
            Some(dir) => source = PathBuf::from(dir),
            None if at < args.len() => source = PathBuf::from(args.remove(at)),
            None => {
                eprintln!("error: --source needs a directory");
                return ExitCode::from(2);
            }
        }
    }
    let mut argv: Vec<String> = vec!["skillwright".into(), "build".into()];
    let (skills, pack) = (source.join("skills"), source.join("skillwright.toml"));
    argv.extend([
        "--skills".into(),
        skills.display().to_string(),
        "--pack".into(),
        pack.display().to_string(),
    ]);
    argv.extend(["--pack-version", env!("CARGO_PKG_VERSION")].map(String::from));
    let chooses_binaries = args.iter().any(|a| {
        a == "--bin-dir" || a.starts_with("--bin-dir=") || a == "--fake-binaries" || a == "--no-binaries"
    });
    if !chooses_binaries {
        match release_binary(&root) {
            Ok(dir) => argv.extend(["--bin-dir".to_string(), dir.display().to_string()]),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    argv.extend(args);
    if let Err(e) = std::env::set_current_dir(&root) {
        eprintln!("error: cannot enter {}: {e}", root.display());
        return ExitCode::from(2);
    }
    skillwright_cli::run(argv)
}

/// Builds the release binary and the Node.js addon, and lays them out as a one-triple `--bin-dir`.
pub(crate) fn release_binary(root: &Path) -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    eprintln!("building the release skillwright binary and Node.js addon to bundle…");
    let status = Command::new(&cargo)
        .args([
            "build",
            "--release",
            "--quiet",
            "--locked",
            "-p",
            "skillwright-cli",
            "-p",
            "skillwright-node",
        ])
        .current_dir(root)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err("cargo build --release -p skillwright-cli -p skillwright-node failed".into());
    }
    let release = root.join("target/release");
    let exe = if cfg!(windows) { "skillwright.exe" } else { "skillwright" };
    // Cargo names a cdylib after the platform; Node loads any file name ending in `.node`.
    let lib = format!("{}skillwright_node{}", std::env::consts::DLL_PREFIX, std::env::consts::DLL_SUFFIX);
    let dir = root.join("target/xtask-bin");
    let dest = dir.join(skillwright_cli::TRIPLE);
    std::fs::create_dir_all(&dest).map_err(|e| format!("{}: {e}", dest.display()))?;
    for (from, to) in [(exe, exe), (lib.as_str(), "skillwright.node")] {
        let built = release.join(from);
        let to = dest.join(to);
        // An identical copy stays as it is: a build's input stamp then sees nothing new.
        let same =
            std::fs::read(&built).ok().is_some_and(|b| std::fs::read(&to).ok().is_some_and(|t| t == b));
        if !same {
            std::fs::copy(&built, &to).map_err(|e| format!("{}: {e}", built.display()))?;
        }
    }
    Ok(dir)
}
