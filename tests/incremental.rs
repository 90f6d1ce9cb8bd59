//! Writing less: identical files shared between hosts through hard links, and rebuilds that
//! return from the input stamp when nothing changed (while `--check` still reads every file).

use skillwright_build::pipeline::{self, Options};
use std::path::Path;
use std::time::{Duration, SystemTime};

/// A copy of the minimal pack, with a `references/` file, building into `dir/out`.
fn pack(dir: &Path) -> Options {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("packs/minimal");
    std::fs::create_dir_all(dir.join("skills/hello/references")).unwrap();
    std::fs::copy(src.join("skillwright.toml"), dir.join("skillwright.toml")).unwrap();
    std::fs::copy(src.join("skills/hello/SKILL.md"), dir.join("skills/hello/SKILL.md")).unwrap();
    std::fs::write(dir.join("skills/hello/references/guide.md"), "# Guide\n\nWave first.\n").unwrap();
    // Old enough that the stamp trusts their metadata without hashing them again.
    for f in ["skillwright.toml", "skills/hello/SKILL.md", "skills/hello/references/guide.md"] {
        age(&dir.join(f), 60);
    }
    Options {
        skills: dir.join("skills"),
        pack: dir.join("skillwright.toml"),
        out: dir.join("out"),
        ..Options::default()
    }
}

/// Sets a file's modification time `secs` seconds into the past.
fn age(p: &Path, secs: u64) {
    let f = std::fs::File::options().write(true).open(p).unwrap();
    f.set_modified(SystemTime::now() - Duration::from_secs(secs)).unwrap();
}

fn hosts(out: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(out)
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// `rel` in every host's package that has it (below the plugin root, wherever that is).
fn copies(out: &Path, rel: &str) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for h in hosts(out) {
        for e in walk(&out.join(&h)) {
            if e.to_string_lossy().ends_with(rel) {
                found.push(e);
            }
        }
    }
    found
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if e.file_type().unwrap().is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}

#[cfg(unix)]
fn inode(p: &Path) -> u64 {
    std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(p).unwrap())
}

#[cfg(unix)]
#[test]
fn identical_files_are_written_once_and_linked_into_the_other_hosts() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = pack(tmp.path());
    let bins = pipeline::fake_binaries();
    let first = pipeline::build(&opts, &bins).unwrap().written.unwrap();
    let guides = copies(&opts.out, "skills/hello/references/guide.md");
    assert_eq!(guides.len(), hosts(&opts.out).len(), "every host carries the reference");
    assert!(guides.iter().all(|g| inode(g) == inode(&guides[0])), "one inode for every host's copy");
    let skill_mds = copies(&opts.out, "skills/hello/SKILL.md");
    let distinct: std::collections::BTreeSet<Vec<u8>> =
        skill_mds.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let inodes: std::collections::BTreeSet<u64> = skill_mds.iter().map(|p| inode(p)).collect();
    assert_eq!(inodes.len(), distinct.len(), "one inode per distinct SKILL.md copy");
    assert!(first.linked >= guides.len() - 1 + skill_mds.len() - distinct.len(), "{first:?}");
    let total: u64 = walk(&opts.out)
        .iter()
        .filter(|p| p.file_name().is_some_and(|n| !n.to_string_lossy().starts_with(".skillwright")))
        .map(|p| std::fs::metadata(p).unwrap().len())
        .sum();
    assert!(first.bytes < total, "linked files are not counted as written: {} of {total}", first.bytes);

    // A change reaches every host, still through one shared file.
    std::fs::write(tmp.path().join("skills/hello/references/guide.md"), "# Guide\n\nWave twice.\n").unwrap();
    let again = pipeline::build(&opts, &bins).unwrap();
    assert!(again.up_to_date.is_none());
    let guides = copies(&opts.out, "skills/hello/references/guide.md");
    for g in &guides {
        assert_eq!(std::fs::read_to_string(g).unwrap(), "# Guide\n\nWave twice.\n");
        assert_eq!(inode(g), inode(&guides[0]));
    }
    let mut check = opts.clone();
    check.check = true;
    assert!(pipeline::build(&check, &bins).unwrap().stale.is_empty());
}

