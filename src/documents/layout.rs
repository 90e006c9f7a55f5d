//! Page composition: A4 pages with wrapped text, tables, signature lines,
//! images, QR codes, and page breaks for long records.

use super::fonts::{FaceId, Fonts, fonts};
use super::qr::QrModules;
use super::text::{NO_BREAK_JOIN, NO_BREAK_SPACE, pieces, whole_label, wrap, wrap_hanging};

/// A4 width in points.
pub const PAGE_W: f32 = 595.28;
/// A4 height in points.
pub const PAGE_H: f32 = 841.89;
/// Left and right margins (about 26 mm, as on the printed forms).
pub const MARGIN_X: f32 = 74.0;
/// Top margin.
pub const MARGIN_TOP: f32 = 62.0;
/// Space kept free at the bottom for the footer.
pub const MARGIN_BOTTOM: f32 = 96.0;
/// Body text size.
pub const BODY: f32 = 12.0;
/// Small text size (footers, notes).
pub const SMALL: f32 = 9.0;
/// The smallest size a table cell is set in to keep its words whole.
const MIN_CELL: f32 = 7.0;
/// The shortest line a signature is written on.
const SIGN_MIN: f32 = 100.0;
/// Lines of text a signature block keeps on its page.
pub const KEEP_LINES: usize = 3;
/// How much shorter a signature line is set when that keeps the block on
/// the page of the text it signs.
const SIGN_TIGHTER: f32 = 6.0;

/// Something drawn on a page. Coordinates are points from the top-left.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// One line of text; `y` is the baseline.
    Text {
        /// Left edge.
        x: f32,
        /// Baseline.
        y: f32,
        /// Face.
        face: FaceId,
        /// Size in points.
        size: f32,
        /// The text.
        text: String,
    },
    /// A straight line.
    Line {
        /// Start x.
        x1: f32,
        /// Start y.
        y1: f32,
        /// End x.
        x2: f32,
        /// End y.
        y2: f32,
        /// Line width.
        width: f32,
    },
    /// A filled black rectangle (QR modules).
    Rect {
        /// Left.
        x: f32,
        /// Top.
        y: f32,
        /// Width.
        w: f32,
        /// Height.
        h: f32,
    },
    /// An image of the document's image list.
    Image {
        /// Index into the images.
        index: usize,
        /// Left.
        x: f32,
        /// Top.
        y: f32,
        /// Width.
        w: f32,
        /// Height.
        h: f32,
    },
}

/// One page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    /// What is drawn.
    pub items: Vec<Item>,
}

/// A laid-out document.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Laid {
    /// Pages in order.
    pub pages: Vec<Page>,
    /// PNG images used by `Item::Image`.
    pub images: Vec<Vec<u8>>,
}

impl Laid {
    /// Appends `part`'s pages, moving its image indices along.
    pub fn append(&mut self, part: Laid) {
        let offset = self.images.len();
        self.images.extend(part.images);
        for mut page in part.pages {
            for item in &mut page.items {
                if let Item::Image { index, .. } = item {
                    *index += offset;
                }
            }
            self.pages.push(page);
        }
    }
}

/// Composes pages top to bottom.
pub struct Layout {
    fonts: &'static Fonts,
    laid: Laid,
    y: f32,
    /// Where each line of running text starts: the places a page may be
    /// broken to carry lines over to the next.
    breaks: Vec<LineStart>,
    /// Signature lines set tighter, to stay on the page of what they sign.
    tight: bool,
    /// Every line of a signature block has how and when it was signed
    /// under it, when one line's does not fit beside it.
    notes_below: bool,
    /// The next paragraph goes with the line before it.
    with_previous: bool,
}

/// The paragraph printed just before signature lines and signed with them
/// (一式N份, the read-back statement, the applicants' pledge, a table's
/// note): it goes to a page with the block, and the block still takes
/// lines of the text before it.
#[derive(Debug, Clone, Copy)]
pub struct Closing<'a> {
    /// The paragraph.
    pub text: &'a str,
    /// Its size: at the body size it is indented two characters, smaller
    /// (a note) not at all.
    pub size: f32,
    /// Space above it.
    pub before: f32,
    /// Space between it and the first signature line.
    pub after: f32,
}

/// The start of a line of running text.
#[derive(Debug, Clone, Copy)]
struct LineStart {
    page: usize,
    top: f32,
    /// A heading's line, which goes with the line after it.
    heading: bool,
    /// A line that may not be parted from the one before it: the second
    /// or the last of its paragraph (no line left alone at the foot or the
    /// head of a page).
    joined: bool,
    /// How many items the page held when the line started: what is drawn
    /// from there on moves with it (a table row's rules on the cut too).
    item: usize,
}

impl Default for Layout {
    fn default() -> Self {
        Self::new()
    }
}

/// A line of a signature block.
#[derive(Debug, Clone, PartialEq)]
pub struct SignatureLine {
    /// Whose line it is (申请人 周桂芳（签名、盖章或按指印）：).
    pub label: String,
    /// The signer's name: printed on the line once signed on paper, and
    /// under a drawn signature.
    pub name: Option<String>,
    /// How it was signed (纸质签名 / 屏幕签名 …), once signed.
    pub note: Option<String>,
    /// The drawn signature.
    pub image: Option<Vec<u8>>,
    /// Date of signing.
    pub date: Option<String>,
}

impl SignatureLine {
    /// A line to be signed by hand, nothing recorded yet.
    pub fn blank(label: String) -> Self {
        Self { label, name: None, note: None, image: None, date: None }
    }
}

