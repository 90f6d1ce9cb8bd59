//! Crash safety of `skillwright build`: killed at any moment, out of space, or on a read-only
//! file system, every host keeps either its previous package or the complete new one.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;
use support::{BIN, plugin_root, repo, targets};

const TRIPLES: [&str; 2] = ["x86_64-unknown-linux-gnu", "aarch64-apple-darwin"];

/// Big stand-in binaries, so a build spends long enough writing to be killed part way.
fn bin_dir(tmp: &Path, mib: usize) -> PathBuf {
    let dir = tmp.join(format!("bins-{mib}"));
    for (i, t) in TRIPLES.iter().enumerate() {
        std::fs::create_dir_all(dir.join(t)).unwrap();
        std::fs::write(dir.join(t).join("skillwright"), vec![b'a' + i as u8; mib << 20]).unwrap();
    }
    dir
}

fn build_cmd(out: &Path, bins: &Path, version: &str, key: &Path) -> Command {
    let mut c = Command::new(BIN);
    c.args(["build", "--pack-version", version, "--sign-key"])
        .arg(key)
        .arg("--bin-dir")
        .arg(bins)
        .arg("--out")
        .arg(out)
        .arg("--skills")
        .arg(repo().join("skills"))
        .arg("--pack")
        .arg(pack_without_version(out.parent().unwrap()))
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    c
}

/// The flagship pack file minus its version, so `--pack-version` decides it.
fn pack_without_version(dir: &Path) -> PathBuf {
    let p = dir.join("pack.toml");
    if !p.exists() {
        let text = std::fs::read_to_string(repo().join("skillwright.toml")).unwrap();
        let kept: Vec<&str> = text.lines().filter(|l| !l.trim_start().starts_with("version")).collect();
        std::fs::write(&p, kept.join("\n")).unwrap();
    }
    p
}

fn keygen(tmp: &Path) -> (PathBuf, String) {
    let key = tmp.join("key");
    let out = Command::new(BIN).args(["keygen", "--out"]).arg(&key).output().unwrap();
    assert!(out.status.success());
    (key, String::from_utf8(out.stdout).unwrap().trim().to_string())
}

/// The version of the complete, untampered package in `dir`, or a description of what is wrong.
fn intact_version(dir: &Path, pubkey: &str) -> Result<String, String> {
    let out: Output =
        Command::new(BIN).args(["verify", "--format", "json", "--pubkey", pubkey]).arg(dir).output().unwrap();
    if !out.status.success() {
        return Err(format!("{}: {}", dir.display(), String::from_utf8_lossy(&out.stdout)));
    }
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("integrity.json")).unwrap()).unwrap();
    Ok(m["version"].as_str().unwrap().to_string())
}

#[test]
fn killed_builds_leave_each_host_old_or_new_never_mixed() {
    let tmp = tempfile::tempdir().unwrap();
    let (key, pubkey) = keygen(tmp.path());
    let out = tmp.path().join("plugins");
    let bins = bin_dir(tmp.path(), 3);
    let first = build_cmd(&out, &bins, "1.0.0", &key).output().unwrap();
    assert!(first.status.success(), "{}", String::from_utf8_lossy(&first.stderr));
    let mut seen_new = 0;
    let mut seen_old = 0;
    // Alternate versions so every kill interrupts a real change; kill later each round.
    for round in 0..10u64 {
        let version = if round % 2 == 0 { "2.0.0" } else { "1.0.0" };
        let mut child = build_cmd(&out, &bins, version, &key).spawn().unwrap();
        std::thread::sleep(Duration::from_millis(5 + round * 15));
        let _ = child.kill();
        let _ = child.wait();
        for t in targets() {
            let host = &t.id;
            match intact_version(&plugin_root(&out, &t), &pubkey) {
                Ok(v) if v == version => seen_new += 1,
                Ok(_) => seen_old += 1,
                Err(e) => panic!("round {round}: {host} is neither the old nor the new package: {e}"),
            }
        }
    }
    assert!(seen_old > 0, "no kill landed before a swap: the test did not exercise the window");
    // A normal build afterwards cleans up whatever the kills left behind.
    let done = build_cmd(&out, &bins, "3.0.0", &key).output().unwrap();
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    let leftovers: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".skillwright-stage-") || n.starts_with(".skillwright-old-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    for t in targets() {
        assert_eq!(intact_version(&plugin_root(&out, &t), &pubkey).unwrap(), "3.0.0", "{}", t.id);
    }
    eprintln!("kills: {seen_old} host packages left old, {seen_new} new");
}

