//! The `hesheng` binary: parses the command line and runs it.

fn main() -> std::process::ExitCode {
    hesheng::cli::run()
}
