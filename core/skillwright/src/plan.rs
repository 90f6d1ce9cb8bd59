//! Planning: the whole output, in memory, as a pure function of its inputs.
//!
//! No clock, no absolute paths, no hash-map order: the same inputs give byte-identical plans on
//! every machine. The plan is what tests snapshot and what `write` puts on disk.

use crate::integrity::{self, Manifest};
use crate::model::{SKILLWRIGHT_KEYS, Skill, SkillSet};
use crate::pack::Pack;
use crate::render::{self, Tree};
use crate::runtime::context::{self, INDEX_PATH, Index};
use crate::target::Target;
use serde::Serialize;
use std::collections::BTreeMap;

/// Target triples a package can carry binaries for (what the release workflow builds).
pub const TRIPLES: &[&str] = &[
    "aarch64-apple-darwin",
    "aarch64-pc-windows-msvc",
    "aarch64-unknown-linux-gnu",
    "aarch64-unknown-linux-musl",
    "x86_64-apple-darwin",
    "x86_64-pc-windows-msvc",
    "x86_64-unknown-linux-gnu",
    "x86_64-unknown-linux-musl",
];

/// One planned file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    /// Contents (shared: every host's copy of a bundled binary is the same allocation).
    pub bytes: std::sync::Arc<[u8]>,
    /// Whether it is written executable (launchers, binaries).
    pub exec: bool,
}

/// One host's package.
#[derive(Debug, Clone)]
pub struct Package {
    /// Host id: the package's directory name under the output dir.
    pub host: String,
    /// Host product name.
    pub display: String,
    /// Every file, by path relative to the package dir.
    pub files: BTreeMap<String, File>,
    /// What this host cannot carry of the source.
    pub loss: Vec<String>,
    /// Number of skills packaged.
    pub skills: usize,
    /// Where the plugin sits inside the package dir (`""` or `dir/`).
    pub plugin_prefix: String,
}

impl Package {
    /// Total bytes.
    pub fn bytes(&self) -> u64 {
        self.files.values().map(|f| f.bytes.len() as u64).sum()
    }
}

/// The whole output.
#[derive(Debug, Clone)]
pub struct Plan {
    /// One package per host, in host order.
    pub packages: Vec<Package>,
    /// The loss report of every host.
    pub report: String,
    /// Its file name at the output root: `REPORT.md`, or `REPORT-universal.md` for the universal
    /// tree (so both layouts can share an output directory).
    pub report_name: &'static str,
}

/// Per-platform files to bundle under `bin/`: `<triple>/<file>` → bytes, where `<file>` is
/// [`EXE`], [`EXE_WINDOWS`] or [`ADDON`].
pub type Binaries = BTreeMap<String, std::sync::Arc<[u8]>>;

/// The runtime binary's file name.
pub const EXE: &str = "skillwright";
/// The runtime binary's file name on Windows.
pub const EXE_WINDOWS: &str = "skillwright.exe";
/// The Node.js addon's file name (bundled only for hosts whose `[hook] addon` is set).
pub const ADDON: &str = "skillwright.node";

/// How the packages are laid out on disk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// One directory per host (`<out>/<host>/`).
    #[default]
    Host,
    /// One directory (`<out>/universal/`) carrying every host's manifests side by side, so one
    /// repository installs on every host from the same URL.
    Universal,
}

/// The package id (and directory name) of the universal layout.
pub const UNIVERSAL: &str = "universal";

/// Everything a plan depends on.
pub struct Inputs<'a> {
    /// The skills (already validated: a set with errors should not be planned).
    pub set: &'a SkillSet,
    /// Pack metadata.
    pub pack: &'a Pack,
    /// Hosts to build, in order.
    pub targets: Vec<&'a Target>,
    /// Template trees: [`render::COMMON`] and one per host id.
    pub templates: &'a BTreeMap<String, Tree>,
    /// Binaries to bundle.
    pub binaries: &'a Binaries,
    /// Signing key, if the packages are signed.
    pub key: Option<&'a k256::ecdsa::SigningKey>,
    /// Per-host directories or one universal tree.
    pub layout: Layout,
}

