//! Several finished PDFs as one, for batch printing: every page of every
//! document, each document repeated for its number of copies. The
//! documents are taken as they are (an archived agreement byte for byte);
//! only the page tree is rebuilt.

use lopdf::{Dictionary, Document, Object, ObjectId};

/// Why documents could not be merged.
#[derive(Debug, thiserror::Error)]
#[error("cannot merge documents: {0}")]
pub struct MergeError(#[from] lopdf::Error);

/// Attributes a page may inherit from its page-tree ancestors.
pub(crate) const INHERITED: [&[u8]; 4] = [b"Resources", b"MediaBox", b"CropBox", b"Rotate"];

/// An inherited attribute of a page, looked up through its parents.
pub(crate) fn inherited(doc: &Document, page: &Dictionary, key: &[u8]) -> Option<Object> {
    let mut parent = page.get(b"Parent").and_then(Object::as_reference).ok();
    let mut depth = 0;
    while let Some(id) = parent {
        let dict = doc.get_dictionary(id).ok()?;
        if let Ok(value) = dict.get(key) {
            return Some(value.clone());
        }
        parent = dict.get(b"Parent").and_then(Object::as_reference).ok();
        depth += 1;
        if depth > 32 {
            return None;
        }
    }
    None
}

/// Merges `(pdf, copies)` in order; returns the PDF and its page count.
pub fn merge(parts: &[(&[u8], usize)]) -> Result<(Vec<u8>, usize), MergeError> {
    let mut out = Document::with_version("1.7");
    let pages_id: ObjectId = out.new_object_id();
    let mut kids: Vec<Object> = Vec::new();
    for (bytes, copies) in parts {
        let mut doc = Document::load_mem(bytes)?;
        doc.renumber_objects_with(out.max_id + 1);
        out.max_id = out.max_id.max(doc.max_id);
        let mut pages: Vec<Dictionary> = Vec::new();
        for id in doc.get_pages().into_values() {
            let mut page = doc.get_dictionary(id)?.clone();
            for key in INHERITED {
                if !page.has(key)
                    && let Some(value) = inherited(&doc, &page, key)
                {
                    page.set(key, value);
                }
            }
            page.set("Parent", pages_id);
            pages.push(page);
        }
        for (id, object) in std::mem::take(&mut doc.objects) {
            if !matches!(object.type_name(), Ok(b"Catalog" | b"Pages" | b"Page" | b"Outlines" | b"Outline")) {
                out.objects.insert(id, object);
            }
        }
        for _ in 0..*copies {
            for page in &pages {
                kids.push(out.add_object(page.clone()).into());
            }
        }
    }
    let count = kids.len();
    let mut tree = Dictionary::new();
    tree.set("Type", "Pages");
    tree.set("Count", i64::try_from(count).unwrap_or(i64::MAX));
    tree.set("Kids", kids);
    out.objects.insert(pages_id, Object::Dictionary(tree));
    let mut catalog = Dictionary::new();
    catalog.set("Type", "Catalog");
    catalog.set("Pages", pages_id);
    let catalog_id = out.add_object(catalog);
    out.trailer.set("Root", catalog_id);
    let mut bytes = Vec::new();
    out.save_to(&mut bytes).map_err(lopdf::Error::from)?;
    Ok((bytes, count))
}
