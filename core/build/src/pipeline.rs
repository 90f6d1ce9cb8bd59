//! The build pipeline end to end: load and validate the skills, plan every host, then write or
//! check. Both `skillwright build` and `cargo xtask build-plugins` call [`build`].

use crate::plan::{self, Binaries, Inputs, Plan};
pub use crate::plan::{ADDON, EXE, EXE_WINDOWS};
use crate::render::{self, Tree};
use crate::target::{self, Target};
use crate::write::{self, Stale, Summary};
use skillwright_model::diag::{Diagnostic, Severity};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What to build.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Skills root.
    pub skills: PathBuf,
    /// Pack file (`skillwright.toml`).
    pub pack: PathBuf,
    /// Version to use when the pack file has none.
    pub version: Option<String>,
    /// Output directory.
    pub out: PathBuf,
    /// Hosts to build (all when empty).
    pub hosts: Vec<String>,
    /// Compare instead of writing.
    pub check: bool,
    /// Add (or, by id, replace) target specs from a directory of `*.toml`.
    pub targets_dir: Option<PathBuf>,
    /// Overlay the built-in templates, file by file, with a directory holding `common/`,
    /// `<host>/`, … trees.
    pub templates_dir: Option<PathBuf>,
    /// Private key file to sign with.
    pub sign_key: Option<PathBuf>,
    /// Per-host directories, or one universal tree.
    pub layout: plan::Layout,
}

/// How a build ended (when it got as far as validating).
#[derive(Debug)]
pub struct Outcome {
    /// The skills read (their sources give diagnostics their snippets).
    pub set: skillwright_model::SkillSet,
    /// Validation diagnostics of the skills (relative to the skills root); the build stops
    /// before planning if any is an error, here or in `pack_diagnostics`.
    pub diagnostics: Vec<Diagnostic>,
    /// Diagnostics of the pack's other parts: commands, agents, MCP servers, hooks (relative to
    /// the pack file's directory).
    pub pack_diagnostics: Vec<Diagnostic>,
    /// Their files' texts, for snippets.
    pub pack_sources: BTreeMap<String, String>,
    /// The plan, when validation passed.
    pub plan: Option<Plan>,
    /// What was written (build mode).
    pub written: Option<Summary>,
    /// What is stale (check mode).
    pub stale: Vec<Stale>,
}

