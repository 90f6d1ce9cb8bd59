//! Whole-tree snapshots of the plan for fixture packs (with fake binaries), plus the properties
//! every generated package must have: valid JSON, valid JS, determinism, safe escaping.

use skillwright_build::pipeline::{self, Options};
use skillwright_build::plan::Plan;
use std::io::Write as _;
use std::path::{Path, PathBuf};

fn pack_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("packs").join(name)
}

fn options(name: &str, out: &Path) -> Options {
    let dir = pack_dir(name);
    Options {
        skills: dir.join("skills"),
        pack: dir.join("skillwright.toml"),
        out: out.to_path_buf(),
        ..Options::default()
    }
}

fn plan_of(name: &str) -> Plan {
    let tmp = tempfile::tempdir().unwrap();
    let mut opts = options(name, tmp.path());
    opts.check = true; // plan without writing
    let outcome = pipeline::build(&opts, pipeline::fake_binaries()).unwrap();
    assert!(outcome.diagnostics.is_empty(), "{:?}", outcome.diagnostics);
    outcome.plan.unwrap()
}

/// The whole tree as text: every path, its mode, and its content (binaries as their size).
fn render_tree(plan: &Plan) -> String {
    let mut s: String = plan.packages.iter().map(render_package).collect();
    s.push_str(&format!("==> {}\n", plan.report_name));
    s.push_str(&plan.report);
    s
}

fn render_package(p: &skillwright_build::plan::Package) -> String {
    let mut s = String::new();
    {
        for (path, f) in &p.files {
            let mode = if f.exec { " (exec)" } else { "" };
            s.push_str(&format!("==> {}/{path}{mode}\n", p.host));
            match std::str::from_utf8(f.bytes().unwrap()) {
                Ok(t) => {
                    s.push_str(t);
                    if !t.ends_with('\n') {
                        s.push_str("\n[no final newline]\n");
                    }
                }
                Err(_) => s.push_str(&format!("[{} bytes]\n", f.len())),
            }
        }
    }
    s
}

/// One snapshot per pack and host (and one of the loss report), so each host's tree can be
/// reviewed on its own.
#[test]
fn snapshots_of_every_fixture_pack() {
    for name in ["minimal", "full", "hostile", "components", "events"] {
        let plan = plan_of(name);
        assert_eq!(plan.packages.len(), skillwright_build::target::builtin().unwrap().len(), "every host");
        for p in &plan.packages {
            insta::assert_snapshot!(format!("plan-{name}-{}", p.host), render_package(p));
        }
        insta::assert_snapshot!(format!("plan-{name}-report"), &plan.report);
    }
}

#[test]
fn plans_are_deterministic() {
    for name in ["minimal", "full", "hostile", "components", "events"] {
        assert_eq!(render_tree(&plan_of(name)), render_tree(&plan_of(name)));
    }
}

/// The loss report's section for `host`.
fn report_section<'a>(report: &'a str, host: &str) -> &'a str {
    let start = report.find(&format!("(`{host}`)")).unwrap_or(report.len());
    let rest = &report[start..];
    &rest[..rest.find("\n## ").unwrap_or(rest.len())]
}

/// In a pack with a hook on every event, each hook a host's loss report does not leave out is
/// launched from that host's package (a command naming the host and the hook's index, or the
/// hook's entry in an in-process module); each one left out is not.
#[test]
fn every_hook_a_host_can_run_is_wired_in_its_package() {
    let plan = plan_of("events");
    let count = skillwright_model::component::EVENTS.len();
    for p in &plan.packages {
        let section = report_section(&plan.report, &p.host);
        let text: String =
            p.files.values().filter_map(|f| std::str::from_utf8(f.bytes().unwrap()).ok()).collect();
        let launched = |i: usize| {
            let command = format!("{} {i}", p.host);
            text.match_indices(&command).any(|(at, _)| {
                !text[at + command.len()..].starts_with(|c: char| c.is_ascii_digit())
                    && !text[..at].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '-')
            }) || text.contains(&format!("index: {i},"))
        };
        let mut wired = 0;
        for i in 0..count {
            let left_out = section.contains(&format!("hook {i} ("))
                && section.lines().any(|l| {
                    l.contains(&format!("hook {i} ("))
                        && (l.contains("not carried") || l.contains("never runs"))
                })
                || section.contains("hooks not carried");
            assert_eq!(launched(i), !left_out, "{}: hook {i} (left out: {left_out})\n{section}", p.host);
            wired += usize::from(!left_out);
        }
        if !section.contains("hooks not carried") {
            assert!(wired >= 4, "{}: only {wired} events wired", p.host);
        }
    }
}

