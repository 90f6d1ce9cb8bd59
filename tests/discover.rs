//! Finding skills in trees the fixture directory cannot hold (symlinks, FIFOs, names that are not
//! UTF-8, sparse files, names that differ only in case on a case-insensitive disk): built in a
//! temporary directory per test.

use skillwright_build::validate::Hosts;
use skillwright_model::Diagnostic;
use std::path::{Path, PathBuf};

fn load(root: &Path) -> (skillwright_model::SkillSet, Vec<Diagnostic>) {
    skillwright_build::load(root, &Hosts::builtin()).expect("root readable")
}

fn skill(root: &Path, dir: &str, name: &str) -> PathBuf {
    let d = root.join(dir);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(
        d.join("SKILL.md"),
        format!("---\nname: {name}\ndescription: Use when testing {name}.\n---\n# T\n"),
    )
    .unwrap();
    d
}

fn codes(diags: &[Diagnostic]) -> Vec<(&str, &str)> {
    diags.iter().map(|d| (d.code, d.file.as_str())).collect()
}

fn message<'a>(diags: &'a [Diagnostic], code: &str, file: &str) -> &'a str {
    diags
        .iter()
        .find(|d| d.code == code && d.file == file)
        .map(|d| d.message.as_str())
        .unwrap_or_else(|| panic!("no {code} on {file}: {:?}", codes(diags)))
}

#[cfg(unix)]
#[test]
fn symlinks_inside_the_root_are_followed_and_the_rest_named() {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::fs::symlink;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let linked = skill(root, "linked", "linked");
    let other = skill(root, "other", "other");
    std::fs::create_dir_all(other.join("references")).unwrap();
    std::fs::write(other.join("references/guide.md"), "shared guide").unwrap();
    symlink("../other/references", linked.join("refs")).unwrap();
    symlink("../other/references/guide.md", linked.join("guide.md")).unwrap();
    symlink("/etc/hostname", linked.join("secret")).unwrap();
    symlink("nowhere", linked.join("dangling")).unwrap();
    symlink(".", linked.join("loop")).unwrap();
    symlink("other", root.join("alias")).unwrap();
    symlink("..", root.join("outside")).unwrap();
    symlink("selfloop", root.join("selfloop")).unwrap();
    std::fs::write(linked.join(std::ffi::OsStr::from_bytes(b"bad\xff.md")), "x").unwrap();

    let (set, diags) = load(root);
    let dirs: Vec<&str> = set.skills.iter().map(|s| s.dir.as_str()).collect();
    assert_eq!(dirs, ["alias", "linked", "other"], "every skill is read: {:?}", codes(&diags));
    let linked = &set.skills[1];
    // Followed: packaged as plain files under the link's own name.
    assert_eq!(linked.files["refs/guide.md"], b"shared guide");
    assert_eq!(linked.files["guide.md"], b"shared guide");
    assert!(!linked.files.contains_key("secret") && !linked.files.contains_key("dangling"));
    let secret = message(&diags, "SW012", "linked/secret");
    assert!(secret.contains("`/etc/hostname`") && secret.contains("outside the skills root"), "{secret}");
    assert!(message(&diags, "SW012", "linked/dangling").contains("`nowhere`, which does not exist"));
    assert!(message(&diags, "SW014", "linked/loop").contains("leads back to `linked`"));
    assert!(message(&diags, "SW012", "outside").contains("points to `..`"));
    assert!(message(&diags, "SW014", "selfloop").contains("loop"));
    assert!(message(&diags, "SW013", "linked/bad\u{fffd}.md").contains("not valid UTF-8"));
    // A linked skill directory is validated under the link's name.
    assert!(message(&diags, "SW103", "alias/SKILL.md").contains("differs from its directory `alias`"));
    let loops: Vec<_> = diags.iter().filter(|d| d.code == "SW014").collect();
    assert!(loops.iter().all(|d| d.severity == skillwright_model::Severity::Warning));
}

