//! Frames on the wire: `##`, four length digits, the data segment, four hex
//! digits of check, CR LF. A device is a TCP client: one read may hold
//! several frames or part of one, and a line may carry noise between them.
//!
//! The decoder takes bytes as they arrive and gives back, one at a time,
//! the data segments of the frames that check out, the frames whose check
//! fails (with what can be read of their header, to answer them), and the
//! bytes it had to drop. It resynchronises on the next `##` after anything
//! it cannot read, and holds at most one frame of bytes besides what was
//! pushed since events were last taken: pull events after every push.
//!
//! A data segment never holds a control byte, so a false header whose
//! declared length would swallow the frames after it is given up as soon
//! as the CR LF of the next real frame arrives, not 10 000 bytes later.
//!
//! Missing CR LF: some devices end a frame with its check alone. Such a
//! frame is accepted only when its check matches and the next frame's `##`
//! follows at once, or when the stream ends ([`FrameDecoder::finish`]) right
//! after it; anything else after the check is noise. A frame missing its
//! CR LF at the end of a read is therefore held until the device sends
//! again or the connection closes.

use super::codes::QnRtn;
use super::crc::{crc16, parse_crc_text};
use super::reply::Salvage;

/// Longest data segment the decoder accepts unless told otherwise: all that
/// four length digits can say. Devices in the field send more than the
/// standard's 1024.
pub const MAX_DATA_LEN: usize = 9999;

/// Longest data segment the standard allows, and the longest written here.
pub const STANDARD_MAX_DATA_LEN: usize = 1024;

/// `##` and four length digits.
const HEADER: usize = 6;
/// Four hex digits.
const CHECK: usize = 4;
/// CR LF.
const TAIL: usize = 2;

/// What the decoder found next in the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FrameEvent {
    /// A frame whose length, check and end are right: its data segment.
    Frame(String),
    /// A well-formed frame whose check does not match its data.
    BadCrc(BadCrc),
    /// Bytes dropped: noise between frames or a frame that could not be read.
    Skipped {
        /// How many bytes.
        bytes: usize,
        /// Why they could not be read.
        reason: SkipReason,
    },
}

/// A frame that failed its check, with what could be read of its header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadCrc {
    /// The check the frame carried.
    pub received: u16,
    /// The check of the data it carried.
    pub computed: u16,
    /// The request number, password and device read from the header, when
    /// they look right: enough to answer with the check-failed code.
    pub salvage: Salvage,
}

impl BadCrc {
    /// The code such a frame is answered with (9), when it is answered.
    pub fn qn_rtn(&self) -> QnRtn {
        QnRtn::Crc
    }
}

/// Why bytes were dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// Outside any frame: no `##` before them.
    NoHeader,
    /// The four bytes after `##` are not decimal digits.
    BadLength,
    /// The declared length is more than the decoder accepts.
    TooLong {
        /// The length the frame declared.
        declared: usize,
    },
    /// A control byte inside the data segment: not a frame of that length.
    ControlByte,
    /// The check is not four hex digits.
    BadCheckText,
    /// After the check came neither CR LF nor the next frame, or the check
    /// of a frame without CR LF failed.
    BadTail,
    /// The frame checks out but its data segment is not UTF-8 text.
    NotText,
    /// The stream ended inside a frame.
    Truncated,
}

/// Reads frames out of a byte stream, however it is cut.
#[derive(Debug, Clone)]
pub struct FrameDecoder {
    buf: Vec<u8>,
    /// Where the unread bytes start.
    pos: usize,
    max_len: usize,
    /// How far the frame at `pos` has been scanned for control bytes.
    checked: usize,
    /// No more bytes are coming: decide with what is buffered.
    ended: bool,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::new()
    }
}

/// What the bytes at the read position amount to.
enum Step {
    Wait,
    Reject(SkipReason),
    Frame { data: String, len: usize },
    BadCrc { received: u16, computed: u16, len: usize },
}

impl FrameDecoder {
    /// A decoder accepting data segments up to [`MAX_DATA_LEN`] bytes.
    pub fn new() -> Self {
        Self::with_max_len(MAX_DATA_LEN)
    }