impl Layout {
    /// An empty document with one page.
    pub fn new() -> Self {
        Self {
            fonts: fonts(),
            laid: Laid { pages: vec![Page::default()], images: Vec::new() },
            y: MARGIN_TOP,
            breaks: Vec::new(),
            tight: false,
            notes_below: false,
            with_previous: false,
        }
    }

    /// Width between the margins.
    pub fn width(&self) -> f32 {
        PAGE_W - 2.0 * MARGIN_X
    }

    /// The current position from the top.
    pub fn y(&self) -> f32 {
        self.y
    }

    fn page(&mut self) -> &mut Page {
        let last = self.laid.pages.len() - 1;
        &mut self.laid.pages[last]
    }

    /// Draws an item on the current page.
    pub fn push(&mut self, item: Item) {
        self.page().items.push(item);
    }

    /// Starts a new page.
    pub fn new_page(&mut self) {
        self.laid.pages.push(Page::default());
        self.y = MARGIN_TOP;
    }

    /// Starts a new page unless `height` more fits on this one.
    pub fn ensure(&mut self, height: f32) {
        if self.y + height > PAGE_H - MARGIN_BOTTOM {
            self.new_page();
        }
    }

    /// Starts a new page unless `height` more fits on this one, taking a
    /// heading (and a caption) just before along: a heading never ends a
    /// page. What is `joined` to the lines before it takes them along too
    /// (the items of a short list).
    fn ensure_after_heading(&mut self, height: f32, joined: bool) {
        if self.y + height <= PAGE_H - MARGIN_BOTTOM {
            return;
        }
        let page = self.laid.pages.len() - 1;
        if self.breaks.last().is_some_and(|b| b.page == page && (b.heading || joined)) {
            self.keep_with_previous(height, 1);
        } else {
            self.new_page();
        }
    }

    /// Vertical space.
    pub fn space(&mut self, height: f32) {
        self.y += height;
    }

    /// Width of text in a face.
    pub fn measure(&self, face: FaceId, size: f32, text: &str) -> f32 {
        self.fonts.face(face).width(text, size)
    }

    fn text_at(&mut self, x: f32, baseline: f32, face: FaceId, size: f32, text: &str) {
        if !text.is_empty() {
            // A no-break space only holds words together; it prints as a
            // space, and a no-break join not at all.
            let text = if text.contains([NO_BREAK_SPACE, NO_BREAK_JOIN]) {
                text.replace(NO_BREAK_SPACE, " ").replace(NO_BREAK_JOIN, "")
            } else {
                text.to_owned()
            };
            self.push(Item::Text { x, y: baseline, face, size, text });
        }
    }

    /// A centred line (titles).
    pub fn centered(&mut self, text: &str, face: FaceId, size: f32) {
        let lines = self.wrap(text, face, size, self.width());
        for line in lines {
            self.ensure(size * 1.5);
            let w = self.measure(face, size, &line);
            let x = (PAGE_W - w) / 2.0;
            self.y += size * 1.2;
            self.text_at(x, self.y, face, size, &line);
            self.y += size * 0.4;
        }
    }

    /// A right-aligned line (the document number).
    pub fn right(&mut self, text: &str, face: FaceId, size: f32) {
        self.ensure(size * 1.6);
        let w = self.measure(face, size, text);
        self.y += size * 1.2;
        self.text_at(PAGE_W - MARGIN_X - w, self.y, face, size, text);
        self.y += size * 0.4;
    }

    fn wrap(&self, text: &str, face: FaceId, size: f32, width: f32) -> Vec<String> {
        let f = self.fonts.face(face);
        wrap(&glue_dates(text), width, &|s: &str| f.width(s, size))
    }

    /// The lines of a paragraph as [`Layout::paragraph_with`] sets them.
    fn paragraph_lines(&self, text: &str, face: FaceId, size: f32, indent: f32, hang: f32) -> Vec<String> {
        let width = self.width();
        let f = self.fonts.face(face);
        let text = glue_dates(text);
        wrap_hanging(&text, width - indent * size, width - hang, &|s: &str| f.width(s, size))
    }

    /// A wrapped paragraph; `indent` em of first-line indent, `hang` points
    /// of indent for the following lines.
    pub fn paragraph_with(&mut self, text: &str, face: FaceId, size: f32, indent: f32, hang: f32) {
        let leading = size * 1.6;
        let first_indent = indent * size;
        let lines = self.paragraph_lines(text, face, size, indent, hang);
        let n = lines.len();
        let with_previous = std::mem::take(&mut self.with_previous);
        for (i, line) in lines.iter().enumerate() {
            // No line of a paragraph alone at the foot or the head of a
            // page: up to three lines stay together, a longer paragraph
            // parts with at least two lines on either side.
            let keep = match i {
                0 if n <= 3 => n,
                0 => 2,
                i if n > 3 && i == n - 2 => 2,
                _ => 1,
            };
            let need = (keep as f32 * leading).min(PAGE_H - MARGIN_BOTTOM - MARGIN_TOP);
            if i == 0 && (face != FaceId::Heading || with_previous) {
                self.ensure_after_heading(need, with_previous);
            } else {
                self.ensure(need);
            }
            let joined = if i == 0 { with_previous } else { n <= 3 || i == 1 || i == n - 1 };
            let page = self.laid.pages.len() - 1;
            self.breaks.push(LineStart {
                page,
                top: self.y,
                heading: face == FaceId::Heading,
                joined,
                item: self.laid.pages[page].items.len(),
            });
            let x = MARGIN_X + if i == 0 { first_indent } else { hang };
            self.y += leading;
            self.text_at(x, self.y - size * 0.45, face, size, line);
        }
    }

