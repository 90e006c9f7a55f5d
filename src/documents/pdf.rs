//! Writing laid-out pages as PDF.
//!
//! Each face is subset to the glyphs the document uses (with the
//! `subsetter` crate) and handed to printpdf as a ready-made font: printpdf
//! then writes the Type0 / Identity-H font, its widths and the ToUnicode
//! map, so the text stays extractable. Resource names, the document id and
//! the dates come from the record, so the same record gives the same bytes.
//! Streams are compressed at flate level 1: the fonts are already compact,
//! and higher levels cost more time than they save bytes.

use chrono::NaiveDateTime;
use flate2::{Compress, Compression, FlushCompress, Status};
use lopdf::{Object, StringFormat};
use printpdf::font::PdfFont;
use printpdf::{
    Color, FontId, FontMetrics, FontType, Greyscale, Op, ParsedFont, PdfDocument, PdfFontHandle, PdfFontMetricsStub,
    PdfPage, PdfSaveOptions, Pt, RawImage, TextItem, XObject, XObjectId, XObjectTransform,
};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use subsetter::GlyphRemapper;

use super::fonts::{FaceId, FontFace, fonts};
use super::layout::{Item, Laid, PAGE_H, PAGE_W};

/// Document information written into the PDF.
#[derive(Debug, Clone)]
pub struct Meta {
    /// Title (the document's name and number).
    pub title: String,
    /// Subject.
    pub subject: String,
    /// The record's own time (creation and modification date).
    pub date: NaiveDateTime,
    /// Identifies the record and its version; seeds the PDF's /ID.
    pub id_seed: String,
}

/// The PDF could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// Subsetting a face failed.
    #[error("font subsetting failed: {0}")]
    Subset(String),
    /// An image could not be decoded.
    #[error("image could not be read: {0}")]
    Image(String),
    /// Writing failed.
    #[error("writing the PDF failed: {0}")]
    Write(String),
}

fn font_id(face: FaceId) -> FontId {
    FontId(match face {
        FaceId::Body => "F1".to_owned(),
        FaceId::Heading => "F2".to_owned(),
    })
}

/// Six capital letters naming a subset, derived from its glyphs.
fn subset_tag(glyphs: &[u16]) -> String {
    let mut hasher = Sha256::new();
    for g in glyphs {
        hasher.update(g.to_be_bytes());
    }
    hasher.finalize().iter().take(6).map(|b| char::from(b'A' + b % 26)).collect()
}

/// The face reduced to the characters used, as printpdf embeds it.
fn subset_font(face: &FontFace, chars: &BTreeSet<char>) -> Result<ParsedFont, PdfError> {
    let glyphs: BTreeSet<u16> = chars.iter().map(|c| face.glyph(*c)).collect();
    let mut remapper = GlyphRemapper::new();
    remapper.remap(0);
    for g in &glyphs {
        remapper.remap(*g);
    }
    let bytes = subsetter::subset(face.data, 0, &remapper).map_err(|e| PdfError::Subset(e.to_string()))?;
    let mut codepoint_to_glyph = BTreeMap::new();
    let mut glyph_widths = BTreeMap::new();
    for c in chars {
        let old = face.glyph(*c);
        let new = remapper.get(old).unwrap_or(0);
        codepoint_to_glyph.insert(u32::from(*c), new);
        glyph_widths.insert(new, face.advance(old));
    }
    glyph_widths.insert(0, face.advance(0));
    let ordered: Vec<u16> = glyphs.into_iter().collect();
    Ok(ParsedFont {
        original_bytes: bytes,
        font_index: 0,
        font_name: Some(format!("{}+{}", subset_tag(&ordered), face.name)),
        codepoint_to_glyph,
        glyph_widths,
        units_per_em: face.units_per_em,
        font_metrics: FontMetrics { ascent: face.ascender, descent: face.descender },
        font_type: FontType::TrueType,
        pdf_font_metrics: PdfFontMetricsStub {
            units_per_em: face.units_per_em,
            x_min: face.bbox.0,
            y_min: face.bbox.1,
            x_max: face.bbox.2,
            y_max: face.bbox.3,
            caret_slope_rise: 1,
            caret_slope_run: 0,
            us_weight_class: face.weight,
        },
    })
}