    /// A decoder refusing data segments longer than `max_len` bytes.
    pub fn with_max_len(max_len: usize) -> Self {
        Self { buf: Vec::new(), pos: 0, max_len: max_len.min(MAX_DATA_LEN), checked: 0, ended: false }
    }

    /// Adds bytes as they were read; a push after [`finish`](Self::finish)
    /// starts a new stretch of stream.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        self.buf.extend_from_slice(bytes);
        self.ended = false;
    }

    /// Marks the end of the stream (the connection closed or went quiet):
    /// a frame lacking only its CR LF is given, the rest is dropped.
    pub fn finish(&mut self) {
        self.ended = true;
    }

    /// Bytes held and not yet given back as an event.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// The next event, or `None` when more bytes are needed.
    pub fn next_event(&mut self) -> Option<FrameEvent> {
        let rest = &self.buf[self.pos..];
        match find_header(rest) {
            Some(0) => {}
            Some(at) => return Some(self.skip(at, SkipReason::NoHeader)),
            None => {
                let noise = rest.len() - self.held_hash(rest);
                return (noise > 0).then(|| self.skip(noise, SkipReason::NoHeader));
            }
        }
        match self.examine() {
            Step::Wait => None,
            Step::Reject(reason) => {
                let rest = &self.buf[self.pos..];
                let bytes = match find_header(&rest[1..]) {
                    Some(at) => at + 1,
                    None => rest.len() - self.held_hash(&rest[1..]),
                };
                Some(self.skip(bytes, reason))
            }
            Step::Frame { data, len } => {
                self.advance(len);
                Some(FrameEvent::Frame(data))
            }
            Step::BadCrc { received, computed, len } => {
                let rest = &self.buf[self.pos..];
                let salvage = Salvage::from_segment(&rest[HEADER..len - CHECK - TAIL]);
                // A frame whose check fails may have been a false header
                // around a real frame: resume at the next `##` inside it.
                let len = find_header(&rest[1..len]).map_or(len, |at| at + 1);
                self.advance(len);
                Some(FrameEvent::BadCrc(BadCrc { received, computed, salvage }))
            }
        }
    }

    /// One trailing `#` is kept while more bytes may come: it may start a header.
    fn held_hash(&self, rest: &[u8]) -> usize {
        usize::from(!self.ended && rest.last() == Some(&b'#'))
    }

    fn advance(&mut self, len: usize) {
        self.pos += len;
        self.checked = 0;
    }

    fn skip(&mut self, bytes: usize, reason: SkipReason) -> FrameEvent {
        self.advance(bytes);
        FrameEvent::Skipped { bytes, reason }
    }

    /// Looks at the frame starting at the read position (which holds `##`).
    fn examine(&mut self) -> Step {
        let rest = &self.buf[self.pos..];
        let more = |ended: bool| if ended { Step::Reject(SkipReason::Truncated) } else { Step::Wait };
        let digits = &rest[2..rest.len().min(HEADER)];
        if !digits.iter().all(u8::is_ascii_digit) {
            return Step::Reject(SkipReason::BadLength);
        }
        if rest.len() < HEADER {
            return more(self.ended);
        }
        let declared = digits.iter().fold(0, |n, d| n * 10 + usize::from(d - b'0'));
        if declared > self.max_len {
            return Step::Reject(SkipReason::TooLong { declared });
        }
        let data_end = HEADER + declared;
        let scanned = rest.len().min(data_end);
        if rest[self.checked.max(HEADER)..scanned].iter().any(|&b| b < 0x20 || b == 0x7F) {
            return Step::Reject(SkipReason::ControlByte);
        }
        self.checked = scanned;
        let check_end = data_end + CHECK;
        if rest.len() < check_end {
            if rest.get(data_end..).is_some_and(|c| !c.iter().all(u8::is_ascii_hexdigit)) {
                return Step::Reject(SkipReason::BadCheckText);
            }
            return more(self.ended);
        }
        let Some(received) = parse_crc_text(&rest[data_end..check_end]) else {
            return Step::Reject(SkipReason::BadCheckText);
        };
        let tail_len = match &rest[check_end..rest.len().min(check_end + TAIL)] {
            b"\r\n" => Some(TAIL),
            b"##" => None,
            [] | b"\r" | b"#" if !self.ended => return Step::Wait,
            [] => None,
            b"\r" => Some(1),
            _ => return Step::Reject(SkipReason::BadTail),
        };
        let data = &rest[HEADER..data_end];
        let computed = crc16(data);
        match tail_len {
            Some(TAIL) if computed != received => Step::BadCrc { received, computed, len: check_end + TAIL },
            _ if computed != received => Step::Reject(SkipReason::BadTail),
            _ => match std::str::from_utf8(data) {
                Ok(text) => Step::Frame { data: text.to_owned(), len: check_end + tail_len.unwrap_or(0) },
                Err(_) => Step::Reject(SkipReason::NotText),
            },
        }
    }
}

