//! The server's answers: the data reply (9014) that acknowledges an upload,
//! and the request reply (9011) whose `QnRtn` says why a packet was refused.
//!
//! Both echo the packet's `QN`, `PW` and `MN`, carry `ST=91` and `Flag=4`
//! (HJ 212-2017, no answer wanted), as the standard's examples do. A frame
//! that failed its check is answered from what can be salvaged of its header.

use super::codes::{QnRtn, cn, st};
use super::encode::wrap;
use super::packet::{Flag, Packet, Qn, valid_mn, valid_pw};

/// What could be read of the header of a segment that failed its check:
/// each field only if it looks right. The header cannot be trusted, so it
/// serves only to answer the device, never to store anything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Salvage {
    /// The request number.
    pub qn: Option<Qn>,
    /// The password.
    pub pw: Option<String>,
    /// The device's identity.
    pub mn: Option<String>,
}

impl Salvage {
    /// Reads what it can of a segment's header, up to `CP=`.
    pub fn from_segment(segment: &[u8]) -> Self {
        let mut salvage = Salvage::default();
        for field in segment.split(|&b| b == b';') {
            if field.starts_with(b"CP=") {
                break;
            }
            let Ok(field) = std::str::from_utf8(field) else { continue };
            match field.split_once('=') {
                Some(("QN", raw)) if salvage.qn.is_none() => salvage.qn = Qn::parse(raw),
                Some(("PW", raw)) if salvage.pw.is_none() && valid_pw(raw) => salvage.pw = Some(raw.to_owned()),
                Some(("MN", raw)) if salvage.mn.is_none() && valid_mn(raw) => salvage.mn = Some(raw.to_owned()),
                _ => {}
            }
        }
        salvage
    }
}

/// Whom an answer goes to: the request number, password and device to
/// echo, each already checked to be safe to write back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyTo {
    qn: Qn,
    pw: String,
    mn: String,
}

impl ReplyTo {
    /// The addressee of an answer to a packet; `None` for a 2005 packet
    /// with no request number to echo.
    pub fn of(packet: &Packet) -> Option<Self> {
        Some(Self { qn: packet.qn.clone()?, pw: packet.pw.clone(), mn: packet.mn.clone() })
    }

    /// The addressee of an answer to a frame that failed its check: needs
    /// at least the request number and the device; a missing password is
    /// echoed empty.
    pub fn salvaged(salvage: &Salvage) -> Option<Self> {
        Some(Self { qn: salvage.qn.clone()?, pw: salvage.pw.clone().unwrap_or_default(), mn: salvage.mn.clone()? })
    }

    /// The request number answered.
    pub fn qn(&self) -> &Qn {
        &self.qn
    }

    fn segment(&self, command: u16, area: &str) -> String {
        format!(
            "QN={};ST={};CN={command};PW={};MN={};Flag={};CP=&&{area}&&",
            self.qn.as_str(),
            st::SYSTEM,
            self.pw,
            self.mn,
            Flag::REPLY.0
        )
    }
}

/// The data reply (9014) acknowledging an upload, as a complete frame.
pub fn data_reply(to: &ReplyTo) -> String {
    wrap(&to.segment(cn::DATA_REPLY, ""))
}

/// A request reply (9011) carrying `QnRtn`, as a complete frame: how the
/// server tells a device its packet was refused, and why.
pub fn request_reply(to: &ReplyTo, rtn: QnRtn) -> String {
    wrap(&to.segment(cn::REQUEST_REPLY, &format!("QnRtn={}", rtn.code())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hj212::packet::parse;

    fn upload(qn: &str) -> Packet {
        let segment = format!(
            "QN={qn};ST=23;CN=2011;PW=123456;MN=010000A8900016F000169DC0;Flag=5;\
             CP=&&DataTime=20240501120000;LA-Rtd=55.3,LA-Flag=N&&"
        );
        parse(&segment).expect("packet")
    }

    #[test]
    fn the_data_reply_is_the_published_frame() {
        let to = ReplyTo::of(&upload("20240501120000123")).expect("qn");
        assert_eq!(
            data_reply(&to),
            "##0087QN=20240501120000123;ST=91;CN=9014;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&&&65C0\r\n"
        );
        let to = ReplyTo::of(&upload("20240501120100456")).expect("qn");
        assert!(data_reply(&to).ends_with("&&&&C5C1\r\n"));
    }

    #[test]
    fn a_refusal_carries_its_code_in_the_standards_request_reply_shape() {
        let request = parse(
            "QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&",
        )
        .expect("packet");
        let to = ReplyTo::of(&request).expect("qn");
        assert_eq!(
            request_reply(&to, QnRtn::Ready),
            "##0094QN=20160801085857223;ST=91;CN=9011;PW=100000;MN=010000A8900016F000169DC0;Flag=4;CP=&&QnRtn=1&&E101\r\n"
        );
        assert!(request_reply(&to, QnRtn::Password).contains(";CP=&&QnRtn=3&&"));
        assert!(request_reply(&to, QnRtn::Unknown).contains(";CP=&&QnRtn=100&&"));
    }

    #[test]
    fn the_header_of_a_damaged_segment_is_salvaged_field_by_field() {
        let s = Salvage::from_segment(b"QN=20240501120000123;ST=2\xFF;PW=123456;MN=b&d;id;CP=&&MN=x&&");
        assert_eq!(s.qn.as_ref().map(Qn::as_str), Some("20240501120000123"));
        assert_eq!(s.pw.as_deref(), Some("123456"));
        assert_eq!(s.mn, None, "a field with a separator is not taken");
        assert_eq!(Salvage::from_segment(b"QN=1;MN=M1;CP=&&&&").qn, None);
    }

    #[test]
    fn a_damaged_frame_is_answered_only_when_its_number_and_device_survive() {
        let s = Salvage::from_segment(b"QN=20240501120000123;PW=9;MN=M1;CP=&&x");
        let to = ReplyTo::salvaged(&s).expect("salvaged");
        assert!(
            request_reply(&to, QnRtn::Crc)
                .contains("QN=20240501120000123;ST=91;CN=9011;PW=9;MN=M1;Flag=4;CP=&&QnRtn=9&&")
        );
        assert_eq!(ReplyTo::salvaged(&Salvage::from_segment(b"QN=20240501120000123;PW=9")), None);
    }
}
