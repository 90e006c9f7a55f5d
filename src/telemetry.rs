//! Logging: `RUST_LOG` filters; every line of a request carries its id.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::FmtSpan;

/// Installs the global subscriber, writing to stderr; `default` applies
/// when `RUST_LOG` is unset.
pub fn init(default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    // The request span closing gives one access-log line per request, with
    // its id, route, status and time. A second install (tests) is ignored.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(FmtSpan::CLOSE)
        .with_writer(std::io::stderr)
        // Colours only for a person watching, not in a file or a journal.
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}
