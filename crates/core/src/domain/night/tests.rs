//! Hand-computed nights at the choir's courtyard: the agreement says "end
//! before 21:00" and "at most 55 dB at the window", the committee is in
//! China (UTC+8), and the monitor reports one reading a minute.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};

use super::*;
use crate::domain::monitor::{Basis, Calibration, InstrumentClass};
use crate::domain::noise::Position;

const CHINA: i32 = 480;

fn date(day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, day).expect("date")
}

fn t(s: &str) -> ClockTime {
    ClockTime::parse(s).expect(s)
}

/// A local clock time on a calendar day, in UTC.
fn utc(day: NaiveDate, clock: &str) -> NaiveDateTime {
    day.and_time(NaiveTime::parse_from_str(clock, "%H:%M").expect(clock)) - TimeDelta::hours(8)
}

fn reading(at: NaiveDateTime, interval_s: u32, laeq_db: f64) -> MonitorReading {
    MonitorReading { at, interval_s, laeq_db, lafmax_db: None, l10_db: None, l90_db: None, flag: None }
}

/// Minute readings at one level, from a moment, for a number of minutes.
fn run(from: NaiveDateTime, minutes: i64, db: f64) -> Vec<MonitorReading> {
    (0..minutes).map(|m| reading(from + TimeDelta::minutes(m), 60, db)).collect()
}

fn monitor() -> Monitor {
    Monitor {
        position: Position::OutsideWindow,
        class: InstrumentClass::Class2,
        calibration: Some(Calibration { calibrated_on: date(1), valid_until: date(10) }),
    }
}

fn term(kind: TermKind, start: Option<&str>, end: Option<&str>, max_db: Option<f64>) -> Term {
    Term {
        kind,
        text: String::new(),
        days: Some("daily".into()),
        start: start.map(t),
        end: end.map(t),
        max_db,
        position: max_db.map(|_| Position::OutsideWindow),
        amount_fen: None,
        due: None,
        obligor: None,
        payee: None,
    }
}

fn end_by_nine() -> Term {
    term(TermKind::TimeWindow, Some("19:00"), Some("21:00"), None)
}

fn at_most_55() -> Term {
    term(TermKind::VolumeLimit, Some("19:00"), Some("21:00"), Some(55.0))
}

/// Background 45 dB, margin 5: the activity counts above 50 dB.
fn rules() -> NightRules {
    NightRules { background: Background::Level(45.0), ..NightRules::default() }
}

fn judge(term: &Term, day: NaiveDate, readings: &[MonitorReading], rules: &NightRules) -> NightOutcome {
    let monitor = monitor();
    let night = Night { date: day, offset_minutes: CHINA, monitor: &monitor, readings };
    evaluate_term(term, None, &night, rules).expect("evaluated")
}

/// Singing at `loud` dB from 19:00 until `until`, then 42 dB until 01:00.
fn choir(day: NaiveDate, until: &str, loud: f64) -> Vec<MonitorReading> {
    let stop = utc(day, until);
    let mut readings = run(utc(day, "19:00"), (stop - utc(day, "19:00")).num_minutes(), loud);
    readings.extend(run(stop, (utc(day, "01:00") + TimeDelta::days(1) - stop).num_minutes(), 42.0));
    readings
}

fn time_evidence(outcome: &NightOutcome) -> &TimeWindowEvidence {
    match outcome {
        NightOutcome::Kept(Evidence::TimeWindow(e)) | NightOutcome::PossibleBreach(Evidence::TimeWindow(e)) => e,
        other => panic!("{other:?}"),
    }
}

#[test]
fn singing_that_ends_at_2055_keeps_the_time_window() {
    let outcome = judge(&end_by_nine(), date(2), &choir(date(2), "20:55", 60.0), &rules());
    assert_eq!(outcome.code(), "kept");
    let e = time_evidence(&outcome);
    assert_eq!((e.background_db, e.threshold_db), (45.0, 50.0));
    assert!(e.after_end.is_empty());
}

#[test]
fn twelve_minutes_past_nine_is_a_possible_breach_with_those_minutes_as_evidence() {
    // 21:00 to 21:12 is twelve minute readings at 60 dB, above 50; ten are allowed.
    let outcome = judge(&end_by_nine(), date(2), &choir(date(2), "21:12", 60.0), &rules());
    assert_eq!(outcome.code(), "possible_breach");
    let e = time_evidence(&outcome);
    assert_eq!(e.minutes_after_end(), 12.0);
    assert_eq!(e.after_end[0].at, utc(date(2), "21:00"));
    assert_eq!(e.after_end[11].at, utc(date(2), "21:11"));
    assert!(e.after_end.iter().all(|x| x.laeq_db == 60.0 && x.seconds == 60));
}

#[test]
fn eight_minutes_past_nine_is_within_the_minutes_allowed() {
    let outcome = judge(&end_by_nine(), date(2), &choir(date(2), "21:08", 60.0), &rules());
    assert_eq!(outcome.code(), "kept");
    assert_eq!(time_evidence(&outcome).minutes_after_end(), 8.0);
}

