//! The peers, installed pinned into `target/bench/peers`: rulesync from the npm registry (run on
//! the Node.js it declares, itself installed from the npm registry when the machine's is older),
//! agnix and skills-ref from PyPI.

use std::path::{Path, PathBuf};
use std::process::Command;

pub const RULESYNC: &str = "rulesync@17.0.0";
pub const AGNIX: &str = "agnix==0.59.3";
/// The oldest Node.js major version rulesync 17 runs on (its `engines.node`).
const RULESYNC_NODE_MAJOR: u32 = 22;
/// The Node.js release installed for it when the machine's `node` is older: the npm registry's
/// per-platform `node-<os>-<arch>` package (what the `node` package itself installs).
const NODE_VERSION: &str = "22.23.5";

/// The installed peers (any may be missing, with a note saying why).
pub struct Peers {
    pub rulesync: Option<PathBuf>,
    /// A directory holding the `node` rulesync runs on, to put first on its PATH (`None`: the
    /// machine's own `node` is recent enough).
    pub rulesync_node: Option<PathBuf>,
    pub agnix: Option<PathBuf>,
    pub python_path: Option<PathBuf>,
    pub versions: Vec<(String, String)>,
}

fn node_major(node: &Path) -> Option<u32> {
    let out = Command::new(node).arg("--version").output().ok()?;
    let v = String::from_utf8_lossy(&out.stdout);
    v.trim().trim_start_matches('v').split('.').next()?.parse().ok()
}

/// A `node` of at least rulesync's major version: the machine's, or one installed from the npm
/// registry into `cache/node`. Returns the directory to put first on PATH (None: the machine's)
/// and what was used.
fn node_for_rulesync(cache: &Path, notes: &mut Vec<String>) -> Option<(Option<PathBuf>, String)> {
    if let Some(major) = node_major(Path::new("node"))
        && major >= RULESYNC_NODE_MAJOR
    {
        return Some((None, format!("the machine's node (v{major})")));
    }
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        other => other,
    };
    let package = format!("node-{os}-{arch}@{NODE_VERSION}");
    let prefix = cache.join("node");
    let bin = prefix.join(format!("node_modules/node-{os}-{arch}/bin"));
    if node_major(&bin.join("node")) != Some(RULESYNC_NODE_MAJOR) {
        eprintln!(
            "installing {package} from the npm registry (rulesync needs node >= {RULESYNC_NODE_MAJOR})…"
        );
        let _ = Command::new("npm")
            .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
            .arg(&prefix)
            .arg(&package)
            .status();
    }
    if node_major(&bin.join("node")) == Some(RULESYNC_NODE_MAJOR) {
        Some((Some(bin), format!("node {NODE_VERSION} (npm package `{package}`)")))
    } else {
        notes.push(format!("rulesync runs on the machine's older node: `npm install {package}` failed"));
        None
    }
}

pub fn install(cache: &Path, notes: &mut Vec<String>) -> Peers {
    let npm = cache.join("npm");
    let py = cache.join("py");
    let mut peers =
        Peers { rulesync: None, rulesync_node: None, agnix: None, python_path: None, versions: Vec::new() };
    let rulesync = npm.join("node_modules/.bin/rulesync");
    if !rulesync.exists() {
        eprintln!("installing {RULESYNC} from the npm registry…");
        let _ = Command::new("npm")
            .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
            .arg(&npm)
            .arg(RULESYNC)
            .status();
    }
    if rulesync.exists() {
        peers.rulesync = Some(rulesync);
        let on = match node_for_rulesync(cache, notes) {
            Some((dir, what)) => {
                peers.rulesync_node = dir;
                what
            }
            None => "the machine's node".into(),
        };
        peers.versions.push(("rulesync".into(), format!("{RULESYNC} on {on}")));
    } else {
        notes.push(format!("rulesync skipped: `npm install {RULESYNC}` failed"));
    }
    let skills_ref = format!("{}=={}", crate::e2e::SKILLS_REF.0, crate::e2e::SKILLS_REF.1);
    let agnix = py.join("bin/agnix");
    if !agnix.exists() || !py.join("skills_ref").exists() {
        eprintln!("installing {AGNIX} and {skills_ref} from PyPI…");
        let _ = Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target"])
            .arg(&py)
            .args([AGNIX, &skills_ref])
            .status();
    }
    if agnix.exists() {
        peers.agnix = Some(agnix);
        peers.versions.push(("agnix".into(), AGNIX.into()));
    } else {
        notes.push(format!("agnix skipped: `pip install {AGNIX}` failed"));
    }
    if py.join("skills_ref").exists() {
        peers.python_path = Some(py);
        peers.versions.push(("skills-ref".into(), skills_ref));
    } else {
        notes.push(format!("skills-ref skipped: `pip install {skills_ref}` failed"));
    }
    peers
}
