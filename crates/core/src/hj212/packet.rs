//! The data segment, `QN=…;ST=…;CN=…;PW=…;MN=…;Flag=…;CP=&&…&&`, read into
//! a typed packet.
//!
//! Fields are read by name, in any order; unknown header fields are ignored.
//! Segments in the 2005 form, with neither `QN` nor `Flag`, are read too: a
//! request number is required only when the flag says 2017 or later.

use std::fmt;

use chrono::{NaiveDate, NaiveDateTime};

use super::codes::QnRtn;
use super::cp::{Cp, CpError};

/// A request number: the moment a command was issued, to the millisecond,
/// written `YYYYMMDDhhmmsszzz`. Every reply echoes it as it came.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Qn {
    text: String,
    at: NaiveDateTime,
}

impl Qn {
    /// Reads 17 digits naming a real time.
    pub fn parse(raw: &str) -> Option<Self> {
        let at = parse_stamp(raw, true)?;
        Some(Self { text: raw.to_owned(), at })
    }

    /// The request number of a moment (milliseconds kept); `None` outside
    /// the years 0–9999.
    pub fn of(at: NaiveDateTime) -> Option<Self> {
        Self::parse(&stamp_millis(at)?)
    }

    /// The 17 digits as received.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The moment, in the device's clock.
    pub fn time(&self) -> NaiveDateTime {
        self.at
    }
}

/// The `Flag` field: bits `V5…V0 D A`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Flag(pub u8);

impl Flag {
    /// HJ 212-2017, no answer wanted: what replies carry.
    pub const REPLY: Flag = Flag(4);
    /// HJ 212-2017, answer wanted: what uploads usually carry.
    pub const UPLOAD: Flag = Flag(5);

    /// The standard's version: 0 for HJ/T 212-2005, 1 for HJ 212-2017,
    /// 2 for HJ 212-2025.
    pub fn version(self) -> u8 {
        self.0 >> 2
    }

    /// Bit D: the packet is one of several (`PNUM`, `PNO`).
    pub fn split(self) -> bool {
        self.0 & 2 != 0
    }

    /// Bit A: the receiver must answer.
    pub fn wants_reply(self) -> bool {
        self.0 & 1 != 0
    }
}

/// Which of several packets carrying one upload this is (`PNUM`, `PNO`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Part {
    /// How many packets in all.
    pub count: u32,
    /// This one, from 1.
    pub number: u32,
}

/// A data segment read into its fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Packet {
    /// Request number; absent only in the 2005 form.
    pub qn: Option<Qn>,
    /// System code (see [`st`](super::codes::st)).
    pub st: u8,
    /// Command code (see [`cn`](super::codes::cn)).
    pub cn: u16,
    /// Access password.
    pub pw: String,
    /// The device's identity (监测点编码).
    pub mn: String,
    /// Version and answer bits; absent in the 2005 form.
    pub flag: Option<Flag>,
    /// Packet numbers of a split upload.
    pub part: Option<Part>,
    /// The data area.
    pub cp: Cp,
}

impl Packet {
    /// Whether the sender waits for an answer (flag bit A).
    pub fn wants_reply(&self) -> bool {
        self.flag.is_some_and(Flag::wants_reply)
    }
}

/// Why a data segment could not be read; each maps to the standard's
/// `QnRtn` code with [`PacketError::qn_rtn`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PacketError {
    /// `QN` missing from a 2017 packet, or not 17 digits naming a real time.
    Qn,
    /// `ST` missing or not one or two digits.
    St,
    /// `CN` missing or not four digits.
    Cn,
    /// `PW` missing, empty, longer than 16 or holding a separator.
    Pw,
    /// `MN` missing, empty, longer than 24 or holding a separator.
    Mn,
    /// `Flag` not a number from 0 to 255.
    Flag,
    /// `PNUM` or `PNO` missing while the other is there, or not 1 ≤ PNO ≤ PNUM.
    Part,
    /// A header field written twice or without `=`.
    Field(String),
    /// No `CP=&&…&&` closing the segment.
    NoDataArea,
    /// The data area could not be read.
    DataArea(CpError),
}

