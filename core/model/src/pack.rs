//! The pack: what the whole set of skills is called, its version, author and links.
//! The build reads it from the `[pack]` table of `skillwright.toml`.

use serde::{Deserialize, Serialize};

/// Pack metadata shared by every host's manifest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Pack {
    /// Package name on every host: lowercase letters, digits, single hyphens, starting with a letter.
    pub name: String,
    /// Human-readable name; defaults to `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// One-line description shown in marketplaces.
    pub description: String,
    /// Semantic version, identical in every manifest. May be left out and supplied by the caller.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Author shown in manifests.
    pub author: Author,
    /// SPDX license.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub license: Option<String>,
    /// Project homepage URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    /// Source repository URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// Marketplace keywords.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Marketplace category.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// More files and directories every package carries, relative to the pack file (for example
    /// an MCP server's code); hook scripts and `./` MCP commands are carried without being listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
}

/// The author (or owner) of a pack.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Author {
    /// Name.
    pub name: String,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// A problem with the pack's fields: the rule it breaks and what is wrong (user text in it is
/// escaped, so it can be printed as it is).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Rule code (`SW017` for a control character, `SW019` otherwise).
    pub code: &'static str,
    /// The message.
    pub message: String,
    /// The field concerned (`description`, `author.name`), for locating it in the file.
    pub field: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [{}]", self.message, self.code)
    }
}

impl Pack {
    /// Checks the fields every host relies on: the first problem found.
    pub fn check(&self) -> Result<(), Problem> {
        self.problems().into_iter().next().map_or(Ok(()), Err)
    }

    /// Every problem with the fields: characters no field may hold (`SW017`, all of them), then
    /// the first other problem (`SW019`).
    pub fn problems(&self) -> Vec<Problem> {
        use crate::text::{describe, escape, forbidden};
        let p = |code, field: &str, message: String| Problem { code, message, field: field.to_string() };
        let mut out = Vec::new();
        let mut texts: Vec<(String, &str, bool)> = vec![
            ("name".into(), self.name.as_str(), false),
            ("description".into(), self.description.as_str(), true),
            ("author.name".into(), self.author.name.as_str(), false),
        ];
        let optional = [
            ("display-name", &self.display_name),
            ("version", &self.version),
            ("license", &self.license),
            ("homepage", &self.homepage),
            ("repository", &self.repository),
            ("category", &self.category),
            ("author.email", &self.author.email),
        ];
        texts.extend(optional.iter().filter_map(|(k, v)| Some((k.to_string(), v.as_deref()?, false))));
        texts.extend(self.keywords.iter().map(|k| ("keywords".to_string(), k.as_str(), false)));
        for (field, text, multiline) in &texts {
            if let Some(c) = text.chars().find(|&c| forbidden(c, *multiline)) {
                out.push(p(
                    "SW017",
                    field,
                    format!(
                        "pack {field} `{}` contains {}: control characters and bidi overrides would reach manifests, terminals and sessions as they are; remove it",
                        escape(text),
                        describe(c)
                    ),
                ));
            }
        }
        let name_ok =
            crate::names::valid_name(&self.name) && self.name.starts_with(|c: char| c.is_ascii_lowercase());
        let other = if !name_ok {
            Some(p(
                "SW019",
                "name",
                format!(
                    "pack name `{}` must be lowercase letters, digits and single hyphens, starting with a letter",
                    escape(&self.name)
                ),
            ))
        } else {
            match self.version.as_deref() {
                None => Some(p("SW019", "version", "pack has no `version`".into())),
                Some(v) if semver::Version::parse(v).is_err() => Some(p(
                    "SW019",
                    "version",
                    format!("pack version `{}` is not a semantic version (e.g. 1.2.0)", escape(v)),
                )),
                _ if self.description.trim().is_empty() || self.description.chars().count() > 1024 => {
                    Some(p("SW019", "description", "pack description must be 1-1024 characters".into()))
                }
                _ if self.author.name.trim().is_empty() => {
                    Some(p("SW019", "author.name", "pack author name is empty".into()))
                }
                _ => None,
            }
        };
        out.extend(other);
        out
    }

    /// The version (present after [`Pack::check`]).
    pub fn version(&self) -> &str {
        self.version.as_deref().unwrap_or("0.0.0")
    }

    /// Display name, or the name.
    pub fn display(&self) -> &str {
        self.display_name.as_deref().unwrap_or(&self.name)
    }
}
