//! Page composition: A4 pages with wrapped text, tables, signature lines,
//! images, QR codes, and page breaks for long records.

use super::fonts::{FaceId, Fonts, fonts};
use super::qr::QrModules;
use super::text::wrap;

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

/// Composes pages top to bottom.
pub struct Layout {
    fonts: &'static Fonts,
    laid: Laid,
    y: f32,
}

impl Default for Layout {
    fn default() -> Self {
        Self::new()
    }
}

/// A line of a signature block.
#[derive(Debug, Clone, PartialEq)]
pub struct SignatureLine {
    /// What the signer is (申请人（签名、盖章或按指印）).
    pub label: String,
    /// The signer's name, once signed.
    pub name: Option<String>,
    /// How it was signed (纸质签名 / 屏幕签名 …), once signed.
    pub note: Option<String>,
    /// The drawn signature.
    pub image: Option<Vec<u8>>,
    /// Date of signing.
    pub date: Option<String>,
}

impl Layout {
    /// An empty document with one page.
    pub fn new() -> Self {
        Self { fonts: fonts(), laid: Laid { pages: vec![Page::default()], images: Vec::new() }, y: MARGIN_TOP }
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
            self.push(Item::Text { x, y: baseline, face, size, text: text.to_owned() });
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
        wrap(text, width, &|s: &str| f.width(s, size))
    }

    /// A wrapped paragraph; `indent` em of first-line indent, `hang` points
    /// of indent for the following lines.
    pub fn paragraph_with(&mut self, text: &str, face: FaceId, size: f32, indent: f32, hang: f32) {
        let leading = size * 1.6;
        let first_indent = indent * size;
        let width = self.width();
        let f = self.fonts.face(face);
        // The first line is narrower by its indent; wrap it alone first.
        let mut lines = wrap(text, width - first_indent, &|s: &str| f.width(s, size));
        if lines.len() > 1 && (first_indent - hang).abs() > 0.01 {
            let first = lines.remove(0);
            let rest: String = lines.concat();
            let mut wrapped = wrap(&rest, width - hang, &|s: &str| f.width(s, size));
            wrapped.insert(0, first);
            lines = wrapped;
        }
        for (i, line) in lines.iter().enumerate() {
            self.ensure(leading);
            let x = MARGIN_X + if i == 0 { first_indent } else { hang };
            self.y += leading;
            self.text_at(x, self.y - size * 0.45, face, size, line);
        }
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
    /// Rows that do not fit move to the next page, repeating the header.
    pub fn table(&mut self, widths: &[f32], header: Option<&[String]>, rows: &[Vec<String>], size: f32) {
        let total = self.width();
        let cols: Vec<f32> = widths.iter().map(|w| w * total).collect();
        let pad = 4.0;
        let leading = size * 1.5;
        let row_lines = |this: &Self, row: &[String], face: FaceId| -> Vec<Vec<String>> {
            row.iter().zip(&cols).map(|(cell, w)| this.wrap(cell, face, size, w - 2.0 * pad)).collect()
        };
        let draw_row = |this: &mut Self, cells: &[Vec<String>], face: FaceId| {
            let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let height = lines as f32 * leading + 2.0 * pad;
            let top = this.y;
            let mut x = MARGIN_X;
            for (cell, w) in cells.iter().zip(&cols) {
                for (i, line) in cell.iter().enumerate() {
                    let baseline = top + pad + (i as f32 + 1.0) * leading - size * 0.45;
                    this.text_at(x + pad, baseline, face, size, line);
                }
                this.push(Item::Line { x1: x, y1: top, x2: x, y2: top + height, width: 0.6 });
                x += w;
            }
            this.push(Item::Line { x1: x, y1: top, x2: x, y2: top + height, width: 0.6 });
            this.push(Item::Line { x1: MARGIN_X, y1: top, x2: x, y2: top, width: 0.6 });
            this.push(Item::Line { x1: MARGIN_X, y1: top + height, x2: x, y2: top + height, width: 0.6 });
            this.y += height;
        };
        let header_cells = header.map(|h| row_lines(self, h, FaceId::Heading));
        let header_height = |cells: &Option<Vec<Vec<String>>>| {
            cells.as_ref().map_or(0.0, |c| c.iter().map(Vec::len).max().unwrap_or(1) as f32 * leading + 2.0 * pad)
        };
        let hh = header_height(&header_cells);
        if let Some(h) = &header_cells {
            self.ensure(hh + leading + 2.0 * pad);
            draw_row(self, h, FaceId::Heading);
        }
        for row in rows {
            let cells = row_lines(self, row, FaceId::Body);
            let height = cells.iter().map(Vec::len).max().unwrap_or(1) as f32 * leading + 2.0 * pad;
            if self.y + height > PAGE_H - MARGIN_BOTTOM {
                self.new_page();
                if let Some(h) = &header_cells {
                    draw_row(self, h, FaceId::Heading);
                }
            }
            draw_row(self, &cells, FaceId::Body);
        }
    }

    /// Adds an image to the document; returns its index.
    pub fn image(&mut self, png: Vec<u8>) -> usize {
        self.laid.images.push(png);
        self.laid.images.len() - 1
    }

    /// A signature line: the label, a line to sign on, and what was
    /// recorded (the drawn signature, or the name and how it was signed).
    pub fn signature(&mut self, line: &SignatureLine) {
        let row = if line.image.is_some() { 44.0 } else { 32.0 };
        self.ensure(row + 4.0);
        let top = self.y;
        let label_w = self.measure(FaceId::Body, BODY, &line.label);
        let baseline = top + row - 8.0;
        self.text_at(MARGIN_X, baseline, FaceId::Body, BODY, &line.label);
        let mut right = Vec::new();
        if let Some(note) = &line.note {
            right.push(note.clone());
        }
        if let Some(date) = &line.date {
            right.push(date.clone());
        }
        let right_text = right.join(" ");
        let right_w = self.measure(FaceId::Body, SMALL, &right_text);
        let line_x1 = MARGIN_X + label_w + 6.0;
        let line_x2 = (PAGE_W - MARGIN_X - right_w - 10.0).min(line_x1 + 160.0).max(line_x1 + 60.0);
        self.push(Item::Line { x1: line_x1, y1: baseline + 3.0, x2: line_x2, y2: baseline + 3.0, width: 0.6 });
        if let Some(png) = &line.image {
            let index = self.image(png.clone());
            let h = row - 6.0;
            self.push(Item::Image {
                index,
                x: line_x1 + 4.0,
                y: top + 1.0,
                w: (h * 3.0).min(line_x2 - line_x1 - 8.0),
                h,
            });
        } else if let Some(name) = &line.name {
            self.text_at(line_x1 + 6.0, baseline, FaceId::Body, BODY, name);
        }
        if !right_text.is_empty() {
            self.text_at(PAGE_W - MARGIN_X - right_w, baseline, FaceId::Body, SMALL, &right_text);
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