/// Runs `script` as root of a private mount namespace (unprivileged user namespace), where it can
/// mount a small tmpfs. `$BIN`, `$SKILLS`, `$PACK`, `$BINS`, `$KEY`, `$PUB` (its public key) and
/// `$PLUGINS` (every host's plugin directory, relative to the output) are set.
fn in_namespace(tmp: &Path, script: &str) -> Output {
    let (key, public) = keygen(tmp);
    let plugins: Vec<String> =
        targets().iter().map(|t| plugin_root(Path::new(""), t).display().to_string()).collect();
    let bins = bin_dir(tmp, 1);
    Command::new("unshare")
        .args(["--map-root-user", "--mount", "sh", "-c", script])
        .env("BIN", BIN)
        .env("SKILLS", repo().join("skills"))
        .env("PACK", pack_without_version(tmp))
        .env("BINS", bins)
        .env("KEY", key)
        .env("PUB", public)
        .env("PLUGINS", plugins.join(" "))
        .env("SKILLWRIGHT_HOME", tmp.join("home"))
        .env("MNT", tmp.join("mnt"))
        .output()
        .expect("unshare (util-linux) runs")
}

const BUILD: &str = r#"build() { "$BIN" build --skills "$SKILLS" --pack "$PACK" --bin-dir "$BINS" --sign-key "$KEY" --out "$MNT/plugins" --pack-version "$1"; }"#;

#[test]
fn full_disk_is_a_clear_error_and_leaves_the_previous_packages() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("mnt")).unwrap();
    // Each host with binaries carries 2 MiB; after the first build the disk is shrunk to leave
    // less than that free, so the second build cannot stage a host beside its previous package.
    let script = format!(
        r#"set -e
mount -t tmpfs -o size=64m none "$MNT"
{BUILD}
build 1.0.0 2>/dev/null
used=$(df -k "$MNT" | awk 'NR==2 {{print $3}}')
mount -o remount,size=$((used + 1024))k "$MNT"
set +e
build 2.0.0 2>"$MNT/err"
echo "exit=$?"
cat "$MNT/err"
ls -a "$MNT/plugins"
for p in $PLUGINS; do
  "$BIN" verify --format json --pubkey "$PUB" "$MNT/plugins/$p" | tr -d '\n'; echo
done"#
    );
    let out = in_namespace(tmp.path(), &script);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("exit=2"), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("No space left on device"), "{text}");
    let parked = |l: &str| l.starts_with(".skillwright-stage-") || l.starts_with(".skillwright-old-");
    assert!(!text.lines().any(parked), "a failed stage is removed: {text}");
    let verdicts: Vec<&str> = text.lines().filter(|l| l.starts_with('{')).collect();
    assert_eq!(verdicts.len(), targets().len(), "{text}");
    for v in verdicts {
        let v: serde_json::Value = serde_json::from_str(v).unwrap();
        assert_eq!(v["ok"], true, "every host still verifies, whole at 1.0.0 or 2.0.0: {v}");
    }
}

#[test]
fn read_only_output_is_a_clear_error_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("mnt")).unwrap();
    let script = format!(
        r#"set -e
mount -t tmpfs -o size=64m none "$MNT"
{BUILD}
build 1.0.0 2>/dev/null
before=$(cd "$MNT/plugins" && find . -type f | sort | xargs sha256sum)
mount -o remount,ro "$MNT"
set +e
build 2.0.0 2>"$TMPDIR_ERR"
echo "exit=$?"
cat "$TMPDIR_ERR"
after=$(cd "$MNT/plugins" && find . -type f | sort | xargs sha256sum)
[ "$before" = "$after" ] && echo "unchanged""#
    );
    let script = script.replace("$TMPDIR_ERR", &tmp.path().join("err").display().to_string());
    let out = in_namespace(tmp.path(), &script);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("exit=2"), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("Read-only file system"), "{text}");
    assert!(text.lines().any(|l| l == "unchanged"), "{text}");
}
