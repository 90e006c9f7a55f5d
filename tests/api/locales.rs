//! Every message exists in both languages, and every key the code and the
//! templates use exists.

use std::collections::BTreeSet;
use std::path::Path;

use hesheng::domain::account::Role;
use hesheng::domain::language::Lang;
use hesheng::i18n::keys;

#[test]
fn both_languages_have_the_same_messages() {
    let zh: BTreeSet<String> = keys(Lang::ZhCn).into_iter().collect();
    let en: BTreeSet<String> = keys(Lang::En).into_iter().collect();
    assert!(zh.len() > 50);
    let only_zh: Vec<_> = zh.difference(&en).collect();
    let only_en: Vec<_> = en.difference(&zh).collect();
    assert!(only_zh.is_empty() && only_en.is_empty(), "only zh-CN: {only_zh:?}; only en: {only_en:?}");
}

fn files(dir: &Path, ext: &str, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

/// String literals that look like message keys: `"ns.rest"` with a
/// namespace of the message files.
fn literal_keys(source: &str, namespaces: &BTreeSet<String>) -> Vec<String> {
    let mut found = Vec::new();
    let segments: Vec<&str> = source.split('"').collect();
    for (i, piece) in segments.iter().enumerate().skip(1).step_by(2) {
        // Audit action names (`log.record("case.create", …)`, compared in
        // `audit_event::action.eq("…")`) and label
        // prefixes (`page.label("agreement.term_field", f)`) are not messages.
        let before = segments[i - 1].trim_end();
        if ["record(", "action:", "label(", "action.eq("].iter().any(|p| before.ends_with(p)) {
            continue;
        }
        let Some((ns, rest)) = piece.split_once('.') else { continue };
        if namespaces.contains(ns)
            && !rest.is_empty()
            && piece.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
            && !piece.ends_with('.')
            && ![".html", ".css", ".js", ".png", ".pdf", ".yml", ".json", ".svg", ".ttf", ".otf"]
                .iter()
                .any(|ext| piece.ends_with(ext))
        {
            found.push((*piece).to_owned());
        }
    }
    found
}

#[test]
fn every_key_used_in_code_and_templates_exists() {
    let known: BTreeSet<String> = keys(Lang::ZhCn).into_iter().collect();
    let namespaces: BTreeSet<String> = known.iter().filter_map(|k| k.split('.').next()).map(str::to_owned).collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = Vec::new();
    files(&root.join("src"), "rs", &mut sources);
    files(&root.join("crates/core/src"), "rs", &mut sources);
    files(&root.join("templates"), "html", &mut sources);
    // The audit actions the code records are names, not messages, wherever
    // else they are written (the integrity check reads them back).
    let texts: Vec<(std::path::PathBuf, String)> =
        sources.iter().map(|f| (f.clone(), std::fs::read_to_string(f).expect("read"))).collect();
    let actions: BTreeSet<String> = texts
        .iter()
        .flat_map(|(_, text)| {
            text.split("record(")
                .skip(1)
                .filter_map(|rest| rest.trim_start().strip_prefix('"')?.split('"').next())
                .map(str::to_owned)
        })
        .collect();
    assert!(actions.contains("agreement.effective"), "the recorded actions were found: {actions:?}");
    // The prefixes code words of record summaries are looked up under are
    // prefixes of messages, not messages; each must label something.
    let page = std::fs::read_to_string(root.join("src/web/ui/page.rs")).expect("page.rs");
    let list =
        page.split("const WORD_PREFIXES").nth(1).and_then(|rest| rest.split("];").next()).expect("WORD_PREFIXES");
    let word_prefixes: BTreeSet<String> = list.split('"').skip(1).step_by(2).map(str::to_owned).collect();
    let mut missing = BTreeSet::new();
    for prefix in &word_prefixes {
        if !known.iter().any(|k| k.starts_with(&format!("{prefix}."))) {
            missing.insert(format!("{prefix}.* (WORD_PREFIXES labels nothing)"));
        }
    }
    for (file, text) in &texts {
        for key in literal_keys(text, &namespaces) {
            if !known.contains(&key) && !actions.contains(&key) && !word_prefixes.contains(&key) {
                missing.insert(format!("{key} ({})", file.strip_prefix(root).unwrap_or(file).display()));
            }
        }
    }
    for role in Role::ALL {
        let key = format!("role.{}", role.code());
        if !known.contains(&key) {
            missing.insert(key);
        }
    }
    assert!(missing.is_empty(), "missing messages: {missing:#?}");
}