#[cfg(unix)]
#[test]
fn a_skill_md_that_is_there_but_refused_is_never_called_missing() {
    use skillwright_build::discover::MAX_SKILL_MD;
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::create_dir_all(root.join("big")).unwrap();
    // Sparse: over the limit without writing a byte, and never read.
    std::fs::File::create(root.join("big/SKILL.md")).unwrap().set_len(MAX_SKILL_MD * 1024).unwrap();
    std::fs::create_dir_all(root.join("out")).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", root.join("out/SKILL.md")).unwrap();
    std::fs::create_dir_all(root.join("dirmd/SKILL.md")).unwrap();
    std::fs::create_dir_all(root.join("fifo")).unwrap();
    rustix::fs::mkfifoat(rustix::fs::CWD, root.join("fifo/SKILL.md"), rustix::fs::Mode::from_raw_mode(0o600))
        .unwrap();
    let (set, diags) = load(root);
    assert!(set.skills.is_empty());
    assert!(!diags.iter().any(|d| d.code == "SW002"), "{:?}", codes(&diags));
    assert!(message(&diags, "SW006", "big/SKILL.md").contains("the limit is 1048576 bytes (1 MiB)"));
    assert!(message(&diags, "SW012", "out/SKILL.md").contains("`/etc/hostname`"));
    assert!(message(&diags, "SW013", "dirmd/SKILL.md").contains("is a directory"));
    assert!(message(&diags, "SW013", "fifo/SKILL.md").contains("(a FIFO)"));
    if !rustix::process::geteuid().is_root() {
        use std::os::unix::fs::PermissionsExt;
        let locked = skill(root, "locked", "locked");
        std::fs::set_permissions(locked.join("SKILL.md"), std::fs::Permissions::from_mode(0o000)).unwrap();
        let (_, diags) = load(root);
        assert!(message(&diags, "SW001", "locked/SKILL.md").contains("permission denied (mode 000)"));
    }
}

#[test]
fn names_that_cannot_exist_everywhere_are_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    skill(root, "con", "con");
    let x = skill(root, "x", "x");
    std::fs::write(x.join("nul.txt"), "n").unwrap();
    std::fs::write(x.join("README.md"), "a").unwrap();
    std::fs::write(x.join("Readme.md"), "b").unwrap();
    skill(root, "Foo", "foo");
    skill(root, "foo", "foo");
    let (_, diags) = load(root);
    if std::fs::read_dir(root).unwrap().count() < 4 {
        return; // a case-insensitive disk: the collision cannot even be set up
    }
    assert!(message(&diags, "SW013", "con").contains("`CON`, a device name Windows reserves"));
    assert!(message(&diags, "SW013", "x/nul.txt").contains("`NUL`"));
    assert!(
        message(&diags, "SW018", "x/Readme.md").contains("`Readme.md` and `README.md` differ only in case")
    );
    assert!(message(&diags, "SW018", "foo").contains("`foo` and `Foo`"));
}

#[test]
fn directories_without_skill_md_are_skipped_with_a_warning_unless_misnamed() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    skill(root, "real", "real");
    std::fs::create_dir_all(root.join("assets")).unwrap();
    std::fs::write(root.join("assets/logo.txt"), "x").unwrap();
    skill(&root.join("group"), "inner", "inner");
    std::fs::create_dir_all(root.join("typo")).unwrap();
    std::fs::write(root.join("typo/Skill.md"), "---\nname: typo\n---\n").unwrap();
    let (set, diags) = load(root);
    assert_eq!(set.skills.len(), 1);
    let warn = diags.iter().find(|d| d.file == "assets").unwrap();
    assert_eq!((warn.code, warn.severity), ("SW002", skillwright_model::Severity::Warning));
    let nested = diags.iter().find(|d| d.file == "group").unwrap();
    assert!(nested.help.as_deref().unwrap().contains("`group/inner` are not read"), "{nested:?}");
    assert!(nested.help.as_deref().unwrap().contains("with `group` as the skills root"), "{nested:?}");
    let typo = diags.iter().find(|d| d.code == "SW003").unwrap();
    assert_eq!(typo.file, "typo/Skill.md");
    assert_eq!(typo.help.as_deref(), Some("rename it: `git mv typo/Skill.md typo/SKILL.md`"));
}

#[test]
fn a_pack_root_given_as_the_skills_root_names_a_few_skills_and_the_root_to_use() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = tmp.path();
    std::fs::write(pack.join("skillwright.toml"), "[pack]\nname = \"p\"\n").unwrap();
    for i in 0..40 {
        skill(&pack.join("skills"), &format!("s{i:02}"), &format!("s{i:02}"));
    }
    let (set, diags) = load(pack);
    assert!(set.skills.is_empty());
    let help = diags.iter().find(|d| d.code == "SW002" && d.file == "skills").unwrap().help.clone().unwrap();
    assert!(help.contains("`skills/s00`, `skills/s01`, `skills/s02` and 37 more are not read"), "{help}");
    assert!(help.contains("with `skills` as the skills root"), "{help}");
    assert!(!help.contains("s03"), "{help}");
}

