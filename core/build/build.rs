//! Where the built-in targets and templates are embedded from, and the targets turned into JSON.
//!
//! A packaged crate, and a checkout with symlinks, hold them in this crate's `targets/` and
//! `templates/` (symlinks to the repository's top-level directories); a checkout without symlink
//! support (Git for Windows by default) holds small files there instead, so the repository's own
//! directories are used.
//!
//! Every command that validates reads every built-in target: parsing their TOML took as long as
//! reading a few dozen skills, JSON takes a fraction of it. The TOML stays the source; the JSON is
//! generated here, into `$OUT_DIR/targets.rs`, and read through the same serde types.
use std::path::PathBuf;

fn main() {
    let here = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let mut targets = PathBuf::new();
    for (dir, var) in [("targets", "SKILLWRIGHT_TARGETS_DIR"), ("templates", "SKILLWRIGHT_TEMPLATES_DIR")] {
        let inside = here.join(dir);
        let path = if inside.is_dir() { inside } else { here.join("../..").join(dir) };
        println!("cargo:rustc-env={var}={}", path.display());
        // Rebuild when a target or template changes: include_dir cannot tell cargo on stable.
        println!("cargo:rerun-if-changed={}", path.display());
        if dir == "targets" {
            targets = path;
        }
    }
    println!("cargo:rerun-if-changed=build.rs");

    let mut files: Vec<PathBuf> = std::fs::read_dir(&targets)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", targets.display()))
        .map(|e| e.expect("a readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut out = String::from(
        "/// Each built-in target's file name and its spec as JSON (converted from the TOML at build\n\
         /// time), in file-name order.\npub static BUILTIN_JSON: &[(&str, &str)] = &[\n",
    );
    for file in files {
        println!("cargo:rerun-if-changed={}", file.display());
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let table: toml::Table = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let json = serde_json::to_string(&table).expect("TOML converts to JSON");
        let name = file.file_name().and_then(|n| n.to_str()).expect("a UTF-8 file name");
        out.push_str(&format!("    ({name:?}, {json:?}),\n"));
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("targets.rs");
    std::fs::write(&dest, out).unwrap_or_else(|e| panic!("{}: {e}", dest.display()));
}
