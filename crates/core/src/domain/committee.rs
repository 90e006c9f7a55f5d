//! The mediation committee and its settings.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::clock::{ClockTime, NightWindow};
use super::language::Lang;
use super::{Invalid, required_text};

/// Sound environment functional zone class of GB 3096-2008.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ZoneClass {
    /// Class 0: convalescence areas.
    #[serde(rename = "0")]
    C0,
    /// Class 1: residential, medical, educational areas.
    #[serde(rename = "1")]
    C1,
    /// Class 2: mixed residential and commercial areas.
    #[serde(rename = "2")]
    C2,
    /// Class 3: industrial and storage areas.
    #[serde(rename = "3")]
    C3,
    /// Class 4a: along major roads.
    #[serde(rename = "4a")]
    C4a,
    /// Class 4b: along railways.
    #[serde(rename = "4b")]
    C4b,
}

impl ZoneClass {
    /// Every class, in the standard's order.
    pub const ALL: [ZoneClass; 6] =
        [ZoneClass::C0, ZoneClass::C1, ZoneClass::C2, ZoneClass::C3, ZoneClass::C4a, ZoneClass::C4b];

    /// The code as written in the standard and stored.
    pub fn code(self) -> &'static str {
        match self {
            ZoneClass::C0 => "0",
            ZoneClass::C1 => "1",
            ZoneClass::C2 => "2",
            ZoneClass::C3 => "3",
            ZoneClass::C4a => "4a",
            ZoneClass::C4b => "4b",
        }
    }

    /// Parses a stored or submitted code.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let code = raw.trim().to_ascii_lowercase();
        Self::ALL.into_iter().find(|z| z.code() == code).ok_or_else(|| Invalid::new("invalid.zone_class"))
    }
}

impl super::StoredCode for ZoneClass {
    const NAME: &'static str = "ZoneClass";

    fn as_code(self) -> &'static str {
        self.code()
    }

    fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|z| z.code() == code)
    }
}

impl fmt::Display for ZoneClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// How case numbers are written: `{year}`, `{abbr}` and `{seq}` are filled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberPattern(String);

impl NumberPattern {
    /// The pattern of the official forms.
    pub const DEFAULT: &'static str = "（{year}）{abbr}人调字第{seq}号";

    /// Accepts a pattern that holds `{seq}` once and no unknown placeholder.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let pattern = required_text(raw, 60)?;
        if pattern.matches("{seq}").count() != 1 {
            return Err(Invalid::new("invalid.number_pattern_seq"));
        }
        let mut rest = pattern.as_str();
        while let Some(open) = rest.find('{') {
            let after = &rest[open..];
            let close = after.find('}').ok_or_else(|| Invalid::new("invalid.number_pattern_placeholder"))?;
            if !matches!(&after[..=close], "{year}" | "{abbr}" | "{seq}") {
                return Err(Invalid::new("invalid.number_pattern_placeholder"));
            }
            rest = &after[close + 1..];
        }
        Ok(Self(pattern))
    }

    /// The case number for a year and sequence.
    pub fn format(&self, year: i32, abbreviation: &str, seq: i64) -> String {
        self.0.replace("{year}", &year.to_string()).replace("{abbr}", abbreviation).replace("{seq}", &seq.to_string())
    }

    /// The pattern text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for NumberPattern {
    fn default() -> Self {
        Self(Self::DEFAULT.to_owned())
    }
}

/// A committee's settings, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitteeSettings {
    /// Full name, e.g. 敦化南路社区人民调解委员会.
    pub name: String,
    /// Short form used in case numbers, e.g. 敦南.
    pub abbreviation: String,
    /// Case number pattern.
    pub number_pattern: NumberPattern,
    /// Sound zone class of the committee's area.
    pub zone_class: ZoneClass,
    /// Night hours for noise limits.
    pub night: NightWindow,
    /// Language of the committee's documents.
    pub language: Lang,
    /// Offset of local time from UTC, in minutes (China: +480).
    pub utc_offset_minutes: i32,
    /// Years a closed case is kept before parties' personal data is removed.
    pub retention_years: i32,
}

