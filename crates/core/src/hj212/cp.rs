//! The data area between `CP=&&` and `&&`: `DataTime`, the factors'
//! `code-Suffix=value` items, and plain keys such as `QnRtn` or `RtdInterval`.
//!
//! Items of one factor are joined by `,` and groups by `;`, but devices
//! spread one factor over several groups and put single items alone, so
//! both separators are read alike and every item lands in one map of
//! factor code → suffix → value. A key is split on its last `-`, so codes
//! may hold a `-` of their own.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDateTime;

use super::packet::{is_plain, parse_stamp, short, stamp, stamp_millis};

/// The data area of a packet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cp {
    /// `DataTime`: the time the data are for, in the device's clock.
    pub data_time: Option<NaiveDateTime>,
    /// Factor code → suffix (`Rtd`, `Avg`, `Data`, `Flag`…) → value as written.
    pub factors: BTreeMap<String, BTreeMap<String, String>>,
    /// Keys without a suffix (`QnRtn`, `ExeRtn`, `RtdInterval`…) → value.
    pub fields: BTreeMap<String, String>,
}

/// Why a data area could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CpError {
    /// An item without `=`.
    NoEquals(String),
    /// An item whose key, factor code or suffix is empty.
    EmptyKey(String),
    /// `DataTime` not 14 (or 17) digits naming a real time.
    DataTime,
    /// The same key twice.
    Repeated(String),
}

impl fmt::Display for CpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CpError::NoEquals(item) => write!(f, "item {item:?} without '='"),
            CpError::EmptyKey(item) => write!(f, "item {item:?} with an empty key, code or suffix"),
            CpError::DataTime => f.write_str("DataTime not a 14-digit time"),
            CpError::Repeated(key) => write!(f, "key {key:?} given twice"),
        }
    }
}

impl std::error::Error for CpError {}

/// Why a data area cannot be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unwritable;

impl Cp {
    /// Reads the text between `CP=&&` and `&&`.
    pub fn parse(area: &str) -> Result<Self, CpError> {
        let mut cp = Cp::default();
        for item in area.split([';', ',']).map(str::trim).filter(|i| !i.is_empty()) {
            let (key, value) = item.split_once('=').ok_or_else(|| CpError::NoEquals(short(item)))?;
            if key.is_empty() {
                return Err(CpError::EmptyKey(short(item)));
            }
            let repeated = || CpError::Repeated(short(key));
            if key == "DataTime" {
                let at = parse_stamp(value, false).or_else(|| parse_stamp(value, true)).ok_or(CpError::DataTime)?;
                if cp.data_time.replace(at).is_some() {
                    return Err(repeated());
                }
            } else if let Some((code, suffix)) = key.rsplit_once('-') {
                if code.is_empty() || suffix.is_empty() {
                    return Err(CpError::EmptyKey(short(item)));
                }
                let items = cp.factors.entry(code.to_owned()).or_default();
                if items.insert(suffix.to_owned(), value.to_owned()).is_some() {
                    return Err(repeated());
                }
            } else if cp.fields.insert(key.to_owned(), value.to_owned()).is_some() {
                return Err(repeated());
            }
        }
        Ok(cp)
    }

    /// The value of a factor's item, e.g. `get("LA", "Rtd")`.
    pub fn get(&self, code: &str, suffix: &str) -> Option<&str> {
        self.factors.get(code)?.get(suffix).map(String::as_str)
    }

    /// The value of a plain key, e.g. `field("QnRtn")`.
    pub fn field(&self, key: &str) -> Option<&str> {
        self.fields.get(key).map(String::as_str)
    }

    /// Sets a factor's item.
    pub fn set(&mut self, code: &str, suffix: &str, value: impl Into<String>) {
        self.factors.entry(code.to_owned()).or_default().insert(suffix.to_owned(), value.into());
    }

    /// Whether the area holds nothing (`CP=&&&&`).
    pub fn is_empty(&self) -> bool {
        self.data_time.is_none() && self.factors.is_empty() && self.fields.is_empty()
    }

