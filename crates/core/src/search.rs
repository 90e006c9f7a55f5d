//! Searching Chinese text the way its readers search it: by words of one or
//! two characters, where a word-based index finds nothing and a trigram
//! index needs three characters.
//!
//! Text is folded before it is indexed or searched (full-width forms to
//! half-width, Latin letters to lower case, traditional characters to
//! simplified where one simplified form stands for them), then indexed by
//! its single characters and its overlapping pairs of characters. A search
//! for one character reads that character's postings; a longer search reads
//! the postings of one of its pairs — the rarest — and each candidate is
//! checked against the folded text, so a case whose pairs are scattered is
//! never a match.

use std::collections::BTreeSet;

mod traditional;

pub use traditional::TABLE as TRADITIONAL;

/// Separates the folded fields of one indexed text: no pair spans two
/// fields, and no search (a folded search never holds it) matches across.
pub const FIELD_SEPARATOR: char = '\u{1F}';

/// `text` as it is indexed and searched: full-width ASCII and the
/// ideographic space narrowed, Latin letters in lower case, traditional
/// characters simplified, runs of white space one space, control
/// characters (the field separator among them) dropped.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        let c = crate::domain::narrow(c);
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if c.is_control() {
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(traditional::simplified(c.to_ascii_lowercase()));
    }
    out
}

/// The key of one character in the index.
fn single(c: char) -> i64 {
    i64::from(u32::from(c))
}

/// The key of a pair of characters: above every single character's key
/// (a character is below 2^21).
fn pair(a: char, b: char) -> i64 {
    (i64::from(u32::from(a)) << 21) | i64::from(u32::from(b))
}

/// Digit runs up to this long have a key of their own.
const LONGEST_RUN: usize = 12;

/// The key of a whole run of digits (two to [`LONGEST_RUN`]), above every
/// pair's key (a pair's is below 2^42): its length and value, so that "012"
/// and "12" differ.
fn run(digits: &str) -> Option<i64> {
    if !(2..=LONGEST_RUN).contains(&digits.len()) {
        return None;
    }
    let value: i64 = digits.parse().ok()?;
    let len = i64::try_from(digits.len()).ok()?;
    Some((1 << 50) | (len << 40) | value)
}

/// The maximal runs of ASCII digits of `text`, with whether each is bounded
/// by another character on both sides (not at the text's start or end).
fn digit_runs(text: &str) -> Vec<(&str, bool)> {
    let mut runs = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        match (c.is_ascii_digit(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                runs.push((&text[s..i], s > 0));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        runs.push((&text[s..], false));
    }
    runs
}

/// The characters a key stands for: a character, a pair, or a run's
/// digits.
pub fn key_chars(key: i64) -> Vec<char> {
    let char_of = |code: i64| u32::try_from(code).ok().and_then(char::from_u32);
    if key >= 1 << 50 {
        let len = usize::try_from((key >> 40) & 0x3ff).unwrap_or(0);
        format!("{:0len$}", key & ((1 << 40) - 1)).chars().collect()
    } else if key >= 1 << 21 {
        [key >> 21, key & ((1 << 21) - 1)].into_iter().filter_map(char_of).collect()
    } else {
        char_of(key).into_iter().collect()
    }
}

/// Every key of a folded text's fields: each character that is not a space,
/// each pair of neighbours of which neither is a space, and each whole run
/// of digits (a case's sequence number, a building's): a search naming the
/// whole run — "第1234号" — reads the few cases with that run rather than
/// the many holding its pairs of digits.
pub fn keys<'a>(fields: impl IntoIterator<Item = &'a str>) -> BTreeSet<i64> {
    let mut keys = BTreeSet::new();
    for field in fields {
        let mut last: Option<char> = None;
        for c in field.chars() {
            if c == ' ' || c == FIELD_SEPARATOR {
                last = None;
                continue;
            }
            keys.insert(single(c));
            if let Some(a) = last {
                keys.insert(pair(a, c));
            }
            last = Some(c);
        }
        keys.extend(digit_runs(field).into_iter().filter_map(|(digits, _)| run(digits)));
    }
    keys
}

