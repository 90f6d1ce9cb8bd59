//! The build pipeline end to end: load and validate the skills, plan every host, then write or
//! check. Both `skillwright build` and `cargo xtask build-plugins` call [`build`].

use crate::plan::{self, Binaries, Inputs, Plan};
pub use crate::plan::{ADDON, EXE, EXE_WINDOWS};
use crate::progress::Progress;
use crate::render::{self, Tree};
use crate::stamp::{self, Collector, Input, Recorded, Stamp};
use crate::target::{self, Target};
use crate::write::{self, Stale, Summary};
use skillwright_model::diag::{Diagnostic, Severity};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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
    /// Set when the stamp beside the output showed that no input changed since the build that
    /// wrote it: nothing else was read, `plan` is `None`, and this is what that build printed.
    pub up_to_date: Option<Recorded>,
}

impl Outcome {
    fn up_to_date(recorded: Recorded) -> Outcome {
        Outcome {
            set: skillwright_model::SkillSet::default(),
            diagnostics: Vec::new(),
            pack_diagnostics: Vec::new(),
            pack_sources: BTreeMap::new(),
            plan: None,
            written: Some(Summary { unchanged: recorded.files, ..Summary::default() }),
            stale: Vec::new(),
            up_to_date: Some(recorded),
        }
    }
}

/// The binaries a build bundles.
#[derive(Debug, Clone)]
pub enum Bundle {
    /// Already in memory (placeholders, tests).
    Bytes(Binaries),
    /// Files, read only when a build needs them: `<triple>/<file>` → path.
    Files(BTreeMap<String, PathBuf>),
}

impl From<Binaries> for Bundle {
    fn from(b: Binaries) -> Bundle {
        Bundle::Bytes(b)
    }
}

impl From<&Binaries> for Bundle {
    fn from(b: &Binaries) -> Bundle {
        Bundle::Bytes(b.clone())
    }
}

impl From<&Bundle> for Bundle {
    fn from(b: &Bundle) -> Bundle {
        b.clone()
    }
}

