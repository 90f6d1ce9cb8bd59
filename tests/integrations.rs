//! The files other tools read from this repository: the GitHub Action (`action.yml`), the
//! pre-commit hooks (`.pre-commit-hooks.yaml`) and the release configuration
//! (`dist-workspace.toml`). Each is parsed and held to what the CLI and the build provide.

use serde_yaml::Value;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn yaml(path: &str) -> Value {
    serde_yaml::from_str(&std::fs::read_to_string(repo().join(path)).unwrap())
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every `inputs.<name>` used in `text`.
fn inputs_used(text: &str) -> Vec<String> {
    text.match_indices("inputs.")
        .map(|(i, m)| {
            text[i + m.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect()
        })
        .collect()
}

#[test]
fn the_action_declares_what_it_uses_and_installs_what_the_release_publishes() {
    let action = yaml("action.yml");
    let declared: Vec<&str> =
        action["inputs"].as_mapping().unwrap().keys().map(|k| k.as_str().unwrap()).collect();
    let text = std::fs::read_to_string(repo().join("action.yml")).unwrap();
    for used in inputs_used(&text) {
        assert!(declared.contains(&used.as_str()), "action.yml uses undeclared input `{used}`");
    }
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    for step in action["runs"]["steps"].as_sequence().unwrap() {
        if step.get("run").is_some() {
            assert_eq!(
                step["shell"].as_str(),
                Some("bash"),
                "composite run steps name their shell: {step:?}"
            );
        }
    }
    // The installers it downloads are the ones cargo-dist names after the CLI package.
    let cli: toml::Value =
        toml::from_str(&std::fs::read_to_string(repo().join("core/cli/Cargo.toml")).unwrap()).unwrap();
    let package = cli["package"]["name"].as_str().unwrap();
    for installer in [format!("{package}-installer.sh"), format!("{package}-installer.ps1")] {
        assert!(text.contains(&installer), "action.yml installs with {installer}");
    }
    assert!(text.contains(&format!("cargo install {package} --locked")));
    assert!(
        text.contains("--format sarif") && text.contains("--format github") && text.contains("upload-sarif")
    );
}

#[test]
fn the_pre_commit_hooks_run_validate_on_skill_files() {
    let hooks = yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_sequence().unwrap();
    assert!(hooks.iter().any(|h| h["id"].as_str() == Some("skillwright-validate")));
    for h in hooks {
        for key in ["id", "name", "entry", "language", "files"] {
            assert!(h[key].as_str().is_some_and(|v| !v.is_empty()), "hook needs `{key}`: {h:?}");
        }
        assert!(h["entry"].as_str().unwrap().starts_with("skillwright validate"));
        assert_eq!(h["files"].as_str(), Some("(^|/)SKILL\\.md$"));
        assert_eq!(h["pass_filenames"].as_bool(), Some(true));
    }
}
