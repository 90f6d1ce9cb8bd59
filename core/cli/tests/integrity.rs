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

/// `skillwright verify --format json DIR [ARGS]` with its own state directory `home`.
fn verify_in(home: &Path, dir: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let out = Command::new(BIN)
        .args(["verify", "--format", "json"])
        .args(args)
        .arg(dir)
        .env("SKILLWRIGHT_HOME", home)
        .output()
        .unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(
        |_| serde_json::json!({ "stderr": String::from_utf8_lossy(&out.stderr).into_owned() }),
    );
    (out.status.code().unwrap(), v)
}

fn verify_json(dir: &Path, pubkey: Option<&str>) -> (i32, serde_json::Value) {
    let home = tempfile::tempdir().unwrap();
    verify_in(home.path(), dir, &pubkey.map(|k| vec!["--pubkey", k]).unwrap_or_default())
}

#[test]
fn signed_package_verifies_and_every_tampering_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let (pkg, public) = signed_package(tmp.path());
    let (code, v) = verify_json(&pkg, Some(&public));
    assert_eq!(code, 0, "{v}");
    assert_eq!((v["ok"].as_bool(), v["verdict"]["by"].as_str()), (Some(true), Some("given")), "{v}");

    let fresh = |name: &str| {
        let d = tmp.path().join(name);
        copy_dir(&pkg, &d);
        d
    };
    let findings = |d: &Path, key: &str| {
        let (code, v) = verify_json(d, Some(key));
        assert_eq!(code, 1, "{v}");
        v["verdict"]["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().split_whitespace().collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
    };

    // One flipped byte in every file, one at a time (sampled: every file of a few kinds, the
    // bundled binary included).
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
        assert_eq!(findings(&d, &public), [format!("changed: {rel}")]);
    }
    let d = fresh("added");
    std::fs::write(d.join("skills/evil.sh"), "x").unwrap();
    assert_eq!(findings(&d, &public), ["added: skills/evil.sh"]);
    let d = fresh("deleted");
    std::fs::remove_file(d.join("hooks/hooks.json")).unwrap();
    assert_eq!(findings(&d, &public), ["missing: hooks/hooks.json"]);

    // A forged manifest (edited to match a changed file) breaks the signature.
    let d = fresh("forged");
    let m = std::fs::read_to_string(d.join("integrity.json")).unwrap();
    std::fs::write(d.join("integrity.json"), m.replace("\"format\": 1", "\"format\": 1 ")).unwrap();
    assert!(findings(&d, &public).iter().all(|f| f.starts_with("signature:")));
    let d = fresh("swapped-sig");
    std::fs::write(d.join("integrity.sig"), "00".repeat(64)).unwrap();
    assert_eq!(findings(&d, &public).len(), 1);
    let d = fresh("unsigned");
    std::fs::remove_file(d.join("integrity.sig")).unwrap();
    assert_eq!(findings(&d, &public), ["signature: integrity.sig is missing"]);
}

/// Trust: a signature proves nothing until its key is known apart from the package.
#[test]
fn only_a_pinned_or_given_key_verifies_and_resigned_or_stripped_packages_fail() {
    let tmp = tempfile::tempdir().unwrap();
    let (pkg, public) = signed_package(tmp.path());
    let home = tmp.path().join("home");
    // Signed, but nothing says by whom: UNVERIFIED, exit 3.
    let (code, v) = verify_in(&home, &pkg, &[]);
    assert_eq!((code, v["verdict"]["verdict"].as_str()), (3, Some("unpinned")), "{v}");
    let text = Command::new(BIN).args(["verify"]).arg(&pkg).env("SKILLWRIGHT_HOME", &home).output().unwrap();
    assert!(String::from_utf8_lossy(&text.stderr).contains(&format!("signed by {public}, NOT pinned")));
    // A trusted-keys file, or a pin, makes it verify.
    let keys = tmp.path().join("keys");
    std::fs::write(&keys, format!("# the publisher's key\n{public}\n")).unwrap();
    let (code, v) = verify_in(&home, &pkg, &["--trusted-keys", keys.to_str().unwrap()]);
    assert_eq!((code, v["verdict"]["by"].as_str()), (0, Some("trusted-keys")), "{v}");
    let pin = Command::new(BIN)
        .args(["trust", "add", "skillwright", &public])
        .env("SKILLWRIGHT_HOME", &home)
        .output()
        .unwrap();
    assert!(pin.status.success(), "{}", String::from_utf8_lossy(&pin.stderr));
    let (code, v) = verify_in(&home, &pkg, &[]);
    assert_eq!((code, v["verdict"]["by"].as_str()), (0, Some("pinned")), "{v}");

    // Re-signed with another key: fails against the pin, naming both keys.
    let other = tmp.path().join("other");
    let o = run(&["keygen", "--out"], &[&other.join("key")]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = build_signed(&other.join("key"), &other.join("out"));
    assert!(out.status.success());
    let (code, v) = verify_in(&home, &other.join("out/claude"), &[]);
    assert_eq!(code, 1, "{v}");
    assert!(v["verdict"]["problems"][0].as_str().unwrap().contains(&format!("is pinned to {public}")), "{v}");
    // Stripped of its signature and key (a downgrade to unsigned): fails against the pin too.
    let stripped = tmp.path().join("stripped");
    copy_dir(&pkg, &stripped);
    std::fs::remove_file(stripped.join("integrity.sig")).unwrap();
    let mut m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(stripped.join("integrity.json")).unwrap()).unwrap();
    m.as_object_mut().unwrap().remove("public_key");
    std::fs::write(stripped.join("integrity.json"), serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    let (code, v) = verify_in(&home, &stripped, &[]);
    assert_eq!(code, 1, "{v}");
    assert!(v["verdict"]["problems"][0].as_str().unwrap().contains("not signed"), "{v}");
    // Without a pin an unsigned package is intact but UNVERIFIED.
    let (code, v) = verify_json(&stripped, None);
    assert_eq!((code, v["verdict"]["verdict"].as_str()), (3, Some("unsigned")), "{v}");

    // A malformed key is a usage error; so is a malformed trusted-keys line.
    for bad in ["zz", "02", &"ab".repeat(33)] {
        let (code, v) = verify_in(&home, &pkg, &["--pubkey", bad]);
        assert_eq!(code, 2, "{bad}: {v}");
        assert!(v["stderr"].as_str().unwrap().contains("is not a secp256k1 public key"), "{v}");
    }
    std::fs::write(&keys, "not a key\n").unwrap();
    let (code, v) = verify_in(&home, &pkg, &["--trusted-keys", keys.to_str().unwrap()]);
    assert_eq!(code, 2, "{v}");
    assert!(v["stderr"].as_str().unwrap().contains(":1:"), "{v}");
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