/// Why a plan could not be made.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A template failed.
    #[error(transparent)]
    Render(#[from] render::Error),
    /// A rendered file is invalid (bad JSON, hard-coded version, …).
    #[error("{host}: {path}: {message}")]
    Output {
        /// Host id.
        host: String,
        /// File.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// Template context for one host.
#[derive(Serialize)]
struct Ctx<'a> {
    pack: &'a Pack,
    version: &'a str,
    display: &'a str,
    short_description: String,
    skills: Vec<CtxSkill<'a>>,
    target: &'a Target,
    context: String,
    plugin_root: String,
    layout: Layout,
}

#[derive(Serialize)]
struct CtxSkill<'a> {
    name: &'a str,
    description: &'a str,
    dir: &'a str,
}

/// Makes the plan.
pub fn plan(inp: &Inputs) -> Result<Plan, Error> {
    let index = Index::of(inp.pack, inp.set);
    let index_json = serde_json::to_vec_pretty(&index).unwrap_or_default();
    let static_context = context::render(&index, None, &[]);
    let mut packages = Vec::new();
    let bin_hashes: BTreeMap<&str, String> =
        inp.binaries.iter().map(|(k, v)| (k.as_str(), integrity::sha256(v))).collect();
    if inp.layout == Layout::Universal {
        packages.push(universal(inp, &index_json, &static_context, &bin_hashes)?);
    } else {
        // Hosts are independent: plan them on every core, in host order.
        let planned = crate::parallel::map(&inp.targets, |target| -> Result<Package, Error> {
            let body = host_files(inp, target, &target.skill_keys, &index_json, &static_context)?;
            Ok(seal(inp, target.id.clone(), target.display.clone(), body, &bin_hashes))
        });
        for p in planned {
            packages.push(p?);
        }
    }
    let report = report(inp.pack, &packages);
    let report_name = if inp.layout == Layout::Universal { "REPORT-universal.md" } else { "REPORT.md" };
    Ok(Plan { packages, report, report_name })
}

/// A host's files before sealing: paths are relative to the package dir.
#[derive(Default)]
struct Body {
    files: BTreeMap<String, File>,
    /// Package path of each bundled binary → its key in [`Inputs::binaries`].
    bins: BTreeMap<String, String>,
    loss: Vec<String>,
    prefix: String,
}

