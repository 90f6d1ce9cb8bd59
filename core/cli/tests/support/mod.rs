//! Helpers shared by the CLI's integration tests: the real binary, the flagship pack, every
//! built-in host as its target spec describes it.
#![allow(dead_code)] // each test file uses its own share of these

use skillwright_build::target::Target;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_skillwright");

/// The repository root.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every built-in host, in id order.
pub fn targets() -> Vec<Target> {
    skillwright_build::target::builtin().unwrap().into_values().collect()
}

/// The command line of a build of the flagship pack into `out` with fake binaries.
pub fn flagship_build(out: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.args(["build", "--fake-binaries", "--pack-version", "0.1.0", "--out"])
        .arg(out)
        .arg("--skills")
        .arg(repo().join("skills"))
        .arg("--pack")
        .arg(repo().join("skillwright.toml"))
        .stdin(Stdio::null());
    c
}

/// `skillwright build` of the flagship pack into `out` with fake binaries, plus `extra` args.
pub fn build_flagship(out: &Path, extra: &[&str]) -> Output {
    flagship_build(out).args(extra).output().unwrap()
}

/// Where `target`'s plugin sits in a per-host build of the flagship pack into `out`.
pub fn plugin_root(out: &Path, target: &Target) -> PathBuf {
    pack_root(out, target, "skillwright")
}

/// Puts the binary under test in place of the fake runtime in every package under `plugins`
/// (for this machine's platform), so launchers and hooks run the real thing.
pub fn use_real_binary(plugins: &Path, pack: &str) {
    for t in targets() {
        let bin = pack_root(plugins, &t, pack).join("bin").join(env!("SKILLWRIGHT_TRIPLE"));
        if bin.is_dir() {
            let exe = bin.join("skillwright");
            let _ = std::fs::remove_file(&exe);
            std::fs::copy(BIN, &exe).unwrap();
        }
    }
}

/// Where the package of the pack called `pack` for `target` lives under a build's `out`.
pub fn pack_root(out: &Path, target: &Target, pack: &str) -> PathBuf {
    out.join(&target.id).join(target.plugin_prefix(pack))
}

/// The JSON pointer of the `"{context}"` placeholder in a payload shape.
fn context_pointer(v: &serde_json::Value, at: String) -> Option<String> {
    match v {
        serde_json::Value::String(s) if s == "{context}" => Some(at),
        serde_json::Value::Object(o) => o.iter().find_map(|(k, x)| context_pointer(x, format!("{at}/{k}"))),
        serde_json::Value::Array(a) => {
            a.iter().enumerate().find_map(|(i, x)| context_pointer(x, format!("{at}/{i}")))
        }
        _ => None,
    }
}

/// The context text inside a payload printed for `target`, checking that the payload has exactly
/// the shape the target spec gives, and nothing else.
pub fn context_of(target: &Target, stdout: &[u8]) -> String {
    let text = std::str::from_utf8(stdout).unwrap().trim_end_matches('\n');
    let shape = target.payload_shape();
    if shape.as_str() == Some("text") {
        return text.to_string();
    }
    let v: serde_json::Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{}: {e}: {text}", target.id));
    let pointer = context_pointer(&shape, String::new()).expect("the shape has a {context} placeholder");
    let ctx = v
        .pointer(&pointer)
        .and_then(|c| c.as_str())
        .unwrap_or_else(|| panic!("{}: no context in {text}", target.id));
    let expected = skillwright_model::context::payload(&shape, ctx);
    assert_eq!(text, expected, "{}: exactly the target's shape", target.id);
    ctx.to_string()
}

/// Copies a directory tree (symlinks as symlinks).
pub fn copy_dir(from: &Path, to: &Path) {
    for e in walk(from) {
        let rel = e.strip_prefix(from).unwrap();
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&e, &dest).unwrap();
    }
}

/// Every file under `dir`.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}
