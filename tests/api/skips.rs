//! Suites that need what a machine may lack: a PostgreSQL server, Chromium
//! with chromedriver, poppler's PDF tools. A test that cannot run its part
//! says so here. Where `HESHENG_TEST_REQUIRE` names the suite (a comma
//! separated list of `pg`, `browser`, `pdf`, `mount`, or `all`), that is a failure
//! naming the test; otherwise the skip is counted, and the test program
//! ends with one line naming what was skipped and how to enable it.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::sync::{Mutex, Once};

/// A suite that depends on something outside the repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Suite {
    Pg,
    Browser,
    Pdf,
    Mount,
}

impl Suite {
    const ALL: [Suite; 4] = [Suite::Pg, Suite::Browser, Suite::Pdf, Suite::Mount];

    fn code(self) -> &'static str {
        match self {
            Suite::Pg => "pg",
            Suite::Browser => "browser",
            Suite::Pdf => "pdf",
            Suite::Mount => "mount",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Suite::Pg => "PostgreSQL",
            Suite::Browser => "browser",
            Suite::Pdf => "PDF read-back",
            Suite::Mount => "storage fault",
        }
    }

    fn how(self) -> &'static str {
        match self {
            Suite::Pg => "set HESHENG_TEST_PG_URL",
            Suite::Browser => "apt-get install chromium chromium-driver",
            Suite::Pdf => "apt-get install poppler-utils",
            Suite::Mount => "run the tests as root, which may mount a small tmpfs",
        }
    }
}

/// The suites `HESHENG_TEST_REQUIRE` names; an unknown name is an error.
fn required() -> BTreeSet<Suite> {
    let raw = std::env::var("HESHENG_TEST_REQUIRE").unwrap_or_default();
    let mut suites = BTreeSet::new();
    for name in raw.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        if name == "all" {
            suites.extend(Suite::ALL);
            continue;
        }
        match Suite::ALL.into_iter().find(|s| s.code() == name) {
            Some(suite) => suites.insert(suite),
            None => {
                panic!("HESHENG_TEST_REQUIRE names an unknown suite {name:?} (known: pg, browser, pdf, mount, all)")
            }
        };
    }
    suites
}

static SKIPPED: Mutex<BTreeMap<Suite, BTreeSet<String>>> = Mutex::new(BTreeMap::new());
static REPORT: Once = Once::new();

/// Called where the running test cannot do its part of `suite` because
/// of `why`: fails the test when the suite is required, else records it.
pub fn skip(suite: Suite, why: &str) {
    let test = std::thread::current().name().unwrap_or("a test").to_owned();
    if required().contains(&suite) {
        panic!("{test}: the {} suite is required (HESHENG_TEST_REQUIRE) but cannot run: {why}", suite.code());
    }
    SKIPPED.lock().unwrap_or_else(|e| e.into_inner()).entry(suite).or_default().insert(test);
    REPORT.call_once(|| {
        // SAFETY: `report` is a plain function that only writes to stderr;
        // the registration happens once.
        let _ = unsafe { libc::atexit(report) };
    });
}

/// The closing line, written as the test program exits.
extern "C" fn report() {
    let skipped = SKIPPED.lock().unwrap_or_else(|e| e.into_inner());
    let parts: Vec<String> = skipped
        .iter()
        .map(|(suite, tests)| format!("{} {} ({}: {})", tests.len(), suite.what(), suite.code(), suite.how()))
        .collect();
    let line = format!(
        "\nSKIPPED tests or parts of them: {}; HESHENG_TEST_REQUIRE=pg,browser,pdf,mount turns a skip into a failure\n",
        parts.join(", ")
    );
    let _ = std::io::stderr().write_all(line.as_bytes());
}
