//! Links and images in a skill's body, judged as an agent on the machine where the package is
//! installed would follow them: relative to the skill directory, with `/` separators, on a
//! case-sensitive file system, to files the package carries.

use skillwright_model::diag::Diagnostic;
use skillwright_model::skill::{Link, Skill};

/// Every body link of `skill` that cannot work where the package is installed.
pub fn check(skill: &Skill, diags: &mut Vec<Diagnostic>) {
    // Case-folded names, built once: a body may hold many thousands of links.
    let mut folded: Option<std::collections::HashMap<String, &str>> = None;
    for link in &skill.links {
        if let Some(d) = judge(skill, link, &mut folded) {
            diags.push(d);
        }
    }
}

type Folded<'a> = Option<std::collections::HashMap<String, &'a str>>;

fn judge<'a>(skill: &'a Skill, link: &Link, folded: &mut Folded<'a>) -> Option<Diagnostic> {
    let dest = link.dest.trim();
    let at =
        |code, msg: String| Diagnostic::new(code, skill.skill_md(), msg).at(link.line, link.col, link.len);
    if dest.is_empty() || dest.starts_with('#') || dest.starts_with("//") {
        return None;
    }
    if let Some(rest) = strip_scheme(dest, "file") {
        let path = percent_decode(rest.trim_start_matches('/'));
        let inside = path.split_once(&format!("/{}/", skill.dir)).map(|(_, r)| r.to_string());
        let fix = match inside {
            Some(rel) => format!("link `{rel}` instead"),
            None => "copy the file into the skill and link it by a relative path".to_string(),
        };
        return Some(
            at(
                "SW205",
                format!("link `{dest}` is a file: URL, which names a file on the author's machine only"),
            )
            .with_help(fix),
        );
    }
    if has_scheme(dest) {
        return None;
    }
    let path = percent_decode(dest.split(['#', '?']).next().unwrap_or(""));
    if path.starts_with(['/', '\\']) || path.get(1..3) == Some(":\\") || path.get(1..3) == Some(":/") {
        return Some(at(
            "SW203",
            format!("link `{dest}` is an absolute path; use a path relative to the skill"),
        ));
    }
    if path.contains('\\') {
        let fixed = path.replace('\\', "/");
        return Some(
            at(
                "SW205",
                format!("link `{dest}` separates folders with `\\`, which agents on Linux and macOS read as part of a file name"),
            )
            .with_help(format!("write `{fixed}`")),
        );
    }
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." if parts.pop().is_none() => {
                return Some(at("SW202", format!("link `{dest}` leaves the skill directory")));
            }
            ".." => {}
            s => parts.push(s),
        }
    }
    resolve(skill, &parts, &at, folded)
}

/// The diagnostic for a link to `parts` (already inside the skill), if it does not resolve.
fn resolve<'a>(
    skill: &'a Skill,
    parts: &[&str],
    at: &dyn Fn(&'static str, String) -> Diagnostic,
    folded: &mut Folded<'a>,
) -> Option<Diagnostic> {
    let target = parts.join("/");
    let prefix = format!("{target}/");
    let is_file = target.is_empty() || target == "SKILL.md" || skill.files.contains_key(&target);
    let under = || skill.files.range(prefix.clone()..).next().is_some_and(|(f, _)| f.starts_with(&prefix));
    if is_file || under() {
        return None;
    }
    if skill.dirs.contains(&target) {
        return Some(at(
            "SW201",
            format!(
                "link target `{target}/` is an empty directory; packages carry files only, so it would not exist once installed"
            ),
        ));
    }
    let names = folded.get_or_insert_with(|| {
        std::iter::once("SKILL.md")
            .chain(skill.files.keys().map(String::as_str))
            .chain(skill.dirs.iter().map(String::as_str))
            .map(|f| (f.to_lowercase(), f))
            .collect()
    });
    let d = at("SW201", format!("link target `{target}` does not exist in `{}/`", skill.dir));
    Some(match names.get(&target.to_lowercase()) {
        Some(f) => d.with_help(format!(
            "the skill has `{f}`: names are case-sensitive where most packages are installed; link `{f}`"
        )),
        None => d,
    })
}

/// The rest of `dest` after `scheme:` (any case), if it has that scheme.
fn strip_scheme<'a>(dest: &'a str, scheme: &str) -> Option<&'a str> {
    let (s, rest) = dest.split_once(':')?;
    s.eq_ignore_ascii_case(scheme).then_some(rest)
}

fn has_scheme(dest: &str) -> bool {
    match dest.find(':') {
        Some(i) if i > 1 => dest[..i].chars().all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c)),
        _ => false,
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(v) = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
