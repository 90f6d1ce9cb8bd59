//! What the CLI prints, and how: stdout and stderr that a closed pipe cannot crash
//! (`skillwright skills list | head -1`), and whether to colour.
//!
//! Every line the commands print goes through [`out!`](crate::out), [`outln!`](crate::outln),
//! [`err!`](crate::err) and [`errln!`](crate::errln), never `print!` or `eprint!` (which panic
//! when the reader has gone): a stream whose reader has gone is dropped quietly and the command
//! still ends with its own exit code. A test holds the rule.

use std::io::{IsTerminal, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

static STDOUT_GONE: AtomicBool = AtomicBool::new(false);
static STDERR_GONE: AtomicBool = AtomicBool::new(false);
/// The first write error on stdout other than a closed pipe (a full disk, say): the data the
/// command printed is incomplete, so `run` turns it into exit 2.
static STDOUT_ERROR: Mutex<Option<String>> = Mutex::new(None);

/// Writes to stdout; after the reader has gone, writes nothing.
pub fn stdout(args: std::fmt::Arguments) {
    if STDOUT_GONE.load(Ordering::Relaxed) {
        return;
    }
    if let Err(e) = std::io::stdout().lock().write_fmt(args) {
        STDOUT_GONE.store(true, Ordering::Relaxed);
        if e.kind() != std::io::ErrorKind::BrokenPipe
            && let Ok(mut slot) = STDOUT_ERROR.lock()
        {
            slot.get_or_insert(e.to_string());
        }
    }
}

/// Writes to stderr; after the reader has gone, writes nothing.
pub fn stderr(args: std::fmt::Arguments) {
    if STDERR_GONE.load(Ordering::Relaxed) {
        return;
    }
    if std::io::stderr().lock().write_fmt(args).is_err() {
        STDERR_GONE.store(true, Ordering::Relaxed);
    }
}

/// Flushes stdout and returns the error that cut its output short, if any (a closed pipe is
/// not one: the reader chose to stop).
pub fn finish() -> Option<String> {
    if !STDOUT_GONE.load(Ordering::Relaxed)
        && let Err(e) = std::io::stdout().lock().flush()
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        return Some(e.to_string());
    }
    STDOUT_ERROR.lock().ok().and_then(|mut e| e.take())
}

/// Prints to stdout (data), like `print!`, without panicking when the reader has gone.
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::term::stdout(format_args!($($arg)*)) };
}

/// Prints a line to stdout (data), like `println!`, without panicking when the reader has gone.
#[macro_export]
macro_rules! outln {
    () => { $crate::term::stdout(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::term::stdout(format_args!("{}\n", format_args!($($arg)*))) };
}

/// Prints to stderr (for people), like `eprint!`, without panicking when the reader has gone.
#[macro_export]
macro_rules! err {
    ($($arg:tt)*) => { $crate::term::stderr(format_args!($($arg)*)) };
}

/// Prints a line to stderr (for people), like `eprintln!`, without panicking when the reader
/// has gone.
#[macro_export]
macro_rules! errln {
    () => { $crate::term::stderr(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::term::stderr(format_args!("{}\n", format_args!($($arg)*))) };
}

/// When to colour what is printed for people.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Color {
    /// When stderr is a terminal and NO_COLOR is not set.
    Auto,
    /// Always (e.g. under a pager that shows colour).
    Always,
    /// Never.
    Never,
}

static COLOR: AtomicU8 = AtomicU8::new(0);

/// Sets the `--color` choice for the rest of the process.
pub fn set_color(c: Color) {
    COLOR.store(c as u8, Ordering::Relaxed);
}

/// Whether text for people on stderr gets colour.
pub fn color_stderr() -> bool {
    match COLOR.load(Ordering::Relaxed) {
        x if x == Color::Always as u8 => true,
        x if x == Color::Never as u8 => false,
        _ => std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    /// The rule the module doc states: no `print!` family outside this module, so no command
    /// can panic on a closed pipe.
    #[test]
    fn commands_print_only_through_the_pipe_safe_macros() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut found = Vec::new();
        for e in std::fs::read_dir(&src).unwrap() {
            let p = e.unwrap().path();
            if p.file_name().is_some_and(|n| n == "term.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            for (i, line) in text.lines().enumerate() {
                let code = line.split("//").next().unwrap_or("");
                for m in ["println!", "print!", "eprintln!", "eprint!"] {
                    let hit = code.match_indices(m).any(|(at, _)| {
                        at == 0
                            || !code.as_bytes()[at - 1].is_ascii_alphanumeric()
                                && code.as_bytes()[at - 1] != b'_'
                    });
                    if hit {
                        found.push(format!("{}:{}: {m}", p.display(), i + 1));
                    }
                }
            }
        }
        assert!(found.is_empty(), "use out!/outln!/err!/errln! (crate::term) instead:\n{}", found.join("\n"));
    }
}