impl PacketError {
    /// The code a device is answered with for this failure.
    pub fn qn_rtn(&self) -> QnRtn {
        match self {
            PacketError::Qn => QnRtn::Qn,
            PacketError::St => QnRtn::St,
            PacketError::Cn => QnRtn::Cn,
            PacketError::Pw => QnRtn::Password,
            PacketError::Mn => QnRtn::Mn,
            PacketError::Flag => QnRtn::Flag,
            PacketError::Part | PacketError::Field(_) | PacketError::NoDataArea | PacketError::DataArea(_) => {
                QnRtn::Unknown
            }
        }
    }
}

impl fmt::Display for PacketError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PacketError::Qn => f.write_str("QN missing or not a 17-digit time"),
            PacketError::St => f.write_str("ST missing or malformed"),
            PacketError::Cn => f.write_str("CN missing or malformed"),
            PacketError::Pw => f.write_str("PW missing or malformed"),
            PacketError::Mn => f.write_str("MN missing or malformed"),
            PacketError::Flag => f.write_str("Flag not a number from 0 to 255"),
            PacketError::Part => f.write_str("PNUM/PNO missing or out of range"),
            PacketError::Field(key) => write!(f, "header field {key:?} repeated or without '='"),
            PacketError::NoDataArea => f.write_str("no CP=&&…&& at the end of the segment"),
            PacketError::DataArea(e) => write!(f, "data area: {e}"),
        }
    }
}

impl std::error::Error for PacketError {}

/// Longest password read or written.
pub const MAX_PW_LEN: usize = 16;
/// Longest device identity read or written (the standard's 24 characters).
pub const MAX_MN_LEN: usize = 24;

/// Whether text can stand in a header field or the data area: printable
/// ASCII without the separators `;` `,` `=` `&`.
pub(crate) fn is_plain(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_graphic() && !matches!(b, b';' | b',' | b'=' | b'&'))
}

/// Whether text can be a password.
pub fn valid_pw(pw: &str) -> bool {
    !pw.is_empty() && pw.len() <= MAX_PW_LEN && is_plain(pw)
}

/// Whether text can be a device identity: devices write shorter ones and
/// underscores, so any plain text up to 24 characters is taken.
pub fn valid_mn(mn: &str) -> bool {
    !mn.is_empty() && mn.len() <= MAX_MN_LEN && is_plain(mn)
}

/// Reads `YYYYMMDDhhmmss`, or with `millis` `YYYYMMDDhhmmsszzz`.
pub(crate) fn parse_stamp(raw: &str, millis: bool) -> Option<NaiveDateTime> {
    let len = if millis { 17 } else { 14 };
    if raw.len() != len || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |from: usize, to: usize| raw[from..to].parse::<u32>().ok();
    let date = NaiveDate::from_ymd_opt(i32::try_from(n(0, 4)?).ok()?, n(4, 6)?, n(6, 8)?)?;
    let ms = if millis { n(14, 17)? } else { 0 };
    date.and_hms_milli_opt(n(8, 10)?, n(10, 12)?, n(12, 14)?, ms)
}

/// Writes `YYYYMMDDhhmmss`; `None` outside the years 0–9999.
pub(crate) fn stamp(at: NaiveDateTime) -> Option<String> {
    use chrono::{Datelike, Timelike};
    (0..=9999).contains(&at.year()).then(|| {
        format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}",
            at.year(),
            at.month(),
            at.day(),
            at.hour(),
            at.minute(),
            at.second().min(59)
        )
    })
}

/// Writes `YYYYMMDDhhmmsszzz`; `None` outside the years 0–9999.
pub(crate) fn stamp_millis(at: NaiveDateTime) -> Option<String> {
    Some(format!("{}{:03}", stamp(at)?, at.and_utc().timestamp_subsec_millis().min(999)))
}

/// The header fields as written, before they are checked.
#[derive(Default)]
struct Header<'a> {
    qn: Option<&'a str>,
    st: Option<&'a str>,
    cn: Option<&'a str>,
    pw: Option<&'a str>,
    mn: Option<&'a str>,
    flag: Option<&'a str>,
    pnum: Option<&'a str>,
    pno: Option<&'a str>,
}