/// A build that could not run: bad options, pack, targets or templates, or I/O.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Skills root problem.
    #[error(transparent)]
    Discover(#[from] crate::discover::Error),
    /// Pack file problem.
    #[error(transparent)]
    Pack(#[from] crate::packfile::Error),
    /// Target problem.
    #[error(transparent)]
    Target(#[from] target::Error),
    /// Template problem.
    #[error(transparent)]
    Render(#[from] render::Error),
    /// Planning problem.
    #[error(transparent)]
    Plan(#[from] crate::plan::Error),
    /// Writing problem.
    #[error(transparent)]
    Write(#[from] write::Error),
    /// Signing key problem.
    #[error(transparent)]
    Integrity(#[from] skillwright_model::integrity::Error),
    /// An unknown host was asked for.
    #[error("unknown host `{0}`; known hosts: {1}")]
    UnknownHost(String, String),
    /// A chosen host has no templates at all.
    #[error(
        "host `{0}` has no templates: add a `{0}/` tree to the --templates directory (its manifests and hooks file)"
    )]
    NoTemplates(String),
}

/// Runs the pipeline.
pub fn build(opts: &Options, binaries: &Binaries) -> Result<Outcome, Error> {
    let packfile = crate::packfile::load_all(&opts.pack, opts.version.as_deref())?;
    let pack = &packfile.pack;
    let targets = target::load(opts.targets_dir.as_deref())?;
    let chosen: Vec<&Target> = if opts.hosts.is_empty() {
        targets.values().collect()
    } else {
        let mut v = Vec::new();
        for h in &opts.hosts {
            let t = targets.get(h).ok_or_else(|| {
                Error::UnknownHost(h.clone(), targets.keys().cloned().collect::<Vec<_>>().join(", "))
            })?;
            v.push(t);
        }
        v
    };
    let templates = templates(&chosen, opts.layout, opts.templates_dir.as_deref())?;
    let key = opts.sign_key.as_deref().map(skillwright_model::integrity::load_signing_key).transpose()?;

    let hosts = crate::validate::Hosts::of(targets.values());
    let (set, diagnostics) = crate::load(&opts.skills, &hosts)?;
    let pack_dir = match opts.pack.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let source = crate::components::load(&pack_dir, &packfile, &set, &hosts, &opts.pack);
    let failed = diagnostics.iter().chain(&source.diagnostics).any(|d| d.severity == Severity::Error);
    let outcome = |plan, written, stale| Outcome {
        set: set.clone(),
        diagnostics: diagnostics.clone(),
        pack_diagnostics: source.diagnostics.clone(),
        pack_sources: source.sources.clone(),
        plan,
        written,
        stale,
    };
    if failed {
        return Ok(outcome(None, None, Vec::new()));
    }
    let mut plan = plan::plan(&Inputs {
        set: &set,
        pack,
        targets: chosen,
        templates: &templates,
        binaries,
        key: key.as_ref(),
        layout: opts.layout,
        components: &source.components,
        scripts: &source.scripts,
        files: &source.files,
    })?;
    if !opts.hosts.is_empty() {
        // Some hosts only: the report keeps the sections of the other packages in the directory.
        let old = std::fs::read_to_string(opts.out.join(plan.report_name)).unwrap_or_default();
        plan.report = plan::merge_report(&old, &plan.report, |id| opts.out.join(id).is_dir());
    }
    let (written, stale) = if opts.check {
        (None, write::check(&plan, &opts.out))
    } else {
        (Some(write::write(&plan, &opts.out)?), Vec::new())
    };
    Ok(outcome(Some(plan), written, stale))
}

/// Every template tree a build of `chosen` in `layout` renders: the shared trees, each host's
/// own and the trees hosts include, built-in ones overlaid by `overlay`. A chosen host without
/// any template of its own is an error: its package would have no manifest and no hook.
pub fn templates(
    chosen: &[&Target],
    layout: plan::Layout,
    overlay: Option<&std::path::Path>,
) -> Result<BTreeMap<String, Tree>, Error> {
    let mut templates: BTreeMap<String, Tree> = BTreeMap::new();
    let dirs = chosen.iter().flat_map(|t| std::iter::once(&t.id).chain(&t.include)).map(String::as_str);
    let universal = (layout == plan::Layout::Universal).then_some(plan::UNIVERSAL);
    for dir in std::iter::once(render::COMMON).chain(dirs).chain(universal) {
        templates.insert(dir.to_string(), render::tree(dir, overlay)?);
    }
    if let Some(t) = chosen.iter().find(|t| templates[&t.id].is_empty()) {
        return Err(Error::NoTemplates(t.id.clone()));
    }
    Ok(templates)
}

/// Fake binaries (and addons) for tests and snapshots: a short text per file.
pub fn fake_binaries() -> Binaries {
    let mut out = Binaries::new();
    for t in plan::TRIPLES {
        let exe = if t.contains("windows") { plan::EXE_WINDOWS } else { plan::EXE };
        for file in [exe, plan::ADDON] {
            out.insert(format!("{t}/{file}"), format!("fake {file} for {t}\n").into_bytes().into());
        }
    }
    out
}

/// Binaries from a release matrix: `dir/<triple>/skillwright[.exe]` and, where built,
/// `dir/<triple>/skillwright.node`, for every known triple found.
pub fn binaries_from_dir(dir: &std::path::Path) -> std::io::Result<Binaries> {
    let mut out = Binaries::new();
    for t in plan::TRIPLES {
        for file in [plan::EXE, plan::EXE_WINDOWS, plan::ADDON] {
            let p = dir.join(t).join(file);
            if p.is_file() {
                out.insert(format!("{t}/{file}"), std::fs::read(&p)?.into());
            }
        }
    }
    if !out.keys().any(|k| !k.ends_with(plan::ADDON)) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!(
                "no binaries in {} (expected <triple>/skillwright[.exe], e.g. x86_64-unknown-linux-gnu/skillwright)",
                dir.display()
            ),
        ));
    }
    Ok(out)
}

/// The summary table for people: host, files, bytes, skills, skill warnings, losses.
pub fn summary_table(plan: &Plan, warnings: usize) -> String {
    let mut s = format!(
        "{:<12} {:>6} {:>11} {:>7} {:>9} {:>5}\n",
        "host", "files", "bytes", "skills", "warnings", "loss"
    );
    for p in &plan.packages {
        s.push_str(&format!(
            "{:<12} {:>6} {:>11} {:>7} {:>9} {:>5}\n",
            p.host,
            p.files.len(),
            p.bytes(),
            p.skills,
            warnings,
            p.loss.len()
        ));
    }
    s
}