    /// Makes room for a block `height` tall that must share its page with
    /// the last `lines` lines of the text before it (a signature block, a
    /// seal): when it does not fit, those lines move to the next page with
    /// it, and a heading just before them goes too.
    pub fn keep_with_previous(&mut self, height: f32, lines: usize) {
        if self.y + height <= PAGE_H - MARGIN_BOTTOM {
            return;
        }
        let page = self.laid.pages.len() - 1;
        let on_page: Vec<LineStart> = self.breaks.iter().filter(|b| b.page == page).copied().collect();
        let usable = PAGE_H - MARGIN_BOTTOM - MARGIN_TOP;
        // The most lines asked for that fit on a page with the block, and
        // always some line left behind; with the heading before them, and
        // no paragraph's line left alone, where that fits too.
        let cut_at = |whole: bool| {
            (1..=lines.min(on_page.len().saturating_sub(1))).rev().find_map(|n| {
                let mut first = on_page.len() - n;
                while first > 1 && (on_page[first - 1].heading || whole && on_page[first].joined) {
                    first -= 1;
                }
                let cut = on_page[first];
                // Several lines go only while they are not much taller than
                // lines of text (a short table with its header and caption
                // goes whole): rows of many lines go one at a time.
                let short = n == 1 || self.y - cut.top <= lines as f32 * BODY * 1.6 * 2.5;
                (short && self.y - cut.top + height <= usable).then_some(cut)
            })
        };
        let Some(LineStart { top: cut, item: split, .. }) = cut_at(true).or_else(|| cut_at(false)) else {
            self.new_page();
            return;
        };
        let moved = self.laid.pages[page].items.split_off(split);
        let shift = MARGIN_TOP - cut;
        let y = self.y;
        self.new_page();
        self.laid.pages[page + 1].items = moved.into_iter().map(|item| shifted(item, shift)).collect();
        self.y = y + shift;
        for b in self.breaks.iter_mut().filter(|b| b.page == page && b.item >= split) {
            b.page = page + 1;
            b.top += shift;
            b.item -= split;
        }
    }

    /// Makes the next paragraph go with the line before it when a
    /// signature block takes lines to the next page: the items of a short
    /// list (the attachments) stay together.
    pub fn with_previous(&mut self) {
        self.with_previous = true;
    }

    /// A body paragraph with a two-character first-line indent.
    pub fn paragraph(&mut self, text: &str) {
        self.paragraph_with(text, FaceId::Body, BODY, 2.0, 0.0);
    }

    /// "label：value" with the value's continuation lines aligned under it.
    pub fn labelled(&mut self, label: &str, value: &str) {
        let text = format!("{label}{value}");
        let hang = self.measure(FaceId::Body, BODY, label).min(self.width() / 3.0);
        self.paragraph_with(&text, FaceId::Body, BODY, 0.0, hang);
    }

    /// A heading within the document.
    pub fn heading(&mut self, text: &str) {
        self.ensure(BODY * 4.0);
        self.y += BODY * 0.35;
        self.paragraph_with(text, FaceId::Heading, BODY + 0.5, 0.0, 0.0);
    }

    /// A horizontal rule across the text width.
    pub fn rule(&mut self, width: f32) {
        self.ensure(6.0);
        self.y += 3.0;
        let y = self.y;
        self.push(Item::Line { x1: MARGIN_X, y1: y, x2: PAGE_W - MARGIN_X, y2: y, width });
        self.y += 3.0;
    }

