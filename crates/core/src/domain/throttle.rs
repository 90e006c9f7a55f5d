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

/// Failed portal sign-ins for one access code: 5 per 15 minutes.
pub const PORTAL_PER_CODE: ThrottleRule = ThrottleRule { limit: 5, window: TimeDelta::minutes(15) };

/// Failed portal sign-ins from one address, counted apart from the staff's
/// (residents on the office's network must not lock the staff out).
pub const PORTAL_PER_ADDRESS: ThrottleRule = ThrottleRule { limit: 10, window: TimeDelta::minutes(15) };

impl ThrottleRule {
    /// With `attempts` counted in the window that began at `window_start`
    /// (this one included), how long the caller must wait before the next
    /// attempt is checked, when this one passes the limit.
    pub fn refuses(&self, attempts: i32, window_start: NaiveDateTime, now: NaiveDateTime) -> Option<TimeDelta> {
        let ends = window_start + self.window;
        (attempts > self.limit && ends > now).then(|| ends - now)
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
    fn the_attempt_past_the_limit_waits_until_the_window_ends() {
        assert_eq!(PER_ACCOUNT.refuses(5, at(0), at(1)), None, "the fifth attempt is checked");
        assert_eq!(PER_ACCOUNT.refuses(6, at(0), at(1)), Some(TimeDelta::minutes(14)));
        assert_eq!(PER_ACCOUNT.refuses(9, at(0), at(15)), None);
    }
}
