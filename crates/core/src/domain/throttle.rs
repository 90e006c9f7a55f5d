//! Limits on failed sign-ins.

use chrono::{NaiveDateTime, TimeDelta};

/// At most `limit` failures within `window`.
#[derive(Debug, Clone, Copy)]
pub struct ThrottleRule {
    /// Failures allowed in one window.
    pub limit: i32,
    /// Length of the window.
    pub window: TimeDelta,
}

/// Failed sign-ins for one account: 5 per 15 minutes.
pub const PER_ACCOUNT: ThrottleRule = ThrottleRule { limit: 5, window: TimeDelta::minutes(15) };

/// Failed sign-ins from one client address: 30 per 15 minutes (a committee
/// office shares one address).
pub const PER_ADDRESS: ThrottleRule = ThrottleRule { limit: 30, window: TimeDelta::minutes(15) };

/// Failed portal sign-ins (access code and phone digits) from one address.
pub const PORTAL_PER_ADDRESS: ThrottleRule = ThrottleRule { limit: 10, window: TimeDelta::minutes(15) };

impl ThrottleRule {
    /// How long to wait before trying again, when the limit is reached.
    pub fn retry_after(&self, failures: i32, window_start: NaiveDateTime, now: NaiveDateTime) -> Option<TimeDelta> {
        let ends = window_start + self.window;
        (failures >= self.limit && ends > now).then(|| ends - now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 27).and_then(|d| d.and_hms_opt(10, min, 0)).expect("time")
    }

    #[test]
    fn the_limit_blocks_until_the_window_ends() {
        assert_eq!(PER_ACCOUNT.retry_after(4, at(0), at(1)), None);
        assert_eq!(PER_ACCOUNT.retry_after(5, at(0), at(1)), Some(TimeDelta::minutes(14)));
        assert_eq!(PER_ACCOUNT.retry_after(9, at(0), at(15)), None);
    }
}