#[test]
fn an_unchanged_rebuild_returns_from_the_stamp_and_a_changed_one_does_not() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = pack(tmp.path());
    let bins = pipeline::fake_binaries();
    let first = pipeline::build(&opts, &bins).unwrap();
    assert!(first.up_to_date.is_none() && first.written.unwrap().written > 0);

    // Nothing changed: the stamp answers; nothing is planned, nothing compared.
    let again = pipeline::build(&opts, &bins).unwrap();
    let recorded = again.up_to_date.expect("answered from the stamp");
    assert!(again.plan.is_none() && again.set.skills.is_empty(), "no skill was read");
    assert_eq!(again.written.unwrap().written, 0);
    assert!(recorded.table.contains("claude") && recorded.files > 10, "{recorded:?}");

    // Touched but unchanged: still a no-op.
    let skill = tmp.path().join("skills/hello/SKILL.md");
    age(&skill, 5);
    assert!(pipeline::build(&opts, &bins).unwrap().up_to_date.is_some(), "touched, same contents");

    // Changed contents of the same size and an old timestamp: rebuilt, and the change lands.
    let text = std::fs::read_to_string(&skill).unwrap();
    std::fs::write(&skill, text.replace("Say hello.", "Say hallo.")).unwrap();
    age(&skill, 60);
    let changed = pipeline::build(&opts, &bins).unwrap();
    assert!(changed.up_to_date.is_none());
    assert!(changed.written.unwrap().written > 0);
    let copy = copies(&opts.out, "skills/hello/SKILL.md").remove(0);
    assert!(std::fs::read_to_string(copy).unwrap().contains("Say hallo."));
    assert!(pipeline::build(&opts, &bins).unwrap().up_to_date.is_some());

    // A new file, other options, another binary: each is a change.
    std::fs::write(tmp.path().join("skills/hello/references/more.md"), "more\n").unwrap();
    assert!(pipeline::build(&opts, &bins).unwrap().up_to_date.is_none(), "a new file");
    let mut other = opts.clone();
    other.version = Some("9.9.9".into());
    assert!(pipeline::build(&other, &bins).unwrap().up_to_date.is_none(), "a pack version");
    other.hosts = vec!["claude".into()];
    assert!(pipeline::build(&other, &bins).unwrap().up_to_date.is_none(), "fewer hosts");
    assert!(pipeline::build(&other, &bins).unwrap().up_to_date.is_some());
    let mut bins2 = bins.clone();
    bins2.insert("x86_64-unknown-linux-gnu/skillwright".into(), b"another\n".to_vec().into());
    assert!(pipeline::build(&other, &bins2).unwrap().up_to_date.is_none(), "another binary");

    // A package removed from the output is noticed.
    pipeline::build(&opts, &bins).unwrap();
    std::fs::remove_dir_all(opts.out.join("claude")).unwrap();
    let repaired = pipeline::build(&opts, &bins).unwrap();
    assert!(repaired.up_to_date.is_none() && opts.out.join("claude").is_dir());
}

#[test]
fn a_hand_edit_voids_the_stamp_and_check_names_a_file_added_by_hand() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = pack(tmp.path());
    let bins = pipeline::fake_binaries();
    pipeline::build(&opts, &bins).unwrap();
    // An output edited in place (every host's copy: they are one file) is seen and repaired.
    let copy = copies(&opts.out, "skills/hello/SKILL.md").remove(0);
    let good = std::fs::read(&copy).unwrap();
    std::fs::write(&copy, "edited by hand\n").unwrap();
    let fixed = pipeline::build(&opts, &bins).unwrap();
    assert!(fixed.up_to_date.is_none() && fixed.written.unwrap().written > 0);
    assert_eq!(std::fs::read(&copy).unwrap(), good);

    // A file added by hand is not looked for by a stamped rebuild (README says so); --check,
    // which reads everything, names it, and voids the stamp so the next build refuses it.
    let extra = opts.out.join("claude/notes.txt");
    std::fs::write(&extra, "mine\n").unwrap();
    assert!(pipeline::build(&opts, &bins).unwrap().up_to_date.is_some());
    let mut check = opts.clone();
    check.check = true;
    let stale = pipeline::build(&check, &bins).unwrap().stale;
    assert_eq!(stale.len(), 1, "{stale:?}");
    assert_eq!(stale[0].path, "claude/notes.txt");
    let err = pipeline::build(&opts, &bins).unwrap_err().to_string();
    assert!(err.contains("did not write"), "{err}");
    std::fs::remove_file(&extra).unwrap();
    assert!(pipeline::build(&check, &bins).unwrap().stale.is_empty());
}

#[test]
fn a_change_to_a_file_the_pack_carries_is_a_change() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = pack(tmp.path());
    let toml = std::fs::read_to_string(&opts.pack).unwrap();
    let toml = toml.replacen("[pack]\n", "[pack]\nfiles = [\"extra\"]\n", 1)
        + "\n[mcp.tool]\ncommand = \"./server.sh\"\n";
    std::fs::write(&opts.pack, toml).unwrap();
    std::fs::create_dir_all(tmp.path().join("extra")).unwrap();
    std::fs::write(tmp.path().join("extra/notes.txt"), "first\n").unwrap();
    std::fs::write(tmp.path().join("server.sh"), "#!/bin/sh\necho one\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path().join("server.sh"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
    }
    for f in ["skillwright.toml", "extra/notes.txt", "server.sh"] {
        age(&tmp.path().join(f), 60);
    }
    let bins = pipeline::fake_binaries();
    let first = pipeline::build(&opts, &bins).unwrap();
    assert!(
        first.diagnostics.is_empty() && first.pack_diagnostics.is_empty(),
        "{:?}",
        first.pack_diagnostics
    );
    assert!(pipeline::build(&opts, &bins).unwrap().up_to_date.is_some());
    // Each carried file, edited in place (same size, old timestamp), is noticed and lands.
    for (rel, from, to) in [("extra/notes.txt", "first", "FIRST"), ("server.sh", "one", "two")] {
        let path = tmp.path().join(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, text.replace(from, to)).unwrap();
        age(&path, 60);
        assert!(pipeline::build(&opts, &bins).unwrap().up_to_date.is_none(), "{rel} changed");
        assert!(
            copies(&opts.out, rel).iter().all(|c| std::fs::read_to_string(c).unwrap().contains(to)),
            "{rel}"
        );
        assert!(!copies(&opts.out, rel).is_empty(), "{rel} is carried");
    }
}