    /// A table with ruled cells; `widths` are fractions of the text width.
    /// Rows that do not fit move to the next page, repeating the header. A
    /// header's labels break only between their words (a Chinese label is
    /// one word), as do the labels of a register's label column (made
    /// whole by [`whole_label`]). A cell whose longest word is wider than
    /// its column is set smaller, so that no word breaks inside.
    pub fn table(&mut self, widths: &[f32], header: Option<&[String]>, rows: &[Vec<String>], size: f32) {
        let pad = 4.0;
        let leading = size * 1.5;
        let header: Option<Vec<String>> = header.map(|h| h.iter().map(|cell| whole_label(cell)).collect());
        let header = header.as_deref();
        // The widest piece of each cell: (of all, of those a column makes
        // room for), measured once.
        let widest = |face: FaceId, row: &[String]| -> Vec<(f32, f32)> {
            row.iter()
                .map(|cell| {
                    pieces(cell).iter().map(|word| word.trim_end()).fold((0.0f32, 0.0f32), |(all, fits), word| {
                        let w = self.measure(face, size, word);
                        (all.max(w), if word.chars().count() <= 24 { fits.max(w) } else { fits })
                    })
                })
                .collect()
        };
        let header_widest = header.map(|h| widest(FaceId::Heading, h));
        let rows_widest: Vec<Vec<(f32, f32)>> = rows.iter().map(|r| widest(FaceId::Body, r)).collect();
        let cols = Self::column_widths(self.width(), widths, header_widest.iter().chain(&rows_widest), pad);
        let row_lines = |this: &Self, row: &[String], widest: &[(f32, f32)], face: FaceId| -> Vec<(Vec<String>, f32)> {
            row.iter()
                .zip(&cols)
                .zip(widest)
                .map(|((cell, w), (widest, _))| {
                    let room = w - 2.0 * pad;
                    let widest = *widest;
                    let cell_size = if widest > room { (size * room / widest).max(MIN_CELL) } else { size };
                    (this.wrap(cell, face, cell_size, room), cell_size)
                })
                .collect()
        };
        let row_height = |cells: &[(Vec<String>, f32)]| {
            cells.iter().map(|(lines, _)| lines.len()).max().unwrap_or(1).max(1) as f32 * leading + 2.0 * pad
        };
        let draw_row = |this: &mut Self, cells: &[(Vec<String>, f32)], face: FaceId| {
            let height = row_height(cells);
            let top = this.y;
            let mut x = MARGIN_X;
            for ((cell, cell_size), w) in cells.iter().zip(&cols) {
                for (i, line) in cell.iter().enumerate() {
                    let baseline = top + pad + (i as f32 + 1.0) * leading - size * 0.45;
                    this.text_at(x + pad, baseline, face, *cell_size, line);
                }
                this.push(Item::Line { x1: x, y1: top, x2: x, y2: top + height, width: 0.6 });
                x += w;
            }
            this.push(Item::Line { x1: x, y1: top, x2: x, y2: top + height, width: 0.6 });
            this.push(Item::Line { x1: MARGIN_X, y1: top, x2: x, y2: top, width: 0.6 });
            this.push(Item::Line { x1: MARGIN_X, y1: top + height, x2: x, y2: top + height, width: 0.6 });
            this.y += height;
        };
        let header_cells = header.zip(header_widest.as_deref()).map(|(h, w)| row_lines(self, h, w, FaceId::Heading));
        // Each row is a place the page may break to carry rows over with a
        // signature block; a header goes with the row after it, and the
        // first row stays with the header.
        let mark = |this: &mut Self, heading: bool, joined: bool| {
            let page = this.laid.pages.len() - 1;
            let item = this.laid.pages[page].items.len();
            this.breaks.push(LineStart { page, top: this.y, heading, joined, item });
        };
        if let Some(h) = &header_cells {
            self.ensure_after_heading(row_height(h) + leading + 2.0 * pad, false);
            mark(self, true, false);
            draw_row(self, h, FaceId::Heading);
        }
        for (i, (row, widest)) in rows.iter().zip(&rows_widest).enumerate() {
            let cells = row_lines(self, row, widest, FaceId::Body);
            let mut first = i == 0;
            if self.y + row_height(&cells) > PAGE_H - MARGIN_BOTTOM {
                self.new_page();
                if let Some(h) = &header_cells {
                    mark(self, true, false);
                    draw_row(self, h, FaceId::Heading);
                    first = true;
                }
            }
            mark(self, false, first && header_cells.is_some());
            draw_row(self, &cells, FaceId::Body);
        }
    }

