//! The two faces every document is set in, parsed once.
//!
//! Body text is Noto Serif CJK SC Regular (宋体 style), titles and headings
//! Noto Sans CJK SC Bold (黑体 style); both cover the whole of Simplified
//! Chinese, so rare name characters print too.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicU32, Ordering};

use ttf_parser::{Face, GlyphId};

/// Which face a run of text uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FaceId {
    /// Noto Serif CJK SC Regular.
    Body,
    /// Noto Sans CJK SC Bold.
    Heading,
}

impl FaceId {
    /// Both faces.
    pub const ALL: [FaceId; 2] = [FaceId::Body, FaceId::Heading];
}

/// A parsed face and the figures PDF embedding needs.
pub struct FontFace {
    /// Glyph and advance of each character of the Basic Multilingual Plane
    /// once looked up (glyph << 16 | advance; 0 = not yet).
    bmp: Vec<AtomicU32>,
    /// The OpenType file.
    pub data: &'static [u8],
    face: Face<'static>,
    /// PostScript name.
    pub name: &'static str,
    /// Design units per em.
    pub units_per_em: u16,
    /// Ascender, design units.
    pub ascender: i16,
    /// Descender (negative), design units.
    pub descender: i16,
    /// Font bounding box.
    pub bbox: (i16, i16, i16, i16),
    /// OS/2 weight class.
    pub weight: u16,
}

impl FontFace {
    fn load(data: &'static [u8], name: &'static str) -> Self {
        // The files are part of the build; a parse failure is a broken build.
        let face = Face::parse(data, 0).expect("bundled font parses");
        let bbox = face.global_bounding_box();
        Self {
            bmp: (0..=0xFFFF).map(|_| AtomicU32::new(0)).collect(),
            data,
            units_per_em: face.units_per_em(),
            ascender: face.ascender(),
            descender: face.descender(),
            bbox: (bbox.x_min, bbox.y_min, bbox.x_max, bbox.y_max),
            weight: face.weight().to_number(),
            face,
            name,
        }
    }

    /// The glyph of a character (0, .notdef, when the face has none).
    pub fn glyph(&self, c: char) -> u16 {
        self.lookup(c).0
    }

    /// Glyph and advance of a character, cached for the BMP.
    fn lookup(&self, c: char) -> (u16, u16) {
        let fetch = || {
            let glyph = self.face.glyph_index(c).map_or(0, |g| g.0);
            (glyph, self.advance(glyph))
        };
        let Some(slot) = usize::try_from(u32::from(c)).ok().and_then(|i| self.bmp.get(i)) else {
            return fetch();
        };
        let cached = slot.load(Ordering::Relaxed);
        if cached != 0 {
            // Both halves fit in 16 bits by construction.
            #[expect(clippy::cast_possible_truncation, reason = "halves of a u32")]
            return ((cached >> 16) as u16, cached as u16);
        }
        let (glyph, advance) = fetch();
        slot.store((u32::from(glyph) << 16) | u32::from(advance).max(1), Ordering::Relaxed);
        (glyph, advance)
    }

    /// Advance width of a glyph in design units.
    pub fn advance(&self, glyph: u16) -> u16 {
        self.face.glyph_hor_advance(GlyphId(glyph)).unwrap_or(self.units_per_em)
    }

    /// Width of a character at `size` points.
    pub fn char_width(&self, c: char, size: f32) -> f32 {
        f32::from(self.lookup(c).1) * size / f32::from(self.units_per_em)
    }

    /// Width of a text at `size` points.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        // A no-break join takes no room; it is never printed.
        text.chars().filter(|c| *c != super::text::NO_BREAK_JOIN).map(|c| self.char_width(c, size)).sum()
    }
}

/// The document faces.
pub struct Fonts {
    /// Body text.
    pub body: FontFace,
    /// Titles and headings.
    pub heading: FontFace,
}

impl Fonts {
    /// The face of an id.
    pub fn face(&self, id: FaceId) -> &FontFace {
        match id {
            FaceId::Body => &self.body,
            FaceId::Heading => &self.heading,
        }
    }
}

static FONTS: LazyLock<Fonts> = LazyLock::new(|| Fonts {
    body: FontFace::load(include_bytes!("../../assets/fonts/NotoSerifCJKsc-Regular.ttf"), "NotoSerifCJKsc-Regular"),
    heading: FontFace::load(include_bytes!("../../assets/fonts/NotoSansCJKsc-Bold.ttf"), "NotoSansCJKsc-Bold"),
});

/// The faces, parsed on first use (call at start-up to pay that once).
pub fn fonts() -> &'static Fonts {
    &FONTS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_faces_cover_common_and_rare_name_characters() {
        let f = fonts();
        for c in "和声人民调解协议书堃喆玥昇珺赟祎犇垚㛃𠮷ABC123，。".chars() {
            assert_ne!(f.body.glyph(c), 0, "body lacks {c}");
            assert_ne!(f.heading.glyph(c), 0, "heading lacks {c}");
        }
        assert_eq!(f.body.units_per_em, 1000);
        assert!((f.body.width("调解", 10.0) - 20.0).abs() < 0.01, "CJK characters are one em wide");
    }
}
