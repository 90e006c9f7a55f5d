//! The application's clock: the system's, or, for tests that must see a
//! given day (a deadline's last day, a follow-up falling due), the system's
//! moved by an offset that may be changed while the server runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{NaiveDateTime, TimeDelta, Utc};

/// A clock; clones share their offset.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_ns: Arc<AtomicI64>,
}

impl Clock {
    /// The system's clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// The current moment, UTC.
    pub fn now(&self) -> NaiveDateTime {
        Utc::now().naive_utc() + TimeDelta::nanoseconds(self.offset_ns.load(Ordering::Relaxed))
    }

    /// Moves this clock, and every clone of it, `offset` from the system's
    /// (to the nanosecond, within ±292 years).
    pub fn set_offset(&self, offset: TimeDelta) {
        let ns = offset.num_nanoseconds().unwrap_or(if offset < TimeDelta::zero() { i64::MIN } else { i64::MAX });
        self.offset_ns.store(ns, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moved_clock_moves_every_clone() {
        let clock = Clock::system();
        let shared = clock.clone();
        clock.set_offset(TimeDelta::days(30));
        let ahead = shared.now() - Utc::now().naive_utc();
        assert!(
            ahead >= TimeDelta::days(30) - TimeDelta::seconds(1)
                && ahead <= TimeDelta::days(30) + TimeDelta::seconds(1)
        );
    }
}
