//! Repository rules that the compiler cannot check, in the spirit of rust-analyzer's tidy tests:
//! host knowledge lives in `targets/` and `templates/` (never in a string literal of the Rust
//! crates), each crate depends only on the crates below it, and no source file grows past 800
//! lines.

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// The host ids, read from the data that defines them.
fn host_ids() -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(repo().join("targets"))
        .unwrap()
        .filter_map(|e| e.unwrap().path().file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    ids.sort();
    assert!(ids.len() >= 10, "targets/ lists the hosts: {ids:?}");
    ids
}

/// The source without its `#[cfg(test)]` module (kept at the end of a file by convention).
fn without_tests(src: &str) -> &str {
    src.find("#[cfg(test)]").map_or(src, |i| &src[..i])
}

/// The contents of every string literal in `src` (plain, raw and byte strings; escapes kept as
/// written), with the 1-based line each starts on. Comments are skipped.
fn string_literals(src: &str) -> Vec<(usize, String)> {
    let b = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let line_at = |i: usize| src[..i].matches('\n').count() + 1;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            b'\'' => {
                // A char literal ('x', '\n', '"') or a lifetime: skip past it without reading a
                // quote inside it as the start of a string.
                if b.get(i + 1) == Some(&b'\\') {
                    i += 2;
                    while i < b.len() && b[i] != b'\'' {
                        i += 1;
                    }
                    i += 1;
                } else if b.get(i + 2) == Some(&b'\'') {
                    i += 3;
                } else {
                    i += 1;
                }
            }
            b'r' if (b.get(i + 1) == Some(&b'#') || b.get(i + 1) == Some(&b'"'))
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) =>
            {
                let mut j = i + 1;
                while b.get(j) == Some(&b'#') {
                    j += 1;
                }
                if b.get(j) != Some(&b'"') {
                    i += 1;
                    continue;
                }
                let hashes = j - i - 1;
                let close = format!("\"{}", "#".repeat(hashes));
                let start = j + 1;
                let end = src[start..].find(&close).map_or(b.len(), |e| start + e);
                out.push((line_at(i), src[start..end].to_string()));
                i = end + close.len();
            }
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                out.push((line_at(i), src[start..j.min(b.len())].to_string()));
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// The crates whose Rust must hold no host knowledge: every crate but xtask, whose end-to-end
/// checks drive each host's own client.
const PRODUCT_CRATES: &[&str] = &["core/model", "core/build", "core/runtime", "core/cli", "core/node"];

#[test]
fn no_host_name_in_a_string_literal_of_the_product() {
    let ids = host_ids();
    let mut found = Vec::new();
    for krate in PRODUCT_CRATES {
        for file in rust_files(&repo().join(krate).join("src")) {
            let src = std::fs::read_to_string(&file).unwrap();
            for (line, lit) in string_literals(without_tests(&src)) {
                let lower = lit.to_lowercase();
                for word in lower.split(|c: char| !c.is_ascii_alphanumeric()) {
                    if ids.iter().any(|id| id == word) {
                        let rel = file.strip_prefix(repo()).unwrap().display().to_string();
                        found.push(format!("{rel}:{line}: \"{lit}\" names host `{word}`"));
                    }
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "host knowledge belongs in targets/ and templates/, not in Rust:\n{}",
        found.join("\n")
    );
}

/// Every rule code the product emits is in the rule catalogue, so `explain` knows it and its
/// severity is the catalogue's (an unknown code would silently be an error).
#[test]
fn every_rule_code_in_the_product_is_in_the_catalogue() {
    let mut unknown = Vec::new();
    for krate in PRODUCT_CRATES {
        for file in rust_files(&repo().join(krate).join("src")) {
            let src = std::fs::read_to_string(&file).unwrap();
            for (line, lit) in string_literals(without_tests(&src)) {
                let is_code =
                    lit.len() == 5 && lit.starts_with("SW") && lit[2..].bytes().all(|b| b.is_ascii_digit());
                if is_code && skillwright_model::rules::find(&lit).is_none() {
                    let rel = file.strip_prefix(repo()).unwrap().display().to_string();
                    unknown.push(format!("{rel}:{line}: {lit}"));
                }
            }
        }
    }
    assert!(unknown.is_empty(), "add these to core/model/src/rules.rs:\n{}", unknown.join("\n"));
}

#[test]
fn the_literal_scanner_finds_what_it_should() {
    let src = "let a = \"x claude y\"; // \"codex\"\nlet c = '\"'; let b = r#\"gemini \"q\"\"#; /* \"pi\" */ let d = \"a\\\"b\";";
    let lits: Vec<String> = string_literals(src).into_iter().map(|(_, l)| l).collect();
    assert_eq!(lits, ["x claude y", "gemini \"q\"", "a\\\"b"]);
}

/// Which of our crates each crate may depend on: the model below everything, build and runtime
/// beside each other (never on each other), the binaries on top.
const ALLOWED: &[(&str, &[&str])] = &[
    ("core/model", &[]),
    ("core/build", &["skillwright-model"]),
    ("core/runtime", &["skillwright-model"]),
    ("core/cli", &["skillwright-model", "skillwright-build", "skillwright-runtime"]),
    ("core/node", &["skillwright-model", "skillwright-build", "skillwright-runtime"]),
];

#[test]
fn crates_depend_only_on_the_crates_below_them() {
    for (krate, allowed) in ALLOWED {
        let manifest: toml::Value =
            toml::from_str(&std::fs::read_to_string(repo().join(krate).join("Cargo.toml")).unwrap()).unwrap();
        let mut ours = Vec::new();
        for table in ["dependencies", "build-dependencies"] {
            if let Some(deps) = manifest.get(table).and_then(|d| d.as_table()) {
                ours.extend(deps.keys().filter(|k| k.starts_with("skillwright")).cloned());
            }
        }
        for dep in &ours {
            assert!(
                allowed.contains(&dep.as_str()),
                "{krate} must not depend on {dep} (allowed: {allowed:?})"
            );
        }
    }
}

#[test]
fn no_source_file_is_over_800_lines() {
    let mut long = Vec::new();
    for dir in ["core", "xtask", "tests", "fuzz/fuzz_targets"] {
        for file in rust_files(&repo().join(dir)) {
            if file.components().any(|c| c.as_os_str() == "target") {
                continue;
            }
            let n = std::fs::read_to_string(&file).unwrap().lines().count();
            if n > 800 {
                long.push(format!("{} ({n} lines)", file.strip_prefix(repo()).unwrap().display()));
            }
        }
    }
    assert!(long.is_empty(), "split these along a real seam:\n{}", long.join("\n"));
}