fn host_files(
    inp: &Inputs,
    target: &Target,
    skill_keys: &[String],
    index_json: &[u8],
    static_context: &str,
) -> Result<Body, Error> {
    let pack = inp.pack;
    let universal = inp.layout == Layout::Universal;
    // In the universal tree every host's plugin sits at the root.
    let prefix = if universal { String::new() } else { target.plugin_prefix(&pack.name) };
    let tree_prefix = target.plugin_prefix(&pack.name);
    let mut files: BTreeMap<String, File> = BTreeMap::new();
    let mut put = |path: String, bytes: Vec<u8>| {
        let exec = bytes.starts_with(b"#!");
        files.insert(path, File { bytes: bytes.into(), exec });
    };
    let mut lost_keys: BTreeMap<&str, usize> = BTreeMap::new();
    for skill in &inp.set.skills {
        let (md, lost) = host_skill_md(skill, skill_keys);
        let ignored =
            skill.raw.iter().map(|(k, _)| k.as_str()).filter(|k| target.ignored_keys.iter().any(|i| i == k));
        for k in lost.into_iter().chain(ignored) {
            *lost_keys.entry(k).or_default() += 1;
        }
        put(format!("{prefix}skills/{}/SKILL.md", skill.dir), md);
        for (rel, bytes) in &skill.files {
            put(format!("{prefix}skills/{}/{rel}", skill.dir), bytes.clone());
        }
    }
    put(format!("{prefix}{INDEX_PATH}"), index_json.to_vec());
    put(format!("{prefix}hooks/static/{}", target.id), target.payload(static_context).into_bytes());

    let ctx = minijinja::Value::from(minijinja::value::Serde(Ctx {
        pack,
        version: pack.version(),
        display: pack.display(),
        short_description: context::summary(&pack.description, 120),
        skills: inp
            .set
            .skills
            .iter()
            .map(|s| CtxSkill { name: s.name(), description: s.description(), dir: &s.dir })
            .collect(),
        target,
        context: static_context.to_string(),
        plugin_root: prefix.trim_end_matches('/').to_string(),
        layout: inp.layout,
    }));
    let empty = Tree::new();
    // Launchers are only for hosts that run the runtime hook.
    let common =
        if target.hook.dynamic { inp.templates.get(render::COMMON).unwrap_or(&empty) } else { &empty };
    for (path, bytes) in render::render(render::COMMON, common, &ctx, &pack.name)? {
        put(format!("{prefix}{path}"), bytes);
    }
    for dir in &target.include {
        let tree = inp.templates.get(dir).unwrap_or(&empty);
        for (path, bytes) in render::render(dir, tree, &ctx, &pack.name)? {
            put(format!("{prefix}{path}"), bytes);
        }
    }
    let own = inp.templates.get(&target.id).unwrap_or(&empty);
    for (path, bytes) in render::render(&target.id, own, &ctx, &pack.name)? {
        // A host's own tree names paths from its package dir; the universal tree re-roots the
        // plugin part of it.
        let path = match path.strip_prefix(&tree_prefix) {
            Some(rest) if universal && !tree_prefix.is_empty() => rest.to_string(),
            _ => path,
        };
        put(path, bytes);
    }
    // Rendered JSON is checked and canonicalized; files a skill ships are its own business.
    let skills_dir = format!("{prefix}skills/");
    for (path, file) in files.iter_mut() {
        if path.ends_with(".json") && !path.starts_with(&skills_dir) {
            file.bytes = canonical_json(&target.id, path, &file.bytes, pack.version())?.into();
        }
    }
    let mut bins = BTreeMap::new();
    if target.hook.dynamic {
        for (rel, bytes) in inp.binaries {
            let addon = rel.ends_with(&format!("/{ADDON}"));
            if addon && !target.hook.addon {
                continue;
            }
            files.insert(format!("{prefix}bin/{rel}"), File { bytes: bytes.clone(), exec: !addon });
            bins.insert(format!("bin/{rel}"), rel.clone());
        }
    }
    let mut loss: Vec<String> = lost_keys
        .into_iter()
        .map(|(k, n)| {
            format!(
                "frontmatter `{k}` ({n} skill{}) is not honoured by {}",
                if n == 1 { "" } else { "s" },
                target.display
            )
        })
        .collect();
    loss.extend(target.loss.iter().cloned());
    Ok(Body { files, bins, loss, prefix })
}

/// Adds integrity.json (and integrity.sig when signing) over the plugin's files.
fn seal(
    inp: &Inputs,
    host: String,
    display: String,
    body: Body,
    bin_hashes: &BTreeMap<&str, String>,
) -> Package {
    let Body { mut files, bins, loss, prefix } = body;
    let mut manifest = Manifest {
        format: 1,
        pack: inp.pack.name.clone(),
        version: inp.pack.version().to_string(),
        host: host.clone(),
        public_key: inp.key.map(integrity::public_hex),
        files: files
            .iter()
            .filter_map(|(p, f)| {
                p.strip_prefix(&prefix).map(|rel| {
                    // Binaries are hashed once for all hosts.
                    let hash = match bins.get(rel) {
                        Some(key) => bin_hashes[key.as_str()].clone(),
                        None => integrity::sha256(&f.bytes),
                    };
                    (rel.to_string(), hash)
                })
            })
            .collect(),
    };
    manifest.files.remove(integrity::MANIFEST);
    let manifest_bytes = manifest.to_bytes();
    if let Some(key) = inp.key {
        let sig = integrity::sign(key, &manifest_bytes);
        files.insert(
            format!("{prefix}{}", integrity::SIGNATURE),
            File { bytes: format!("{sig}\n").into_bytes().into(), exec: false },
        );
    }
    files.insert(
        format!("{prefix}{}", integrity::MANIFEST),
        File { bytes: manifest_bytes.into(), exec: false },
    );
    Package { host, display, files, loss, skills: inp.set.skills.len(), plugin_prefix: prefix }
}