    /// The widths of a table's columns: as asked, except that a column too
    /// narrow for its longest word takes room from columns that have some
    /// to spare.
    /// `widest` holds each row's cells' widest pieces, as `table` measures
    /// them (the second of each pair: pieces of at most 24 characters).
    fn column_widths<'a>(
        total: f32,
        widths: &[f32],
        widest: impl Iterator<Item = &'a Vec<(f32, f32)>>,
        pad: f32,
    ) -> Vec<f32> {
        let mut cols: Vec<f32> = widths.iter().map(|w| w * total).collect();
        let mut need: Vec<f32> = vec![0.0; cols.len()];
        for row in widest {
            for (n, (_, fits)) in need.iter_mut().zip(row) {
                *n = n.max(fits + 2.0 * pad);
            }
        }
        let short: f32 = cols.iter().zip(&need).map(|(w, n)| (n - w).max(0.0)).sum();
        // A column gives at most a third of its width; words over 24
        // characters (a hash, an address) break anyway and ask for none.
        let slack = |w: f32, n: f32| (w - n).clamp(0.0, w / 3.0);
        let spare: f32 = cols.iter().zip(&need).map(|(w, n)| slack(*w, *n)).sum();
        if short <= 0.0 || spare <= 0.0 {
            return cols;
        }
        let give = short.min(spare);
        for (w, n) in cols.iter_mut().zip(&need) {
            if *n > *w {
                *w += (*n - *w) * give / short;
            } else {
                *w -= slack(*w, *n) * give / spare;
            }
        }
        cols
    }

    /// Adds an image to the document; returns its index.
    pub fn image(&mut self, png: Vec<u8>) -> usize {
        self.laid.images.push(png);
        self.laid.images.len() - 1
    }

    /// What a signature line needs: the lines of its label (the last on
    /// the row of the line to sign on, any before it above), whether the
    /// note goes under the line, and the row's height.
    fn signature_shape(&self, line: &SignatureLine) -> SignShape {
        let f = self.fonts.face(FaceId::Body);
        let label = wrap(&line.label, self.width() - SIGN_MIN - 6.0, &|s: &str| f.width(s, BODY));
        let last = label.last().map_or(0.0, |l| self.measure(FaceId::Body, BODY, l));
        let x1 = MARGIN_X + last + 6.0;
        let right_w = self.measure(FaceId::Body, SMALL, &signature_note(line));
        let note_below = right_w > 0.0 && (self.notes_below || x1 + SIGN_MIN + 10.0 + right_w > PAGE_W - MARGIN_X);
        let mut row = if line.image.is_some() { 54.0 } else { 32.0 };
        if note_below {
            row += 14.0;
        }
        if self.tight {
            row -= SIGN_TIGHTER;
        }
        SignShape { label, note_below, row }
    }

    /// The height of a signature line, its label included.
    pub fn signature_height(&self, line: &SignatureLine) -> f32 {
        self.signature_shape(line).height()
    }

    /// Signature lines that share their page with the last lines of the
    /// text they sign; `after` is the height of what must follow them on
    /// the same page (the committee's seal and date).
    pub fn signatures(&mut self, lines: &[SignatureLine], after: f32) {
        self.notes_beside_or_below(lines);
        self.room_for_signatures(0.0, lines, after);
        for line in lines {
            self.signature(line);
        }
        self.tight = false;
        self.notes_below = false;
    }

    /// How and when each line of a block was signed goes beside its line,
    /// or under every line of the block when one does not fit beside.
    fn notes_beside_or_below(&mut self, lines: &[SignatureLine]) {
        self.notes_below = false;
        self.notes_below = lines.iter().any(|l| self.signature_shape(l).note_below);
    }

    /// A closing paragraph and the signature lines after it, on a page
    /// with the last lines of the text before them: the paragraph never
    /// heads a page of signatures alone.
    pub fn closing_signatures(&mut self, closing: &Closing<'_>, lines: &[SignatureLine], after: f32) {
        self.notes_beside_or_below(lines);
        let indent = if closing.size >= BODY { 2.0 } else { 0.0 };
        let text = self.paragraph_lines(closing.text, FaceId::Body, closing.size, indent, 0.0).len() as f32
            * closing.size
            * 1.6;
        self.room_for_signatures(closing.before + text + closing.after, lines, after);
        self.space(closing.before);
        self.paragraph_with(closing.text, FaceId::Body, closing.size, indent, 0.0);
        self.space(closing.after);
        for line in lines {
            self.signature(line);
        }
        self.tight = false;
        self.notes_below = false;
    }

    /// Makes room on this page for a signature block `before` plus the
    /// lines plus `after` tall: as it is, or with the lines set a little tighter
    /// when only that makes it fit, or else by taking the last lines of
    /// the text before it to the next page.
    fn room_for_signatures(&mut self, before: f32, lines: &[SignatureLine], after: f32) {
        let height = |this: &Self| before + lines.iter().map(|l| this.signature_height(l)).sum::<f32>() + after;
        let bottom = PAGE_H - MARGIN_BOTTOM;
        if self.y + height(self) <= bottom {
            return;
        }
        self.tight = true;
        let page = self.laid.pages.len() - 1;
        let has_text = self.breaks.iter().any(|b| b.page == page);
        if has_text && self.y + height(self) <= bottom {
            return;
        }
        self.tight = false;
        self.keep_with_previous(height(self), KEEP_LINES);
    }

    /// A signature line: whose it is, a line to sign on, and what was
    /// recorded (the drawn signature with the signer's name under it, or
    /// the name signed on paper), with how and when at the right, or
    /// under the line when they do not fit beside it.
    pub fn signature(&mut self, line: &SignatureLine) {
        let shape = self.signature_shape(line);
        self.ensure(shape.height());
        let (last, above) = shape.label.split_last().map_or(("", &[][..]), |(l, a)| (l.as_str(), a));
        if !above.is_empty() {
            // A label of several lines: they stand over the row, a little
            // apart from the line above them.
            self.y += SIGN_LABEL_GAP;
            for text in above {
                self.y += BODY * 1.6;
                self.text_at(MARGIN_X, self.y - BODY * 0.45, FaceId::Body, BODY, text);
            }
        }
        let (note_below, row) = (shape.note_below, shape.row);
        let top = self.y;
        let label_w = self.measure(FaceId::Body, BODY, last);
        let tighter = if self.tight { SIGN_TIGHTER } else { 0.0 };
        let sign_row = if line.image.is_some() { 44.0 } else { 32.0 } - tighter;
        let baseline = top + sign_row - 8.0;
        self.text_at(MARGIN_X, baseline, FaceId::Body, BODY, last);
        let right = PAGE_W - MARGIN_X;
        let note = signature_note(line);
        let note_w = self.measure(FaceId::Body, SMALL, &note);
        let line_x1 = MARGIN_X + label_w + 6.0;
        let room = if note_below || note.is_empty() { right } else { right - note_w - 10.0 };
        let line_x2 = room.min(line_x1 + 180.0);
        self.push(Item::Line { x1: line_x1, y1: baseline + 3.0, x2: line_x2, y2: baseline + 3.0, width: 0.6 });
        if let Some(png) = &line.image {
            let index = self.image(png.clone());
            let h = sign_row - 6.0;
            self.push(Item::Image {
                index,
                x: line_x1 + 4.0,
                y: top + 1.0,
                w: (h * 3.0).min(line_x2 - line_x1 - 8.0),
                h,
            });
            if let Some(name) = &line.name {
                self.text_at(line_x1 + 4.0, baseline + 13.0, FaceId::Body, SMALL, name);
            }
        } else if let Some(name) = &line.name {
            self.text_at(line_x1 + 6.0, baseline, FaceId::Body, BODY, name);
        }
        if !note.is_empty() {
            let y = if note_below { top + row - 6.0 } else { baseline };
            self.text_at(right - note_w, y, FaceId::Body, SMALL, &note);
        }
        self.y = top + row;
    }

    /// A QR code of `size` points at a position.
    pub fn qr_at(&mut self, qr: &QrModules, x: f32, y: f32, size: f32) {
        for item in qr_items(qr, x, y, size) {
            self.push(item);
        }
    }

    /// The pages with footers added by `footer(page, total)`.
    pub fn finish(mut self, footer: &dyn Fn(usize, usize) -> Vec<Item>) -> Laid {
        let total = self.laid.pages.len();
        for (i, page) in self.laid.pages.iter_mut().enumerate() {
            page.items.extend(footer(i + 1, total));
        }
        self.laid
    }
}

