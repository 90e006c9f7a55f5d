//! The `hesheng` binary: parses the command line and runs it.

/// mimalloc: per-thread heaps, so request handlers on different workers do
/// not contend for the allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    hesheng::cli::run()
}
