//! The `skillwright` binary; see the library for the commands.

fn main() -> std::process::ExitCode {
    skillwright_cli::run(std::env::args_os())
}
