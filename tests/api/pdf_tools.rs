//! Reading PDFs back with poppler's tools (pdftotext, pdffonts, pdfinfo,
//! pdftoppm) and decoding QR codes from rendered pages.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether poppler's tools are installed; when they are not, the calling
/// test's PDF checks are a skip of the `pdf` suite (a failure where it is
/// required).
pub fn available() -> bool {
    let ok = ["pdftotext", "pdftoppm", "pdffonts", "pdfinfo"]
        .iter()
        .all(|tool| Command::new(tool).arg("-v").output().is_ok());
    if !ok {
        crate::skips::skip(
            crate::skips::Suite::Pdf,
            "poppler-utils (pdftotext, pdftoppm, pdffonts, pdfinfo) is not installed",
        );
    }
    ok
}

fn temp_pdf(bytes: &[u8]) -> tempfile::NamedTempFile {
    let mut f = tempfile::Builder::new().suffix(".pdf").tempfile().expect("temp");
    f.write_all(bytes).expect("write");
    f
}

fn run(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().expect("run poppler tool");
    assert!(out.status.success(), "{cmd} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The text of a PDF, in reading order.
pub fn text(bytes: &[u8]) -> String {
    let f = temp_pdf(bytes);
    let path = f.path().to_str().expect("path");
    run("pdftotext", &["-enc", "UTF-8", path, "-"])
}

/// The text of one page of a PDF.
pub fn page_text(bytes: &[u8], page: usize) -> String {
    let f = temp_pdf(bytes);
    let path = f.path().to_str().expect("path");
    let n = page.to_string();
    run("pdftotext", &["-enc", "UTF-8", "-f", &n, "-l", &n, path, "-"])
}

/// The lines of one page as laid out on it (`pdftotext -layout`).
pub fn page_lines(bytes: &[u8], page: usize) -> Vec<String> {
    let f = temp_pdf(bytes);
    let path = f.path().to_str().expect("path");
    let n = page.to_string();
    run("pdftotext", &["-enc", "UTF-8", "-layout", "-f", &n, "-l", &n, path, "-"]).lines().map(str::to_owned).collect()
}

/// A word on a page and its box (left, top, right, bottom), in points.
#[derive(Debug, Clone)]
pub struct Word {
    pub text: String,
    pub page: usize,
    pub bbox: [f32; 4],
}

/// Every word of a PDF with its box (`pdftotext -bbox`).
pub fn words(bytes: &[u8]) -> Vec<Word> {
    let f = temp_pdf(bytes);
    let html = run("pdftotext", &["-enc", "UTF-8", "-bbox", f.path().to_str().expect("path"), "-"]);
    let attr = |tag: &str, name: &str| -> f32 {
        let start = tag.find(&format!("{name}=\"")).expect("attribute") + name.len() + 2;
        tag[start..].split('"').next().and_then(|v| v.parse().ok()).expect("number")
    };
    let mut page = 0;
    let mut out = Vec::new();
    for line in html.lines() {
        let line = line.trim();
        if line.starts_with("<page") {
            page += 1;
        } else if let Some(rest) = line.strip_prefix("<word ") {
            let (tag, text) = rest.split_once('>').expect("word tag");
            let text = text.trim_end_matches("</word>").to_owned();
            out.push(Word {
                text,
                page,
                bbox: [attr(tag, "xMin"), attr(tag, "yMin"), attr(tag, "xMax"), attr(tag, "yMax")],
            });
        }
    }
    out
}

/// Renders every page to PNG at `dpi` into `dir` as `{name}-{page}.png`.
pub fn pngs(bytes: &[u8], dpi: u32, dir: &Path, name: &str) {
    let f = temp_pdf(bytes);
    let prefix = dir.join(name);
    let d = dpi.to_string();
    run("pdftoppm", &["-png", "-r", &d, f.path().to_str().expect("path"), prefix.to_str().expect("prefix")]);
}

/// Pages of a PDF.
pub fn pages(bytes: &[u8]) -> usize {
    let f = temp_pdf(bytes);
    let info = run("pdfinfo", &[f.path().to_str().expect("path")]);
    info.lines().find_map(|l| l.strip_prefix("Pages:")).and_then(|n| n.trim().parse().ok()).expect("page count")
}

/// The fonts of a PDF: (name, embedded, subset, has ToUnicode).
pub fn fonts(bytes: &[u8]) -> Vec<(String, bool, bool, bool)> {
    let f = temp_pdf(bytes);
    let listing = run("pdffonts", &[f.path().to_str().expect("path")]);
    listing
        .lines()
        .skip(2)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            let n = cols.len();
            (n >= 7).then(|| (cols[0].to_owned(), cols[n - 5] == "yes", cols[n - 4] == "yes", cols[n - 3] == "yes"))
        })
        .collect()
}

