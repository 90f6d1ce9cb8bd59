//! The output directory is shared ground: one build writes into it at a time, and nothing
//! skillwright did not write there is replaced, moved or removed.

mod support;

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::{BIN, build_flagship, repo, targets};

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file under `dir` with its bytes, for "nothing changed" checks (but for the build's own
/// lock file, which a refused build may leave).
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = support::walk(dir)
        .into_iter()
        .filter(|p| !p.ends_with(".skillwright.lock") || std::fs::metadata(p).is_ok_and(|m| !m.is_file()))
        .map(|p| {
            // A FIFO is named, never read (that would block).
            let bytes = if std::fs::metadata(&p).is_ok_and(|m| m.is_file()) {
                std::fs::read(&p).unwrap()
            } else {
                b"(not a regular file)".to_vec()
            };
            (p.strip_prefix(dir).unwrap().display().to_string(), bytes)
        })
        .collect();
    v.sort();
    v
}

/// Starts a build of the flagship pack into `out`, its stderr piped.
fn spawn_build(out: &Path) -> std::process::Child {
    support::flagship_build(out).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap()
}

#[test]
fn a_second_build_waits_for_the_first_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    // Stand in for a build in progress: hold the output directory's lock.
    let held = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(out.join(".skillwright.lock"))
        .unwrap();
    held.lock().unwrap();
    let mut child = spawn_build(&out);
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    // While the lock is held, the waiting build writes no package.
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(3) {
        assert!(child.try_wait().unwrap().is_none(), "the build did not wait for the lock");
        std::thread::sleep(Duration::from_millis(100));
    }
    for t in targets() {
        assert!(!out.join(&t.id).exists(), "{}: written while another build held the lock", t.id);
    }
    drop(held);
    let status = child.wait().unwrap();
    let text = reader.join().unwrap();
    assert!(status.success(), "{text}");
    assert!(
        text.contains("another build is writing into") && text.contains("waiting for it to finish"),
        "{text}"
    );
    let check = build_flagship(&out, &["--check"]);
    assert!(check.status.success(), "{}", stderr(&check));
}

#[test]
fn builds_started_together_both_succeed_and_leave_whole_packages() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let (a, b) = (spawn_build(&out), spawn_build(&out));
    for child in [a, b] {
        let o = child.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let check = build_flagship(&out, &["--check"]);
    assert!(check.status.success(), "{}", stderr(&check));
    let left: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".skillwright-stage-") || n.starts_with(".skillwright-old-"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn files_skillwright_did_not_write_are_never_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let host = targets().into_iter().next().unwrap().id;
    // (what the user put there, the path the refusal names)
    type Plant = Box<dyn Fn(&Path)>;
    let cases: [(&str, Plant); 4] = [
        ("REPORT.md", Box::new(|o: &Path| std::fs::write(o.join("REPORT.md"), "my own notes\n").unwrap())),
        (
            ".skillwright-files.json",
            Box::new(|o: &Path| std::fs::write(o.join(".skillwright-files.json"), "my data").unwrap()),
        ),
        (
            &host,
            Box::new(|o: &Path| {
                std::fs::write(o.join(targets()[0].id.as_str()), "a file named like a host").unwrap()
            }),
        ),
        (
            ".skillwright.lock",
            Box::new(|o: &Path| {
                let fifo = o.join(".skillwright.lock");
                assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
            }),
        ),
    ];
    for (i, (name, plant)) in cases.iter().enumerate() {
        let out = tmp.path().join(format!("out-{i}"));
        std::fs::create_dir_all(&out).unwrap();
        plant(&out);
        let before = snapshot(&out);
        let o = build_flagship(&out, &[]);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        let text = stderr(&o);
        assert!(text.contains(&*out.join(name).display().to_string()), "{name}: {text}");
        assert_eq!(before, snapshot(&out), "{name}: the output directory changed");
    }
    // Our own report and ledger are ours to replace on the next build, also after a build of the
    // other layout into the same directory, and in a directory an older version wrote (whose
    // ledger did not list the reports).
    let out = tmp.path().join("ours");
    assert!(build_flagship(&out, &["--hosts", &host]).status.success());
    let o = build_flagship(&out, &["--layout", "universal"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let ledger = out.join(".skillwright-files.json");
    let listed: Vec<String> = serde_json::from_slice(&std::fs::read(&ledger).unwrap()).unwrap();
    assert!(listed.iter().any(|f| f == "REPORT.md"), "the other layout's report stays in the ledger");
    let older: Vec<&String> = listed.iter().filter(|f| !f.starts_with("REPORT")).collect();
    std::fs::write(&ledger, serde_json::to_vec(&older).unwrap()).unwrap();
    let first = std::fs::read_to_string(out.join("REPORT.md")).unwrap();
    let o = build_flagship(&out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_ne!(first, std::fs::read_to_string(out.join("REPORT.md")).unwrap(), "the report was rewritten");
}

#[test]
fn the_root_the_home_directory_and_the_skills_root_are_refused_as_output() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(home.join(".profile"), "# mine\n").unwrap();
    let skills = tmp.path().join("skills");
    support::copy_dir(&repo().join("skills/systematic-debugging"), &skills.join("systematic-debugging"));
    let build = |out: &Path, skills: &Path| {
        Command::new(BIN)
            .args(["build", "--fake-binaries", "--pack-version", "0.1.0", "--out"])
            .arg(out)
            .arg("--skills")
            .arg(skills)
            .arg("--pack")
            .arg(repo().join("skillwright.toml"))
            .env("HOME", &home)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    for (out, why) in [
        (Path::new("/"), "root of the file system"),
        (home.as_path(), "your home directory"),
        (&home.join("."), "your home directory"),
        (skills.as_path(), "the skills root"),
    ] {
        let before = snapshot(&home);
        let o = build(out, &skills);
        assert_eq!(o.status.code(), Some(2), "{}: {}", out.display(), stderr(&o));
        assert!(stderr(&o).contains(why), "{}: {}", out.display(), stderr(&o));
        assert_eq!(before, snapshot(&home));
    }
    assert_eq!(
        support::walk(&skills).len(),
        support::walk(&repo().join("skills/systematic-debugging")).len()
    );
    // A directory inside home is fine.
    let o = build(&home.join("dist"), &skills);
    assert!(o.status.success(), "{}", stderr(&o));
}
