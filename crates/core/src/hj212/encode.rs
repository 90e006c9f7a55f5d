//! Writing frames: any packet, and noise uploads as a device sends them
//! (the device simulator and the tests speak through this).

use std::fmt;

use chrono::NaiveDateTime;

use super::codes::cn;
use super::crc::crc_text;
use super::frame::STANDARD_MAX_DATA_LEN;
use super::packet::{Flag, Packet, Qn, valid_mn, valid_pw};
use super::reading::NoiseFactor;
use crate::domain::monitor::DataFlag;

/// Why a frame cannot be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EncodeError {
    /// The data segment is longer than the standard's 1024 bytes.
    TooLong(usize),
    /// The data segment holds a control or non-ASCII character.
    NotPlainText,
    /// A field cannot be written so that it reads back the same.
    Field(&'static str),
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::TooLong(len) => write!(f, "data segment of {len} bytes, more than {STANDARD_MAX_DATA_LEN}"),
            EncodeError::NotPlainText => f.write_str("data segment holds a control or non-ASCII character"),
            EncodeError::Field(name) => write!(f, "{name} cannot be written"),
        }
    }
}

impl std::error::Error for EncodeError {}

/// Frames a data segment known to be short plain ASCII.
pub(crate) fn wrap(data: &str) -> String {
    format!("##{:04}{data}{}\r\n", data.len(), crc_text(data.as_bytes()))
}

/// Frames a data segment: `##`, its length, the segment, its check, CR LF.
pub fn frame(data: &str) -> Result<String, EncodeError> {
    if data.len() > STANDARD_MAX_DATA_LEN {
        return Err(EncodeError::TooLong(data.len()));
    }
    if !data.bytes().all(|b| b == b' ' || b.is_ascii_graphic()) {
        return Err(EncodeError::NotPlainText);
    }
    Ok(wrap(data))
}

/// Writes a packet's data segment, fields in the standard's order.
pub fn segment(packet: &Packet) -> Result<String, EncodeError> {
    let mut fields = Vec::new();
    match &packet.qn {
        Some(qn) => fields.push(format!("QN={}", qn.as_str())),
        None if packet.flag.is_some_and(|f| f.version() >= 1) => return Err(EncodeError::Field("QN")),
        None => {}
    }
    if packet.st > 99 {
        return Err(EncodeError::Field("ST"));
    }
    fields.push(format!("ST={:02}", packet.st));
    if packet.cn > 9999 {
        return Err(EncodeError::Field("CN"));
    }
    fields.push(format!("CN={:04}", packet.cn));
    if !valid_pw(&packet.pw) {
        return Err(EncodeError::Field("PW"));
    }
    fields.push(format!("PW={}", packet.pw));
    if !valid_mn(&packet.mn) {
        return Err(EncodeError::Field("MN"));
    }
    fields.push(format!("MN={}", packet.mn));
    if let Some(flag) = packet.flag {
        fields.push(format!("Flag={}", flag.0));
    }
    if let Some(part) = packet.part {
        if part.number == 0 || part.number > part.count || part.count > 999_999_999 {
            return Err(EncodeError::Field("PNUM/PNO"));
        }
        fields.push(format!("PNUM={};PNO={}", part.count, part.number));
    }
    let area = packet.cp.write().map_err(|_| EncodeError::Field("CP"))?;
    fields.push(format!("CP=&&{area}&&"));
    Ok(fields.join(";"))
}

/// Writes a packet as a complete frame.
pub fn encode(packet: &Packet) -> Result<String, EncodeError> {
    frame(&segment(packet)?)
}

/// A noise upload as a device sends it.
#[derive(Debug, Clone)]
pub struct NoiseUpload<'a> {
    /// Request number (usually the moment of sending).
    pub qn: Qn,
    /// System code: 23 for an ambient station, 36 for a source.
    pub st: u8,
    /// 2011 (real-time), 2051 (minute) or 2061 (hourly).
    pub cn: u16,
    /// Access password.
    pub pw: &'a str,
    /// Device identity.
    pub mn: &'a str,
    /// Whether the device waits for a data reply (flag bit A).
    pub wants_reply: bool,
    /// The time the levels are for, in the device's clock.
    pub data_time: NaiveDateTime,
    /// Levels in dB(A), written with one decimal.
    pub levels: &'a [(NoiseFactor, f64)],
    /// The instrument's data flag, written for each level when given.
    pub flag: Option<&'a DataFlag>,
}