#[test]
fn every_json_file_parses_and_carries_the_pack_version() {
    for name in ["minimal", "full", "hostile", "components"] {
        let plan = plan_of(name);
        let version = match name {
            "full" => "2.3.4-beta.1",
            "minimal" => "1.0.0",
            "components" => "1.2.0",
            _ => "0.0.1",
        };
        let targets = skillwright_build::target::builtin().unwrap();
        for p in &plan.packages {
            let text_payload = targets[&p.host].hook.output.as_str() == Some("text");
            for (path, f) in &p.files {
                if path.ends_with(".json") || path.starts_with("hooks/static/") && !text_payload {
                    let v: serde_json::Value = serde_json::from_slice(f.bytes().unwrap())
                        .unwrap_or_else(|e| panic!("{name}/{}/{path}: {e}", p.host));
                    if let Some(ver) = v.get("version").and_then(|x| x.as_str()) {
                        assert_eq!(ver, version, "{}/{path}", p.host);
                    }
                }
            }
        }
    }
}

#[test]
fn hostile_text_survives_as_data() {
    let plan = plan_of("hostile");
    let want = std::fs::read_to_string(pack_dir("hostile").join("skillwright.toml")).unwrap();
    let want: toml::Value = toml::from_str(&want).unwrap();
    let desc = want["pack"]["description"].as_str().unwrap();
    for p in &plan.packages {
        for (path, f) in &p.files {
            if path.ends_with("plugin.json")
                || path.ends_with("package.json")
                || path.ends_with("gemini-extension.json")
            {
                let v: serde_json::Value = serde_json::from_slice(f.bytes().unwrap()).unwrap();
                assert_eq!(v["description"].as_str(), Some(desc), "{}/{path}", p.host);
            }
        }
    }
    // The skill's SKILL.md frontmatter is re-emitted as YAML that reads back to the same text.
    let claude = plan.packages.iter().find(|p| p.host == "claude").unwrap();
    let md = std::str::from_utf8(claude.files["skills/escape-me/SKILL.md"].bytes().unwrap()).unwrap();
    let yaml = md.strip_prefix("---\n").unwrap().split("\n---\n").next().unwrap();
    let fm: serde_yaml::Value = serde_yaml::from_str(yaml).unwrap();
    assert!(fm["description"].as_str().unwrap().contains("$(rm -rf ~)"));
    assert!(fm["description"].as_str().unwrap().contains('\u{2028}'));
    // Launchers and hook configs contain no pack or skill text.
    for p in &plan.packages {
        for (path, f) in &p.files {
            if path.ends_with("hooks/run")
                || path.ends_with("hooks/run.cmd")
                || path.ends_with("hooks/hooks.json")
            {
                let t = String::from_utf8_lossy(f.bytes().unwrap());
                assert!(
                    !t.contains("rm -rf") && !t.contains("pwned") && !t.contains("Mallory"),
                    "{}/{path}",
                    p.host
                );
            }
        }
    }
}

#[test]
fn generated_javascript_passes_node_check() {
    let tmp = tempfile::tempdir().unwrap();
    for name in ["minimal", "hostile", "components", "events"] {
        let plan = plan_of(name);
        for p in &plan.packages {
            for (path, f) in &p.files {
                if path.ends_with(".js") || path.ends_with(".mjs") {
                    let file = tmp.path().join(format!("{name}-{}.mjs", p.host));
                    std::fs::write(&file, f.bytes().unwrap()).unwrap();
                    let out = std::process::Command::new("node")
                        .arg("--check")
                        .arg(&file)
                        .output()
                        .expect("node is required for this test (see README: set-up)");
                    assert!(out.status.success(), "{path}: {}", String::from_utf8_lossy(&out.stderr));
                }
            }
        }
    }
}

