//! The pack: what the whole set of skills is called, its version, author and links.
//! Read from a `skillwright.toml` beside the skills root.

use serde::{Deserialize, Serialize};
use std::path::Path;

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PackFile {
    pack: Pack,
}

/// A pack file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading failed.
    #[error("cannot read pack file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Not valid TOML or wrong fields.
    #[error("pack file {path}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

impl Pack {
    /// Reads and checks `skillwright.toml`. `version` fills in a missing version.
    pub fn load(path: &Path, version: Option<&str>) -> Result<Pack, Error> {
        let p = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io { path: p.clone(), source })?;
        let mut pack = toml::from_str::<PackFile>(&text)
            .map_err(|e| Error::Invalid { path: p.clone(), message: e.to_string() })?
            .pack;
        if pack.version.is_none() {
            pack.version = version.map(str::to_string);
        }
        pack.check().map_err(|message| Error::Invalid { path: p, message })?;
        Ok(pack)
    }

    /// Checks the fields every host relies on.
    pub fn check(&self) -> Result<(), String> {
        let name_ok = crate::validate::valid_name(&self.name)
            && self.name.starts_with(|c: char| c.is_ascii_lowercase());
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