/// Writes a noise upload as a frame: real-time levels as `code-Rtd`,
/// minute and hourly statistics as `code-Data` (the standard's noise
/// field list), each followed by `code-Flag` when a flag is given.
pub fn encode_upload(upload: &NoiseUpload<'_>) -> Result<String, EncodeError> {
    let suffix = match upload.cn {
        cn::REALTIME => "Rtd",
        cn::MINUTE | cn::HOUR => "Data",
        _ => return Err(EncodeError::Field("CN")),
    };
    let mut packet = Packet {
        qn: Some(upload.qn.clone()),
        st: upload.st,
        cn: upload.cn,
        pw: upload.pw.to_owned(),
        mn: upload.mn.to_owned(),
        flag: Some(if upload.wants_reply { Flag::UPLOAD } else { Flag::REPLY }),
        part: None,
        cp: super::cp::Cp { data_time: Some(upload.data_time), ..Default::default() },
    };
    for &(factor, level) in upload.levels {
        if !level.is_finite() {
            return Err(EncodeError::Field("level"));
        }
        packet.cp.set(factor.code(), suffix, format!("{level:.1}"));
        if let Some(flag) = upload.flag {
            packet.cp.set(factor.code(), "Flag", flag.code());
        }
    }
    encode(&packet)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hj212::packet::parse;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").expect(s)
    }

    #[test]
    fn a_realtime_upload_is_the_published_frame() {
        let qn = Qn::of(at("2024-05-01 12:00:00.123")).expect("qn");
        let upload = NoiseUpload {
            qn,
            st: 23,
            cn: cn::REALTIME,
            pw: "123456",
            mn: "010000A8900016F000169DC0",
            wants_reply: true,
            data_time: at("2024-05-01 12:00:00"),
            levels: &[(NoiseFactor::La, 55.3)],
            flag: Some(&DataFlag::Normal),
        };
        let written = encode_upload(&upload).expect("frame");
        assert_eq!(
            written,
            "##0132QN=20240501120000123;ST=23;CN=2011;PW=123456;MN=010000A8900016F000169DC0;Flag=5;\
             CP=&&DataTime=20240501120000;LA-Rtd=55.3,LA-Flag=N&&8EC1\r\n"
        );
        let segment = &written[6..written.len() - 6];
        assert_eq!(parse(segment).expect("packet").cp.get("LA", "Rtd"), Some("55.3"));
    }

    #[test]
    fn minute_statistics_are_written_as_data_items_with_one_decimal() {
        let upload = NoiseUpload {
            qn: Qn::of(at("2024-05-01 12:01:00.456")).expect("qn"),
            st: 23,
            cn: cn::MINUTE,
            pw: "123456",
            mn: "M1",
            wants_reply: false,
            data_time: at("2024-05-01 12:00:00"),
            levels: &[(NoiseFactor::Leq, 56.24), (NoiseFactor::Lmax, 68.0)],
            flag: None,
        };
        let written = encode_upload(&upload).expect("frame");
        assert!(written.contains(";Flag=4;CP=&&DataTime=20240501120000;LMx-Data=68.0;Leq-Data=56.2&&"), "{written}");
        assert_eq!(encode_upload(&NoiseUpload { cn: cn::DAY, ..upload.clone() }), Err(EncodeError::Field("CN")));
        let nan = [(NoiseFactor::Leq, f64::NAN)];
        assert_eq!(encode_upload(&NoiseUpload { levels: &nan, ..upload }), Err(EncodeError::Field("level")));
    }

    #[test]
    fn frames_are_refused_beyond_the_standards_length_or_with_control_characters() {
        assert_eq!(frame(&"a".repeat(1025)), Err(EncodeError::TooLong(1025)));
        assert!(frame(&"a".repeat(1024)).is_ok());
        assert_eq!(frame("a\r\nb"), Err(EncodeError::NotPlainText));
        let standard =
            "QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&";
        assert_eq!(frame(standard), Ok(format!("##0101{standard}1C80\r\n")));
    }
}