#[test]
fn several_roots_skill_dirs_and_files_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    skill(&a, "one", "one");
    let two = skill(&b, "two", "two");
    std::fs::create_dir_all(two.join("references")).unwrap();
    std::fs::write(two.join("references/x.md"), "x").unwrap();
    let three = skill(&b, "three", "wrong");
    let paths =
        [a.clone(), two.clone(), three.join("SKILL.md"), two.join("references/x.md"), b.join("README.md")];
    std::fs::write(b.join("README.md"), "not a skill").unwrap();
    let (set, diags) = skillwright_build::load_paths(&paths, &Hosts::builtin()).unwrap();
    let shown: Vec<String> = set.skills.iter().map(|s| s.skill_md()).collect();
    let (a, b) = (a.display(), b.display());
    assert_eq!(
        shown,
        [format!("{a}/one/SKILL.md"), format!("{b}/three/SKILL.md"), format!("{b}/two/SKILL.md")]
    );
    assert_eq!(codes(&diags), [("SW103", format!("{b}/three/SKILL.md").as_str())]);
    assert!(skillwright_build::load_paths(&[tmp.path().join("none")], &Hosts::builtin()).is_err());
}

#[test]
fn a_link_to_an_empty_directory_does_not_resolve() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("empty");
    std::fs::create_dir_all(d.join("notes")).unwrap();
    std::fs::create_dir_all(d.join("full")).unwrap();
    std::fs::write(d.join("full/a.md"), "a").unwrap();
    std::fs::write(
        d.join("SKILL.md"),
        "---\nname: empty\ndescription: Use when testing.\n---\n# E\n\n[n](notes/) [f](full/)\n",
    )
    .unwrap();
    let (_, diags) = load(tmp.path());
    assert_eq!(codes(&diags), [("SW201", "empty/SKILL.md")]);
    assert!(diags[0].message.contains("`notes/` is an empty directory"), "{}", diags[0].message);
}

#[test]
fn a_large_root_read_on_every_core_gives_the_same_set_and_problems_every_time() {
    let tmp = tempfile::tempdir().unwrap();
    // Enough skills to be read in parallel, with problems spread among them.
    for i in 0..150 {
        let name = format!("skill-{i:03}");
        let dir = skill(tmp.path(), &name, &name);
        if i % 37 == 0 {
            std::fs::write(dir.join("SKILL.md"), format!("---\nname: {name}\n---\n# No description\n"))
                .unwrap();
        }
        if i % 41 == 0 {
            std::fs::write(dir.join("notes.md"), "a [link](missing.md)\n").unwrap();
            let md = std::fs::read_to_string(dir.join("SKILL.md")).unwrap();
            std::fs::write(dir.join("SKILL.md"), md + "\nSee [notes](notes.md) and [gone](gone.md).\n")
                .unwrap();
        }
    }
    std::fs::create_dir_all(tmp.path().join("lonely")).unwrap();
    let (first, first_diags) = load(tmp.path());
    let names: Vec<&str> = first.skills.iter().map(|s| s.dir.as_str()).collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "skills in directory order");
    let broken = [0, 37, 74, 111, 148];
    assert_eq!(first.skills.len(), 150, "every skill read, the broken ones too");
    for i in broken {
        let file = format!("skill-{i:03}/SKILL.md");
        assert!(first_diags.iter().any(|d| d.code == "SW104" && d.file == file), "{file}: {first_diags:?}");
    }
    assert!(first_diags.iter().any(|d| d.code == "SW201" && d.file == "skill-041/SKILL.md"));
    assert!(first_diags.iter().any(|d| d.code == "SW002" && d.file == "lonely"));
    for _ in 0..5 {
        let (again, diags) = load(tmp.path());
        assert_eq!(
            again.skills.iter().map(|s| &s.dir).collect::<Vec<_>>(),
            first.skills.iter().map(|s| &s.dir).collect::<Vec<_>>()
        );
        assert_eq!(format!("{diags:?}"), format!("{first_diags:?}"));
    }
}