#[test]
fn check_passes_after_build_and_names_each_difference() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("plugins");
    let mut opts = options("minimal", &out);
    let bins = pipeline::fake_binaries();
    let first = pipeline::build(&opts, &bins).unwrap().written.unwrap();
    assert!(first.written > 0);
    let again = pipeline::build(&opts, &bins).unwrap().written.unwrap();
    assert_eq!((again.written, again.removed), (0, 0), "a second build writes nothing");
    opts.check = true;
    assert!(pipeline::build(&opts, &bins).unwrap().stale.is_empty());

    let manifest = out.join("claude/.claude-plugin/plugin.json");
    let mut bytes = std::fs::read(&manifest).unwrap();
    bytes[5] ^= 1;
    // Written in place: Droid's identical manifest is the same file (a hard link), so it changes too.
    std::fs::write(&manifest, bytes).unwrap();
    std::fs::write(out.join("cursor/extra.txt"), "x").unwrap();
    std::fs::remove_file(out.join("gemini/GEMINI.md")).unwrap();
    let stale = pipeline::build(&opts, &bins).unwrap().stale;
    let paths: Vec<&str> = stale.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "claude/.claude-plugin/plugin.json",
            "cursor/extra.txt",
            "droid/.factory-plugin/plugin.json",
            "gemini/GEMINI.md"
        ]
    );
    assert!(stale[0].detail.contains("@@"), "a unified diff: {}", stale[0].detail);

    // A package directory holding a file we did not write is not replaced: the build names it
    // and leaves everything in place.
    opts.check = false;
    let err = pipeline::build(&opts, &bins).unwrap_err().to_string();
    assert!(err.contains("cursor/extra.txt") && err.contains("did not write"), "{err}");
    assert!(std::fs::read(out.join("cursor/extra.txt")).is_ok(), "files we did not write are left alone");
    // Once it is moved away, building again repairs the changed and missing files.
    std::fs::remove_file(out.join("cursor/extra.txt")).unwrap();
    let fixed = pipeline::build(&opts, &bins).unwrap().written.unwrap();
    assert_eq!(fixed.written, 3);
    opts.check = true;
    assert!(pipeline::build(&opts, &bins).unwrap().stale.is_empty());
}

/// `--check` reads what is on disk without following symlinks or blocking on a FIFO put where a
/// package file belongs, in every host's package.
#[cfg(target_os = "linux")]
#[test]
fn check_names_special_files_in_place_of_package_files_without_blocking() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("plugins");
    let mut opts = options("minimal", &out);
    let bins = pipeline::fake_binaries();
    let plan = pipeline::build(&opts, &bins).unwrap().plan.unwrap();
    let outside = tmp.path().join("outside");
    std::fs::write(&outside, "not ours").unwrap();
    let mut expected = Vec::new();
    for p in &plan.packages {
        let mut files = p.files.keys();
        let fifo = format!("{}/{}", p.host, files.next().unwrap());
        let link = format!("{}/{}", p.host, files.next().unwrap());
        std::fs::remove_file(out.join(&fifo)).unwrap();
        rustix::fs::mkfifoat(rustix::fs::CWD, out.join(&fifo), rustix::fs::Mode::from_raw_mode(0o600))
            .unwrap();
        std::fs::remove_file(out.join(&link)).unwrap();
        std::os::unix::fs::symlink(&outside, out.join(&link)).unwrap();
        expected.push((fifo, "a FIFO where the build puts a file"));
        expected.push((link, "a symlink where the build puts a file"));
    }
    expected.sort();
    opts.check = true;
    let stale = pipeline::build(&opts, &bins).unwrap().stale;
    let got: Vec<(String, &str)> = stale.iter().map(|s| (s.path.clone(), s.detail.as_str())).collect();
    let want: Vec<(String, &str)> = expected.iter().map(|(p, d)| (p.clone(), *d)).collect();
    assert_eq!(got, want);
}