impl Bundle {
    /// The binaries of a release matrix: `dir/<triple>/skillwright[.exe]` and, where built,
    /// `dir/<triple>/skillwright.node`, for every known triple found.
    pub fn from_dir(dir: &Path) -> std::io::Result<Bundle> {
        let mut out = BTreeMap::new();
        for t in plan::TRIPLES {
            for file in [plan::EXE, plan::EXE_WINDOWS, plan::ADDON] {
                let p = dir.join(t).join(file);
                if p.is_file() {
                    out.insert(format!("{t}/{file}"), p);
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
        Ok(Bundle::Files(out))
    }

    /// The binaries' names, `<triple>/<file>`.
    pub fn names(&self) -> Vec<&str> {
        match self {
            Bundle::Bytes(b) => b.keys().map(String::as_str).collect(),
            Bundle::Files(f) => f.keys().map(String::as_str).collect(),
        }
    }

    /// What the stamp's key says of these binaries (files are stamped as inputs).
    fn describe(&self) -> String {
        let mut s = String::new();
        match self {
            Bundle::Bytes(b) => {
                for (k, v) in b {
                    s.push_str(&format!("\nbin {k} {}", skillwright_model::integrity::sha256(v)));
                }
            }
            Bundle::Files(f) => {
                for (k, p) in f {
                    s.push_str(&format!("\nbin {k} {}", p.display()));
                }
            }
        }
        s
    }

    /// What the plan bundles: bytes in memory as they are; files hashed (read once, in pieces,
    /// not kept) and stamped with the metadata they had before they were read.
    fn load(&self, stamp: &mut Option<Collector>) -> std::io::Result<plan::Bundled> {
        match self {
            Bundle::Bytes(b) => Ok(plan::in_memory(b)),
            Bundle::Files(f) => {
                let mut out = plan::Bundled::new();
                for (k, p) in f {
                    use skillwright_model::fsio::{Links, open_regular};
                    let named =
                        |e: std::io::Error| std::io::Error::new(e.kind(), format!("{}: {e}", p.display()));
                    let (file, _) = open_regular(p, Links::Follow)?;
                    let meta = file.metadata().map_err(named)?;
                    // The size it had is all that is hashed: a file still growing is refused when
                    // it is copied (its size no longer matches).
                    let sha256 =
                        skillwright_model::integrity::sha256_reader(std::io::Read::take(&file, meta.len()))
                            .map_err(named)?;
                    if let Some(c) = stamp {
                        c.hashed(p, &meta, &sha256);
                    }
                    let copied = plan::Copied {
                        path: p.clone(),
                        len: meta.len(),
                        modified: meta.modified().ok(),
                        sha256,
                    };
                    out.insert(k.clone(), plan::Contents::Copy(std::sync::Arc::new(copied)));
                }
                Ok(out)
            }
        }
    }
}

/// Everything besides the input files that decides what a build writes: the tool, the options,
/// the binaries' names and where they come from.
fn stamp_key(opts: &Options, bundle: &Bundle) -> String {
    format!(
        "{}\nlayout {:?}\nhosts {:?}\nversion {:?}\nskills {:?}\npack {:?}\ntargets {:?}\ntemplates {:?}\nsign {:?}{}",
        stamp::tool(),
        opts.layout,
        opts.hosts,
        opts.version,
        opts.skills,
        opts.pack,
        opts.targets_dir,
        opts.templates_dir,
        opts.sign_key,
        bundle.describe()
    )
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
    /// A bundled binary could not be read.
    #[error("cannot read a binary to bundle: {0}")]
    Binary(std::io::Error),
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
pub fn build(opts: &Options, binaries: impl Into<Bundle>) -> Result<Outcome, Error> {
    build_with(opts, &binaries.into(), &crate::progress::Quiet)
}

/// Runs the pipeline, reporting progress.
///
/// A build (not `--check`) first reads the stamp the last build left beside the output: when
/// it shows that no input changed, the build returns at once with [`Outcome::up_to_date`] set.
pub fn build_with(opts: &Options, bundle: &Bundle, progress: &dyn Progress) -> Result<Outcome, Error> {
    if !opts.check {
        write::refuse_out(&opts.out, &opts.skills)?;
    }
    let stamp_path = stamp::path(&opts.out, opts.layout);
    let key = (!opts.check).then(|| stamp_key(opts, bundle));
    if let Some(key) = &key
        && let Some(old) = Stamp::load(&stamp_path)
        && let Some(refresh) = old.fresh(key, &opts.out)
    {
        if let Some(new) = refresh {
            let _ = new.save(&stamp_path);
        }
        return Ok(Outcome::up_to_date(old.recorded));
    }
    // Every input is stamped before it is read: one edited meanwhile is seen by the next build.
    let mut inputs = key.map(Collector::start);
    let mut stamp = |f: &mut dyn FnMut(&mut Collector)| {
        if let Some(c) = &mut inputs {
            f(c);
        }
    };
    progress.step("reading the pack", 0);
    stamp(&mut |c| c.file(&opts.pack, Input::Hashed));
    let packfile = crate::packfile::load_all(&opts.pack, opts.version.as_deref())?;
    let pack = &packfile.pack;
    if let Some(dir) = &opts.targets_dir {
        stamp(&mut |c| c.tree(dir));
    }
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
    if let Some(dir) = &opts.templates_dir {
        stamp(&mut |c| c.tree(dir));
    }
    let templates = templates(&chosen, opts.layout, opts.templates_dir.as_deref())?;
    if let Some(k) = &opts.sign_key {
        stamp(&mut |c| c.file(k, Input::Metadata));
    }
    let key = opts.sign_key.as_deref().map(skillwright_model::integrity::load_signing_key).transpose()?;

    let pack_dir = match opts.pack.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    stamp(&mut |c| {
        c.tree(&opts.skills);
        c.tree(&pack_dir.join("commands"));
        c.tree(&pack_dir.join("agents"));
        // Files the pack carries: `[pack] files` and MCP servers shipped in it.
        for (rel, _) in crate::components::carried(&packfile) {
            let path = pack_dir.join(rel);
            if path.is_dir() { c.tree(&path) } else { c.file(&path, Input::Hashed) }
        }
        for h in &packfile.hooks {
            if let skillwright_model::component::Action::Run(script) = &h.action {
                c.file(&pack_dir.join(script), Input::Hashed);
            }
        }
    });
    progress.step("reading the skills", 0);
    let hosts = crate::validate::Hosts::of(targets.values().cloned());
    let (set, diagnostics) = crate::load(&opts.skills, &hosts)?;
    let source = crate::components::load(&pack_dir, &packfile, &set, &hosts, &opts.pack);
    let failed = diagnostics.iter().chain(&source.diagnostics).any(|d| d.severity == Severity::Error);
    let mut outcome = Outcome {
        set,
        diagnostics,
        pack_diagnostics: source.diagnostics,
        pack_sources: source.sources,
        plan: None,
        written: None,
        stale: Vec::new(),
        up_to_date: None,
    };
    if failed {
        return Ok(outcome);
    }
    let binaries = bundle.load(&mut inputs).map_err(Error::Binary)?;
    progress.step("planning", 0);
    let mut plan = plan::plan(&Inputs {
        set: &outcome.set,
        pack,
        targets: chosen,
        templates: &templates,
        binaries: &binaries,
        key: key.as_ref(),
        layout: opts.layout,
        components: &source.components,
        scripts: &source.scripts,
        files: &source.files,
    })?;
    drop(binaries);
    if !opts.hosts.is_empty() {
        // Some hosts only: the report keeps the sections of the other packages in the directory.
        let old = std::fs::read_to_string(opts.out.join(plan.report_name)).unwrap_or_default();
        plan.report = plan::merge_report(&old, &plan.report, |id| opts.out.join(id).is_dir());
    }
    if opts.check {
        outcome.stale = write::check(&plan, &opts.out, progress);
        if !outcome.stale.is_empty() {
            // The output was changed by hand: the next build compares every file again.
            let _ = std::fs::remove_file(&stamp_path);
        }
    } else {
        // One build at a time writes here; this one holds the lock until its stamp is saved.
        let _lock = write::lock(&opts.out, || {
            progress.waiting(&format!(
                "another build is writing into {}; waiting for it to finish",
                opts.out.display()
            ))
        })?;
        // No stamp may vouch for a half-written output.
        match std::fs::remove_file(&stamp_path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(write::Error::Io { path: stamp_path, source: e }.into());
            }
            _ => {}
        }
        let written = write::write(&plan, &opts.out, progress)?;
        let all: Vec<Diagnostic> =
            outcome.diagnostics.iter().chain(&outcome.pack_diagnostics).cloned().collect();
        let (_, warnings) = skillwright_model::diag::counts(&all);
        let recorded = Recorded {
            table: summary_table(&plan, warnings),
            loss: plan
                .packages
                .iter()
                .flat_map(|p| p.loss.iter().map(|l| (p.host.clone(), l.clone())))
                .collect(),
            files: plan.packages.iter().map(|p| p.files.len()).sum::<usize>() + 1,
            warnings,
        };
        let mut outputs: Vec<String> = plan
            .packages
            .iter()
            .flat_map(|p| p.files.keys().map(move |f| format!("{}/{f}", p.host)))
            .collect();
        outputs.push(plan.report_name.to_string());
        if let Some(s) = inputs.and_then(|c| c.finish(&opts.out, &outputs, recorded)) {
            // Best effort: without a stamp the next build compares everything.
            let _ = s.save(&stamp_path);
        }
        outcome.written = Some(written);
    }
    outcome.plan = Some(plan);
    Ok(outcome)
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