/// A face's subset for a set of characters, with its font program already
/// compressed as it is embedded.
struct Subset {
    parsed: ParsedFont,
    deflated: Vec<u8>,
}

/// How many subsets are kept: a document rendered again (a case page's
/// preview, a print job, the volume holding it) finds its own; a print
/// batch of many documents passes through.
const SUBSETS_KEPT: usize = 16;

/// A kept subset: its face, its characters, and it.
type Kept = (FaceId, Vec<char>, Arc<Subset>);

/// The subsets made last, the most recent first.
static SUBSETS: Mutex<Vec<Kept>> = Mutex::new(Vec::new());

/// The subset of a face for `chars`, made and compressed once for each set
/// of characters. Subsetting and compression are deterministic, so a kept
/// subset gives the bytes a new one would.
fn subset(face_id: FaceId, chars: &BTreeSet<char>) -> Result<Arc<Subset>, PdfError> {
    let key: Vec<char> = chars.iter().copied().collect();
    {
        let mut kept = SUBSETS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(at) = kept.iter().position(|(f, k, _)| *f == face_id && *k == key) {
            let entry = kept.remove(at);
            let found = Arc::clone(&entry.2);
            kept.insert(0, entry);
            return Ok(found);
        }
    }
    let parsed = subset_font(fonts().face(face_id), chars)?;
    let deflated = deflate(&parsed.original_bytes)?;
    let made = Arc::new(Subset { parsed, deflated });
    let mut kept = SUBSETS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    kept.insert(0, (face_id, key, Arc::clone(&made)));
    kept.truncate(SUBSETS_KEPT);
    Ok(made)
}

fn date(t: NaiveDateTime, fallback: &printpdf::OffsetDateTime) -> printpdf::OffsetDateTime {
    printpdf::OffsetDateTime::from_unix_timestamp(t.and_utc().timestamp()).unwrap_or(*fallback)
}

/// The operations printpdf writes for a page: its images. Text and lines
/// are written directly (see [`text`] and [`graphics`]).
fn page_ops(items: &[Item], images: &[(usize, usize)]) -> Vec<Op> {
    let mut ops = vec![Op::SetFillColor { col: Color::Greyscale(Greyscale { percent: 0.0, icc_profile: None }) }];
    for item in items {
        if let Item::Image { index, x, y, w, h } = item {
            let (pw, ph) = images.get(*index).copied().unwrap_or((1, 1));
            ops.push(Op::UseXobject {
                id: XObjectId(format!("Im{index}")),
                transform: XObjectTransform {
                    translate_x: Some(Pt(*x)),
                    translate_y: Some(Pt(PAGE_H - *y - *h)),
                    scale_x: Some(*w / pw.max(1) as f32),
                    scale_y: Some(*h / ph.max(1) as f32),
                    dpi: Some(72.0),
                    ..Default::default()
                },
            });
        }
    }
    ops
}

/// A page that shows every character of each face once: printpdf writes a
/// font's widths and its ToUnicode map (what makes the text extractable)
/// from the characters it sees shown. It is taken out of the document
/// before it is saved.
fn registration_ops(used: &BTreeMap<FaceId, BTreeSet<char>>) -> Vec<Op> {
    let mut ops = Vec::new();
    for (face, chars) in used {
        ops.push(Op::StartTextSection);
        ops.push(Op::SetFont { font: PdfFontHandle::External(font_id(*face)), size: Pt(10.0) });
        ops.push(Op::ShowText { items: vec![TextItem::Text(chars.iter().collect())] });
        ops.push(Op::EndTextSection);
    }
    ops
}

