//! The rule catalogue: every diagnostic code, its severity, a summary and an explanation.
//!
//! Codes are stable: tools and CI configs may match on them. Add new codes, never reuse one.

use crate::diag::Severity;

/// One validation rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Stable code, `SW` and three digits.
    pub code: &'static str,
    /// Short kebab-case name.
    pub name: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// One line: what the rule checks.
    pub summary: &'static str,
    /// Longer text for `skillwright explain`: why it matters and how to fix it.
    pub explain: &'static str,
}

use Severity::{Error as E, Warning as W};

/// Every rule, in code order.
pub const RULES: &[Rule] = &[
    Rule {
        code: "SW001",
        name: "unreadable",
        severity: E,
        summary: "a file or directory could not be read",
        explain: "skillwright could not read a file or list a directory (permissions, a broken disk, a file removed while reading). Check that the path exists and is readable by you.",
    },
    Rule {
        code: "SW002",
        name: "missing-skill-md",
        severity: W,
        summary: "a directory in the skills root has no SKILL.md, so it is skipped",
        explain: "Every directory directly under the skills root that holds a file named exactly SKILL.md is a skill. A directory without one is not read (other files may live beside the skills); when it holds skills one level deeper, the message says so, since hosts only read <root>/<skill>/SKILL.md. Add a SKILL.md (`skillwright new NAME` writes a starter) or move the directory out. A SKILL.md that is there but refused (too large, unreadable, a symlink out of the root) is reported for that reason instead. Hidden directories (starting with '.') are ignored.",
    },
    Rule {
        code: "SW003",
        name: "misnamed-skill-md",
        severity: E,
        summary: "a skill's SKILL.md is misnamed (skill.md, SKILLS.md, …)",
        explain: "A directory without SKILL.md but with a near miss (skill.md, Skill.md, SKILLS.md, SKILL.markdown, SKILL.md.txt …) was meant to be a skill. Hosts look for SKILL.md exactly; on case-sensitive file systems (Linux, most CI) the other spellings are never found. Rename it: `git mv dir/skill.md dir/SKILL.md`.",
    },
    Rule {
        code: "SW004",
        name: "not-utf8",
        severity: E,
        summary: "a file is not valid UTF-8",
        explain: "SKILL.md must be UTF-8 text. The position given is the first byte that is not valid UTF-8. Re-save the file as UTF-8 (most editors: 'Save with encoding').",
    },
    Rule {
        code: "SW005",
        name: "nul-byte",
        severity: E,
        summary: "SKILL.md contains a NUL byte",
        explain: "A NUL byte in SKILL.md usually means a binary file or a UTF-16 file was saved under that name. Hosts treat such files unpredictably. Re-save the file as UTF-8 text.",
    },
    Rule {
        code: "SW006",
        name: "too-large",
        severity: E,
        summary: "a file, a skill or the pack exceeds a size limit",
        explain: "Limits keep packages installable and sessions fast: SKILL.md at most 1 MiB, any other file at most 16 MiB, a skill at most 2,000 files, the pack at most 256 MiB. Move large material out of the pack, or link to it.",
    },
    Rule {
        code: "SW007",
        name: "no-frontmatter",
        severity: E,
        summary: "SKILL.md does not start with YAML frontmatter",
        explain: "SKILL.md must begin with a line `---`, then YAML with at least `name` and `description`, then a closing `---` line, then the Markdown body. skillwright still reads frontmatter after blank lines or a UTF-8 BOM, but reports which hosts would not (SW015, SW016).",
    },
    Rule {
        code: "SW008",
        name: "unclosed-frontmatter",
        severity: E,
        summary: "the frontmatter has no closing `---` line",
        explain: "The frontmatter opened with `---` but no later line is exactly `---`. Add the closing line after the last YAML key; everything after it is the Markdown body.",
    },
    Rule {
        code: "SW009",
        name: "yaml-syntax",
        severity: E,
        summary: "the frontmatter is not valid YAML",
        explain: "The YAML parser rejected the frontmatter: a syntax error, a duplicate key, an unknown alias, or too many alias expansions (a 'billion laughs' bomb). The position points at the problem. Quote values that contain ': ' or start with a special character ([ { & * ! | > ' \" % @ `).",
    },
    Rule {
        code: "SW010",
        name: "frontmatter-not-mapping",
        severity: E,
        summary: "the frontmatter is not a key/value mapping",
        explain: "The frontmatter must be a YAML mapping (`key: value` lines). A list, a bare string or an empty block is not a skill definition.",
    },
    Rule {
        code: "SW011",
        name: "frontmatter-too-large",
        severity: E,
        summary: "the frontmatter is larger than 64 KiB",
        explain: "Frontmatter holds short metadata; hosts load every skill's frontmatter into every session. Keep it small and put long text in the body or in references/.",
    },
    Rule {
        code: "SW012",
        name: "symlink",
        severity: E,
        summary: "a symlink that leaves the skills root, or points to nothing",
        explain: "A symlink inside the skills root whose target stays inside the root is followed: the target is read (or walked, for a directory) and packaged as a plain file under the link's own name, and a linked skill directory is validated under the link's name. A link whose target is outside the root would leak files from elsewhere into a package, or point at nothing on another machine, so it is an error naming the link and its target, and nothing behind it is read. So is a link to nothing. Copy the file in instead.",
    },
    Rule {
        code: "SW013",
        name: "bad-file-name",
        severity: E,
        summary: "a file name that cannot exist on every system the package is installed on",
        explain: "Packages are installed on Linux, macOS and Windows. File and directory names must be valid UTF-8 and free of control characters, of the characters Windows forbids (\\ < > : \" | ? *), of a trailing dot or space (Windows strips them), and must not be a device name Windows reserves: CON, PRN, AUX, NUL, COM1-COM9, LPT1-LPT9, with any extension (nul.txt and con.tar.gz are reserved too). Such names break installs; the file is not read. Rename it. Devices, FIFOs and sockets are refused as well.",
    },
    Rule {
        code: "SW014",
        name: "symlink-loop",
        severity: W,
        summary: "a symlink loop; it is not followed",
        explain: "A symlink that points back to a directory containing it (or a chain of links that never ends) would make a walk endless. It is not followed, the warning names it, and every other file and skill is still read. Remove the link, or point it at what it was meant to share.",
    },
    Rule {
        code: "SW015",
        name: "frontmatter-form",
        severity: E,
        summary: "frontmatter in a form some hosts read no frontmatter from",
        explain: "Hosts find the frontmatter with simple rules: `---` as the very first line, YAML, then a line that is exactly `---`. skillwright reads more forms than that, so that every other problem is still reported, but a skill whose frontmatter starts after blank lines, is closed by `...`, has spaces after its opening `---`, or holds `---` inside a value (some readers end the frontmatter at the first `---` anywhere) is missed or read cut short by the hosts named in the message, and by the Agent Skills reference validator. Which host reads which form is data in targets/*.toml, observed with each host's client (docs/hosts.md). Write the canonical form; `skillwright fmt` fixes the fences.",
    },
    Rule {
        code: "SW016",
        name: "line-endings",
        severity: W,
        summary: "a BOM or line endings some hosts cannot split",
        explain: "A UTF-8 byte-order mark, or lone CR line endings, stop the hosts named in the message from finding the frontmatter of the source as written. skillwright writes every rendered copy of SKILL.md with LF line endings and no BOM, so the packages work; the warning is for the source, which other tools (and hosts reading a skills folder directly) see as it is. Re-save the file as UTF-8 without BOM with LF line endings, or run `skillwright fmt`.",
    },
    Rule {
        code: "SW017",
        name: "control-character",
        severity: E,
        summary: "a control character or bidi override in a field",
        explain: "Frontmatter keys and values, and the pack's fields, reach terminals, manifests and every session's context. A C0 or C1 control character (ESC starts terminal escape sequences, NUL truncates), DEL, or an invisible bidirectional override can restyle a terminal, hide text or make text read differently from what it is, whether it was typed raw or produced by a YAML escape such as \\e, \\0 or \\u202E. Tab is allowed, and newline where a field may span lines. Remove the character.",
    },
    Rule {
        code: "SW018",
        name: "case-collision",
        severity: E,
        summary: "two names in one directory differ only in case",
        explain: "Windows and macOS file systems do not tell `README.md` from `Readme.md` (or skill directories `Foo` from `foo`) by default: installed there, one file replaces the other. Rename one of them.",
    },
    Rule {
        code: "SW019",
        name: "pack-file",
        severity: E,
        summary: "skillwright.toml is not valid, or one of its fields is wrong",
        explain: "The pack file names the pack in every host's manifest: a `[pack]` table with name (lowercase letters, digits and single hyphens, starting with a letter), description (1-1024 characters), version (semantic; or pass --pack-version) and a `[pack.author]` table with a name. The message shows the right form for the common mistakes: `author = \"Jane\"` instead of a table, keys above `[pack]`, a misspelt field, an unquoted version, a string where a list goes. `skillwright init` writes a starter.",
    },
    Rule {
        code: "SW101",
        name: "name-missing",
        severity: E,
        summary: "the `name` field is missing",
        explain: "Agent Skills require `name`: 1-64 characters, lowercase letters, digits and hyphens, equal to the skill's directory name.",
    },
    Rule {
        code: "SW102",
        name: "name-invalid",
        severity: E,
        summary: "`name` breaks the Agent Skills naming rule",
        explain: "`name` must be 1-64 characters of a-z, 0-9 and '-', must not start or end with '-', and must not contain '--' (regex ^[a-z0-9]+(-[a-z0-9]+)*$). Hosts differ in what else they accept, so this portable rule is enforced for every host.",
    },
    Rule {
        code: "SW103",
        name: "name-dir-mismatch",
        severity: E,
        summary: "`name` differs from the directory name",
        explain: "Hosts locate a skill by its directory and check that `name` matches it (some refuse to load a skill when they differ). Rename the directory or change `name` so they are equal.",
    },
    Rule {
        code: "SW104",
        name: "description-missing",
        severity: E,
        summary: "the `description` field is missing or empty",
        explain: "Hosts decide when to load a skill from its description alone. Write 1-1024 characters saying what the skill does and when to use it (\"Use when ...\").",
    },
    Rule {
        code: "SW105",
        name: "description-length",
        severity: E,
        summary: "`description` is longer than 1024 characters",
        explain: "The Agent Skills standard caps descriptions at 1024 characters, and hosts truncate or reject longer ones. Keep the trigger and the purpose; move detail into the body.",
    },
    Rule {
        code: "SW106",
        name: "compatibility-length",
        severity: E,
        summary: "`compatibility` is empty or longer than 500 characters",
        explain: "`compatibility` states environment needs (product, packages, network) in 1-500 characters.",
    },
    Rule {
        code: "SW107",
        name: "metadata-shape",
        severity: E,
        summary: "`metadata` is not a map of strings to strings",
        explain: "`metadata` is a flat map from string keys to string values for client-specific extras. Quote numbers and booleans, and do not nest maps or lists.",
    },
    Rule {
        code: "SW108",
        name: "allowed-tools-shape",
        severity: W,
        summary: "`allowed-tools` is not one space-separated string",
        explain: "The Agent Skills standard makes `allowed-tools` one string of space-separated tool patterns, e.g. `Bash(git:*) Read`. Some hosts also read a YAML list or commas, others may not (docs/hosts.md): the message gives the standard form, and the hosts' copies are written in it. A value that is not a string or a list of strings is SW109.",
    },
    Rule {
        code: "SW109",
        name: "wrong-type",
        severity: E,
        summary: "a field has the wrong YAML type, for skillwright or for a host",
        explain: "A field expected to be a string is a number, list, map, boolean or null. YAML reads `version: 1.0` as the number 1 and `name: true` as a boolean: quote such values. It is also an error when the value is a string to YAML 1.2 but the YAML reader of a host types it otherwise and drops the skill (some read `description: 2024-01-01` as a date): the message names those hosts.",
    },
    Rule {
        code: "SW110",
        name: "yaml11-boolean",
        severity: W,
        summary: "a plain value YAML 1.1 readers turn into a boolean, number or date",
        explain: "YAML 1.2 reads unquoted yes, no, on, off, y, n, 017, 1_000, 1:30 and 2024-01-01 as strings, but YAML 1.1 readers turn them into booleans, numbers or dates. No host this pack is built for reads such a value differently where it matters (that would be SW109), so the value still means what you wrote; quote it anyway so that every tool agrees, e.g. `name: \"yes\"`.",
    },
    Rule {
        code: "SW111",
        name: "unknown-key",
        severity: W,
        summary: "a frontmatter key that no host and no skillwright feature reads",
        explain: "Unknown keys are ignored by most hosts and rejected by some validators. Check the spelling; put client-specific extras under `metadata`.",
    },
    Rule {
        code: "SW112",
        name: "standard-extension",
        severity: W,
        summary: "a skillwright key at the top level, where the standard allows none",
        explain: "The Agent Skills reference validator refuses any top-level key beyond name, description, license, compatibility, metadata and allowed-tools, so skillwright's own `version`, `requires` and `metrics` belong under `metadata` as strings: `version`, `requires-tools` and `metrics-tracks`/`metrics-improves` (space-separated), `requires-runtime` (\"true\"/\"false\"). The top-level form is still read. `skillwright fmt` moves the keys.",
    },
    Rule {
        code: "SW113",
        name: "flow-style",
        severity: W,
        summary: "a flow-style `[...]` or `{...}` collection in the frontmatter",
        explain: "Every host reads flow-style YAML, but the Agent Skills reference validator parses frontmatter with strictyaml, which refuses it. Write lists as `- item` lines and maps as `key: value` lines; the hosts' copies are written that way.",
    },
    Rule {
        code: "SW120",
        name: "version-not-semver",
        severity: E,
        summary: "the skill's version is not a semantic version",
        explain: "The skill's version (`metadata.version`, or `version` in the older top-level form) must be a semantic version like 1.2.0 (MAJOR.MINOR.PATCH, optional -pre and +build), so that versions compare.",
    },
    Rule {
        code: "SW121",
        name: "requires-shape",
        severity: E,
        summary: "skillwright's `requires` fields have the wrong shape",
        explain: "`metadata.requires-tools` lists the command-line tools the skill uses, space-separated; `metadata.requires-runtime: \"true\"` says the skill calls the skillwright runtime (\"true\" or \"false\"). In the older top-level form: `requires.tools` (a list of strings) and `requires.runtime` (a boolean), and no other keys under `requires`.",
    },
    Rule {
        code: "SW122",
        name: "metrics-shape",
        severity: E,
        summary: "skillwright's `metrics` fields have the wrong shape",
        explain: "`metadata.metrics-tracks` lists what a run of the skill records and `metadata.metrics-improves` what it aims to improve, space-separated. In the older top-level form: `metrics.tracks` and `metrics.improves`, lists of short strings, and no other keys under `metrics`.",
    },
    Rule {
        code: "SW130",
        name: "duplicate-name",
        severity: E,
        summary: "two skills have the same name",
        explain: "Skill names must be unique within a pack: hosts key skills by name, so one would silently shadow the other.",
    },
    Rule {
        code: "SW201",
        name: "broken-link",
        severity: E,
        summary: "a body link points to a file that does not exist",
        explain: "Relative links in the body are resolved inside the skill directory. The target is missing (check spelling and case), so an agent following it finds nothing.",
    },
    Rule {
        code: "SW202",
        name: "link-escapes",
        severity: E,
        summary: "a body link leaves the skill directory",
        explain: "A skill is installed on its own: links with `..` that leave its directory point at nothing on the user's machine. Copy the material into the skill (e.g. references/) and link it there.",
    },
    Rule {
        code: "SW203",
        name: "absolute-path",
        severity: E,
        summary: "a body link uses an absolute file path",
        explain: "Absolute paths (/home/..., C:\\...) only exist on the author's machine. Use a path relative to the skill directory.",
    },
    Rule {
        code: "SW204",
        name: "empty-body",
        severity: W,
        summary: "SKILL.md has no body after the frontmatter",
        explain: "The body is what the agent reads when the skill triggers. A skill with only frontmatter gives it nothing to do.",
    },
    Rule {
        code: "SW205",
        name: "unusable-link",
        severity: E,
        summary: "a body link that cannot work where the package is installed",
        explain: "An agent follows a link relative to the skill directory on the machine where the package is installed. A file: URL names a file on the author's machine; a path with `\\` separators only works on Windows (on Linux and macOS the backslash is part of a file name). Write a relative path with `/` to a file inside the skill.",
    },
    Rule {
        code: "SW301",
        name: "no-trigger",
        severity: W,
        summary: "(strict) the description does not say when to use the skill",
        explain: "Hosts pick skills by matching the user's request against descriptions. Say when to use it, in the user's words: \"Use when ...\" (or \"when the user asks ...\").",
    },
    Rule {
        code: "SW302",
        name: "overlapping-descriptions",
        severity: W,
        summary: "(strict) two descriptions are so alike that both would trigger",
        explain: "Two skills whose descriptions share most of their distinctive words will trigger on the same request, and the agent picks one at random. Make each trigger specific, or merge the skills. Similarity is the cosine of TF-IDF vectors over description words; the threshold is 0.5.",
    },
    Rule {
        code: "SW303",
        name: "body-too-long",
        severity: W,
        summary: "(strict) the body is longer than 400 lines",
        explain: "An agent reads the whole body when a skill triggers, under a token budget. Keep SKILL.md under 400 lines and move long material to references/ files linked from the body.",
    },
    Rule {
        code: "SW304",
        name: "heading-order",
        severity: W,
        summary: "(strict) headings skip a level or the body has no single H1",
        explain: "A body should have one `#` title and headings that go down one level at a time (## then ###). Skipped levels and several titles make the structure hard to navigate for agents and people.",
    },
    Rule {
        code: "SW305",
        name: "placeholder",
        severity: E,
        summary: "(strict) a TODO or FIXME left in the description or body",
        explain: "`skillwright new` writes a starter whose description says TODO; a skill published with it would show hosts (and, through them, every session) a placeholder instead of a trigger. With --strict, a TODO or FIXME word in the description, or in the body outside code, is an error until it is replaced.",
    },
    Rule {
        code: "SW401",
        name: "component-name-invalid",
        severity: E,
        summary: "a command or agent file name is not a valid name",
        explain: "Commands (`commands/<name>.md`) and agents (`agents/<name>.md`) are named after their file: 1-64 lowercase letters, digits and single hyphens, like skills. Hosts use the name as `/name` or as the agent's id. Rename the file.",
    },
    Rule {
        code: "SW402",
        name: "component-description-missing",
        severity: E,
        summary: "a command or agent has no `description`",
        explain: "Hosts show a command's description in their command menu and pick an agent by its description; some skip a command without one. Add `description: \"…\"` to the frontmatter: what it does, and for an agent when to hand work to it.",
    },
    Rule {
        code: "SW403",
        name: "command-placeholder",
        severity: W,
        summary: "a command uses an argument placeholder that hosts read differently",
        explain: "Write `$ARGUMENTS` for what the user typed after the command: skillwright turns it into each host's own placeholder (a different placeholder where a host spells it otherwise, a description of the arguments where a host substitutes nothing). Positional placeholders do not travel: one host counts `$0` as the first argument, others `$1`, and `{{args}}` is one host's syntax only.",
    },
    Rule {
        code: "SW404",
        name: "component-key-unknown",
        severity: W,
        summary: "a command or agent frontmatter key that no host reads",
        explain: "Commands take `description`, `argument-hint`, `allowed-tools` and `model`; agents take `name`, `description`, `tools` and `model`, plus keys a target reads (see the targets' `[commands]` and `[agents]` tables). Any other key is dropped from every package: remove it or fix its spelling.",
    },
    Rule {
        code: "SW405",
        name: "component-name-collision",
        severity: E,
        summary: "a skill, command or agent shares its name with another",
        explain: "Several hosts put skills, commands and agents in one namespace (every skill is also a `/name` command in some), so two components with one name shadow each other unpredictably. Rename one of them.",
    },
    Rule {
        code: "SW406",
        name: "component-body-empty",
        severity: E,
        summary: "a command has no prompt, or an agent no system prompt",
        explain: "The Markdown body after the frontmatter is the command's prompt or the agent's system prompt. Write it.",
    },
    Rule {
        code: "SW421",
        name: "agent-name-mismatch",
        severity: E,
        summary: "an agent's `name` is missing or differs from its file name",
        explain: "An agent is found by its file and called by its `name`; hosts disagree on which wins. Set `name:` to the file name without `.md`.",
    },
    Rule {
        code: "SW422",
        name: "tool-unknown",
        severity: E,
        summary: "an agent's `tools` or a hook's `tools` names a tool skillwright does not know",
        explain: "Tools are written once with canonical names (read, grep, glob, list, shell, edit, write, web-fetch, web-search, task, skill) and translated to each host's own names (`Read`, `read_file`, `view`, …). Use the canonical name; `skillwright explain SW422` lists them.",
    },
    Rule {
        code: "SW441",
        name: "mcp-server-invalid",
        severity: E,
        summary: "an MCP server declaration is incomplete or contradictory",
        explain: "An `[mcp.<name>]` table needs either `command` (a stdio server; `args`, `env`, `cwd` optional) or `url` (an HTTP server; `headers` optional, `type = \"sse\"` for the legacy transport), never both. The name is 1-64 lowercase letters, digits and single hyphens.",
    },
    Rule {
        code: "SW442",
        name: "mcp-path-outside",
        severity: E,
        summary: "an MCP server command or cwd points outside the package",
        explain: "A stdio server's `command` is either a bare program name found on PATH (`npx`, `uvx`) or a path inside the package starting with `./`; `cwd` starts with `./`, `${PLUGIN_ROOT}` or `${PLUGIN_DATA}`. Absolute paths and `..` point at files that are not there once the package is installed elsewhere.",
    },
    Rule {
        code: "SW443",
        name: "mcp-secret",
        severity: E,
        summary: "an MCP server's env or headers hold what looks like a secret",
        explain: "Everything in skillwright.toml ends up in every package, readable by anyone who installs it. Keep tokens out of `env` and `headers`: let the server read them from the user's environment or its own configuration.",
    },
    Rule {
        code: "SW444",
        name: "mcp-variable",
        severity: W,
        summary: "an MCP value uses a variable other than ${PLUGIN_ROOT} and ${PLUGIN_DATA}",
        explain: "Only `${PLUGIN_ROOT}` (the installed package) and `${PLUGIN_DATA}` (its persistent data directory) are translated for every host. Other `${…}` are expanded by some hosts and passed on literally by others, so the server sees different values on each.",
    },
    Rule {
        code: "SW445",
        name: "mcp-url",
        severity: E,
        summary: "an MCP server URL is not an absolute http(s) URL, or sends a remote host plain http",
        explain: "`url` must be absolute (`https://…`); plain `http://` only for localhost. No user:password in the URL: put credentials in the user's configuration, not the package.",
    },
    Rule {
        code: "SW461",
        name: "hook-event-unknown",
        severity: E,
        summary: "a hook names an event skillwright does not know, or one no target supports",
        explain: "Hooks are declared with canonical event names (session-start, user-prompt-submit, pre-tool-use, post-tool-use, stop, subagent-stop, pre-compact, session-end, notification, …) that each target maps to its own. `skillwright explain SW461` lists them; the loss report names the hosts that lack one.",
    },
    Rule {
        code: "SW462",
        name: "hook-matcher",
        severity: E,
        summary: "a hook's tools cannot be matched on some host, or apply to a non-tool event",
        explain: "`tools` limits a pre-/post-tool-use hook to some tools, by canonical name. Each host must have a name for every tool listed; leave `tools` out to run on every tool. Other events take no `tools`.",
    },
    Rule {
        code: "SW463",
        name: "hook-script",
        severity: E,
        summary: "a hook's script is missing, not executable, or outside the pack",
        explain: "`run` is the path of a script inside the pack, relative to skillwright.toml (e.g. `hooks/scripts/guard.sh`): a regular file, executable (`chmod +x`), starting with `#!`. It is copied into every package that runs it.",
    },
    Rule {
        code: "SW464",
        name: "hook-action",
        severity: E,
        summary: "a hook has no action, two actions, or an unknown built-in handler",
        explain: "Each `[[hooks]]` entry has exactly one of `run = \"path/to/script\"` or `handler = \"…\"` (built-in: skill-usage, which records a `used` event when the agent reads one of the pack's skills).",
    },
    Rule {
        code: "SW465",
        name: "hook-timeout",
        severity: E,
        summary: "a hook's timeout is out of range",
        explain: "`timeout` is in seconds, 1 to 60 (default 10). The runtime stops the script when it runs out and applies `on-failure`; hosts get it in their own unit.",
    },
];

/// Looks a rule up by code (case-insensitive), or by name.
pub fn find(key: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code.eq_ignore_ascii_case(key) || r.name == key)
}

/// The severity of rule `code`; unknown codes are errors.
pub fn severity(code: &str) -> Severity {
    find(code).map_or(Severity::Error, |r| r.severity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_sorted_and_well_formed() {
        for pair in RULES.windows(2) {
            assert!(pair[0].code < pair[1].code, "{} before {}", pair[0].code, pair[1].code);
        }
        for r in RULES {
            assert!(r.code.len() == 5 && r.code.starts_with("SW"), "{}", r.code);
            assert!(!r.explain.is_empty() && !r.summary.is_empty());
        }
    }
}
