//! What the shipped binary does inside an installed package: session context, store, metrics,
//! feedback, skill search. Everything here degrades instead of failing: the hook must never break
//! a session.

pub mod context;
pub mod feedback;
pub mod hook;
pub mod metrics;
pub mod search;
pub mod store;

use std::path::PathBuf;

/// The state directory: `$SKILLWRIGHT_HOME`, else `~/.skillwright`. `None` without either.
pub fn home() -> Option<PathBuf> {
    if let Some(h) = std::env::var_os("SKILLWRIGHT_HOME").filter(|h| !h.is_empty()) {
        return Some(PathBuf::from(h));
    }
    let home =
        std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE")).filter(|h| !h.is_empty())?;
    Some(PathBuf::from(home).join(".skillwright"))
}

/// Creates `dir` (and parents) with mode 0700 on Unix.
pub fn ensure_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    b.create(dir)
}