/// Text as raw content-stream operators, each character written as its
/// glyph in the face's subset (Identity-H): cheaper than printpdf's
/// operation objects for the thousands of characters of a volume.
fn text(items: &[Item], glyphs: &BTreeMap<FaceId, BTreeMap<u32, u16>>, prefix: &str) -> Vec<u8> {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = Vec::new();
    let mut font: Option<(FaceId, f32)> = None;
    for item in items {
        let Item::Text { x, y, face, size, text } = item else { continue };
        if text.is_empty() {
            continue;
        }
        if out.is_empty() {
            out.extend_from_slice(b"\nBT\n");
        }
        if font != Some((*face, *size)) {
            out.push(b'/');
            out.extend_from_slice(prefix.as_bytes());
            out.extend_from_slice(font_id(*face).0.as_bytes());
            out.push(b' ');
            number(&mut out, *size);
            out.extend_from_slice(b"Tf\n");
            font = Some((*face, *size));
        }
        out.extend_from_slice(b"1 0 0 1 ");
        number(&mut out, *x);
        number(&mut out, PAGE_H - *y);
        out.extend_from_slice(b"Tm <");
        let map = glyphs.get(face);
        for c in text.chars() {
            let g = map.and_then(|m| m.get(&u32::from(c))).copied().unwrap_or(0);
            for shift in [12, 8, 4, 0] {
                out.push(HEX[usize::from((g >> shift) & 0xF)]);
            }
        }
        out.extend_from_slice(b"> Tj\n");
    }
    if !out.is_empty() {
        out.extend_from_slice(b"ET\n");
    }
    out
}

/// Lines and filled rectangles as raw content-stream operators: tables and
/// QR codes are hundreds of them, cheaper written directly than through
/// printpdf's operation objects.
fn graphics(items: &[Item]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut width: Option<f32> = None;
    let mut filling = false;
    for item in items {
        match item {
            Item::Line { x1, y1, x2, y2, width: w } => {
                if filling {
                    out.extend_from_slice(b"f\n");
                    filling = false;
                }
                if width != Some(*w) {
                    number(&mut out, *w);
                    out.extend_from_slice(b"w\n");
                    width = Some(*w);
                }
                for v in [*x1, PAGE_H - y1] {
                    number(&mut out, v);
                }
                out.extend_from_slice(b"m ");
                for v in [*x2, PAGE_H - y2] {
                    number(&mut out, v);
                }
                out.extend_from_slice(b"l S\n");
            }
            Item::Rect { x, y, w, h } => {
                for v in [*x, PAGE_H - y - h, *w, *h] {
                    number(&mut out, v);
                }
                out.extend_from_slice(b"re\n");
                filling = true;
            }
            Item::Text { .. } | Item::Image { .. } => {}
        }
    }
    if filling {
        out.extend_from_slice(b"f\n");
    }
    if out.is_empty() {
        return out;
    }
    let mut framed = b"\nq 0 g 0 G\n".to_vec();
    framed.extend_from_slice(&out);
    framed.extend_from_slice(b"Q\n");
    framed
}

/// Writes a coordinate with two decimals and a trailing space, without
/// the cost of float formatting.
fn number(out: &mut Vec<u8>, v: f32) {
    // Page coordinates stay far inside i32 range.
    #[expect(clippy::cast_possible_truncation, reason = "page coordinates are small")]
    let hundredths = (v * 100.0).round() as i32;
    if hundredths < 0 {
        out.push(b'-');
    }
    let n = hundredths.unsigned_abs();
    out.extend_from_slice((n / 100).to_string().as_bytes());
    let frac = n % 100;
    if frac != 0 {
        out.push(b'.');
        out.push(b'0' + u8::try_from(frac / 10).unwrap_or(0));
        if !frac.is_multiple_of(10) {
            out.push(b'0' + u8::try_from(frac % 10).unwrap_or(0));
        }
    }
    out.push(b' ');
}

thread_local! {
    /// One compressor per thread, reset between streams: setting one up
    /// costs more than compressing a small stream.
    static DEFLATE: std::cell::RefCell<Compress> = std::cell::RefCell::new(Compress::new(Compression::new(1), true));
}

