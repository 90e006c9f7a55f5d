//! Messages in the reader's language, from `locales/` (compiled in).

use std::collections::HashMap;

use crate::domain::Invalid;
use crate::domain::language::Lang;

/// The message `key` in `lang`; a missing key shows itself (and fails the
/// locale completeness test).
pub fn t(lang: Lang, key: &str) -> String {
    crate::_rust_i18n_try_translate(lang.code(), key).map(|s| s.into_owned()).unwrap_or_else(|| key.to_owned())
}

/// A refusal in `lang`, its placeholders filled in.
pub fn t_invalid(lang: Lang, invalid: &Invalid) -> String {
    let text = t(lang, invalid.key);
    if invalid.args.is_empty() {
        return text;
    }
    let patterns: Vec<&str> = invalid.args.iter().map(|(name, _)| *name).collect();
    let values: Vec<String> = invalid.args.iter().map(|(_, value)| value.clone()).collect();
    rust_i18n::replace_patterns(&text, &patterns, &values)
}

/// A refusal for people: arguments that are status codes (`registered`,
/// `investigating, terminated`; an agreement's `effective` in a message
/// about an agreement) are put into words.
pub fn t_invalid_words(lang: Lang, invalid: &Invalid) -> String {
    let statuses = if invalid.key.contains("agreement") || invalid.key.contains("follow_up") {
        "agreement_status"
    } else {
        "status"
    };
    let args = invalid
        .args
        .iter()
        .map(|(name, value)| {
            let words: Vec<String> = value
                .split(", ")
                .map(|code| {
                    let key = format!("{statuses}.{code}");
                    let text = t(lang, &key);
                    if text == key { code.to_owned() } else { text }
                })
                .collect();
            (*name, words.join(", "))
        })
        .collect();
    t_invalid(lang, &Invalid { key: invalid.key, args })
}

/// The message `key` with `%{name}` placeholders filled in.
pub fn t_with(lang: Lang, key: &'static str, args: &[(&'static str, String)]) -> String {
    t_invalid(lang, &Invalid { key, args: args.to_vec() })
}

/// Every message key of `lang`, sorted (for the completeness test).
pub fn keys(lang: Lang) -> Vec<String> {
    let mut keys: Vec<String> = crate::_rust_i18n_backend()
        .messages_for_locale(lang.code())
        .unwrap_or_default()
        .into_iter()
        .map(|(k, _)| k.into_owned())
        .collect();
    keys.sort();
    keys
}

/// Labels of code words (`mediating` of `status.mediating`, say) by
/// language, the first prefix that labels a word winning.
pub type CodeLabels = HashMap<Lang, HashMap<String, String>>;

/// Builds the labels of code words under `prefixes`, in that order of
/// precedence.
pub fn code_labels(prefixes: &[&str]) -> CodeLabels {
    Lang::ALL
        .into_iter()
        .map(|lang| {
            let mut found: HashMap<String, (usize, String)> = HashMap::new();
            for (key, text) in crate::_rust_i18n_backend().messages_for_locale(lang.code()).unwrap_or_default() {
                // The word is the key's last part; a prefix may have parts
                // of its own (`portal.answer`).
                let Some((prefix, word)) = key.rsplit_once('.') else { continue };
                let Some(rank) = prefixes.iter().position(|p| *p == prefix) else { continue };
                let better = found.get(word).is_none_or(|(r, _)| rank < *r);
                if better {
                    found.insert(word.to_owned(), (rank, text.into_owned()));
                }
            }
            (lang, found.into_iter().map(|(word, (_, text))| (word, text)).collect())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes_in_a_refusal_are_said_in_words_of_their_kind() {
        let agreement = Invalid::new("conflict.agreement_not_signable").with("status", "effective");
        assert_eq!(t_invalid_words(Lang::ZhCn, &agreement), "协议当前状态（已生效）不能再签名。");
        assert_eq!(t_invalid_words(Lang::En, &agreement), "The agreement cannot be signed in its status (Effective).");
        let case = Invalid::new("conflict.case_not_mediating").with("status", "registered");
        assert!(!t_invalid_words(Lang::ZhCn, &case).contains("registered"), "{}", t_invalid_words(Lang::ZhCn, &case));
    }
}