/// Every chosen host's files merged into one tree. Files two hosts both write must be identical,
/// or JSON objects that merge without disagreeing (OpenCode's and Pi's package.json); anything
/// else is a collision and fails the build, naming both hosts.
fn universal(
    inp: &Inputs,
    index_json: &[u8],
    static_context: &str,
    bin_hashes: &BTreeMap<&str, String>,
) -> Result<Package, Error> {
    // One skills/ for every host: only the frontmatter keys all of them read.
    let mut keys: Vec<String> = inp.targets.first().map(|t| t.skill_keys.clone()).unwrap_or_default();
    keys.retain(|k| inp.targets.iter().all(|t| t.skill_keys.contains(k)));
    let mut merged = Body::default();
    let mut owner: BTreeMap<String, String> = BTreeMap::new();
    let empty = Tree::new();
    let shared = inp.templates.get(UNIVERSAL).unwrap_or(&empty);
    let ctx = minijinja::Value::from(minijinja::value::Serde(serde_json::json!({
        "pack": inp.pack, "version": inp.pack.version(), "layout": Layout::Universal,
        "hosts": inp.targets.iter().map(|t| &t.id).collect::<Vec<_>>(),
    })));
    let mut bodies = Vec::new();
    for t in &inp.targets {
        bodies.push((t.id.clone(), host_files(inp, t, &keys, index_json, static_context)?));
    }
    let mut shared_body = Body::default();
    for (path, bytes) in render::render(UNIVERSAL, shared, &ctx, &inp.pack.name)? {
        let bytes = if path.ends_with(".json") {
            canonical_json(UNIVERSAL, &path, &bytes, inp.pack.version())?
        } else {
            bytes
        };
        let exec = bytes.starts_with(b"#!");
        shared_body.files.insert(path, File { bytes: bytes.into(), exec });
    }
    bodies.push((UNIVERSAL.to_string(), shared_body));
    for (host, body) in bodies {
        for (path, file) in body.files {
            match merged.files.get(&path) {
                None => {
                    owner.insert(path.clone(), host.clone());
                    merged.files.insert(path, file);
                }
                Some(have) if have == &file => {}
                Some(have) => {
                    let first = owner.get(&path).cloned().unwrap_or_default();
                    let both = merge_json(&have.bytes, &file.bytes).ok_or_else(|| Error::Output {
                        host: UNIVERSAL.into(),
                        path: path.clone(),
                        message: format!("{first} and {host} both write this file, differently"),
                    })?;
                    merged.files.insert(path, File { bytes: both.into(), exec: false });
                }
            }
        }
        merged.bins.extend(body.bins);
        let display = inp.targets.iter().find(|t| t.id == host).map_or(host.clone(), |t| t.display.clone());
        // Per-host key losses are replaced by the one line below.
        let own = body.loss.into_iter().filter(|l| !l.starts_with("frontmatter `"));
        let extra =
            inp.targets.iter().filter(|t| t.id == host).flat_map(|t| t.universal_loss.iter().cloned());
        merged.loss.extend(own.chain(extra).map(|l| format!("{display}: {l}")));
    }
    let mut dropped: Vec<String> = Vec::new();
    for t in &inp.targets {
        for k in &t.skill_keys {
            let used = inp.set.skills.iter().filter(|s| s.raw.iter().any(|(key, _)| key == k)).count();
            let line = format!("`{k}` ({used} skill{})", if used == 1 { "" } else { "s" });
            if !keys.contains(k) && used > 0 && !dropped.contains(&line) {
                dropped.push(line);
            }
        }
    }
    if !dropped.is_empty() {
        merged.loss.insert(
            0,
            format!(
                "the shared skills/ keeps only the frontmatter every host reads, so {} {} left out; the per-host layout keeps them",
                dropped.join(", "),
                if dropped.len() == 1 { "is" } else { "are" }
            ),
        );
    }
    Ok(seal(inp, UNIVERSAL.into(), "All hosts (one tree)".into(), merged, bin_hashes))
}