fn deflate(input: &[u8]) -> Result<Vec<u8>, PdfError> {
    DEFLATE.with(|cell| {
        let mut c = cell.borrow_mut();
        c.reset();
        let mut out = Vec::with_capacity(input.len() / 2 + 64);
        loop {
            let consumed = usize::try_from(c.total_in()).unwrap_or(0);
            let status = c
                .compress_vec(&input[consumed..], &mut out, FlushCompress::Finish)
                .map_err(|e| PdfError::Write(e.to_string()))?;
            match status {
                Status::StreamEnd => return Ok(out),
                Status::Ok | Status::BufError => out.reserve(out.capacity().max(4096)),
            }
        }
    })
}

/// Writes the pages as a PDF.
pub fn write(laid: &Laid, meta: &Meta) -> Result<Vec<u8>, PdfError> {
    write_embedding(laid, meta, &[])
}

/// Writes the pages as a PDF, with the pages of finished PDFs in place of
/// blank pages held for them: `(index of the first held page, the PDF)`.
/// The finished pages are taken as they are (an archived agreement byte
/// for byte in each page's content, fonts and images).
pub fn write_embedding(laid: &Laid, meta: &Meta, embeds: &[(usize, &[u8])]) -> Result<Vec<u8>, PdfError> {
    let mut used: BTreeMap<FaceId, BTreeSet<char>> = BTreeMap::new();
    for page in &laid.pages {
        for item in &page.items {
            if let Item::Text { face, text, .. } = item {
                used.entry(*face).or_default().extend(text.chars());
            }
        }
    }
    let mut doc = PdfDocument::new(&meta.title);
    let info = &mut doc.metadata.info;
    info.subject.clone_from(&meta.subject);
    info.creator = "Hesheng".to_owned();
    info.producer = "Hesheng".to_owned();
    let when = date(meta.date, &info.creation_date);
    info.creation_date = when;
    info.modification_date = when;
    info.metadata_date = when;
    let mut glyphs = BTreeMap::new();
    let mut subsets = Vec::with_capacity(used.len());
    for (face, chars) in &used {
        let subset = subset(*face, chars)?;
        glyphs.insert(*face, subset.parsed.codepoint_to_glyph.clone());
        doc.resources.fonts.map.insert(font_id(*face), PdfFont::new(subset.parsed.clone()));
        subsets.push(subset);
    }
    let mut sizes = Vec::with_capacity(laid.images.len());
    for (i, png) in laid.images.iter().enumerate() {
        let mut warnings = Vec::new();
        let image = RawImage::decode_from_bytes(png, &mut warnings).map_err(PdfError::Image)?;
        sizes.push((image.width, image.height));
        doc.resources.xobjects.map.insert(XObjectId(format!("Im{i}")), XObject::Image(image));
    }
    let size = (printpdf::Mm::from(Pt(PAGE_W)), printpdf::Mm::from(Pt(PAGE_H)));
    let mut pages: Vec<PdfPage> =
        laid.pages.iter().map(|p| PdfPage::new(size.0, size.1, page_ops(&p.items, &sizes))).collect();
    let registration = !used.is_empty();
    if registration {
        pages.push(PdfPage::new(size.0, size.1, registration_ops(&used)));
    }
    doc.with_pages(pages);
    let options = PdfSaveOptions { optimize: false, subset_fonts: false, secure: true, image_optimization: None };
    let mut warnings = Vec::new();
    let mut lo = doc.to_lopdf_document(&options, &mut warnings);
    let id = hex::encode(&Sha256::digest(meta.id_seed.as_bytes())[..16]);
    lo.trailer.set(
        "ID",
        Object::Array(vec![
            Object::String(id.clone().into_bytes(), StringFormat::Literal),
            Object::String(id.into_bytes(), StringFormat::Literal),
        ]),
    );
    if registration {
        unregister(&mut lo)?;
    }
    for (page, id) in lo.get_pages() {
        let items = &laid.pages[usize::try_from(page).unwrap_or(1).saturating_sub(1)].items;
        let mut extra = text(items, &glyphs, "");
        extra.extend_from_slice(&graphics(items));
        if extra.is_empty() {
            continue;
        }
        let contents = lo.get_dictionary(id).and_then(|d| d.get(b"Contents")).and_then(Object::as_reference).ok();
        if let Some(Ok(Object::Stream(stream))) = contents.map(|c| lo.get_object_mut(c)) {
            let mut content = std::mem::take(&mut stream.content);
            content.extend_from_slice(&extra);
            stream.set_content(content);
        }
    }
    for (first, bytes) in embeds {
        // What the held pages carry (their number in a volume) is drawn
        // over the finished pages, in this document's fonts.
        let overlay = |k: usize| laid.pages.get(first + k).map_or_else(Vec::new, |p| text(&p.items, &glyphs, "V"));
        embed(&mut lo, *first, bytes, &overlay)?;
    }
    for object in lo.objects.values_mut() {
        if let Object::Stream(stream) = object
            && !stream.dict.has(b"Filter")
        {
            // A font program (it states its length, /Length1) is the
            // subset's, compressed already.
            let program = stream.dict.has(b"Length1").then(|| {
                subsets.iter().find(|s| s.parsed.original_bytes == stream.content).map(|s| s.deflated.clone())
            });
            let compressed = match program.flatten() {
                Some(deflated) => deflated,
                None => deflate(&stream.content)?,
            };
            stream.set_content(compressed);
            stream.dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
        }
    }
    let mut out = Vec::new();
    lo.save_to(&mut out).map_err(|e| PdfError::Write(e.to_string()))?;
    Ok(out)
}