/// English month names ("June"), which a line never parts from the day
/// before them or the year after ("1 June 2026").
fn months() -> impl Iterator<Item = &'static str> {
    (1..=12u8).filter_map(|n| chrono::Month::try_from(n).ok()).map(|m| m.name())
}

/// The text with the spaces inside its English dates made no-break spaces.
fn glue_dates(text: &str) -> std::borrow::Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut spaces: Vec<usize> = Vec::new();
    for month in months() {
        for (at, _) in text.match_indices(month) {
            let end = at + month.len();
            if at >= 2 && bytes[at - 1] == b' ' && bytes[at - 2].is_ascii_digit() {
                spaces.push(at - 1);
            }
            if bytes.get(end) == Some(&b' ') && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) {
                spaces.push(end);
            }
        }
    }
    if spaces.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    spaces.sort_unstable();
    let mut glued = String::with_capacity(text.len() + spaces.len());
    let mut last = 0;
    for at in spaces {
        glued.push_str(&text[last..at]);
        glued.push(NO_BREAK_SPACE);
        last = at + 1;
    }
    glued.push_str(&text[last..]);
    std::borrow::Cow::Owned(glued)
}

/// Space over a signature label of several lines.
const SIGN_LABEL_GAP: f32 = 6.0;

/// What a signature line needs on the page.
struct SignShape {
    /// The label's lines: the last on the row of the line to sign on.
    label: Vec<String>,
    /// How and when it was signed goes under the line.
    note_below: bool,
    /// The row's height.
    row: f32,
}

impl SignShape {
    /// The height of the whole line, the label's lines above included.
    fn height(&self) -> f32 {
        match self.label.len() {
            0 | 1 => self.row,
            n => SIGN_LABEL_GAP + (n - 1) as f32 * BODY * 1.6 + self.row,
        }
    }
}