/// Settings as submitted, before checking.
#[derive(Debug, Clone, Default)]
pub struct CommitteeInput<'a> {
    /// Full name.
    pub name: &'a str,
    /// Abbreviation for numbers.
    pub abbreviation: &'a str,
    /// Zone class code.
    pub zone_class: &'a str,
    /// Night start, `HH:MM`; default 22:00.
    pub night_start: Option<&'a str>,
    /// Night end, `HH:MM`; default 06:00.
    pub night_end: Option<&'a str>,
    /// Case number pattern; default [`NumberPattern::DEFAULT`].
    pub number_pattern: Option<&'a str>,
    /// Language code; default zh-CN.
    pub language: Option<&'a str>,
    /// Retention period in years; default 10.
    pub retention_years: Option<i32>,
}

impl CommitteeSettings {
    /// The committee created on first start.
    pub fn default_committee() -> Self {
        Self {
            name: "人民调解委员会".to_owned(),
            abbreviation: "调".to_owned(),
            number_pattern: NumberPattern::default(),
            zone_class: ZoneClass::C1,
            night: NightWindow::default(),
            language: Lang::ZhCn,
            utc_offset_minutes: 480,
            retention_years: 10,
        }
    }

    /// Checks every field; the error names each bad one.
    pub fn parse(input: &CommitteeInput<'_>) -> Result<Self, Vec<(&'static str, Invalid)>> {
        let mut errors = Vec::new();
        let name = required_text(input.name, 100).map_err(|e| errors.push(("name", e))).ok();
        let abbreviation = required_text(input.abbreviation, 10).map_err(|e| errors.push(("abbreviation", e))).ok();
        let zone_class = ZoneClass::parse(input.zone_class).map_err(|e| errors.push(("zone_class", e))).ok();
        let defaults = NightWindow::default();
        let start = clock_or(input.night_start, defaults.start).map_err(|e| errors.push(("night_start", e))).ok();
        let end = clock_or(input.night_end, defaults.end).map_err(|e| errors.push(("night_end", e))).ok();
        let night = match (start, end) {
            (Some(s), Some(e)) => NightWindow::new(s, e).map_err(|e| errors.push(("night_end", e))).ok(),
            _ => None,
        };
        let number_pattern = input
            .number_pattern
            .filter(|p| !p.trim().is_empty())
            .map_or_else(|| Ok(NumberPattern::default()), NumberPattern::parse)
            .map_err(|e| errors.push(("number_pattern", e)))
            .ok();
        let language = input
            .language
            .filter(|l| !l.trim().is_empty())
            .map_or(Ok(Lang::ZhCn), Lang::parse)
            .map_err(|e| errors.push(("language", e)))
            .ok();
        let retention_years = match input.retention_years.unwrap_or(10) {
            y @ 1..=100 => Some(y),
            _ => {
                errors.push(("retention_years", Invalid::new("invalid.retention_years")));
                None
            }
        };
        match (name, abbreviation, zone_class, night, number_pattern, language, retention_years) {
            (
                Some(name),
                Some(abbreviation),
                Some(zone_class),
                Some(night),
                Some(number_pattern),
                Some(language),
                Some(retention_years),
            ) if errors.is_empty() => Ok(Self {
                name,
                abbreviation,
                number_pattern,
                zone_class,
                night,
                language,
                utc_offset_minutes: 480,
                retention_years,
            }),
            _ => Err(errors),
        }
    }
}

fn clock_or(raw: Option<&str>, default: ClockTime) -> Result<ClockTime, Invalid> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => ClockTime::parse(s),
        None => Ok(default),
    }
}

/// Largest seal image accepted.
pub const MAX_SEAL_BYTES: usize = 2 * 1024 * 1024;