/// Two JSON objects merged key by key; `None` if they disagree on a value or are not both JSON
/// objects.
fn merge_json(a: &[u8], b: &[u8]) -> Option<Vec<u8>> {
    fn merge(a: serde_json::Value, b: serde_json::Value) -> Option<serde_json::Value> {
        use serde_json::Value::Object;
        match (a, b) {
            (Object(mut x), Object(y)) => {
                for (k, v) in y {
                    let m = match x.remove(&k) {
                        Some(old) => merge(old, v)?,
                        None => v,
                    };
                    x.insert(k, m);
                }
                Some(Object(x))
            }
            (x, y) if x == y => Some(x),
            _ => None,
        }
    }
    let a: serde_json::Value = serde_json::from_slice(a).ok()?;
    let b: serde_json::Value = serde_json::from_slice(b).ok()?;
    if !a.is_object() {
        return None;
    }
    let mut out = serde_json::to_vec_pretty(&merge(a, b)?).ok()?;
    out.push(b'\n');
    Some(out)
}

/// The host's copy of SKILL.md: only the frontmatter keys it reads, re-serialized safely, and
/// the body verbatim. Returns the lost standard keys (skillwright's own keys are not a loss: the
/// runtime reads them from the index).
fn host_skill_md<'a>(skill: &'a Skill, keep: &[String]) -> (Vec<u8>, Vec<&'a str>) {
    let mut map = serde_yaml::Mapping::new();
    let mut lost = Vec::new();
    for (k, v) in &skill.raw {
        if keep.iter().any(|x| x == k) {
            map.insert(serde_yaml::Value::String(k.clone()), v.clone());
        } else if !SKILLWRIGHT_KEYS.contains(&k.as_str()) {
            lost.push(k.as_str());
        }
    }
    let yaml = if map.is_empty() { String::new() } else { serde_yaml::to_string(&map).unwrap_or_default() };
    let mut out = format!("---\n{yaml}---\n").into_bytes();
    out.extend_from_slice(skill.body.as_bytes());
    (out, lost)
}

/// Parses a rendered JSON file and re-serializes it (2-space indent, final newline), so every
/// JSON output is valid and uniformly formatted; also rejects a hard-coded version.
fn canonical_json(host: &str, path: &str, bytes: &[u8], version: &str) -> Result<Vec<u8>, Error> {
    let err = |message: String| Error::Output { host: host.into(), path: path.into(), message };
    let v: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| err(format!("not valid JSON: {e}")))?;
    if let Some(bad) = find_version(&v, version) {
        return Err(err(format!(
            "hard-codes version `{bad}`; use {{{{ version|tojson }}}} so every manifest says {version}"
        )));
    }
    let mut out = serde_json::to_vec_pretty(&v).map_err(|e| err(e.to_string()))?;
    out.push(b'\n');
    Ok(out)
}

fn find_version(v: &serde_json::Value, version: &str) -> Option<String> {
    match v {
        serde_json::Value::Object(o) => o.iter().find_map(|(k, x)| match x {
            serde_json::Value::String(s) if k == "version" && s != version => Some(s.clone()),
            other => find_version(other, version),
        }),
        serde_json::Value::Array(a) => a.iter().find_map(|x| find_version(x, version)),
        _ => None,
    }
}

/// `REPORT.md`: per host, what the source has that the host cannot carry.
fn report(pack: &Pack, packages: &[Package]) -> String {
    let mut s = format!(
        "# Loss report: {} {}\n\nWhat each host's package could not carry of the source. Generated by skillwright; do not edit.\n",
        pack.name,
        pack.version()
    );
    for p in packages {
        s.push_str(&format!("\n## {} (`{}`)\n\n", p.display, p.host));
        if p.loss.is_empty() {
            s.push_str("Nothing lost.\n");
        }
        for l in &p.loss {
            s.push_str(&format!("- {l}\n"));
        }
    }
    s
}