/// A key as a word of a full-text index: `k` and the key in hexadecimal.
pub fn token(key: i64) -> String {
    format!("k{key:x}")
}

/// A search, folded, with the keys a match must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// The folded text a match holds.
    pub text: String,
    /// Keys every match holds: the pairs of a text of two or more
    /// characters, else its character; empty when nothing is left to search.
    pub keys: Vec<i64>,
}

impl Query {
    /// The query for a search text.
    pub fn new(raw: &str) -> Self {
        let text = fold(raw);
        let mut keys: Vec<i64> = Vec::new();
        let mut singles: Vec<i64> = Vec::new();
        let mut last: Option<char> = None;
        for c in text.chars() {
            if c == ' ' {
                last = None;
                continue;
            }
            singles.push(single(c));
            if let Some(a) = last {
                keys.push(pair(a, c));
            }
            last = Some(c);
        }
        if keys.is_empty() {
            keys = singles;
        }
        // A run of digits with a character on each side is a whole run of
        // any text that holds the search.
        keys.extend(digit_runs(&text).into_iter().filter(|(_, bounded)| *bounded).filter_map(|(d, _)| run(d)));
        keys.sort_unstable();
        keys.dedup();
        Self { text, keys }
    }

    /// Whether the query has anything to look for.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Where the query is found in `folded` (the folded form of a field), as
    /// a range of characters of it, to be highlighted.
    pub fn find_in(&self, folded: &str) -> Option<std::ops::Range<usize>> {
        let at = folded.find(&self.text)?;
        let start = folded[..at].chars().count();
        Some(start..start + self.text.chars().count())
    }
}

/// `original` split around where `query` is found in its folded form, each
/// side cut to at most `around` characters (a cut marked "…"), or `None`
/// when it does not hold the query: what a list highlights of a long text.
pub fn marked(query: &Query, original: &str, around: usize) -> Option<(String, String, String)> {
    let range = query.find_in(&fold(original))?;
    let (before, matched, after) = split_at_match(original, range);
    let count = before.chars().count();
    let before = if count > around {
        std::iter::once('…').chain(before.chars().skip(count - around)).collect()
    } else {
        before
    };
    let after = if after.chars().count() > around {
        after.chars().take(around).chain(std::iter::once('…')).collect()
    } else {
        after
    };
    Some((before, matched, after))
}

