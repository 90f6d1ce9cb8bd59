//! Where the built-in targets and templates are embedded from. A packaged crate, and a checkout
//! with symlinks, hold them in this crate's `targets/` and `templates/` (symlinks to the
//! repository's top-level directories); a checkout without symlink support (Git for Windows by
//! default) holds small files there instead, so the repository's own directories are used.
use std::path::PathBuf;

fn main() {
    let here = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    for (dir, var) in [("targets", "SKILLWRIGHT_TARGETS_DIR"), ("templates", "SKILLWRIGHT_TEMPLATES_DIR")] {
        let inside = here.join(dir);
        let path = if inside.is_dir() { inside } else { here.join("../..").join(dir) };
        println!("cargo:rustc-env={var}={}", path.display());
        // Rebuild when a target or template changes: include_dir cannot tell cargo on stable.
        println!("cargo:rerun-if-changed={}", path.display());
    }
    println!("cargo:rerun-if-changed=build.rs");
}