#[test]
fn minutes_after_midnight_belong_to_the_evening_before() {
    // Agreed end 23:30; singing goes on to 00:20 the next calendar day:
    // 30 minutes before midnight and 20 after, 50 in all.
    let end = term(TermKind::TimeWindow, Some("19:00"), Some("23:30"), None);
    let mut readings = run(utc(date(2), "22:00"), 140, 62.0);
    readings.extend(run(utc(date(3), "00:20"), 130, 40.0));
    let outcome = judge(&end, date(2), &readings, &rules());
    assert_eq!(outcome.code(), "possible_breach");
    let e = time_evidence(&outcome);
    assert_eq!(e.minutes_after_end(), 50.0);
    assert_eq!(e.after_end.last().map(|x| x.at), Some(utc(date(3), "00:19")));
    // The same readings judged as the night of the 3rd are another evening's.
    let next = judge(&end, date(3), &readings, &rules());
    assert_eq!(next.code(), "no_data");
}

#[test]
fn the_background_can_be_the_nights_own_l90() {
    // 01:00–04:00: 18 minutes at 38 dB and 162 at 44 dB. A tenth of the
    // 180 minutes is 18, so L90 = 38 dB and the threshold is 38 + 5 = 43.
    // Singing at 45 dB until 21:15 is then 15 minutes above it.
    let day = date(2);
    let mut readings = choir(day, "21:15", 45.0);
    readings.extend(run(utc(date(3), "01:00"), 18, 38.0));
    readings.extend(run(utc(date(3), "01:18"), 162, 44.0));
    let measured =
        NightRules { background: Background::L90 { from: t("01:00"), to: t("04:00") }, ..NightRules::default() };
    let outcome = judge(&end_by_nine(), day, &readings, &measured);
    assert_eq!(outcome.code(), "possible_breach");
    let e = time_evidence(&outcome);
    assert_eq!((e.background_db, e.threshold_db, e.minutes_after_end()), (38.0, 43.0, 15.0));
    // Against a set background of 45 dB the same 45 dB singing is not above 50.
    assert_eq!(judge(&end_by_nine(), day, &readings, &rules()).code(), "kept");
    // Without the reference period there is no background to compare with.
    let evening_only = choir(day, "21:15", 45.0);
    assert_eq!(judge(&end_by_nine(), day, &evening_only, &measured).code(), "no_data");
}

#[test]
fn more_than_a_fifth_missing_is_no_data() {
    // Three hours are watched after 21:00 (180 minutes); a fifth is 36.
    let day = date(2);
    let mut readings = run(utc(day, "19:00"), 120, 60.0);
    readings.extend(run(utc(day, "21:00"), 140, 42.0));
    let outcome = judge(&end_by_nine(), day, &readings, &rules());
    assert_eq!(outcome, NightOutcome::NoData(Coverage { expected_s: 180 * 60, covered_s: 140 * 60 }));
    readings.extend(run(utc(day, "23:20"), 10, 42.0));
    assert_eq!(judge(&end_by_nine(), day, &readings, &rules()).code(), "kept", "30 missing minutes are allowed");
}

#[test]
fn readings_taken_in_maintenance_count_as_missing() {
    let day = date(2);
    let mut readings = choir(day, "20:55", 60.0);
    for r in &mut readings {
        r.flag = Some(crate::domain::monitor::DataFlag::Maintenance);
    }
    assert_eq!(judge(&end_by_nine(), day, &readings, &rules()).code(), "no_data");
}

#[test]
fn an_hour_at_50_and_an_hour_at_60_average_to_57_4_and_break_a_55_limit() {
    // 10·log10((10^5 + 10^6) / 2) = 10·log10(550 000) = 57.4 dB, above
    // 55 + 1 dB of tolerance. (The arithmetic mean, 55 dB, would pass.)
    let day = date(2);
    let mut readings = run(utc(day, "19:00"), 60, 50.0);
    readings.extend(run(utc(day, "20:00"), 60, 60.0));
    let outcome = judge(&at_most_55(), day, &readings, &rules());
    let NightOutcome::PossibleBreach(Evidence::Volume(e)) = &outcome else { panic!("{outcome:?}") };
    assert_eq!((e.mean_db, e.limit_db, e.tolerance_db), (57.4, 55.0, 1.0));
    let loudest = e.loudest.as_ref().expect("loudest");
    assert_eq!((loudest.at, loudest.laeq_db), (utc(day, "20:00"), 60.0));
}

