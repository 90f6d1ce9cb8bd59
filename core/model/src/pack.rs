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

impl Pack {
    /// Checks the fields every host relies on.
    pub fn check(&self) -> Result<(), String> {
        let name_ok =
            crate::names::valid_name(&self.name) && self.name.starts_with(|c: char| c.is_ascii_lowercase());
        if !name_ok {
            return Err(format!(
                "pack name `{}` must be lowercase letters, digits and single hyphens, starting with a letter",
                self.name
            ));
        }
        match self.version.as_deref() {
            None => return Err("pack has no `version`".into()),
            Some(v) if semver::Version::parse(v).is_err() => {
                return Err(format!("pack version `{v}` is not a semantic version (e.g. 1.2.0)"));
            }
            _ => {}
        }
        if self.description.trim().is_empty() || self.description.chars().count() > 1024 {
            return Err("pack description must be 1-1024 characters".into());
        }
        if self.author.name.trim().is_empty() {
            return Err("pack author name is empty".into());
        }
        Ok(())
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