/// Binaries bundled from files (`--bin-dir`) are copied as they are, listed in every manifest by
/// their sha256, and compared by it: an edit to one on disk is found in every host's copy.
#[test]
fn binaries_from_files_are_copied_listed_and_checked_in_every_package() {
    let tmp = tempfile::tempdir().unwrap();
    let bin = tmp.path().join("bin/x86_64-unknown-linux-gnu");
    std::fs::create_dir_all(&bin).unwrap();
    // Larger than one read buffer, so that the copy and the hash go piece by piece.
    let exe: Vec<u8> = (0..300_001u32).map(|i| (i % 253) as u8).collect();
    let addon: Vec<u8> = (0..100_003u32).map(|i| (i % 241) as u8).collect();
    std::fs::write(bin.join("skillwright"), &exe).unwrap();
    std::fs::write(bin.join("skillwright.node"), &addon).unwrap();
    let bins = pipeline::Bundle::from_dir(&tmp.path().join("bin")).unwrap();
    let out = tmp.path().join("plugins");
    let mut opts = options("minimal", &out);
    let plan = pipeline::build(&opts, &bins).unwrap().plan.unwrap();
    let sha = |b: &[u8]| skillwright_model::integrity::sha256(b);
    let mut carried = Vec::new();
    for p in &plan.packages {
        let manifest: serde_json::Value = serde_json::from_slice(
            &std::fs::read(out.join(&p.host).join(&p.plugin_prefix).join("integrity.json")).unwrap(),
        )
        .unwrap();
        for (path, f) in &p.files {
            // Bundled binaries sit under bin/<triple>/ (bin/skillwright itself is the launcher).
            let Some(rel) = path.strip_prefix(&format!("{}bin/x86_64-unknown-linux-gnu/", p.plugin_prefix))
            else {
                continue;
            };
            let want = if rel.ends_with(".node") { &addon } else { &exe };
            assert!(f.bytes().is_none(), "{}/{path} is copied, not held in memory", p.host);
            assert_eq!(&std::fs::read(out.join(&p.host).join(path)).unwrap(), want, "{}/{path}", p.host);
            let listed = &manifest["files"][format!("bin/x86_64-unknown-linux-gnu/{rel}")];
            assert_eq!(listed, &sha(want), "{}/{path}", p.host);
            if !rel.ends_with(".node") {
                carried.push(format!("{}/{path}", p.host));
            }
        }
    }
    assert!(carried.len() > 1, "several hosts carry the runtime: {carried:?}");
    opts.check = true;
    assert!(pipeline::build(&opts, &bins).unwrap().stale.is_empty());

    // One byte changed in place, in the file every host's copy links to.
    let first = out.join(&carried[0]);
    let mut edited = exe.clone();
    edited[150_000] ^= 1;
    std::fs::OpenOptions::new().write(true).open(&first).unwrap().write_all(&edited).unwrap();
    let stale = pipeline::build(&opts, &bins).unwrap().stale;
    let named: Vec<&str> = stale.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(named, carried.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(stale.iter().all(|s| s.detail.starts_with("binary content differs")), "{stale:?}");
    // A build puts the bundled bytes back.
    opts.check = false;
    pipeline::build(&opts, &bins).unwrap();
    assert_eq!(std::fs::read(&first).unwrap(), exe);
    opts.check = true;
    assert!(pipeline::build(&opts, &bins).unwrap().stale.is_empty());
}

#[test]
fn a_build_killed_between_renames_is_undone_by_the_next_build() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("plugins");
    let opts = options("minimal", &out);
    let bins = pipeline::fake_binaries();
    pipeline::build(&opts, &bins).unwrap();
    // What a kill leaves on a system without an atomic exchange: the previous package parked,
    // and a half-written stage of another host.
    std::fs::rename(out.join("claude"), out.join(".skillwright-old-claude")).unwrap();
    std::fs::create_dir_all(out.join(".skillwright-stage-cursor/hooks")).unwrap();
    std::fs::write(out.join(".skillwright-stage-cursor/hooks/run"), "half").unwrap();
    let again = pipeline::build(&opts, &bins).unwrap().written.unwrap();
    assert_eq!(again.written, 0, "the parked package was put back as it was");
    assert!(!out.join(".skillwright-old-claude").exists());
    assert!(!out.join(".skillwright-stage-cursor").exists());
    let mut check = opts.clone();
    check.check = true;
    assert!(pipeline::build(&check, &bins).unwrap().stale.is_empty());
}