/// Splits a segment into its header fields and the data area between `CP=&&` and the final `&&`.
fn split(segment: &str) -> Result<(Header<'_>, &str), PacketError> {
    let mut header = Header::default();
    let mut rest = segment;
    loop {
        if let Some(cp) = rest.strip_prefix("CP=") {
            let area = cp.strip_prefix("&&").and_then(|c| c.strip_suffix("&&")).ok_or(PacketError::NoDataArea)?;
            return Ok((header, area));
        }
        let (field, tail) = rest.split_once(';').ok_or(PacketError::NoDataArea)?;
        rest = tail;
        if field.is_empty() {
            continue;
        }
        let (key, value) = field.split_once('=').ok_or_else(|| PacketError::Field(short(field)))?;
        let slot = match key {
            "QN" => &mut header.qn,
            "ST" => &mut header.st,
            "CN" => &mut header.cn,
            "PW" => &mut header.pw,
            "MN" => &mut header.mn,
            "Flag" => &mut header.flag,
            "PNUM" => &mut header.pnum,
            "PNO" => &mut header.pno,
            _ => continue,
        };
        if slot.replace(value).is_some() {
            return Err(PacketError::Field(short(key)));
        }
    }
}

/// A key cut to a length fit for a log line.
pub(crate) fn short(text: &str) -> String {
    text.chars().take(32).collect()
}

fn digits<T: std::str::FromStr>(raw: &str, lengths: std::ops::RangeInclusive<usize>) -> Option<T> {
    (lengths.contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_digit())).then(|| raw.parse().ok()).flatten()
}

/// Reads a data segment.
pub fn parse(segment: &str) -> Result<Packet, PacketError> {
    let (header, area) = split(segment)?;
    let flag = header.flag.map(|f| digits::<u8>(f, 1..=3).map(Flag).ok_or(PacketError::Flag)).transpose()?;
    let qn = match header.qn {
        Some(raw) => Some(Qn::parse(raw).ok_or(PacketError::Qn)?),
        None if flag.is_some_and(|f| f.version() >= 1) => return Err(PacketError::Qn),
        None => None,
    };
    let st = header.st.and_then(|s| digits(s, 1..=2)).ok_or(PacketError::St)?;
    let cn = header.cn.and_then(|c| digits(c, 4..=4)).ok_or(PacketError::Cn)?;
    let pw = header.pw.filter(|p| valid_pw(p)).ok_or(PacketError::Pw)?.to_owned();
    let mn = header.mn.filter(|m| valid_mn(m)).ok_or(PacketError::Mn)?.to_owned();
    let part = match (header.pnum, header.pno) {
        (None, None) => None,
        (Some(count), Some(number)) => {
            let count: u32 = digits(count, 1..=9).ok_or(PacketError::Part)?;
            let number: u32 = digits(number, 1..=9).ok_or(PacketError::Part)?;
            if number == 0 || number > count {
                return Err(PacketError::Part);
            }
            Some(Part { count, number })
        }
        _ => return Err(PacketError::Part),
    };
    let cp = Cp::parse(area).map_err(PacketError::DataArea)?;
    Ok(Packet { qn, st, cn, pw, mn, flag, part, cp })
}

#[cfg(test)]
mod tests {
    use super::*;

    const REALTIME: &str = "QN=20240501120000123;ST=23;CN=2011;PW=123456;MN=010000A8900016F000169DC0;Flag=5;\
                            CP=&&DataTime=20240501120000;LA-Rtd=55.3,LA-Flag=N&&";

    fn time(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").expect(s)
    }

