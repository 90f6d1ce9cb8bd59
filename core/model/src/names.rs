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

#[cfg(test)]
mod tests {
    use super::valid_name;

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
