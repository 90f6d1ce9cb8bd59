//! Planning: the whole output, in memory (bundled binaries by reference to their files), as a
//! pure function of its inputs.
//!
//! No clock, no absolute paths, no hash-map order in what is written: the same inputs give
//! byte-identical packages on every machine (a copied binary's path and time only say where its
//! bytes come from). The plan is what tests snapshot and what `write` puts on disk.

mod host;
mod json;
mod parts;
mod universal;

use crate::render::{self, Tree};
use crate::target::Target;
use serde::Serialize;
use skillwright_model::component::Components;
use skillwright_model::context::{Context, INDEX_PATH, Index};
use skillwright_model::integrity::{self, Manifest};
use skillwright_model::{Pack, SkillSet};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

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
    /// What it holds.
    pub contents: Contents,
    /// Whether it is written executable (launchers, binaries).
    pub exec: bool,
}

/// What a planned file holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Contents {
    /// Bytes in memory (shared: equal files of several hosts are one allocation).
    Bytes(Arc<[u8]>),
    /// A bundled binary read from `--bin-dir`: megabytes that are never held in memory. It is
    /// hashed once while planning, and copied (or compared) from its file when written; a file
    /// that changed since is refused rather than shipped under the old hash.
    Copy(Arc<Copied>),
}

/// A file copied into packages as it is.
#[derive(Debug, PartialEq, Eq)]
pub struct Copied {
    /// Where it is read from.
    pub path: std::path::PathBuf,
    /// Its size and modification time when it was hashed.
    pub len: u64,
    pub modified: Option<std::time::SystemTime>,
    /// The sha256 of its bytes, in hex.
    pub sha256: String,
}

impl File {
    /// A file of these bytes.
    pub fn of(bytes: impl Into<Arc<[u8]>>, exec: bool) -> File {
        File { contents: Contents::Bytes(bytes.into()), exec }
    }

    /// Its bytes, when they are held in memory (everything but bundled binaries from files).
    pub fn bytes(&self) -> Option<&[u8]> {
        match &self.contents {
            Contents::Bytes(b) => Some(b),
            Contents::Copy(_) => None,
        }
    }

    /// Its size in bytes.
    pub fn len(&self) -> u64 {
        match &self.contents {
            Contents::Bytes(b) => b.len() as u64,
            Contents::Copy(c) => c.len,
        }
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
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
        self.files.values().map(File::len).sum()
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

/// Per-platform files to bundle under `bin/`, in memory: `<triple>/<file>` → bytes, where
/// `<file>` is [`EXE`], [`EXE_WINDOWS`] or [`ADDON`].
pub type Binaries = BTreeMap<String, std::sync::Arc<[u8]>>;

/// The same, as a build bundles them: in memory or copied from files.
pub type Bundled = BTreeMap<String, Contents>;

/// Binaries in memory, as a plan bundles them.
pub fn in_memory(binaries: &Binaries) -> Bundled {
    binaries.iter().map(|(k, v)| (k.clone(), Contents::Bytes(Arc::clone(v)))).collect()
}

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
    pub binaries: &'a Bundled,
    /// Signing key, if the packages are signed.
    pub key: Option<&'a k256::ecdsa::SigningKey>,
    /// Per-host directories or one universal tree.
    pub layout: Layout,
    /// Commands, agents, MCP servers and hooks.
    pub components: &'a Components,
    /// Hook scripts: path relative to the pack file's directory → bytes, copied to the same
    /// path under the plugin root of every host that runs hooks.
    pub scripts: &'a BTreeMap<String, Vec<u8>>,
    /// Other files every package carries (MCP server files, `[pack] files`), likewise.
    pub files: &'a BTreeMap<String, Vec<u8>>,
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
    /// The commands, agents and MCP servers in this host's terms.
    #[serde(flatten)]
    parts: &'a parts::Parts,
}

#[derive(Serialize)]
struct CtxSkill<'a> {
    name: &'a str,
    description: &'a str,
    dir: &'a str,
}

/// The files one skill ships besides SKILL.md: path relative to the skill dir, shared bytes.
type SkillFiles<'a> = Vec<(&'a str, Arc<[u8]>)>;

/// What every host's package shares, computed once per build.
struct Shared<'a> {
    /// The session context without its payload shapes (the same for every host).
    context: Context,
    /// The skill index (`hooks/skills.json`), canonical JSON.
    index_json: Arc<[u8]>,
    /// sha256 of the files every host shares (skill copies, skill files, the index), by the
    /// address of their bytes: each is hashed once for all hosts' manifests.
    hashes: HashMap<usize, String>,
    /// The files each skill ships besides SKILL.md, in skill order: one allocation each, shared
    /// by every host's copy.
    skill_files: Vec<SkillFiles<'a>>,
    /// Each skill's SKILL.md as a host keeping the given frontmatter keys gets it, in skill
    /// order, with the standard keys it loses: rendered once per distinct list of keys, and
    /// equal copies share one allocation.
    skill_mds: BTreeMap<&'a [String], Vec<host::SkillMd<'a>>>,
}

