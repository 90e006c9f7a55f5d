//! Complaints: channels, categories, observed patterns and duplicates.

use chrono::{NaiveDateTime, TimeDelta};

use super::Invalid;
use super::case::code_enum;
use super::clock::ClockTime;
use super::language::Lang;
use crate::i18n::{t, t_with};

code_enum!(
    /// How a complaint reached the committee.
    Channel, "invalid.choice", {
        /// By telephone.
        Phone => "phone",
        /// By WeChat.
        Wechat => "wechat",
        /// In person at the office.
        Visit => "visit",
        /// Noticed on a grid worker's patrol.
        Patrol => "patrol",
        /// Passed on from the 12345 hotline.
        Hotline => "hotline",
        /// Through an online form.
        Online => "online",
    }
);

code_enum!(
    /// What the complaint is about.
    Category, "invalid.choice", {
        /// Noise.
        Noise => "noise",
        /// Water leaking between flats.
        Leak => "leak",
        /// Other nuisance (smells, pets, hornets…).
        Nuisance => "nuisance",
        /// Property management.
        Property => "property",
        /// Anything else.
        Other => "other",
    }
);

/// Complaints this close in time, at the same place and of the same kind,
/// are suggested as duplicates.
pub const SIMILAR_WITHIN: TimeDelta = TimeDelta::days(60);

/// The form of a location used to find duplicates: full-width characters
/// made half-width, spaces removed, Latin letters lower-cased — so
/// "敦化南路６４号院" and "敦化南路 64 号院" match.
pub fn location_key(location: &str) -> String {
    location.chars().map(super::narrow).filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_lowercase()).collect()
}

/// Whether two complaints are likely about the same thing.
pub fn likely_duplicate(a: (Category, &str, NaiveDateTime), b: (Category, &str, NaiveDateTime)) -> bool {
    a.0 == b.0 && location_key(a.1) == location_key(b.1) && (a.2 - b.2).abs() <= SIMILAR_WITHIN
}

/// The days of the week, Monday first, as stored in lists of days.
pub const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// When the disturbance happens, as the reporter describes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObservedPattern {
    /// In the reporter's words.
    pub text: Option<String>,
    /// Usual start.
    pub start: Option<ClockTime>,
    /// Usual end.
    pub end: Option<ClockTime>,
    /// Days of the week, `daily`, or a list like `mon,wed,fri`.
    pub days: Option<String>,
}

/// Parses a days field: `daily`, `weekdays`, `weekends`, or a comma list of
/// `mon`…`sun`; returns the normalised form.
pub fn parse_days(raw: &str) -> Result<String, Invalid> {
    let raw = raw.trim().to_ascii_lowercase();
    if matches!(raw.as_str(), "daily" | "weekdays" | "weekends") {
        return Ok(raw);
    }
    let mut days: Vec<usize> = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let index = DAYS.iter().position(|d| *d == part).ok_or_else(|| Invalid::new("invalid.days"))?;
        if !days.contains(&index) {
            days.push(index);
        }
    }
    if days.is_empty() {
        return Err(Invalid::new("invalid.days"));
    }
    days.sort_unstable();
    Ok(days.iter().map(|i| DAYS[*i]).collect::<Vec<_>>().join(","))
}

/// Days as stored (`daily`, `weekdays`, `mon,wed`…; none means every day)
/// in words of `lang`: 每天, 每周一至周五, 每周一、周三.
pub fn days_in_words(days: Option<&str>, lang: Lang) -> String {
    match days {
        None | Some("daily") => t(lang, "days.daily"),
        Some("weekdays") => t(lang, "days.weekdays"),
        Some("weekends") => t(lang, "days.weekends"),
        Some(list) => {
            let names: Vec<String> = list.split(',').map(|d| t(lang, &format!("days.{d}"))).collect();
            t_with(lang, "days.list", &[("days", names.join(&t(lang, "days.separator")))])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn locations_match_across_full_width_characters_and_spaces() {
        assert_eq!(location_key("敦化南路６４号院"), location_key("敦化南路 64 号院"));
        assert_eq!(location_key("Block　A 3"), "blocka3");
        assert_ne!(location_key("敦化南路64号院"), location_key("敦化南路46号院"));
    }

    #[test]
    fn duplicates_need_the_same_category_place_and_sixty_days() {
        let day = |d: u32| {
            NaiveDate::from_ymd_opt(2026, 5, 1).and_then(|x| x.and_hms_opt(20, 0, 0)).expect("t")
                + TimeDelta::days(i64::from(d))
        };
        let a = (Category::Noise, "敦化南路64号院", day(0));
        assert!(likely_duplicate(a, (Category::Noise, "敦化南路 ６４号院", day(60))));
        assert!(!likely_duplicate(a, (Category::Noise, "敦化南路64号院", day(61))));
        assert!(!likely_duplicate(a, (Category::Leak, "敦化南路64号院", day(1))));
    }

    #[test]
    fn days_are_normalised() {
        assert_eq!(parse_days("Fri, mon,mon").as_deref(), Ok("mon,fri"));
        assert_eq!(parse_days("daily").as_deref(), Ok("daily"));
        assert!(parse_days("someday").is_err());
        assert!(parse_days(" , ").is_err());
    }
}
