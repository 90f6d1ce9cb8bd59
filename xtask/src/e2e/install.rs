//! Installing what the checks run: pinned CLIs and Node.js (npm), skills-ref (PyPI), the packages.

use super::hosts::Host;
use super::package::read_json;
use super::process::exec;
use super::report::indent;
use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Node.js for the hosts that need a newer one than the system's (Pi and Kimi Code ask for
/// ≥ 22.19): the registry's per-platform Node.js package, in a prefix of its own so that the
/// other hosts keep running on the system's Node.js.
const NODE: (&str, &str) = ("node-{platform}", "22.23.5");
/// The Agent Skills reference validator (`agentskills`), pinned; `cargo xtask bench` measures
/// the same version.
pub(crate) const SKILLS_REF: (&str, &str) = ("skills-ref", "0.1.1");

const INSTALL: Duration = Duration::from_secs(1800);
const BUILD: Duration = Duration::from_secs(3600);

/// The pinned npm packages of `hosts` into `npm_dir` (their CLIs, then the extra packages),
/// and the pinned Node.js into `node_dir` when one of them needs it.
pub(super) fn clients(npm_dir: &Path, node_dir: &Path, hosts: &[&Host]) -> Result<(), String> {
    let platform = npm_platform();
    let wanted: Vec<(String, String)> = hosts
        .iter()
        .filter_map(|host| host.cli)
        .chain(hosts.iter().flat_map(|host| host.npm_extra.iter().copied()))
        .map(|(package, version)| (package.replace("{platform}", &platform), version.to_string()))
        .collect();
    npm_install(npm_dir, &wanted)?;
    if hosts.iter().any(|host| host.needs_node) {
        let node_platform = platform.replace("win32", "win");
        npm_install(node_dir, &[(NODE.0.replace("{platform}", &node_platform), NODE.1.to_string())])?;
    }
    Ok(())
}

/// npm's name for this OS and CPU, as in its platform packages (`linux-x64`, `darwin-arm64`, …).
fn npm_platform() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        "windows" => "win32",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        other => other,
    };
    format!("{os}-{arch}")
}

/// `npm install --prefix DIR` of pinned packages, unless they are there already.
pub(super) fn npm_install(dir: &Path, wanted: &[(String, String)]) -> Result<(), String> {
    let installed = |(package, version): &(String, String)| {
        let manifest = dir.join("node_modules").join(package).join("package.json");
        read_json(&manifest).is_ok_and(|v| v["version"] == version.as_str())
    };
    let missing: Vec<String> = wanted
        .iter()
        .filter(|p| !installed(p))
        .map(|(package, version)| format!("{package}@{version}"))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    eprintln!("e2e: npm install {} (into {}; minutes the first time)", missing.join(" "), dir.display());
    let mut cmd = Command::new("npm");
    cmd.arg("install")
        .arg("--prefix")
        .arg(dir)
        .args(["--no-fund", "--no-audit", "--save-exact"])
        .args(&missing);
    let out = exec(cmd, INSTALL, &dir.join("npm-install"), None);
    if out.did_not_start() {
        return Err(format!("{} (npm comes with Node.js ≥ 18)", out.stderr.trim()));
    }
    if !out.success() || wanted.iter().any(|p| !installed(p)) {
        return Err(format!(
            "npm install {} failed ({}); is the npm registry reachable (`npm ping`)?\n{}",
            missing.join(" "),
            out.status_text(),
            indent(&out.tail())
        ));
    }
    Ok(())
}

/// `python3 -m pip install --target DIR skills-ref==…`, unless already there.
pub(super) fn skills_ref(dir: &Path) -> Result<(), String> {
    let (package, version) = SKILLS_REF;
    let marker = dir.join(format!("{}-{version}.dist-info", package.replace('-', "_")));
    if marker.is_dir() {
        return Ok(());
    }
    fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    eprintln!("e2e: pip install {package}=={version} (into {})", dir.display());
    let mut cmd = Command::new("python3");
    cmd.args(["-m", "pip", "install", "--quiet", "--upgrade", "--target"])
        .arg(dir)
        .arg(format!("{package}=={version}"));
    let log = dir.parent().unwrap_or(dir).join("pip-install");
    let out = exec(cmd, INSTALL, &log, None);
    if out.did_not_start() {
        return Err(format!("{} (python3 with pip is needed)", out.stderr.trim()));
    }
    if !out.success() || !marker.is_dir() {
        return Err(format!(
            "pip install {package}=={version} failed ({}); is PyPI reachable?\n{}",
            out.status_text(),
            indent(&out.tail())
        ));
    }
    Ok(())
}

/// `cargo xtask build-plugins --out OUT [--layout LAYOUT] [--source DIR]`, run as this very
/// binary so nothing is rebuilt twice. Each layout leaves the other's packages in place.
pub(super) fn build_plugins(
    root: &Path,
    out: &Path,
    layout: Option<&str>,
    source: Option<&Path>,
) -> Result<(), String> {
    let mut what = layout.map(|l| format!(" --layout {l}")).unwrap_or_default();
    if let Some(source) = source {
        what.push_str(&format!(" --source {}", source.display()));
    }
    eprintln!("e2e: building the packages into {} (cargo xtask build-plugins{what})…", out.display());
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the xtask binary: {e}"))?;
    let mut cmd = Command::new(exe);
    cmd.arg("build-plugins").arg("--out").arg(out).current_dir(root);
    if let Some(layout) = layout {
        cmd.args(["--layout", layout]);
    }
    if let Some(source) = source {
        cmd.arg("--source").arg(source);
    }
    let started = Instant::now();
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let log = format!("target/e2e/build-{name}{}", layout.map(|l| format!("-{l}")).unwrap_or_default());
    let result = exec(cmd, BUILD, &root.join(log), None);
    if !result.success() {
        return Err(format!(
            "cargo xtask build-plugins{what} failed ({})\n{}",
            result.status_text(),
            indent(&result.tail())
        ));
    }
    let last_line = |text: &str| text.lines().rfind(|l| !l.trim().is_empty()).map(str::to_string);
    let summary = last_line(&result.stderr).or_else(|| last_line(&result.stdout)).unwrap_or_default();
    eprintln!("e2e: built in {:.1} s: {summary}", started.elapsed().as_secs_f64());
    Ok(())
}