/// Copies the minimal pack into `dir` so a test can add files to it.
fn minimal_copy(dir: &Path) -> Options {
    for e in walkdir(&pack_dir("minimal")) {
        let rel = e.strip_prefix(pack_dir("minimal")).unwrap();
        let dest = dir.join(rel);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(&e, &dest).unwrap();
    }
    Options {
        skills: dir.join("skills"),
        pack: dir.join("skillwright.toml"),
        out: dir.join("out"),
        ..Options::default()
    }
}

fn walkdir(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(root).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(walkdir(&p)) } else { out.push(p) }
    }
    out
}

#[test]
fn json_files_a_skill_ships_are_copied_byte_for_byte() {
    let tmp = tempfile::tempdir().unwrap();
    let opts = minimal_copy(tmp.path());
    let skill = std::fs::read_dir(&opts.skills).unwrap().next().unwrap().unwrap().path();
    let broken = b"{ \"example\": \"deliberately broken\", \n";
    let versioned = b"{\"version\":   \"9.9.9\"}";
    std::fs::create_dir_all(skill.join("examples")).unwrap();
    std::fs::write(skill.join("examples/broken.json"), broken).unwrap();
    std::fs::write(skill.join("examples/versioned.json"), versioned).unwrap();
    let outcome = pipeline::build(&opts, pipeline::fake_binaries()).unwrap();
    let name = skill.file_name().unwrap().to_string_lossy();
    for host in ["claude", "opencode"] {
        let dir = opts.out.join(host).join("skills").join(&*name).join("examples");
        assert_eq!(std::fs::read(dir.join("broken.json")).unwrap(), broken);
        assert_eq!(std::fs::read(dir.join("versioned.json")).unwrap(), versioned);
    }
    assert!(outcome.written.unwrap().written > 0);
}

#[cfg(unix)]
#[test]
fn a_symlink_planted_in_a_package_is_replaced_by_the_real_file() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("plugins");
    let opts = options("minimal", &out);
    let bins = pipeline::fake_binaries();
    pipeline::build(&opts, &bins).unwrap();
    // Same content, but a link pointing outside: the build must not count it as unchanged.
    let target = out.join("claude/.claude-plugin/plugin.json");
    let outside = tmp.path().join("outside.json");
    std::fs::copy(&target, &outside).unwrap();
    std::fs::remove_file(&target).unwrap();
    std::os::unix::fs::symlink(&outside, &target).unwrap();
    let again = pipeline::build(&opts, &bins).unwrap().written.unwrap();
    assert_eq!(again.written, 1);
    assert!(!std::fs::symlink_metadata(&target).unwrap().file_type().is_symlink());
}

fn universal_plan_of(name: &str) -> Plan {
    let tmp = tempfile::tempdir().unwrap();
    let mut opts = options(name, tmp.path());
    opts.check = true;
    opts.layout = skillwright_build::plan::Layout::Universal;
    pipeline::build(&opts, pipeline::fake_binaries()).unwrap().plan.unwrap()
}

#[test]
fn universal_tree_snapshot_and_properties() {
    insta::assert_snapshot!("plan-universal-components", render_tree(&universal_plan_of("components")));
    let plan = universal_plan_of("full");
    assert_eq!(plan.packages.len(), 1);
    insta::assert_snapshot!("plan-universal-full", render_tree(&plan));
    assert_eq!(render_tree(&plan), render_tree(&universal_plan_of("full")), "deterministic");
    let tree = &plan.packages[0].files;
    // Every host's entry point is there, side by side.
    for path in [
        ".claude-plugin/plugin.json",
        ".claude-plugin/marketplace.json",
        ".codex-plugin/plugin.json",
        ".agents/plugins/marketplace.json",
        ".cursor-plugin/plugin.json",
        ".plugin/plugin.json",
        ".factory-plugin/plugin.json",
        ".kimi-plugin/plugin.json",
        "gemini-extension.json",
        "package.json",
        "plugin.json",
        "plugin.js",
        "extension.mjs",
        "hooks/hooks.json",
        "integrity.json",
    ] {
        assert!(tree.contains_key(path), "{path} missing from the universal tree");
    }
    // Hosts that would otherwise fall back to hooks/hooks.json are pointed at their own file.
    let json = |p: &str| -> serde_json::Value { serde_json::from_slice(tree[p].bytes().unwrap()).unwrap() };
    assert_eq!(json(".codex-plugin/plugin.json")["hooks"], "./hooks/codex.json");
    assert_eq!(json(".plugin/plugin.json")["hooks"], "./com.github.copilot/hooks/hooks.json");
    assert_eq!(json(".cursor-plugin/plugin.json")["hooks"], "./hooks/cursor.json");
    // The shared hooks file has no matcher (Gemini matches exact strings only).
    let shared = json("hooks/hooks.json");
    assert!(shared["hooks"]["SessionStart"][0].get("matcher").is_none());
    // OpenCode's and Pi's package.json are one file that serves both.
    let pkg = json("package.json");
    assert_eq!(pkg["main"], "plugin.js");
    assert_eq!(pkg["pi"]["extensions"][0], "./extension.mjs");
    // One SKILL.md per skill for every host: only keys all of them read.
    let md =
        std::str::from_utf8(tree.iter().find(|(p, _)| p.ends_with("/SKILL.md")).unwrap().1.bytes().unwrap())
            .unwrap()
            .to_string();
    assert!(!md.contains("allowed-tools:"), "Kimi and Cursor do not read allowed-tools: {md}");
}

