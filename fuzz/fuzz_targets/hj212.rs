//! HJ 212 frames off the wire: whatever bytes arrive, cut however, the
//! decoder accounts for every byte, never holds more than a frame plus
//! what was pushed, and every frame it gives is read into a packet or
//! refused with one of the standard's return codes; a packet that reads
//! is written back and read again the same, and its noise reading, if
//! any, lies in the range a meter can show.

#![no_main]

use hesheng_core::domain::monitor::PLAUSIBLE_DB;
use hesheng_core::hj212::{
    DeviceSettings, FrameDecoder, FrameEvent, MAX_DATA_LEN, ReplyTo, encode, noise_reading, parse, request_reply,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &[u8]| {
    // The first byte sets how the rest is cut into reads: 1 to 64 bytes each.
    let Some((&cut, bytes)) = input.split_first() else { return };
    let size = usize::from(cut % 64) + 1;
    let mut decoder = FrameDecoder::new();
    let mut accounted = 0;
    let mut events = Vec::new();
    for chunk in bytes.chunks(size) {
        decoder.push(chunk);
        events.extend(&mut decoder);
        assert!(decoder.buffered() <= MAX_DATA_LEN + 12 + 64, "held {}", decoder.buffered());
    }
    decoder.finish();
    events.extend(&mut decoder);
    assert_eq!(decoder.buffered(), 0, "everything is decided at the end");
    for event in events {
        match event {
            FrameEvent::Frame(data) => {
                accounted += data.len() + 10;
                match parse(&data) {
                    Ok(packet) => {
                        if let Ok(wire) = encode(&packet) {
                            let again: Vec<FrameEvent> = {
                                let mut d = FrameDecoder::new();
                                d.push(wire.as_bytes());
                                d.collect()
                            };
                            let [FrameEvent::Frame(segment)] = &again[..] else { panic!("{again:?}") };
                            assert_eq!(parse(segment).as_ref(), Ok(&packet));
                        }
                        if let Ok(reading) = noise_reading(&packet, &DeviceSettings::default()) {
                            assert!(PLAUSIBLE_DB.contains(&reading.laeq_db));
                        }
                    }
                    Err(e) => {
                        let code = e.qn_rtn().code();
                        assert!((3..=8).contains(&code) || code == 100, "{e}: {code}");
                    }
                }
            }
            FrameEvent::BadCrc(bad) => {
                assert_ne!(bad.received, bad.computed);
                if let Some(to) = ReplyTo::salvaged(&bad.salvage) {
                    let reply = request_reply(&to, hesheng_core::hj212::QnRtn::Crc);
                    assert!(reply.starts_with("##") && reply.ends_with("\r\n"));
                }
            }
            FrameEvent::Skipped { bytes, .. } => {
                assert!(bytes > 0);
                accounted += bytes;
            }
        }
    }
    // A frame is data + 10 or + 12 bytes, a bad one up to its next header:
    // nothing is counted twice and nothing beyond the input.
    assert!(accounted <= bytes.len());
});