/// `original` split around the characters `range` of its folded form: the
/// text before, the match, the text after. Folding keeps one character for
/// each character, white space aside, so the split is made on the original
/// text by counting its characters the same way.
pub fn split_at_match(original: &str, range: std::ops::Range<usize>) -> (String, String, String) {
    let mut parts = (String::new(), String::new(), String::new());
    let mut n = 0usize;
    let mut space = false;
    let mut started = false;
    for c in original.chars() {
        let narrow = crate::domain::narrow(c);
        let counted = if narrow.is_whitespace() {
            let first = started && !space;
            space = true;
            first
        } else if narrow.is_control() {
            false
        } else {
            space = false;
            started = true;
            true
        };
        // A character folding drops goes with the one before it.
        let at = match (counted, n) {
            (true, n) => Some(n),
            (false, 0) => None,
            (false, n) => Some(n - 1),
        };
        let target = match at {
            Some(at) if at >= range.end => &mut parts.2,
            Some(at) if at >= range.start => &mut parts.1,
            _ => &mut parts.0,
        };
        target.push(c);
        if counted {
            n += 1;
        }
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_names_its_characters() {
        assert_eq!(key_chars(single('芳')), ['芳']);
        assert_eq!(key_chars(pair('王', '芳')), ['王', '芳']);
        assert_eq!(key_chars(run("012").expect("run")), ['0', '1', '2']);
        assert_eq!(key_chars(run("12345").expect("run")), ['1', '2', '3', '4', '5']);
    }

    #[test]
    fn a_match_is_marked_with_its_surroundings_cut() {
        let text = "楼下合唱队每天晚上用音箱唱到十点多，吵得孩子无法入睡";
        let (before, matched, after) = marked(&Query::new("音箱"), text, 4).expect("found");
        assert_eq!((before.as_str(), matched.as_str(), after.as_str()), ("…天晚上用", "音箱", "唱到十点…"));
        let (before, matched, after) = marked(&Query::new("樓下"), text, 30).expect("found");
        assert_eq!((before.as_str(), matched.as_str()), ("", "楼下"), "the original form is marked");
        assert_eq!(after.chars().count(), text.chars().count() - 2);
        assert_eq!(marked(&Query::new("广场"), text, 4), None);
    }

    #[test]
    fn folding_narrows_lowers_and_simplifies() {
        assert_eq!(fold("  Ａｂｃ　１２３號樓  "), "abc 123号楼");
        assert_eq!(fold("敦化南路\t\t64號院"), "敦化南路 64号院");
        assert_eq!(fold("陳建國"), "陈建国");
        assert_eq!(fold("a\u{1F}b"), "ab");
    }

    #[test]
    fn keys_are_characters_and_neighbouring_pairs_within_a_field() {
        let keys = keys(["合唱队", "王芳"]);
        let q = Query::new("唱队");
        assert!(q.keys.iter().all(|k| keys.contains(k)));
        // No pair across two fields.
        assert!(!keys.contains(&Query::new("队王").keys[0]));
        assert!(keys.contains(&Query::new("芳").keys[0]));
        assert_eq!(keys.len(), 5 + 3);
    }

    #[test]
    fn one_character_is_its_own_key_and_longer_texts_their_pairs() {
        assert_eq!(Query::new("芳").keys, vec![single('芳')]);
        assert_eq!(Query::new("王芳").keys, vec![pair('王', '芳')]);
        let mut three = vec![pair('合', '唱'), pair('唱', '队')];
        three.sort_unstable();
        assert_eq!(Query::new("合唱队").keys, three);
        // A space separates: its sides' pairs, no pair across it.
        assert_eq!(Query::new("王 芳").keys.len(), 2);
        assert!(Query::new("   ").is_empty());
        // Traditional and full-width searches find the simplified text.
        assert_eq!(Query::new("陳").keys, Query::new("陈").keys);
        assert_eq!(Query::new("６４号").keys, Query::new("64号").keys);
    }

    #[test]
    fn pairs_never_collide_with_single_characters_or_runs() {
        assert!(pair('\u{1}', '\u{1}') > single(char::MAX));
        assert!(run("00").expect("run") > pair(char::MAX, char::MAX));
        assert_ne!(run("012"), run("12"));
        assert_eq!(run("1"), None, "one digit is a character");
        assert_eq!(run("1234567890123"), None, "too long to be a number of a case");
    }

    #[test]
    fn a_whole_run_of_digits_is_a_key_of_texts_and_of_searches_that_bound_it() {
        let held = keys(["（2026）敦南人调字第12345号", "和平里北街18号院"]);
        for digits in ["2026", "12345", "18"] {
            assert!(held.contains(&run(digits).expect("run")), "{digits}");
        }
        assert!(!held.contains(&run("1234").expect("run")));
        // A search holds a run's key only where a character bounds it on
        // both sides: "第1234" may be the start of 第12345.
        assert!(Query::new("第12345号").keys.contains(&run("12345").expect("run")));
        assert!(!Query::new("第1234").keys.contains(&run("1234").expect("run")));
        assert!(!Query::new("18号院").keys.contains(&run("18").expect("run")));
        let q = Query::new("调字第12345号");
        assert!(q.keys.iter().all(|k| held.contains(k)), "the text holds every key of a search it matches");
    }

    #[test]
    fn a_match_is_split_out_of_the_original_text() {
        let q = Query::new("64號");
        let folded = fold("敦化南路６４号院");
        let range = q.find_in(&folded).expect("found");
        assert_eq!(range, 4..7);
        assert_eq!(
            split_at_match("敦化南路６４号院", range),
            ("敦化南路".to_owned(), "６４号".to_owned(), "院".to_owned())
        );
        let q = Query::new("b c");
        let range = q.find_in(&fold(" a  B   C d")).expect("found");
        let (before, hit, after) = split_at_match(" a  B   C d", range);
        assert_eq!((before.trim(), hit.as_str(), after.as_str()), ("a", "B   C", " d"));
    }
}