impl Shared<'_> {
    /// The precomputed context for a package serving `targets`.
    fn context(&self, targets: &[&Target]) -> Context {
        let payloads = targets.iter().map(|t| (t.id.clone(), t.payload_shape())).collect();
        Context { payloads, ..self.context.clone() }
    }

    /// The sha256 of `contents`: computed before if they are shared bytes or a copied file.
    fn sha256(&self, contents: &Contents) -> String {
        match contents {
            Contents::Copy(c) => c.sha256.clone(),
            Contents::Bytes(b) => match self.hashes.get(&(b.as_ptr() as usize)) {
                Some(h) => h.clone(),
                None => integrity::sha256(b),
            },
        }
    }
}

/// Makes the plan.
pub fn plan(inp: &Inputs) -> Result<Plan, Error> {
    let index = Index::of(inp.pack, inp.set);
    let mut index_json = serde_json::to_vec_pretty(&index).unwrap_or_default();
    index_json.push(b'\n');
    let first = inp.targets.first().map_or(UNIVERSAL, |t| t.id.as_str());
    let index_json: Arc<[u8]> =
        json::canonical_json(first, INDEX_PATH, &index_json, inp.pack.version())?.into();
    let context = Context::of(&index, BTreeMap::new());
    let skill_files: Vec<SkillFiles> = inp
        .set
        .skills
        .iter()
        .map(|s| s.files.iter().map(|(k, v)| (k.as_str(), Arc::from(&v[..]))).collect())
        .collect();
    let universal_keys = universal::skill_keys(&inp.targets);
    let mut key_lists: Vec<&[String]> = if inp.layout == Layout::Universal {
        vec![&universal_keys[..]]
    } else {
        inp.targets.iter().map(|t| &t.skill_keys[..]).collect()
    };
    key_lists.sort();
    key_lists.dedup();
    let skill_mds = host::skill_mds(inp.set, &key_lists);
    let mut distinct: BTreeMap<usize, &Arc<[u8]>> = BTreeMap::new();
    let all_mds = skill_mds.values().flatten().map(|m| &m.bytes);
    let binaries = inp.binaries.values().filter_map(|c| match c {
        Contents::Bytes(b) => Some(b),
        Contents::Copy(_) => None,
    });
    for b in all_mds.chain(skill_files.iter().flatten().map(|(_, b)| b)).chain([&index_json]).chain(binaries)
    {
        distinct.insert(b.as_ptr() as usize, b);
    }
    let distinct: Vec<(usize, &Arc<[u8]>)> = distinct.into_iter().collect();
    let hashes = crate::parallel::map(&distinct, |(at, b)| (*at, integrity::sha256(b))).into_iter().collect();
    let shared = Shared { context, index_json, hashes, skill_files, skill_mds };
    let mut packages = Vec::new();
    if inp.layout == Layout::Universal {
        packages.push(universal::plan(inp, &shared, &universal_keys)?);
    } else {
        // Hosts are independent: plan them on every core, in host order.
        let planned = crate::parallel::map(&inp.targets, |target| -> Result<Package, Error> {
            let context = shared.context(&[target]);
            let body = host::files(inp, target, &target.skill_keys, &shared, &context, None)?;
            Ok(seal(inp, target.id.clone(), target.display.clone(), body, &shared))
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
    loss: Vec<String>,
    prefix: String,
}

/// Adds integrity.json (and integrity.sig when signing) over the plugin's files.
fn seal(inp: &Inputs, host: String, display: String, body: Body, shared: &Shared) -> Package {
    let Body { mut files, loss, prefix } = body;
    let mut manifest = Manifest {
        format: 1,
        pack: inp.pack.name.clone(),
        version: inp.pack.version().to_string(),
        host: host.clone(),
        public_key: inp.key.map(integrity::public_hex),
        files: files
            .iter()
            .filter_map(|(p, f)| {
                p.strip_prefix(&prefix).map(|rel| (rel.to_string(), shared.sha256(&f.contents)))
            })
            .collect(),
    };
    manifest.files.remove(integrity::MANIFEST);
    let manifest_bytes = manifest.to_bytes();
    if let Some(key) = inp.key {
        let sig = integrity::sign(key, &manifest_bytes);
        files.insert(
            format!("{prefix}{}", integrity::SIGNATURE),
            File::of(format!("{sig}\n").into_bytes(), false),
        );
    }
    files.insert(format!("{prefix}{}", integrity::MANIFEST), File::of(manifest_bytes, false));
    Package { host, display, files, loss, skills: inp.set.skills.len(), plugin_prefix: prefix }
}

/// The loss report of a build of some hosts only (`--hosts`) merged into the report `old`
/// already in the output directory: the rebuilt hosts' sections replace theirs, the sections of
/// hosts for which `keep` holds stay, in host order, so the report still covers every package
/// in the directory and matches what a full build writes.
pub fn merge_report(old: &str, new: &str, keep: impl Fn(&str) -> bool) -> String {
    fn sections(report: &str) -> (&str, BTreeMap<&str, &str>) {
        let mut parts = report.split("\n## ");
        let head = parts.next().unwrap_or("");
        let mut by_id = BTreeMap::new();
        for part in parts {
            let heading = part.lines().next().unwrap_or("");
            let id =
                heading.rsplit_once("(`").and_then(|(_, rest)| rest.strip_suffix("`)")).unwrap_or(heading);
            by_id.insert(id, part);
        }
        (head, by_id)
    }
    let (_, mut merged) = sections(old);
    merged.retain(|id, _| keep(id));
    let (head, rebuilt) = sections(new);
    merged.extend(rebuilt);
    let mut s = head.to_string();
    for part in merged.values() {
        s.push_str("\n## ");
        s.push_str(part);
    }
    s
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
