//! A night's level curve: readings gathered into equal steps, each step's
//! L_Aeq the energetic mean of its measurements and its L_AFmax their
//! highest, for the chart and the table a mediator reads.

use chrono::{NaiveDateTime, TimeDelta};
use serde::Serialize;

use super::levels::{energetic_mean, round1};
use crate::domain::monitor::MonitorReading;

/// One step of the curve.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelStep {
    /// Start of the step (UTC).
    pub at: NaiveDateTime,
    /// Energetic mean L_Aeq of the measurements starting in it, to
    /// 0.1 dB(A); none when none does.
    pub laeq_db: Option<f64>,
    /// The highest L_AFmax reported in it.
    pub lafmax_db: Option<f64>,
    /// Seconds of measurement in it.
    pub covered_s: u32,
}

/// The steps of `step` from `from` up to `to`, each with the measurements
/// (readings marked other than normal count as missing) that start in it.
pub fn steps(readings: &[MonitorReading], from: NaiveDateTime, to: NaiveDateTime, step: TimeDelta) -> Vec<LevelStep> {
    let step_s = step.num_seconds().max(1);
    let count = usize::try_from(((to - from).num_seconds() + step_s - 1) / step_s).unwrap_or(0);
    let mut gathered: Vec<Vec<&MonitorReading>> = vec![Vec::new(); count];
    for r in readings.iter().filter(|r| r.is_measurement() && r.laeq_db.is_finite()) {
        let offset = (r.at - from).num_seconds();
        if offset < 0 {
            continue;
        }
        if let Some(slot) = usize::try_from(offset / step_s).ok().and_then(|i| gathered.get_mut(i)) {
            slot.push(r);
        }
    }
    gathered
        .into_iter()
        .enumerate()
        .map(|(i, rs)| LevelStep {
            at: from + TimeDelta::seconds(step_s * i64::try_from(i).unwrap_or(0)),
            laeq_db: energetic_mean(rs.iter().map(|r| (r.laeq_db, f64::from(r.interval_s)))).map(round1),
            lafmax_db: rs.iter().filter_map(|r| r.lafmax_db).reduce(f64::max),
            covered_s: rs.iter().map(|r| r.interval_s).sum(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::monitor::DataFlag;

    fn at(hm: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(&format!("2026-06-01 {hm}"), "%Y-%m-%d %H:%M").expect(hm)
    }

    fn minute(hm: &str, db: f64) -> MonitorReading {
        MonitorReading {
            at: at(hm),
            interval_s: 60,
            laeq_db: db,
            lafmax_db: Some(db + 6.0),
            l10_db: None,
            l90_db: None,
            flag: None,
        }
    }

    #[test]
    fn a_step_averages_its_minutes_energetically_and_keeps_the_loudest_maximum() {
        // 10·lg((10^6 + 10^5) / 2) = 57.4 dB(A); the arithmetic mean would say 55.
        let readings = [minute("21:00", 60.0), minute("21:03", 50.0), minute("21:05", 40.0)];
        let curve = steps(&readings, at("21:00"), at("21:15"), TimeDelta::minutes(5));
        assert_eq!(curve.len(), 3);
        assert_eq!((curve[0].laeq_db, curve[0].lafmax_db, curve[0].covered_s), (Some(57.4), Some(66.0), 120));
        assert_eq!((curve[1].at, curve[1].laeq_db), (at("21:05"), Some(40.0)));
        assert_eq!((curve[2].laeq_db, curve[2].covered_s), (None, 0), "a step without readings is a gap");
    }

    #[test]
    fn readings_outside_the_range_or_marked_are_left_out() {
        let mut maintenance = minute("21:01", 90.0);
        maintenance.flag = Some(DataFlag::parse("M"));
        let readings = [minute("20:59", 80.0), maintenance, minute("21:02", 45.0), minute("21:10", 70.0)];
        let curve = steps(&readings, at("21:00"), at("21:10"), TimeDelta::minutes(5));
        assert_eq!(curve.iter().map(|s| s.laeq_db).collect::<Vec<_>>(), [Some(45.0), None]);
    }
}