/// Where hosts read the universal tree differently from their own package, the tree and the loss
/// report say so: Copilot finds its hooks, commands and agents in its Agent Plugins extension
/// directory; Codex, which prefers the root Agent Plugins manifest, is reported to carry only what
/// that carries; hosts sharing hooks/hooks.json are told of the other hosts' event names in it.
#[test]
fn universal_tree_where_hosts_read_it_their_own_way() {
    let plan = universal_plan_of("components");
    let tree = &plan.packages[0].files;
    for path in [
        "com.github.copilot/hooks/hooks.json",
        "com.github.copilot/commands/review.md",
        "com.github.copilot/agents/code-reviewer.agent.md",
        "plugin.json",
        "mcp.json",
    ] {
        assert!(tree.contains_key(path), "{path} missing from the universal tree");
    }
    assert!(
        !tree.keys().any(|p| p.starts_with("agents/") && p.ends_with(".agent.md")),
        "Copilot agents beside Claude's"
    );
    let report = &plan.report;
    let codex: Vec<&str> = report.lines().filter(|l| l.starts_with("- OpenAI Codex: ")).collect();
    assert!(codex[0].contains("reads the universal tree as Agent Plugins 1.0"), "{codex:?}");
    assert!(
        codex.iter().any(|l| l.contains("as Agent Plugins 1.0: ") && l.contains("no hooks")),
        "{codex:?}"
    );
    assert!(!codex.iter().any(|l| l.contains("source-command")), "{codex:?}");
    let claude =
        report.lines().find(|l| l.starts_with("- Claude Code: the shared hooks/hooks.json also names"));
    assert!(claude.is_some_and(|l| l.contains("`BeforeTool`") && !l.contains("`PreToolUse`")), "{report}");
}

#[test]
fn universal_collisions_name_both_hosts() {
    let tmp = tempfile::tempdir().unwrap();
    let targets = tmp.path().join("targets");
    let templates = tmp.path().join("templates");
    for (id, text) in [("alpha", "A"), ("beta", "B")] {
        std::fs::create_dir_all(templates.join(id)).unwrap();
        std::fs::create_dir_all(&targets).unwrap();
        std::fs::write(
            targets.join(format!("{id}.toml")),
            format!("id = \"{id}\"\ndisplay = \"{id}\"\nskill-keys = [\"name\", \"description\"]\n[hook]\nvia = \"x\"\noutput = \"text\"\ndynamic = false\n"),
        )
        .unwrap();
        std::fs::write(templates.join(id).join("SAME.md"), text).unwrap();
    }
    let mut opts = options("minimal", &tmp.path().join("out"));
    opts.targets_dir = Some(targets);
    opts.templates_dir = Some(templates);
    opts.layout = skillwright_build::plan::Layout::Universal;
    let err = pipeline::build(&opts, pipeline::fake_binaries()).unwrap_err().to_string();
    assert!(err.contains("SAME.md") && err.contains("alpha") && err.contains("beta"), "{err}");
    assert!(!tmp.path().join("out").exists(), "nothing written");
}

