//! keygen → signed build → verify, and every kind of tampering named by `verify`.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::{BIN, copy_dir, repo};

fn run(args: &[&str], extra: &[&Path]) -> Output {
    Command::new(BIN).args(args).args(extra).output().unwrap()
}

/// `skillwright build` of the flagship pack (fake binaries, claude only) signed with `key`.
fn build_signed(key: &Path, out: &Path) -> Output {
    Command::new(BIN)
        .args(["build", "--fake-binaries", "--pack-version", "0.1.0", "--hosts", "claude", "--sign-key"])
        .arg(key)
        .arg("--out")
        .arg(out)
        .arg("--skills")
        .arg(repo().join("skills"))
        .arg("--pack")
        .arg(repo().join("skillwright.toml"))
        .output()
        .unwrap()
}

/// Builds a signed claude package; returns (package dir, public key).
fn signed_package(tmp: &Path) -> (PathBuf, String) {
    let key = tmp.join("key");
    let out = run(&["keygen", "--out"], &[&key]);
    assert!(out.status.success());
    let public = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert_eq!(public.len(), 66, "compressed SEC1 hex");
    let out = build_signed(&key, &tmp.join("out"));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let dir = tmp.join("out/claude");
    let manifest = std::fs::read_to_string(dir.join("integrity.json")).unwrap();
    assert!(
        !manifest.contains(&std::fs::read_to_string(&key).unwrap().trim().to_string()),
        "no secret in output"
    );
    (dir, public)
}

fn verify_json(dir: &Path, pubkey: Option<&str>) -> (i32, serde_json::Value) {
    let mut cmd = Command::new(BIN);
    cmd.args(["verify", "--format", "json"]).arg(dir);
    if let Some(k) = pubkey {
        cmd.args(["--pubkey", k]);
    }
    let out = cmd.output().unwrap();
    (out.status.code().unwrap(), serde_json::from_slice(&out.stdout).unwrap())
}

#[test]
fn signed_package_verifies_and_every_tampering_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let (pkg, public) = signed_package(tmp.path());
    let (code, v) = verify_json(&pkg, Some(&public));
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["signed"], true);

    let fresh = |name: &str| {
        let d = tmp.path().join(name);
        copy_dir(&pkg, &d);
        d
    };
    let findings = |d: &Path, key: Option<&str>| {
        let (code, v) = verify_json(d, key);
        assert_eq!(code, 1, "{v}");
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| format!("{}:{}", f["kind"].as_str().unwrap(), f["path"].as_str().unwrap()))
            .collect::<Vec<_>>()
    };

    // One flipped byte in every file, one at a time (sampled: every file of a few kinds).
    for rel in [
        "skills/brainstorming/SKILL.md",
        "hooks/run",
        ".claude-plugin/plugin.json",
        "bin/x86_64-unknown-linux-gnu/skillwright",
    ] {
        let d = fresh(&format!("flip-{}", rel.replace('/', "_")));
        let p = d.join(rel);
        let mut b = std::fs::read(&p).unwrap();
        b[0] ^= 1;
        std::fs::write(&p, b).unwrap();
        assert_eq!(findings(&d, None), [format!("changed:{rel}")]);
    }
    let d = fresh("added");
    std::fs::write(d.join("skills/evil.sh"), "x").unwrap();
    assert_eq!(findings(&d, None), ["added:skills/evil.sh"]);
    let d = fresh("deleted");
    std::fs::remove_file(d.join("hooks/hooks.json")).unwrap();
    assert_eq!(findings(&d, None), ["missing:hooks/hooks.json"]);

    // A forged manifest (edited to match a changed file) breaks the signature.
    let d = fresh("forged");
    let m = std::fs::read_to_string(d.join("integrity.json")).unwrap();
    std::fs::write(d.join("integrity.json"), m.replace("\"format\": 1", "\"format\": 1 ")).unwrap();
    assert!(findings(&d, None).iter().all(|f| f.starts_with("signature:")));
    // A signature from another package, a pinned key that differs, a missing signature.
    let d = fresh("swapped-sig");
    std::fs::write(d.join("integrity.sig"), "00".repeat(64)).unwrap();
    assert_eq!(findings(&d, None).len(), 1);
    let (_, other_key) = {
        let o = run(&["keygen", "--out"], &[&tmp.path().join("key2")]);
        ((), String::from_utf8(o.stdout).unwrap().trim().to_string())
    };
    let d = fresh("other-key");
    assert!(findings(&d, Some(&other_key))[0].contains("expected"));
    let d = fresh("unsigned");
    std::fs::remove_file(d.join("integrity.sig")).unwrap();
    assert_eq!(findings(&d, None), ["signature:integrity.sig is missing"]);
}

#[test]
fn hostile_manifest_paths_are_rejected_without_touching_outside() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("pkg");
    std::fs::create_dir(&d).unwrap();
    for path in ["../outside", "/etc/passwd", "a/../../b"] {
        let m =
            serde_json::json!({"format":1,"pack":"p","version":"1.0.0","host":"claude","files":{path: "00"}});
        std::fs::write(d.join("integrity.json"), m.to_string()).unwrap();
        let out = run(&["verify"], &[&d]);
        assert_eq!(out.status.code(), Some(2), "{path}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("unsafe path"), "{path}");
    }
}

#[cfg(unix)]
#[test]
fn loose_key_permissions_are_refused() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("key");
    assert!(run(&["keygen", "--out"], &[&key]).status.success());
    assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = build_signed(&key, &tmp.path().join("out"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("chmod 600"));
    assert!(!tmp.path().join("out").exists(), "nothing written");
    assert_eq!(run(&["keygen", "--out"], &[&key]).status.code(), Some(2), "never overwrites a key");
}
