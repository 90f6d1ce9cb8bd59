//! How a reader of SKILL.md (a host, or the Agent Skills reference validator) reads frontmatter:
//! which source forms it still finds frontmatter in, and which plain YAML scalars its YAML reader
//! types as something other than a string. The facts are data (`[frontmatter]` in
//! `targets/<id>.toml`, and `standard.toml` for the reference validator); this module only names
//! the vocabulary and checks a spec against it.

use serde::{Deserialize, Serialize};
pub use skillwright_model::forms::{Form, FormKind, Implicit};

/// How one reader reads frontmatter (the `[frontmatter]` table of a target spec).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Reading {
    /// Forms (see [`Form`]) in which this reader still finds the frontmatter as written.
    #[serde(default)]
    pub reads: Vec<String>,
    /// Plain scalars (see [`Implicit`]) its YAML reader types as something other than a string.
    #[serde(default)]
    pub non_strings: Vec<String>,
    /// How these facts were established (for docs; not used by the code).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub checked: String,
}

impl Reading {
    /// Checks the spec against the vocabulary.
    pub fn check(&self) -> Result<(), String> {
        if let Some(bad) = self.reads.iter().find(|r| Form::parse(r).is_none()) {
            let known: Vec<_> = Form::ALL.iter().map(|f| f.id()).collect();
            return Err(format!("frontmatter.reads: unknown form `{bad}` (known: {})", known.join(", ")));
        }
        if let Some(bad) = self.non_strings.iter().find(|r| Implicit::parse(r).is_none()) {
            let known: Vec<_> = Implicit::ALL.iter().map(|f| f.id()).collect();
            return Err(format!(
                "frontmatter.non-strings: unknown kind `{bad}` (known: {})",
                known.join(", ")
            ));
        }
        Ok(())
    }

    /// Whether this reader finds the frontmatter written in `form`.
    pub fn reads(&self, form: Form) -> bool {
        self.reads.iter().any(|r| r == form.id())
    }

    /// Whether its YAML reader types a plain scalar of `kind` as something other than a string.
    pub fn mistypes(&self, kind: Implicit) -> bool {
        self.non_strings.iter().any(|r| r == kind.id())
    }
}

/// A reader of SKILL.md sources with known reading facts.
#[derive(Debug, Clone, PartialEq)]
pub struct Reader {
    /// Product name for messages.
    pub display: String,
    /// How it reads frontmatter.
    pub reading: Reading,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct Standard {
    display: String,
    frontmatter: Reading,
}

/// The Agent Skills reference validator: how it reads frontmatter (`standard.toml`).
pub fn reference_validator() -> Reader {
    let s: Standard = toml::from_str(include_str!("standard.toml")).expect("standard.toml is valid (tested)");
    Reader { display: s.display, reading: s.frontmatter }
}

/// `names` as English: "A", "A and B", "A, B and C".
pub fn and_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_validator_spec_is_valid() {
        let r = reference_validator();
        r.reading.check().unwrap();
        assert!(r.reading.reads(Form::Crlf) && !r.reading.reads(Form::Bom));
    }

    #[test]
    fn lists_read_as_english() {
        assert_eq!(and_list(&["a"]), "a");
        assert_eq!(and_list(&["a", "b", "c"]), "a, b and c");
    }
}
