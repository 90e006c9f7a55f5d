//! The Chinese line breaker: whatever the text and the width, no character
//! is lost or reordered, and closing punctuation never starts a line that
//! continues a paragraph.

#![no_main]

use hesheng_core::text::{NO_LINE_END, NO_LINE_START, is_cjk, wrap};
use libfuzzer_sys::fuzz_target;

/// CJK characters and punctuation one unit wide, others half.
fn measure(s: &str) -> f32 {
    s.chars().map(|c| if is_cjk(c) || NO_LINE_START.contains(c) || NO_LINE_END.contains(c) { 1.0 } else { 0.5 }).sum()
}

fn visible(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

fuzz_target!(|input: (&str, u8)| {
    let (text, w) = input;
    let width = f32::from(w % 40) + 1.0;
    let lines = wrap(text, width, &measure);
    assert_eq!(visible(&lines.concat()), visible(text), "every character kept, in order");
    // Paragraph by paragraph, so that each one's first line is known.
    for paragraph in text.split('\n') {
        let lines = wrap(paragraph, width, &measure);
        for line in lines.iter().skip(1) {
            if let Some(first) = line.chars().next() {
                assert!(!NO_LINE_START.contains(first), "{line:?} starts a line in {lines:?} (width {width})");
            }
        }
    }
});