/// Takes the last page (the fonts' registration page) out of the document:
/// out of its page tree, with what it drew and its resources.
fn unregister(lo: &mut lopdf::Document) -> Result<(), PdfError> {
    let fail = |e: lopdf::Error| PdfError::Write(e.to_string());
    let Some((_, id)) = lo.get_pages().into_iter().next_back() else { return Ok(()) };
    let page = lo.get_dictionary(id).map_err(fail)?;
    let parent = page.get(b"Parent").and_then(Object::as_reference).map_err(fail)?;
    let owned: Vec<lopdf::ObjectId> = [b"Contents".as_slice(), b"Resources".as_slice()]
        .iter()
        .filter_map(|key| page.get(key).and_then(Object::as_reference).ok())
        .collect();
    let tree = lo.get_dictionary_mut(parent).map_err(fail)?;
    if let Ok(Object::Array(kids)) = tree.get_mut(b"Kids") {
        kids.retain(|kid| kid.as_reference().ok() != Some(id));
    }
    if let Ok(Object::Integer(count)) = tree.get_mut(b"Count") {
        *count -= 1;
    }
    lo.objects.remove(&id);
    for object in owned {
        lo.objects.remove(&object);
    }
    Ok(())
}

/// Puts the pages of the PDF `bytes` in place of the pages of `lo` from
/// index `first` on, keeping `lo`'s page tree; what the held pages drew is
/// dropped, and `overlay(k)` (content in `lo`'s fonts, named with a `V`
/// before their names) is drawn over the `k`-th page.
fn embed(
    lo: &mut lopdf::Document,
    first: usize,
    bytes: &[u8],
    overlay: &dyn Fn(usize) -> Vec<u8>,
) -> Result<(), PdfError> {
    use lopdf::{Dictionary, Stream};
    let fail = |e: lopdf::Error| PdfError::Write(e.to_string());
    let held: Vec<lopdf::ObjectId> = lo.get_pages().into_values().skip(first).collect();
    let mut part = lopdf::Document::load_mem(bytes).map_err(fail)?;
    part.renumber_objects_with(lo.max_id + 1);
    lo.max_id = lo.max_id.max(part.max_id);
    // A dictionary given inline or by reference, from `doc`.
    let resolve = |doc: &lopdf::Document, object: Option<&Object>| -> Dictionary {
        match object {
            Some(Object::Reference(id)) => doc.get_dictionary(*id).cloned().unwrap_or_default(),
            Some(Object::Dictionary(d)) => d.clone(),
            _ => Dictionary::new(),
        }
    };
    let mut pages = Vec::new();
    for id in part.get_pages().into_values() {
        let mut page = part.get_dictionary(id).map_err(fail)?.clone();
        for key in super::merge::INHERITED {
            if !page.has(key)
                && let Some(value) = super::merge::inherited(&part, &page, key)
            {
                page.set(key, value);
            }
        }
        let mut resources = resolve(&part, page.get(b"Resources").ok());
        let fonts = resolve(&part, resources.get(b"Font").ok());
        resources.set("Font", Object::Dictionary(fonts));
        page.set("Resources", Object::Dictionary(resources));
        pages.push(page);
    }
    if pages.len() > held.len() {
        return Err(PdfError::Write(format!("{} pages to embed, {} held", pages.len(), held.len())));
    }
    for (k, (mut page, id)) in pages.into_iter().zip(held).enumerate() {
        let old = lo.get_dictionary(id).map_err(fail)?;
        let parent = old.get(b"Parent").map_err(fail)?.clone();
        let drawn = old.get(b"Contents").and_then(Object::as_reference).ok();
        let own_resources = old.get(b"Resources").and_then(Object::as_reference).ok();
        let ours = resolve(lo, own_resources.and_then(|r| lo.get_dictionary(r).ok()).and_then(|d| d.get(b"Font").ok()));
        for id in [drawn, own_resources].into_iter().flatten() {
            lo.objects.remove(&id);
        }
        let drawing = overlay(k);
        if !drawing.is_empty() {
            if let Ok(Object::Dictionary(resources)) = page.get_mut(b"Resources")
                && let Ok(Object::Dictionary(fonts)) = resources.get_mut(b"Font")
            {
                for (name, font) in ours.iter() {
                    fonts.set([b"V".as_slice(), name].concat(), font.clone());
                }
            }
            let mut content = b"q 0 g".to_vec();
            content.extend_from_slice(&drawing);
            content.extend_from_slice(b"Q\n");
            let added = lo.add_object(Stream::new(Dictionary::new(), content));
            let mut contents = match page.get(b"Contents") {
                Ok(Object::Array(list)) => list.clone(),
                Ok(other) => vec![other.clone()],
                Err(_) => Vec::new(),
            };
            contents.push(Object::Reference(added));
            page.set("Contents", Object::Array(contents));
        }
        page.set("Parent", parent);
        lo.objects.insert(id, Object::Dictionary(page));
    }
    for (id, object) in std::mem::take(&mut part.objects) {
        if !matches!(object.type_name(), Ok(b"Catalog" | b"Pages" | b"Page" | b"Outlines" | b"Outline")) {
            lo.objects.insert(id, object);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_subset_gives_the_bytes_a_new_one_gives() {
        let mut page = super::super::layout::Layout::new();
        page.paragraph("自2026年5月26日起，每天活动于19:00开始，21:00前结束。王堃 𠮷田");
        let laid = page.finish(&|_, _| Vec::new());
        let meta = Meta {
            title: "t".into(),
            subject: "s".into(),
            date: chrono::NaiveDate::from_ymd_opt(2026, 5, 26).and_then(|d| d.and_hms_opt(19, 0, 0)).expect("date"),
            id_seed: "seed".into(),
        };
        SUBSETS.lock().expect("lock").clear();
        let fresh = write(&laid, &meta).expect("write");
        assert!(!SUBSETS.lock().expect("lock").is_empty(), "the subsets are kept");
        let kept = write(&laid, &meta).expect("write");
        assert!(fresh == kept, "the same bytes from a kept subset");
    }

    #[test]
    fn coordinates_are_written_with_at_most_two_decimals() {
        let mut out = Vec::new();
        for v in [0.0, 12.5, -3.25, 595.28, 841.891, 0.004, 100.1] {
            number(&mut out, v);
        }
        assert_eq!(String::from_utf8(out).expect("ascii"), "0 12.5 -3.25 595.28 841.89 0 100.1 ");
    }
}