#[test]
fn a_mean_at_limit_plus_tolerance_is_kept_and_hourly_readings_count_by_their_overlap() {
    // Window 19:30–21:00; hourly readings 19:00–20:00 at 60 dB (30 minutes
    // inside) and 20:00–21:00 at 50 dB (60 inside):
    // 10·log10((30·10^6 + 60·10^5) / 90) = 10·log10(400 000) = 56.0 dB = 55 + 1.
    let day = date(2);
    let readings = [reading(utc(day, "19:00"), 3600, 60.0), reading(utc(day, "20:00"), 3600, 50.0)];
    let window = term(TermKind::VolumeLimit, Some("19:30"), Some("21:00"), Some(55.0));
    let outcome = judge(&window, day, &readings, &rules());
    let NightOutcome::Kept(Evidence::Volume(e)) = &outcome else { panic!("{outcome:?}") };
    assert_eq!(e.mean_db, 56.0);
    let quieter = run(utc(day, "19:00"), 120, 54.0);
    assert_eq!(judge(&at_most_55(), day, &quieter, &rules()).code(), "kept");
}

#[test]
fn terms_apply_only_on_their_days() {
    let mut weekends = end_by_nine();
    weekends.days = Some("weekends".into());
    let monitor = monitor();
    let readings = choir(date(1), "21:30", 60.0);
    // 2026-06-01 is a Monday; the 6th a Saturday.
    let monday = Night { date: date(1), offset_minutes: CHINA, monitor: &monitor, readings: &readings };
    assert_eq!(evaluate_term(&weekends, None, &monday, &rules()), Err(NotEvaluated::NotThatDay));
    assert!(applies_on(Some("sat,sun"), date(6)) && applies_on(Some("weekdays"), date(5)));
    assert!(!applies_on(Some("mon,wed"), date(2)) && applies_on(None, date(2)));
}

#[test]
fn an_agreement_is_judged_term_by_term_and_a_volume_term_borrows_the_time_window() {
    let day = date(2);
    let readings = choir(day, "21:12", 60.0);
    let monitor = monitor();
    let night = Night { date: day, offset_minutes: CHINA, monitor: &monitor, readings: &readings };
    let no_window = term(TermKind::VolumeLimit, None, None, Some(55.0));
    let indoors = Term { position: Some(Position::IndoorBedroom), ..at_most_55() };
    let payment = Term { amount_fen: Some(80_000), ..term(TermKind::Payment, None, None, None) };
    let terms = [end_by_nine(), no_window, indoors, payment];
    let findings = evaluate_agreement(&terms, &night, &rules());
    let found: Vec<(usize, &str)> = findings.iter().map(|f| (f.term_index, f.outcome.code())).collect();
    assert_eq!(found, [(0, "possible_breach"), (1, "possible_breach")]);
    assert_eq!(evaluate_term(&terms[2], None, &night, &rules()), Err(NotEvaluated::OtherPosition));
    assert_eq!(evaluate_term(&terms[1], None, &night, &rules()), Err(NotEvaluated::Incomplete));
    assert_eq!(evaluate_term(&terms[3], None, &night, &rules()), Err(NotEvaluated::NotMeasurable));
}

#[test]
fn findings_after_the_calibration_lapses_are_indicative() {
    // Calibrated 1 June, valid through 10 June: the night of the 10th is
    // certified, the 11th only indicative, with the same evidence.
    let monitor = monitor();
    let findings = |day: NaiveDate| {
        let readings = choir(day, "21:12", 60.0);
        let night = Night { date: day, offset_minutes: CHINA, monitor: &monitor, readings: &readings };
        evaluate_agreement(&[end_by_nine()], &night, &rules())
    };
    let (tenth, eleventh) = (findings(date(10)), findings(date(11)));
    assert_eq!(tenth[0].basis, Basis::Certified);
    assert_eq!(eleventh[0].basis, Basis::Indicative);
    assert_eq!(tenth[0].outcome.code(), eleventh[0].outcome.code());
}

#[test]
fn an_early_start_is_checked_only_when_asked() {
    let day = date(2);
    let mut readings = run(utc(day, "18:30"), 30, 60.0);
    readings.extend(choir(day, "20:55", 60.0));
    assert_eq!(judge(&end_by_nine(), day, &readings, &rules()).code(), "kept");
    // Watching the hour before 19:00: 18:30–19:00 at 60 dB is 30 minutes
    // above 50; 18:00–18:30 has no readings, an eighth of the 4 hours watched.
    let watching = NightRules { watch_before_start_minutes: 60, ..rules() };
    let outcome = judge(&end_by_nine(), day, &readings, &watching);
    assert_eq!(outcome.code(), "possible_breach");
    assert_eq!(time_evidence(&outcome).minutes_after_end(), 0.0);
    assert_eq!(time_evidence(&outcome).minutes_before_start(), 30.0);
}

#[test]
fn a_finding_is_stored_as_json_with_its_evidence() {
    let outcome = judge(&end_by_nine(), date(2), &choir(date(2), "21:12", 60.0), &rules());
    let json = serde_json::to_value(&outcome).expect("json");
    assert_eq!(json["outcome"], "possible_breach");
    assert_eq!(json["kind"], "time_window");
    assert_eq!(json["after_end"].as_array().map(Vec::len), Some(12));
}
