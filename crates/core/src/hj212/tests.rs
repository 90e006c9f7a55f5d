//! Properties of the codec as a whole: what is written reads back the same,
//! however the bytes are cut, whatever noise surrounds them, and no single
//! damaged byte passes unnoticed.

use chrono::{DateTime, NaiveDateTime};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;

use super::*;

fn moment(whole_seconds: bool) -> impl Strategy<Value = NaiveDateTime> {
    // 2000-01-01 to 2099-12-31.
    (946_684_800_000i64..4_102_444_800_000).prop_map(move |ms| {
        let ms = if whole_seconds { ms - ms % 1000 } else { ms };
        DateTime::from_timestamp_millis(ms).expect("in range").naive_utc()
    })
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof!["[0-9]{1,3}\\.[0-9]", "[A-Za-z0-9.+_]{0,8}"]
}

fn area() -> impl Strategy<Value = Cp> {
    let code = "[A-Za-z][A-Za-z0-9]{0,5}(-[a-z0-9]{1,3})?";
    let items = btree_map("[A-Z][A-Za-z]{0,5}", value(), 1..4);
    (
        proptest::option::of(moment(true)),
        btree_map(code, items, 0..5),
        btree_map("[A-Za-z][A-Za-z0-9]{0,8}".prop_filter("not DataTime", |k| k != "DataTime"), value(), 0..3),
    )
        .prop_map(|(data_time, factors, fields)| Cp { data_time, factors, fields })
}

prop_compose! {
    fn packet()(
        qn in moment(false),
        st in 0u8..100,
        cn in 0u16..10_000,
        pw in "[A-Za-z0-9_]{1,16}",
        mn in "[A-Za-z0-9_.-]{1,24}",
        flag in proptest::option::of(any::<u8>()),
        part in proptest::option::of((1u32..1000, 0u32..1000)),
        cp in area(),
    ) -> Packet {
        let part = part.map(|(count, n)| Part { count, number: n % count + 1 });
        Packet { qn: Qn::of(qn), st, cn, pw, mn, flag: flag.map(Flag), part, cp }
    }
}

fn decode(chunks: &[&[u8]]) -> Vec<FrameEvent> {
    let mut decoder = FrameDecoder::new();
    let mut events = Vec::new();
    for chunk in chunks {
        decoder.push(chunk);
        events.extend(&mut decoder);
    }
    decoder.finish();
    events.extend(&mut decoder);
    events
}

fn frames(events: &[FrameEvent]) -> Vec<&str> {
    events
        .iter()
        .filter_map(|e| match e {
            FrameEvent::Frame(data) => Some(data.as_str()),
            _ => None,
        })
        .collect()
}

fn written(packet: &Packet) -> Option<String> {
    encode(packet).ok()
}

proptest! {
    #[test]
    fn a_written_packet_reads_back_the_same(p in packet()) {
        let wire = written(&p);
        prop_assume!(wire.is_some());
        let wire = wire.unwrap_or_default();
        let events = decode(&[wire.as_bytes()]);
        let found = frames(&events);
        prop_assert_eq!(found.len(), 1, "{:?}", events);
        prop_assert_eq!(parse(found[0]), Ok(p));
    }

    #[test]
    fn frames_cut_anywhere_read_the_same(
        ps in vec(packet(), 1..4),
        cuts in vec(any::<prop::sample::Index>(), 0..8),
    ) {
        let wire: Vec<u8> = ps.iter().filter_map(written).flat_map(String::into_bytes).collect();
        let mut at: Vec<usize> = cuts.iter().map(|i| i.index(wire.len() + 1)).collect();
        at.sort_unstable();
        let mut chunks = Vec::new();
        let mut from = 0;
        for cut in at {
            chunks.push(&wire[from..cut]);
            from = cut;
        }
        chunks.push(&wire[from..]);
        prop_assert_eq!(decode(&chunks), decode(&[&wire]));
    }

    #[test]
    fn frames_are_found_among_any_noise(
        ps in vec(packet(), 1..4),
        noise in vec(vec(any::<u8>(), 0..64), 4),
        tail in vec(any::<u8>(), 0..64),
    ) {
        let mut wire = Vec::new();
        let mut expected = Vec::new();
        for (p, noise) in ps.iter().zip(&noise) {
            let Some(frame) = written(p) else { continue };
            wire.extend(noise);
            expected.push(frame[6..frame.len() - 6].to_owned());
            wire.extend(frame.into_bytes());
        }
        wire.extend(&tail);
        let events = decode(&[&wire]);
        prop_assert_eq!(frames(&events), expected.iter().map(String::as_str).collect::<Vec<_>>());
        for p in frames(&events) {
            prop_assert!(parse(p).is_ok());
        }
    }

    #[test]
    fn pure_noise_never_panics_and_is_all_accounted_for(noise in vec(any::<u8>(), 0..2048)) {
        let events = decode(&[&noise]);
        let dropped: usize = events
            .iter()
            .map(|e| match e {
                FrameEvent::Skipped { bytes, .. } => *bytes,
                _ => 0,
            })
            .sum();
        if frames(&events).is_empty() && !events.iter().any(|e| matches!(e, FrameEvent::BadCrc(_))) {
            prop_assert_eq!(dropped, noise.len());
        }
    }

    #[test]
    fn a_single_changed_byte_never_passes_as_data(p in packet(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let wire = written(&p);
        prop_assume!(wire.is_some());
        let wire = wire.unwrap_or_default().into_bytes();
        let i = at.index(wire.len());
        prop_assume!(wire[i] != byte);
        let original = std::str::from_utf8(&wire[6..wire.len() - 6]).unwrap_or_default().to_owned();
        let mut damaged = wire.clone();
        damaged[i] = byte;
        let events = decode(&[&damaged]);
        let found = frames(&events);
        if (6..wire.len() - 6).contains(&i) {
            prop_assert!(found.is_empty(), "{:?}", events);
        } else {
            // Only the check's letters may change case and still read.
            prop_assert!(found.iter().all(|f| *f == original), "{:?}", events);
        }
    }
}
