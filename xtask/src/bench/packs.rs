//! The skills trees the bench measures on: synthetic packs of any size, valid for every tool.

use std::path::{Path, PathBuf};

/// A skills tree to measure on.
pub struct Pack {
    pub label: String,
    pub skills: usize,
    pub dir: PathBuf,
    pub toml: PathBuf,
}

const WORDS: &[&str] = &[
    "cache",
    "parser",
    "deploy",
    "schema",
    "latency",
    "queue",
    "retry",
    "index",
    "migration",
    "token",
    "shard",
    "replica",
    "compiler",
    "linker",
    "socket",
    "thread",
    "buffer",
    "journal",
    "snapshot",
    "quota",
    "tenant",
    "webhook",
    "cursor",
    "ledger",
    "render",
    "layout",
    "font",
    "locale",
    "payment",
    "invoice",
    "search",
    "ranking",
    "crawler",
    "sitemap",
    "backup",
    "restore",
    "audit",
    "policy",
];

/// Writes a pack of `n` valid skills (accepted by skillwright, agnix and skills-ref alike).
pub fn synthetic(dir: &Path, n: usize) -> Result<Pack, String> {
    let skills = dir.join("skills");
    // A pack left by an earlier run is kept where it is the same: deleting thousands of
    // directories right before the cold builds would slow them (see `aside`).
    let wanted: std::collections::BTreeSet<String> = (0..n).map(|i| format!("skill-{i:04}")).collect();
    for e in std::fs::read_dir(&skills).into_iter().flatten().flatten() {
        if !wanted.contains(e.file_name().to_string_lossy().as_ref()) {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
    for i in 0..n {
        let name = format!("skill-{i:04}");
        let w = |k: usize| WORDS[(i * 7 + k * 13) % WORDS.len()];
        let description = format!(
            "Diagnoses and fixes {} problems in the {} and {} layers, step by step, with a check at \
             the end. Use when the user reports trouble with {} {} or asks to tune the {}.",
            w(0),
            w(1),
            w(2),
            w(3),
            w(4),
            w(5)
        );
        let body = format!(
            "# {name}\n\n## Procedure\n\n1. Reproduce the {a} problem.\n2. Measure the {b}.\n3. Change one \
             thing.\n4. Measure again.\n\n## Checklist\n\n- [ ] {a} reproduced\n- [ ] {b} measured\n\n\
             ## Example\n\nA {a} issue traced to the {b}: fixed and verified.\n",
            a = w(6),
            b = w(7)
        );
        let d = skills.join(&name);
        std::fs::create_dir_all(&d).map_err(|e| e.to_string())?;
        let md = format!("---\nname: {name}\ndescription: {description}\nlicense: MIT\n---\n{body}");
        if std::fs::read(d.join("SKILL.md")).ok().as_deref() != Some(md.as_bytes()) {
            std::fs::write(d.join("SKILL.md"), md).map_err(|e| e.to_string())?;
        }
    }
    let toml = dir.join("skillwright.toml");
    std::fs::write(
        &toml,
        format!(
            "[pack]\nname = \"bench-{n}\"\ndescription = \"Synthetic pack of {n} skills\"\nversion = \"1.0.0\"\n\n\
             [pack.author]\nname = \"Bench\"\n"
        ),
    )
    .map_err(|e| e.to_string())?;
    Ok(Pack { label: format!("synthetic-{n}"), skills: n, dir: skills, toml })
}