/// Checks an uploaded seal image: at most 2 MB, a PNG that decodes
/// completely (every chunk and checksum), 100 to 2000 pixels a side.
/// Returns its width and height.
pub fn check_seal_png(bytes: &[u8]) -> Result<(u32, u32), Invalid> {
    if bytes.len() > MAX_SEAL_BYTES {
        return Err(Invalid::new("invalid.seal_too_large").with("max", "2 MB"));
    }
    let not_png = || Invalid::new("invalid.seal_not_png");
    let decoder = png::Decoder::new_with_limits(std::io::Cursor::new(bytes), png::Limits { bytes: 64 * 1024 * 1024 });
    let mut reader = decoder.read_info().map_err(|_| not_png())?;
    let (width, height) = (reader.info().width, reader.info().height);
    if !(100..=2000).contains(&width) || !(100..=2000).contains(&height) {
        return Err(Invalid::new("invalid.seal_dimensions"));
    }
    let mut buffer = vec![0; reader.output_buffer_size().ok_or_else(not_png)?];
    reader.next_frame(&mut buffer).map_err(|_| not_png())?;
    Ok((width, height))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn a_number_names_its_year_and_sequence_and_distinct_sequences_differ(
            year in 2000i32..2100, seq in 1i64..1_000_000, other in 1i64..1_000_000
        ) {
            let p = NumberPattern::default();
            let n = p.format(year, "敦南", seq);
            prop_assert_eq!(n.clone(), format!("（{year}）敦南人调字第{seq}号"));
            prop_assert_eq!(n == p.format(year, "敦南", other), seq == other);
        }
    }

    #[test]
    fn the_default_pattern_gives_the_official_number() {
        let p = NumberPattern::default();
        assert_eq!(p.format(2026, "敦南", 7), "（2026）敦南人调字第7号");
    }

    #[test]
    fn patterns_need_one_seq_and_known_placeholders_only() {
        assert!(NumberPattern::parse("{abbr}-{year}-{seq}").is_ok());
        assert_eq!(NumberPattern::parse("{year}").map_err(|e| e.key), Err("invalid.number_pattern_seq"));
        assert_eq!(NumberPattern::parse("{seq}{seq}").map_err(|e| e.key), Err("invalid.number_pattern_seq"));
        assert_eq!(NumberPattern::parse("{seq}-{month}").map_err(|e| e.key), Err("invalid.number_pattern_placeholder"));
        assert_eq!(NumberPattern::parse("{seq}-{year").map_err(|e| e.key), Err("invalid.number_pattern_placeholder"));
    }

    #[test]
    fn committee_settings_name_every_bad_field() {
        let input = CommitteeInput {
            name: " ",
            abbreviation: "敦南",
            zone_class: "5",
            night_start: Some("25:00"),
            number_pattern: Some("no seq"),
            ..Default::default()
        };
        let errors = CommitteeSettings::parse(&input).expect_err("refused");
        let fields: Vec<_> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["name", "zone_class", "night_start", "number_pattern"]);
    }

    #[test]
    fn committee_settings_default_the_night_and_pattern() {
        let input = CommitteeInput {
            name: "敦化南路社区人民调解委员会",
            abbreviation: "敦南",
            zone_class: "1",
            ..Default::default()
        };
        let settings = CommitteeSettings::parse(&input).expect("valid");
        assert_eq!(settings.night, NightWindow::default());
        assert_eq!(settings.number_pattern, NumberPattern::default());
        assert_eq!(settings.language, Lang::ZhCn);
    }

    fn png_of(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgba);
        let mut writer = encoder.write_header().expect("header");
        writer.write_image_data(&vec![200; (width * height * 4) as usize]).expect("data");
        writer.finish().expect("finish");
        out
    }

    #[test]
    fn a_seal_must_be_a_whole_png_of_a_sensible_size() {
        let good = png_of(300, 300);
        assert_eq!(check_seal_png(&good), Ok((300, 300)));
        assert_eq!(check_seal_png(&good[..good.len() - 20]).map_err(|e| e.key), Err("invalid.seal_not_png"));
        let mut corrupt = good.clone();
        let middle = corrupt.len() / 2;
        corrupt[middle] ^= 0xff;
        assert!(check_seal_png(&corrupt).is_err(), "a damaged chunk fails its checksum");
        assert_eq!(check_seal_png(&png_of(40, 40)).map_err(|e| e.key), Err("invalid.seal_dimensions"));
        assert_eq!(check_seal_png(b"GIF89a not a png").map_err(|e| e.key), Err("invalid.seal_not_png"));
        assert_eq!(check_seal_png(&vec![0; MAX_SEAL_BYTES + 1]).map_err(|e| e.key), Err("invalid.seal_too_large"));
    }
}
