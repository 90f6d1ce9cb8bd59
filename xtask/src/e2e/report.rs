//! The PASS and FAIL lines: one per check, with the tail of a failed command's output, printed
//! and kept in `target/e2e/report.txt` so that a failure can be read after the run.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

/// The checks so far: how many passed and failed. Each line is printed and written to the
/// report file as it is recorded.
pub(super) struct Report {
    pub passed: usize,
    pub failed: usize,
    file: fs::File,
    /// When the previous line was recorded.
    started: Instant,
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
    /// A report that prints its lines and writes them to `file` (created anew).
    pub fn create(file: &Path) -> Result<Report, String> {
        if let Some(dir) = file.parent() {
            fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let file = fs::File::create(file).map_err(|e| format!("{}: {e}", file.display()))?;
        Ok(Report { passed: 0, failed: 0, file, started: Instant::now() })
    }

    /// Records `PASS host: what (seen) [time]` or `FAIL host: what: reason [time]` and the
    /// failure's tail; the time is since the previous line of this report.
    pub fn record(&mut self, host: &str, what: &str, result: Check) {
        let took = format!("[{:.1} s]", self.started.elapsed().as_secs_f64());
        self.started = Instant::now();
        let lines = match result {
            Ok(seen) => {
                self.passed += 1;
                let seen = if seen.is_empty() { String::new() } else { format!(" ({seen})") };
                format!("PASS {host}: {what}{seen} {took}\n")
            }
            Err(failure) => {
                self.failed += 1;
                let mut lines = format!("FAIL {host}: {what}: {} {took}\n", failure.reason);
                if !failure.tail.trim().is_empty() {
                    lines.push_str(&format!("{}\n", indent(&failure.tail)));
                }
                lines
            }
        };
        self.write(&lines);
    }

    /// A free-form line (not a check), e.g. the summary.
    pub fn note(&mut self, line: &str) {
        self.write(&format!("{line}\n"));
    }

    fn write(&mut self, lines: &str) {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(lines.as_bytes());
        let _ = stdout.flush();
        let _ = self.file.write_all(lines.as_bytes());
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