/// Renders one page to PNG at `dpi` into `dir`; returns the file.
pub fn png(bytes: &[u8], page: usize, dpi: u32, dir: &Path, name: &str) -> PathBuf {
    let f = temp_pdf(bytes);
    let prefix = dir.join(name);
    let p = page.to_string();
    let d = dpi.to_string();
    run(
        "pdftoppm",
        &[
            "-png",
            "-singlefile",
            "-r",
            &d,
            "-f",
            &p,
            "-l",
            &p,
            f.path().to_str().expect("path"),
            prefix.to_str().expect("prefix"),
        ],
    );
    dir.join(format!("{name}.png"))
}

/// The contents of the QR codes found in an image.
pub fn qr_codes(png: &Path) -> Vec<String> {
    let image = image::open(png).expect("png").to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    prepared.detect_grids().into_iter().filter_map(|g| g.decode().ok().map(|(_, content)| content)).collect()
}

/// Where test renderings are kept for looking at.
pub fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/artifacts/documents");
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    dir
}

/// The text of a document with every hash masked, wherever a line break
/// fell inside it: each run of lower-case hex digits and line breaks that
/// holds at least sixteen digits, one of them a letter, becomes `[hash]`
/// (a line break ending the run is kept). The run is taken whole, so a
/// hash wrapped at any point masks the same.
pub fn mask_hashes(text: &str) -> String {
    let is_run = |c: char| c.is_ascii_digit() || ('a'..='f').contains(&c) || c == '\n';
    let mut out = String::with_capacity(text.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let digits = run.chars().filter(|c| *c != '\n').count();
        let letter = run.chars().any(|c| ('a'..='f').contains(&c));
        if digits >= 16 && letter {
            if run.starts_with('\n') {
                out.push('\n');
            }
            out.push_str("[hash]");
            if run.ends_with('\n') {
                out.push('\n');
            }
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if is_run(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Filters of the text snapshots: verification and access codes, the
/// test server's address. Hashes are masked first, by [`mask_hashes`].
pub fn snapshot_filters() -> Vec<(&'static str, &'static str)> {
    vec![
        (r"\b[34679ACDEFGHJKMNPQRTUVWXY]{12}\b", "[verification-code]"),
        (r"\b[34679ACDEFGHJKMNPQRTUVWXY]{10}\b", "[access-code]"),
        (r"http://127\.0\.0\.1:\d+", "http://[host]"),
    ]
}

#[test]
fn a_hash_masks_the_same_wherever_a_line_break_falls_in_it() {
    let hash = "0f3a9c21b7d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e";
    let whole = format!("内容摘要：{hash}\n第1页 共2页\n");
    let masked = mask_hashes(&whole);
    assert_eq!(masked, "内容摘要：[hash]\n第1页 共2页\n");
    for at in 1..hash.len() {
        let wrapped = format!("内容摘要：{}\n{}\n第1页 共2页\n", &hash[..at], &hash[at..]);
        assert_eq!(mask_hashes(&wrapped), masked, "broken after {at} characters");
    }
    // A hash at a line's end runs on into digits that start the next line:
    // masked the same, wrapped or not.
    let next = format!("摘要 {hash}\n2026年5月\n");
    let wrapped = format!("摘要 {}\n{}\n2026年5月\n", &hash[..40], &hash[40..]);
    assert_eq!(mask_hashes(&next), mask_hashes(&wrapped));
    assert_eq!(
        mask_hashes("电话 13800138001，身份证 110101195801011234"),
        "电话 13800138001，身份证 110101195801011234"
    );
}
