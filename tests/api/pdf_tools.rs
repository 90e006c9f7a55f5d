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