impl Iterator for FrameDecoder {
    type Item = FrameEvent;

    fn next(&mut self) -> Option<FrameEvent> {
        self.next_event()
    }
}

/// Where the next header starts: the last two of a run of `#`.
fn find_header(bytes: &[u8]) -> Option<usize> {
    (0..bytes.len().saturating_sub(1))
        .find(|&i| bytes[i] == b'#' && bytes[i + 1] == b'#' && bytes.get(i + 2) != Some(&b'#'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQUEST: &str =
        "QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&";

    fn framed(data: &str) -> Vec<u8> {
        format!("##{:04}{data}{:04X}\r\n", data.len(), crc16(data.as_bytes())).into_bytes()
    }

    fn events(chunks: &[&[u8]], finish: bool) -> Vec<FrameEvent> {
        let mut decoder = FrameDecoder::new();
        let mut out = Vec::new();
        for chunk in chunks {
            decoder.push(chunk);
            out.extend(&mut decoder);
        }
        if finish {
            decoder.finish();
            out.extend(&mut decoder);
        }
        out
    }

    fn frame(data: &str) -> FrameEvent {
        FrameEvent::Frame(data.to_owned())
    }

    #[test]
    fn the_standards_example_frame_is_read() {
        let wire = format!("##0101{REQUEST}1C80\r\n");
        assert_eq!(events(&[wire.as_bytes()], false), [frame(REQUEST)]);
        assert_eq!(wire.into_bytes(), framed(REQUEST));
    }

    #[test]
    fn a_lower_case_check_is_accepted() {
        let wire = format!("##0101{REQUEST}1c80\r\n");
        assert_eq!(events(&[wire.as_bytes()], false), [frame(REQUEST)]);
    }

    #[test]
    fn two_frames_in_one_read_and_one_frame_over_three_reads_are_read() {
        let mut two = framed("QN=1;CP=&&&&");
        two.extend(framed("QN=2;CP=&&&&"));
        assert_eq!(events(&[&two], false), [frame("QN=1;CP=&&&&"), frame("QN=2;CP=&&&&")]);
        let one = framed(REQUEST);
        assert_eq!(events(&[&one[..1], &one[1..50], &one[50..]], false), [frame(REQUEST)]);
    }

    #[test]
    fn a_frame_with_a_wrong_check_is_reported_with_its_header() {
        let wire = format!("##0101{REQUEST}1C81\r\n");
        let found = events(&[wire.as_bytes()], false);
        let [FrameEvent::BadCrc(bad)] = &found[..] else { panic!("{found:?}") };
        assert_eq!((bad.received, bad.computed), (0x1C81, 0x1C80));
        assert_eq!(bad.qn_rtn().code(), 9);
        assert_eq!(bad.salvage.qn.as_ref().map(|q| q.as_str()), Some("20160801085857223"));
        assert_eq!(bad.salvage.mn.as_deref(), Some("010000A8900016F000169DC0"));
        assert_eq!(bad.salvage.pw.as_deref(), Some("100000"));
    }

    #[test]
    fn noise_before_between_and_after_frames_is_dropped_and_counted() {
        let mut wire = b"hello#".to_vec();
        wire.extend(framed("A"));
        wire.extend(b"\x00\xFFnoise");
        wire.extend(framed("B"));
        let found = events(&[&wire], false);
        assert_eq!(
            found,
            [
                FrameEvent::Skipped { bytes: 6, reason: SkipReason::NoHeader },
                frame("A"),
                FrameEvent::Skipped { bytes: 7, reason: SkipReason::NoHeader },
                frame("B"),
            ]
        );
    }

    #[test]
    fn a_false_header_is_given_up_at_the_next_real_frame() {
        let mut wire = b"##9000QN=".to_vec();
        wire.extend(framed(REQUEST));
        let found = events(&[&wire], false);
        assert_eq!(found, [FrameEvent::Skipped { bytes: 9, reason: SkipReason::ControlByte }, frame(REQUEST)]);
    }

    #[test]
    fn unreadable_lengths_and_checks_are_skipped() {
        let found = events(&[b"##01x1abc", &framed("A")], false);
        assert_eq!(found[0], FrameEvent::Skipped { bytes: 9, reason: SkipReason::BadLength });
        assert_eq!(found[1], frame("A"));
        let found = events(&[b"##0001AZZZZ\r\n"], true);
        assert_eq!(found[0], FrameEvent::Skipped { bytes: 13, reason: SkipReason::BadCheckText });
    }

    #[test]
    fn a_length_beyond_the_limit_is_refused_at_once() {
        let mut decoder = FrameDecoder::with_max_len(1024);
        decoder.push(b"##2000QN=");
        assert_eq!(
            decoder.next_event(),
            Some(FrameEvent::Skipped { bytes: 9, reason: SkipReason::TooLong { declared: 2000 } })
        );
    }

    #[test]
    fn a_frame_without_cr_lf_is_accepted_only_before_another_frame_or_at_the_end() {
        let bare = |d: &str| format!("##{:04}{d}{:04X}", d.len(), crc16(d.as_bytes()));
        let wire = format!("{}{}", bare("A"), bare("B"));
        assert_eq!(events(&[wire.as_bytes()], false), [frame("A")], "B waits for its end");
        assert_eq!(events(&[wire.as_bytes()], true), [frame("A"), frame("B")]);
        let wire = format!("{}xx", bare("A"));
        assert_eq!(events(&[wire.as_bytes()], true), [FrameEvent::Skipped { bytes: 13, reason: SkipReason::BadTail }]);
        let wrong = "##0001A0000##";
        assert_eq!(
            events(&[wrong.as_bytes()], false)[0],
            FrameEvent::Skipped { bytes: 11, reason: SkipReason::BadTail }
        );
    }

    #[test]
    fn a_stream_ending_inside_a_frame_reports_the_rest() {
        let one = framed(REQUEST);
        assert_eq!(events(&[&one[..40]], false), []);
        assert_eq!(events(&[&one[..40]], true), [FrameEvent::Skipped { bytes: 40, reason: SkipReason::Truncated }]);
    }

    #[test]
    fn a_garbage_flood_holds_no_more_than_a_byte() {
        let mut decoder = FrameDecoder::new();
        let flood = vec![b'x'; 64 * 1024];
        for _ in 0..16 {
            decoder.push(&flood);
            while decoder.next_event().is_some() {}
            assert!(decoder.buffered() <= 1);
        }
        decoder.push(&framed("A"));
        assert_eq!(decoder.next_event(), Some(frame("A")));
    }

    #[test]
    fn a_valid_frame_that_is_not_utf8_is_dropped() {
        let data = b"QN=\xFF";
        let mut wire = format!("##{:04}", data.len()).into_bytes();
        wire.extend(data);
        wire.extend(format!("{:04X}\r\n", crc16(data)).into_bytes());
        assert_eq!(events(&[&wire], false), [FrameEvent::Skipped { bytes: 16, reason: SkipReason::NotText }]);
    }
}