    #[test]
    fn a_realtime_noise_upload_is_read_into_its_fields() {
        let p = parse(REALTIME).expect("packet");
        assert_eq!(p.qn.as_ref().map(Qn::as_str), Some("20240501120000123"));
        assert_eq!(p.qn.as_ref().map(Qn::time), Some(time("2024-05-01 12:00:00.123")));
        assert_eq!((p.st, p.cn, p.pw.as_str(), p.mn.as_str()), (23, 2011, "123456", "010000A8900016F000169DC0"));
        assert_eq!(p.flag, Some(Flag(5)));
        assert!(p.wants_reply());
        assert_eq!(p.part, None);
        assert_eq!(p.cp.data_time, Some(time("2024-05-01 12:00:00")));
        assert_eq!(p.cp.get("LA", "Rtd"), Some("55.3"));
        assert_eq!(p.cp.get("LA", "Flag"), Some("N"));
    }

    #[test]
    fn the_flag_bits_give_version_split_and_answer() {
        assert_eq!((Flag(5).version(), Flag(5).split(), Flag(5).wants_reply()), (1, false, true));
        assert_eq!((Flag(7).version(), Flag(7).split(), Flag(7).wants_reply()), (1, true, true));
        assert_eq!((Flag(4).version(), Flag(4).wants_reply()), (1, false));
        assert_eq!((Flag(9).version(), Flag(9).wants_reply()), (2, true));
        assert_eq!(Flag(1).version(), 0);
    }

    #[test]
    fn fields_may_come_in_any_order_and_unknown_ones_are_ignored() {
        let p = parse("MN=A_1;Flag=4;Extra=x;CN=2051;PW=1;ST=36;QN=20240501120000000;CP=&&&&").expect("packet");
        assert_eq!((p.st, p.cn, p.mn.as_str()), (36, 2051, "A_1"));
        assert!(p.cp.is_empty());
    }

    #[test]
    fn a_2005_segment_without_qn_or_flag_is_read() {
        let p = parse("ST=32;CN=2011;PW=123456;MN=LD130133000015;CP=&&DataTime=20160824003817;B01-Rtd=36.91&&")
            .expect("packet");
        assert_eq!((p.qn.as_ref(), p.flag), (None, None));
        assert!(!p.wants_reply());
    }

    #[test]
    fn each_bad_header_field_has_its_own_code() {
        let ok = "QN=20240501120000123;ST=23;CN=2011;PW=123456;MN=M1;Flag=5;CP=&&&&";
        assert!(parse(ok).is_ok());
        let cases = [
            ("QN=20240501120000123", "QN=2024050112000012", 7),
            ("QN=20240501120000123", "QN=20240231120000123", 7),
            ("QN=20240501120000123;", "", 7),
            ("ST=23", "ST=x", 5),
            ("CN=2011", "CN=201", 8),
            ("PW=123456", "PW=", 3),
            ("MN=M1", "MN=0123456789012345678901234", 4),
            ("MN=M1", "MN=a,b", 4),
            ("Flag=5", "Flag=256", 6),
            ("Flag=5", "PNUM=2;PNO=3;Flag=7", 100),
            ("Flag=5", "PNO=1;Flag=7", 100),
            ("CP=&&&&", "CP=&&&", 100),
            ("ST=23", "ST=23;ST=23", 100),
            ("ST=23", "ST23", 100),
        ];
        for (from, to, code) in cases {
            let segment = ok.replace(from, to);
            let error = parse(&segment).expect_err(&segment);
            assert_eq!(error.qn_rtn().code(), code, "{segment}: {error}");
        }
    }

    #[test]
    fn split_packets_carry_their_numbers() {
        let p = parse("QN=20240501120000123;ST=23;CN=2051;PW=1;MN=M;Flag=7;PNUM=3;PNO=2;CP=&&&&").expect("packet");
        assert_eq!(p.part, Some(Part { count: 3, number: 2 }));
        let single = parse("QN=20240501120000123;ST=23;CN=2051;PW=1;MN=M;Flag=7;CP=&&&&").expect("packet");
        assert_eq!(single.part, None, "D set without numbers is a single packet");
    }

    #[test]
    fn a_request_number_is_made_from_a_moment() {
        let qn = Qn::of(time("2024-05-01 12:00:00.456")).expect("qn");
        assert_eq!(qn.as_str(), "20240501120000456");
    }
}
