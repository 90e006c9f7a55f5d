//! QR codes as vector rectangles.

use qrcode::bits::encode_auto;
use qrcode::canvas::{Canvas, MaskPattern};
use qrcode::{Color, EcLevel, ec};

/// The dark modules of a QR code: its width in modules and, for each row,
/// the runs of dark modules as (start column, length).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrModules {
    /// Modules per side.
    pub width: usize,
    /// Dark runs per row.
    pub runs: Vec<Vec<(usize, usize)>>,
}

/// Encodes `data` at error correction level M with one fixed mask: scoring
/// all eight masks costs far more than drawing, and any mask decodes.
pub fn encode(data: &str) -> Option<QrModules> {
    let bits = encode_auto(data.as_bytes(), EcLevel::M).ok()?;
    let version = bits.version();
    let bytes = bits.into_bytes();
    let (encoded, ec_data) = ec::construct_codewords(&bytes, version, EcLevel::M).ok()?;
    let mut canvas = Canvas::new(version, EcLevel::M);
    canvas.draw_all_functional_patterns();
    canvas.draw_data(&encoded, &ec_data);
    canvas.apply_mask(MaskPattern::Checkerboard);
    let width = usize::try_from(version.width()).ok()?;
    let colors = canvas.into_colors();
    let runs = colors
        .chunks(width)
        .map(|row| {
            let mut runs = Vec::new();
            let mut start = None;
            for (x, c) in row.iter().enumerate() {
                match (c, start) {
                    (Color::Dark, None) => start = Some(x),
                    (Color::Light, Some(s)) => {
                        runs.push((s, x - s));
                        start = None;
                    }
                    _ => {}
                }
            }
            if let Some(s) = start {
                runs.push((s, width - s));
            }
            runs
        })
        .collect();
    Some(QrModules { width, runs })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verify_url_encodes_with_finder_patterns_in_the_corners() {
        let qr = encode("http://127.0.0.1:8080/verify/N7YCRUXA49QX").expect("qr");
        assert!(qr.width >= 25);
        assert_eq!(qr.runs[0][0], (0, 7), "top-left finder pattern");
        assert_eq!(qr.runs[0].last().copied(), Some((qr.width - 7, 7)), "top-right finder pattern");
    }
}