    /// Writes the area as it is read back: `DataTime` first, one `;` group
    /// per factor with its items joined by `,` (values before their flags),
    /// then the plain keys. Refused
    /// when a key or value could not be read back as written.
    pub fn write(&self) -> Result<String, Unwritable> {
        let mut groups = Vec::new();
        if let Some(at) = self.data_time {
            // Fourteen digits as the standard writes it; seventeen only to
            // keep milliseconds a device sent.
            let text = if at.and_utc().timestamp_subsec_nanos() == 0 { stamp(at) } else { stamp_millis(at) };
            groups.push(format!("DataTime={}", text.ok_or(Unwritable)?));
        }
        for (code, items) in &self.factors {
            // The code may hold '-' (the key is split on its last one) but not end with one.
            let code_ok = code.split('-').all(|part| !part.is_empty() && is_plain(part));
            if !code_ok || items.is_empty() {
                return Err(Unwritable);
            }
            let mut group = Vec::new();
            // Values before their marks, as devices write them.
            let mark = |suffix: &str| matches!(suffix, "Flag" | "EFlag" | "SampleTime");
            let values = items.iter().filter(|(s, _)| !mark(s));
            for (suffix, value) in values.chain(items.iter().filter(|(s, _)| mark(s))) {
                if suffix.is_empty() || suffix.contains('-') || !is_plain(suffix) || !is_plain(value) {
                    return Err(Unwritable);
                }
                group.push(format!("{code}-{suffix}={value}"));
            }
            groups.push(group.join(","));
        }
        for (key, value) in &self.fields {
            if key.is_empty() || key == "DataTime" || key.contains('-') || !is_plain(key) || !is_plain(value) {
                return Err(Unwritable);
            }
            groups.push(format!("{key}={value}"));
        }
        Ok(groups.join(";"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_factor_item_lands_in_one_map_whatever_the_grouping() {
        let cp = Cp::parse("DataTime=20240501120000;Leq-Data=56.2;L10-Data=58.7,L10-Flag=N;LMx-Data=68.4;LMx-Flag=N")
            .expect("cp");
        assert_eq!(cp.get("Leq", "Data"), Some("56.2"));
        assert_eq!(cp.get("L10", "Flag"), Some("N"));
        assert_eq!(cp.get("LMx", "Flag"), Some("N"), "a factor spread over two groups");
        assert_eq!(cp.factors.len(), 3);
    }

    #[test]
    fn keys_split_on_their_last_dash_and_plain_keys_are_kept_apart() {
        let cp = Cp::parse("a-b-Rtd=1;QnRtn=9;RtdInterval=30").expect("cp");
        assert_eq!(cp.get("a-b", "Rtd"), Some("1"));
        assert_eq!(cp.field("QnRtn"), Some("9"));
        assert_eq!(cp.field("RtdInterval"), Some("30"));
    }

    #[test]
    fn a_trailing_separator_and_stray_spaces_are_tolerated() {
        let cp = Cp::parse("DataTime=20160801085857; LA-Rtd=50.1;").expect("cp");
        assert_eq!(cp.get("LA", "Rtd"), Some("50.1"));
        assert!(Cp::parse("").expect("empty").is_empty());
    }

    #[test]
    fn malformed_items_are_refused() {
        assert!(matches!(Cp::parse("LA-Rtd"), Err(CpError::NoEquals(_))));
        assert!(matches!(Cp::parse("=1"), Err(CpError::EmptyKey(_))));
        assert!(matches!(Cp::parse("-Rtd=1"), Err(CpError::EmptyKey(_))));
        assert!(matches!(Cp::parse("LA-=1"), Err(CpError::EmptyKey(_))));
        assert_eq!(Cp::parse("DataTime=20240230120000"), Err(CpError::DataTime));
        assert!(matches!(Cp::parse("LA-Rtd=1;LA-Rtd=2"), Err(CpError::Repeated(_))));
    }

    #[test]
    fn a_written_area_reads_back_the_same() {
        let cp = Cp::parse("DataTime=20240501120000;LA-Rtd=55.3,LA-Flag=N;x-y-Avg=1;QnRtn=1").expect("cp");
        let text = cp.write().expect("writable");
        assert_eq!(text, "DataTime=20240501120000;LA-Rtd=55.3,LA-Flag=N;x-y-Avg=1;QnRtn=1");
        assert_eq!(Cp::parse(&text), Ok(cp));
        let mut bad = Cp::default();
        bad.set("LA", "Rtd", "5;5");
        assert_eq!(bad.write(), Err(Unwritable));
    }
}
