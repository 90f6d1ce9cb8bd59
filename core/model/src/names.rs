//! Naming rules shared by skills, packs, hosts and runtime arguments.

/// Maximum length of a name, in characters.
pub const MAX_NAME: usize = 64;

/// Whether `name` is a valid Agent Skills name: 1-64 lowercase ASCII letters and digits in
/// hyphen-separated parts (no leading, trailing or double hyphen).
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME
        && name.split('-').all(|part| {
            !part.is_empty() && part.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Why a path segment cannot exist on every system a package is installed on (Windows, macOS,
/// Linux), if it cannot: control characters, characters Windows forbids, a trailing dot or space
/// (Windows strips it), or a name Windows reserves for a device (`CON`, `PRN`, `AUX`, `NUL`,
/// `COM1`-`COM9`, `LPT1`-`LPT9`, also with any extension: `nul.txt`, `con.tar.gz`).
pub fn unportable(seg: &str) -> Option<String> {
    if seg.chars().any(char::is_control) {
        return Some("contains a control character".into());
    }
    if let Some(c) = seg.chars().find(|c| matches!(c, '\\' | '<' | '>' | ':' | '"' | '|' | '?' | '*')) {
        return Some(format!("contains `{c}`, which Windows forbids in file names (\\ < > : \" | ? *)"));
    }
    if seg.ends_with(['.', ' ']) {
        return Some("ends with a dot or space, which Windows strips".into());
    }
    if let Some(dev) = windows_device(seg) {
        return Some(format!(
            "is `{dev}`, a device name Windows reserves (with any extension), so the file cannot exist there"
        ));
    }
    None
}

/// The reserved Windows device name `seg` stands for (its part before the first dot, any case,
/// trailing spaces ignored), if it is one.
pub fn windows_device(seg: &str) -> Option<String> {
    let stem = seg.split('.').next().unwrap_or("").trim_end_matches(' ');
    let upper = stem.to_uppercase();
    let reserved = matches!(upper.as_str(), "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$")
        || ((upper.starts_with("COM") || upper.starts_with("LPT"))
            && upper.chars().count() == 4
            && upper.chars().nth(3).is_some_and(|c| matches!(c, '1'..='9' | '¹' | '²' | '³')));
    reserved.then_some(upper)
}

/// The key under which names that differ only in case collide (Windows and macOS file systems
/// are case-insensitive by default).
pub fn fold(name: &str) -> String {
    name.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unportable_names() {
        for bad in
            ["CON", "con.md", "Nul.tar.gz", "aux ", "COM1.txt", "lpt9", "COM¹", "a:b", "x.", "x ", "a\u{7}"]
        {
            assert!(unportable(bad).is_some(), "{bad}");
        }
        for ok in ["console.md", "com10", "lpt", "nullable", "SKILL.md", "a.b.c", "connect"] {
            assert!(unportable(ok).is_none(), "{ok}");
        }
        assert_eq!(fold("README.md"), fold("Readme.MD"));
    }

    #[test]
    fn names() {
        for ok in ["a", "pdf-tools", "a1-b2", &"x".repeat(64)] {
            assert!(valid_name(ok), "{ok}");
        }
        for bad in ["", "-a", "a-", "a--b", "A", "a_b", "é", &"x".repeat(65)] {
            assert!(!valid_name(bad), "{bad}");
        }
    }
}