#[test]
fn both_layouts_share_an_output_dir_without_touching_each_other() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("plugins");
    let bins = pipeline::fake_binaries();
    let host = options("minimal", &out);
    let mut universal = options("minimal", &out);
    universal.layout = skillwright_build::plan::Layout::Universal;
    pipeline::build(&host, &bins).unwrap();
    pipeline::build(&universal, &bins).unwrap();
    let stale_after = |opts: &Options| -> Vec<String> {
        let mut opts = opts.clone();
        opts.check = true;
        pipeline::build(&opts, &bins).unwrap().stale.into_iter().map(|s| s.path).collect()
    };
    assert!(stale_after(&host).is_empty());
    assert!(stale_after(&universal).is_empty());
    // A build of one host leaves the other hosts' packages in place, and their sections of the
    // report: a full --check still passes.
    let mut only_claude = options("minimal", &out);
    only_claude.hosts = vec!["claude".into()];
    pipeline::build(&only_claude, &bins).unwrap();
    assert_eq!(stale_after(&host), Vec::<String>::new());
}

#[cfg(unix)]
#[test]
fn hosts_share_one_copy_of_each_bundled_binary() {
    use std::os::unix::fs::MetadataExt;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("plugins");
    let opts = options("minimal", &out);
    let big: std::sync::Arc<[u8]> = vec![7u8; 200 * 1024].into();
    let bins: skillwright_build::plan::Binaries =
        [("x86_64-unknown-linux-gnu/skillwright".to_string(), big)].into_iter().collect();
    pipeline::build(&opts, &bins).unwrap();
    let claude = out.join("claude/bin/x86_64-unknown-linux-gnu/skillwright");
    let gemini = out.join("gemini/bin/x86_64-unknown-linux-gnu/skillwright");
    let (a, b) = (std::fs::metadata(&claude).unwrap(), std::fs::metadata(&gemini).unwrap());
    assert_eq!((a.dev(), a.ino()), (b.dev(), b.ino()), "one inode for every host");
    assert!(a.nlink() >= 2);
    assert_eq!(std::fs::read(&gemini).unwrap(), vec![7u8; 200 * 1024]);
    let again = pipeline::build(&opts, &bins).unwrap().written.unwrap();
    assert_eq!(again.written, 0);
    let mut check = opts.clone();
    check.check = true;
    assert!(pipeline::build(&check, &bins).unwrap().stale.is_empty());
}

#[test]
fn a_templates_dir_overlays_the_built_in_set_file_by_file() {
    let tmp = tempfile::tempdir().unwrap();
    let overlay = tmp.path().join("templates");
    std::fs::create_dir_all(overlay.join("claude/.claude-plugin")).unwrap();
    std::fs::write(
        overlay.join("claude/.claude-plugin/plugin.json.j2"),
        "{ \"name\": {{ pack.name|tojson }}, \"version\": {{ version|tojson }}, \"homepage\": \"https://example.com/mine\" }",
    )
    .unwrap();
    std::fs::write(overlay.join("claude/EXTRA.md"), "mine\n").unwrap();
    let mut opts = options("minimal", &tmp.path().join("out"));
    opts.check = true;
    opts.templates_dir = Some(overlay);
    let plan = pipeline::build(&opts, pipeline::fake_binaries()).unwrap().plan.unwrap();
    let stock = plan_of("minimal");
    let claude = |p: &Plan| p.packages.iter().find(|p| p.host == "claude").unwrap().files.clone();
    let (mine, theirs) = (claude(&plan), claude(&stock));
    let manifest = std::str::from_utf8(mine[".claude-plugin/plugin.json"].bytes().unwrap()).unwrap();
    assert!(manifest.contains("example.com/mine"), "the overlay's file replaces the built-in one");
    assert_eq!(mine["EXTRA.md"].bytes(), Some(&b"mine\n"[..]), "and adds its own");
    for path in [".claude-plugin/marketplace.json", "hooks/hooks.json", "hooks/run"] {
        assert_eq!(mine[path].contents, theirs[path].contents, "{path} stays built-in");
    }
    // Other hosts are untouched.
    let codex = |p: &Plan| render_package(p.packages.iter().find(|p| p.host == "codex").unwrap());
    assert_eq!(codex(&plan), codex(&stock));
}
