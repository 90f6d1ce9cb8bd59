//! The in-memory model of a skills pack.

use serde::Serialize;
use std::collections::BTreeMap;

/// Every skill found under a skills root, sorted by directory name.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SkillSet {
    /// The skills, sorted by directory name.
    pub skills: Vec<Skill>,
}

/// One skill: its directory, its parsed SKILL.md and every file it ships.
#[derive(Debug, Clone, Serialize)]
pub struct Skill {
    /// Directory name under the skills root.
    pub dir: String,
    /// The skills root as diagnostics show it, with a trailing `/`; empty when they show paths
    /// relative to the root.
    #[serde(skip)]
    pub prefix: String,
    /// Frontmatter fields, typed; fields that failed to parse are `None`/empty.
    pub meta: Frontmatter,
    /// Whether the frontmatter parsed as YAML; when not, field rules are skipped (the YAML error
    /// already says what is wrong).
    pub parsed: bool,
    /// Frontmatter keys in source order with their YAML values (for re-emission per host).
    #[serde(skip)]
    pub raw: Vec<(String, serde_yaml::Value)>,
    /// The Markdown body, verbatim (line endings as in the source).
    pub body: String,
    /// 1-based line of the original file where the body starts.
    pub body_line: u32,
    /// Links and images in the body, in order.
    pub links: Vec<Link>,
    /// Every file of the skill other than SKILL.md: path relative to the skill dir → bytes.
    #[serde(skip)]
    pub files: BTreeMap<String, Vec<u8>>,
    /// Where each frontmatter value is: key path (`description`, `metadata.version`) → (line,
    /// column, length), for diagnostics about it.
    #[serde(skip)]
    pub fields: BTreeMap<String, (u32, u32, u32)>,
    /// Every directory of the skill (relative to the skill dir), so links to one resolve.
    #[serde(skip)]
    pub dirs: std::collections::BTreeSet<String>,
    /// The SKILL.md text as read, normalised (no BOM, LF line endings), for snippets in reports.
    #[serde(skip)]
    pub source: String,
    /// Source forms some readers do not take, where they are (see [`crate::forms::Form`]).
    #[serde(skip)]
    pub forms: Vec<Spot<crate::forms::Form>>,
    /// Plain scalars of string fields that some YAML readers type otherwise.
    #[serde(skip)]
    pub implicit: Vec<Spot<crate::forms::Implicit>>,
}

/// Something found in a SKILL.md source, with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spot<T> {
    /// What it is.
    pub what: T,
    /// The frontmatter key path it belongs to (`metadata.version`), or empty.
    pub key: String,
    /// The text concerned, as written.
    pub text: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (characters).
    pub col: u32,
    /// Length in characters.
    pub len: u32,
}

/// Typed frontmatter: the Agent Skills fields plus skillwright's own.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Frontmatter {
    /// `name`.
    pub name: Option<String>,
    /// `description`.
    pub description: Option<String>,
    /// `license`.
    pub license: Option<String>,
    /// `compatibility`.
    pub compatibility: Option<String>,
    /// `metadata` (string map).
    pub metadata: BTreeMap<String, String>,
    /// `allowed-tools` (space-separated).
    pub allowed_tools: Option<String>,
    /// `version` (skillwright).
    pub version: Option<String>,
    /// `requires.tools` (skillwright).
    pub requires_tools: Vec<String>,
    /// `requires.runtime` (skillwright).
    pub requires_runtime: bool,
    /// `metrics.tracks` (skillwright).
    pub metrics_tracks: Vec<String>,
    /// `metrics.improves` (skillwright).
    pub metrics_improves: Vec<String>,
}

/// Frontmatter keys defined by the Agent Skills standard.
pub const STANDARD_KEYS: &[&str] =
    &["name", "description", "license", "compatibility", "metadata", "allowed-tools"];

/// skillwright's own top-level keys (the older form, which the Agent Skills reference validator
/// refuses); they are not passed on to hosts.
pub const SKILLWRIGHT_KEYS: &[&str] = &["version", "requires", "metrics"];

/// skillwright's own keys in the standard form, under `metadata` (string values; lists are
/// space-separated). Hosts' copies leave them out, as they leave out the top-level form.
pub const SKILLWRIGHT_METADATA_KEYS: &[&str] =
    &["version", "requires-tools", "requires-runtime", "metrics-tracks", "metrics-improves"];

impl Skill {
    /// The skill's name: its `name` field, else its directory.
    pub fn name(&self) -> &str {
        self.meta.name.as_deref().unwrap_or(&self.dir)
    }

    /// The description, or an empty string.
    pub fn description(&self) -> &str {
        self.meta.description.as_deref().unwrap_or("")
    }

    /// Path of SKILL.md as diagnostics show it (relative to the skills root, after [`Skill::prefix`]).
    pub fn skill_md(&self) -> String {
        format!("{}{}/SKILL.md", self.prefix, self.dir)
    }
}

/// A Markdown heading in a skill body.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Heading {
    /// 1 for `#`, 2 for `##`, …
    pub level: u8,
    /// The heading text.
    pub text: String,
    /// 1-based line in SKILL.md.
    pub line: u32,
}

/// A link or image destination in a skill body, with its position in SKILL.md.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Link {
    /// The destination as written.
    pub dest: String,
    /// 1-based line.
    pub line: u32,
    /// 1-based column.
    pub col: u32,
    /// Length of the link source in characters (for highlighting).
    pub len: u32,
}
