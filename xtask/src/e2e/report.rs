//! The PASS and FAIL lines: one per check, with the tail of a failed command's output.

use std::io::Write;

/// How many checks passed and failed so far.
#[derive(Default)]
pub(super) struct Report {
    pub passed: usize,
    pub failed: usize,
}

#[derive(Clone)]
pub(super) struct Failure {
    pub reason: String,
    /// What to show below the FAIL line (the end of a command's output), or nothing.
    pub tail: String,
}

pub(super) fn fail(reason: impl Into<String>) -> Failure {
    Failure { reason: reason.into(), tail: String::new() }
}

/// A check's result: what it saw on success.
pub(super) type Check = Result<String, Failure>;

pub(super) fn expect(ok: bool, reason: impl FnOnce() -> String) -> Result<(), Failure> {
    if ok { Ok(()) } else { Err(fail(reason())) }
}

impl Report {
    /// Prints `PASS host: what (seen)` or `FAIL host: what: reason` and the failure's tail.
    pub fn record(&mut self, host: &str, what: &str, result: Check) {
        let mut stdout = std::io::stdout().lock();
        match result {
            Ok(seen) => {
                self.passed += 1;
                let seen = if seen.is_empty() { String::new() } else { format!(" ({seen})") };
                let _ = writeln!(stdout, "PASS {host}: {what}{seen}");
            }
            Err(failure) => {
                self.failed += 1;
                let _ = writeln!(stdout, "FAIL {host}: {what}: {}", failure.reason);
                if !failure.tail.trim().is_empty() {
                    let _ = writeln!(stdout, "{}", indent(&failure.tail));
                }
            }
        }
        let _ = stdout.flush();
    }
}

/// The last `lines` lines of `text`, each cut to 300 characters.
pub(super) fn tail(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.trim_end().lines().collect();
    all[all.len().saturating_sub(lines)..].iter().map(|l| truncate(l, 300)).collect::<Vec<_>>().join("\n")
}

pub(super) fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

pub(super) fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tails_are_short() {
        let text = (1..=20).map(|i| i.to_string()).collect::<Vec<_>>().join("\n");
        assert_eq!(tail(&text, 3), "18\n19\n20");
        assert_eq!(truncate("héllo", 2), "hé…");
        assert_eq!(truncate("hé", 2), "hé");
        assert_eq!(indent("a\nb"), "    a\n    b");
    }
}