/// How and when a line was signed, as printed at its right.
fn signature_note(line: &SignatureLine) -> String {
    [line.note.as_deref(), line.date.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ")
}

/// An item moved down by `dy`.
fn shifted(mut item: Item, dy: f32) -> Item {
    match &mut item {
        Item::Text { y, .. } | Item::Rect { y, .. } | Item::Image { y, .. } => *y += dy,
        Item::Line { y1, y2, .. } => {
            *y1 += dy;
            *y2 += dy;
        }
    }
    item
}

/// The rectangles of a QR code of `size` points with its top-left at (x, y).
pub fn qr_items(qr: &QrModules, x: f32, y: f32, size: f32) -> Vec<Item> {
    let m = size / qr.width as f32;
    let mut items = Vec::new();
    for (row, runs) in qr.runs.iter().enumerate() {
        for (start, len) in runs {
            items.push(Item::Rect { x: x + *start as f32 * m, y: y + row as f32 * m, w: *len as f32 * m, h: m });
        }
    }
    items
}

/// A centred line of small text at a height (footers).
pub fn centered_small(text: &str, y: f32) -> Item {
    let w = fonts().body.width(text, SMALL);
    Item::Text { x: (PAGE_W - w) / 2.0, y, face: FaceId::Body, size: SMALL, text: text.to_owned() }
}

/// Small text at a position.
pub fn small(text: &str, x: f32, y: f32) -> Item {
    Item::Text { x, y, face: FaceId::Body, size: SMALL, text: text.to_owned() }
}

/// Small text ending at `right`.
pub fn small_right(text: &str, right: f32, y: f32) -> Item {
    let w = fonts().body.width(text, SMALL);
    Item::Text { x: right - w, y, face: FaceId::Body, size: SMALL, text: text.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pages' lines of text, by page.
    fn lines(laid: &Laid) -> Vec<Vec<String>> {
        laid.pages
            .iter()
            .map(|p| {
                p.items
                    .iter()
                    .filter_map(|i| match i {
                        Item::Text { text, .. } => Some(text.clone()),
                        _ => None,
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn english_dates_stay_on_one_line_and_print_plain_spaces() {
        assert_eq!(glue_dates("by 1 June 2026."), "by 1\u{a0}June\u{a0}2026.");
        assert_eq!(glue_dates("in May, and Mayors"), "in May, and Mayors");
        let mut page = Layout::new();
        let text = format!("{} by 1 June 2026", "word ".repeat(14).trim_end());
        page.paragraph_with(&text, FaceId::Body, BODY, 0.0, 0.0);
        let laid = page.finish(&|_, _| Vec::new());
        let printed = lines(&laid).concat();
        assert!(printed.iter().any(|l| l.contains("1 June 2026")), "{printed:?}");
        assert!(printed.iter().all(|l| !l.contains(NO_BREAK_SPACE)), "{printed:?}");
    }

    #[test]
    fn a_signature_block_after_a_table_takes_its_last_rows_with_it() {
        let mut page = Layout::new();
        let rows: Vec<Vec<String>> = (0..40).map(|i| vec![format!("行{i}"), "内容".to_owned()]).collect();
        // Rows until a signature block no longer fits under them, its
        // lines set tighter or not.
        let mut n = 1;
        loop {
            let mut probe = Layout::new();
            probe.table(&[0.3, 0.7], None, &rows[..n], BODY);
            if probe.y() + 3.0 * (32.0 - SIGN_TIGHTER) > PAGE_H - MARGIN_BOTTOM {
                break;
            }
            n += 1;
        }
        page.table(&[0.3, 0.7], None, &rows[..n], BODY);
        let signers: Vec<SignatureLine> =
            (0..3).map(|i| SignatureLine::blank(format!("当事人{i}（签名）："))).collect();
        page.signatures(&signers, 0.0);
        let laid = page.finish(&|_, _| Vec::new());
        let pages = lines(&laid);
        assert_eq!(pages.len(), 2, "{pages:?}");
        assert!(pages[1].iter().any(|l| l.starts_with('行')), "rows go over with the signatures: {:?}", pages[1]);
        // The moved rows keep their rules: a top rule at the page's margin.
        let top_rule = laid.pages[1]
            .items
            .iter()
            .any(|i| matches!(i, Item::Line { y1, y2, .. } if y1 == y2 && (*y1 - MARGIN_TOP).abs() < 0.01));
        assert!(top_rule, "the first moved row has its top rule");
    }

    /// A page filled with one-line paragraphs ("一行") until `room` is
    /// all that is left, or less.
    fn filled(room: f32) -> Layout {
        let mut page = Layout::new();
        while page.y() + BODY * 1.6 + room <= PAGE_H - MARGIN_BOTTOM {
            page.paragraph_with("一行", FaceId::Body, BODY, 0.0, 0.0);
        }
        page
    }

    #[test]
    fn a_closing_paragraph_goes_with_the_signatures_and_lines_of_the_text() {
        let signers: Vec<SignatureLine> =
            (0..4).map(|i| SignatureLine::blank(format!("当事人{i}（签名）："))).collect();
        let closing = Closing {
            text: "本协议一式三份，当事人各执一份，人民调解委员会留存一份。",
            size: BODY,
            before: 4.0,
            after: 10.0,
        };
        // Room for the closing paragraph, not for the signatures after it.
        let mut page = filled(BODY * 1.6 * 2.0);
        page.closing_signatures(&closing, &signers, 0.0);
        let pages = lines(&page.finish(&|_, _| Vec::new()));
        assert_eq!(pages.len(), 2, "{pages:?}");
        assert_eq!(pages[1].iter().filter(|l| *l == "一行").count(), KEEP_LINES, "{:?}", pages[1]);
        assert!(pages[1][KEEP_LINES].starts_with("本协议"), "{:?}", pages[1]);
    }

    #[test]
    fn signature_lines_are_set_tighter_rather_than_leave_their_text() {
        let signers: Vec<SignatureLine> =
            (0..5).map(|i| SignatureLine::blank(format!("当事人{i}（签名）："))).collect();
        let mut probe = Layout::new();
        let full: f32 = signers.iter().map(|l| probe.signature_height(l)).sum();
        probe.tight = true;
        let tight: f32 = signers.iter().map(|l| probe.signature_height(l)).sum();
        assert!(tight < full);
        // Room for the tighter lines only: one page, the lines shorter.
        let mut page = filled(tight + 1.0);
        assert!(page.y() + full > PAGE_H - MARGIN_BOTTOM);
        page.signatures(&signers, 0.0);
        let laid = page.finish(&|_, _| Vec::new());
        assert_eq!(laid.pages.len(), 1);
        // Each signature line sits under its label, above the next label.
        let rules: Vec<f32> = laid.pages[0]
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Line { y1, y2, .. } if y1 == y2 => Some(*y1),
                _ => None,
            })
            .collect();
        let labels: Vec<f32> = laid.pages[0]
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Text { y, text, .. } if text.starts_with("当事人") => Some(*y),
                _ => None,
            })
            .collect();
        assert_eq!(rules.len(), 5);
        for (i, rule) in rules.iter().enumerate() {
            assert!(*rule > labels[i], "line {i} under its label");
            if let Some(next) = labels.get(i + 1) {
                assert!(next - BODY > *rule, "line {i} above the next label");
            }
        }
    }

    #[test]
    fn a_long_signature_label_wraps_and_its_line_follows_its_last_words() {
        let long = "Third party 敦华物业服务有限公司 (signature, seal or fingerprint):".to_owned();
        let lines = [
            SignatureLine {
                date: Some("2 July 2026".into()),
                ..SignatureLine::blank("Applicant 高永红 (signature):".into())
            },
            SignatureLine { date: Some("2 July 2026".into()), ..SignatureLine::blank(long.clone()) },
        ];
        let mut page = Layout::new();
        page.signatures(&lines, 0.0);
        let end = page.y();
        let laid = page.finish(&|_, _| Vec::new());
        let items = &laid.pages[0].items;
        let texts: Vec<(f32, f32, &str)> = items
            .iter()
            .filter_map(|i| match i {
                Item::Text { x, y, text, .. } => Some((*x, *y, text.as_str())),
                _ => None,
            })
            .collect();
        let rules: Vec<(f32, f32)> = items
            .iter()
            .filter_map(|i| match i {
                Item::Line { x1, y1, .. } => Some((*x1, *y1)),
                _ => None,
            })
            .collect();
        // The long label in two lines; its line to sign on starts after the
        // label's last words, on their row, not at the margin.
        let label: Vec<&(f32, f32, &str)> =
            texts.iter().filter(|(_, _, t)| long.contains(*t) && !t.starts_with("2 July")).collect();
        assert_eq!(label.len(), 2, "{texts:?}");
        let (x1, y1) = rules[1];
        assert!(x1 > MARGIN_X + 20.0 && (y1 - label[1].1 - 3.0).abs() < 0.01, "{rules:?} {label:?}");
        // Apart from the line above it, and within the block's height.
        assert!(label[0].1 - BODY > rules[0].1 + 6.0, "{rules:?} {label:?}");
        assert!(y1 < end);
        // Each date where the other is: beside its line, or under it.
        let dates: Vec<&(f32, f32, &str)> = texts.iter().filter(|(_, _, t)| *t == "2 July 2026").collect();
        assert_eq!(dates.len(), 2);
        let offsets: Vec<f32> = dates.iter().zip(&rules).map(|(date, rule)| date.1 - rule.1).collect();
        assert!((offsets[0] - offsets[1]).abs() < 0.01, "{dates:?} {rules:?}");

        // A note that fits beside no line goes under every line of the block.
        let note = "（已在纸质文本上签名）".repeat(3);
        let lines = [
            SignatureLine { note: Some(note.clone()), ..SignatureLine::blank("申请人（签名）：".into()) },
            SignatureLine { note: Some("纸质".into()), ..SignatureLine::blank("记录人（签名）：".into()) },
        ];
        let mut page = Layout::new();
        page.signatures(&lines, 0.0);
        let items = &page.finish(&|_, _| Vec::new()).pages[0].items;
        let rules: Vec<f32> = items
            .iter()
            .filter_map(|i| match i {
                Item::Line { y1, .. } => Some(*y1),
                _ => None,
            })
            .collect();
        let notes: Vec<f32> = items
            .iter()
            .filter_map(|i| match i {
                Item::Text { y, text, .. } if *text == note || text == "纸质" => Some(*y),
                _ => None,
            })
            .collect();
        assert_eq!(notes.len(), 2);
        for (note, rule) in notes.iter().zip(&rules) {
            assert!(note > rule, "under its line: {notes:?} {rules:?}");
        }
    }

    #[test]
    fn a_short_list_goes_to_the_next_page_whole_with_its_heading() {
        // Room for the heading and one item, not for two.
        let mut page = filled(60.0);
        page.space(PAGE_H - MARGIN_BOTTOM - page.y() - 55.0);
        page.heading("附：");
        for (i, item) in ["一、协议书；", "二、身份证明；", "三、授权委托书。"].iter().enumerate()
        {
            if i > 0 {
                page.with_previous();
            }
            page.paragraph_with(item, FaceId::Body, BODY, 0.0, 0.0);
        }
        let pages = lines(&page.finish(&|_, _| Vec::new()));
        assert_eq!(pages.len(), 2, "{pages:?}");
        assert_eq!(pages[1], ["附：", "一、协议书；", "二、身份证明；", "三、授权委托书。"]);
    }

    #[test]
    fn a_heading_never_ends_a_page() {
        let mut page = filled(BODY * 4.5);
        page.heading("申请期限：");
        page.paragraph(&"合".repeat(80));
        let pages = lines(&page.finish(&|_, _| Vec::new()));
        assert_eq!(pages.len(), 2, "{pages:?}");
        assert_eq!(pages[1][0], "申请期限：", "{pages:?}");
    }

    #[test]
    fn a_table_header_breaks_only_between_its_words() {
        let header: Vec<String> = ["时间", "测点高度", "最大声级", "Calibration before"].map(str::to_owned).to_vec();
        let rows = vec![vec!["05-20".to_owned(), "1.5米".to_owned(), "74.5".to_owned(), "93.8".to_owned()]];
        let mut page = Layout::new();
        // Columns too narrow for a Chinese label of four characters.
        page.table(&[0.1, 0.07, 0.07, 0.76], Some(&header), &rows, SMALL);
        let printed = lines(&page.finish(&|_, _| Vec::new())).concat();
        for label in ["测点高度", "最大声级"] {
            assert!(printed.iter().any(|l| l == label), "{label} whole: {printed:?}");
        }
    }

    #[test]
    fn no_line_of_a_paragraph_is_left_alone_at_a_page_break() {
        let two_lines = "合".repeat(50);
        // Fill the page until one line is left, then a two-line paragraph.
        let mut page = Layout::new();
        while page.y() + 2.0 * BODY * 1.6 <= PAGE_H - MARGIN_BOTTOM {
            page.paragraph_with("一行", FaceId::Body, BODY, 0.0, 0.0);
        }
        page.paragraph_with(&two_lines, FaceId::Body, BODY, 0.0, 0.0);
        let laid = page.finish(&|_, _| Vec::new());
        let pages = lines(&laid);
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[1].len(), 2, "the paragraph's two lines go over together: {:?}", pages[1]);

        // A signature block taking the last three lines with it does not
        // leave the first line of a four-line paragraph behind.
        let four_lines = "合".repeat(140);
        let mut page = Layout::new();
        while page.y() + 5.0 * BODY * 1.6 <= PAGE_H - MARGIN_BOTTOM - 10.0 {
            page.paragraph_with("一行", FaceId::Body, BODY, 0.0, 0.0);
        }
        page.paragraph_with(&four_lines, FaceId::Body, BODY, 0.0, 0.0);
        page.signatures(&[SignatureLine::blank("记录人 王建国（签名）：".to_owned())], 0.0);
        let laid = page.finish(&|_, _| Vec::new());
        let pages = lines(&laid);
        assert_eq!(pages.len(), 2, "{pages:?}");
        let moved: Vec<&String> = pages[1].iter().filter(|l| l.starts_with('合')).collect();
        assert_eq!(moved.len(), 4, "the paragraph moves whole with the signature: {:?}", pages[1]);
    }
}
