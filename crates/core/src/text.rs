//! Line breaking for Chinese and mixed text.
//!
//! A line may break between any two CJK characters and at spaces in Latin
//! text, but (GB/T 15834 and common typesetting practice) never puts
//! closing punctuation at the start of a line or opening punctuation at
//! its end.

/// Characters that may not start a line.
pub const NO_LINE_START: &str = "，。、；：？！）」』】〉》〕〗”’%‰℃…—·.,;:?!)]}>～";
/// Characters that may not end a line.
pub const NO_LINE_END: &str = "（「『【〈《〔〖“‘([{<";

/// Whether `c` may not start a line (one of [`NO_LINE_START`]).
pub fn no_line_start(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '、'
            | '；'
            | '：'
            | '？'
            | '！'
            | '）'
            | '」'
            | '』'
            | '】'
            | '〉'
            | '》'
            | '〕'
            | '〗'
            | '”'
            | '’'
            | '%'
            | '‰'
            | '℃'
            | '…'
            | '—'
            | '·'
            | '.'
            | ','
            | ';'
            | ':'
            | '?'
            | '!'
            | ')'
            | ']'
            | '}'
            | '>'
            | '～'
    )
}

/// Whether `c` may not end a line (one of [`NO_LINE_END`]).
pub fn no_line_end(c: char) -> bool {
    matches!(c, '（' | '「' | '『' | '【' | '〈' | '《' | '〔' | '〖' | '“' | '‘' | '(' | '[' | '{' | '<')
}

/// The one character of `unit`, if it has exactly one.
fn single(unit: &str) -> Option<char> {
    let mut chars = unit.chars();
    chars.next().filter(|_| chars.next().is_none())
}

/// Whether `units[at..]` spell `word`, the last of them maybe followed by
/// spaces.
fn spells(units: &[String], at: usize, word: &str) -> bool {
    let n = word.chars().count();
    units.len() - at >= n
        && word.chars().zip(&units[at..]).enumerate().all(|(k, (c, u))| {
            let u = if k + 1 == n { u.trim_end() } else { u.as_str() };
            single(u) == Some(c)
        })
}

/// A space a line never breaks at (between "1" and "June" in "1 June
/// 2026"); printed as a space.
pub const NO_BREAK_SPACE: char = '\u{a0}';

/// A join between two pieces a line never breaks (a label and its value:
/// "出生年份：" and "1958年"); it takes no room and is not printed.
pub const NO_BREAK_JOIN: char = '\u{2060}';

/// Units of measure a number is never parted from, longest first: a line
/// breaks neither inside them nor between them and the number ("55分贝").
const UNIT_WORDS: &[&str] =
    &["平方米", "立方米", "分贝", "公里", "千米", "厘米", "毫米", "小时", "分钟", "公斤", "千克", "周岁"];

/// Words of the records a line never breaks inside: the names of the
/// instruments and levels of a measurement, the label of an amount in
/// capitals and its end (（大写：人民币捌佰元整）).
const WORDS: &[&str] =
    &["声级计", "声校准器", "校准器", "等效声级", "背景噪声", "最大声级", "大写", "元整", "角整", "分整", "人民币"];

/// The capital numerals an amount starts with (壹仟捌佰元整 never breaks
/// inside), and what may follow them in it.
const CAPITAL_DIGITS: &str = "零壹贰叁肆伍陆柒捌玖";
const CAPITAL_AMOUNT: &str = "零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整";

/// Units written after a number in English, which a line never parts
/// from it.
const LATIN_UNITS: &[&str] = &["dB", "m", "cm", "mm", "km", "min", "s", "h", "yuan", "kg"];

/// Text whose pieces a line never breaks between: every character of a
/// short label, and the label with the first piece of what follows it.
pub fn unbroken(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for (i, c) in text.chars().enumerate() {
        if i > 0 {
            out.push(NO_BREAK_JOIN);
        }
        out.push(c);
    }
    out
}

/// A label whose words never break inside (a table's column header, the
/// label column of a register): each run of characters between spaces
/// made one unbroken piece ("测点高度", "Calibration" and "before").
pub fn whole_label(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let mut last: Option<char> = None;
    for c in text.chars() {
        if last.is_some_and(|p| !p.is_whitespace()) && !c.is_whitespace() {
            out.push(NO_BREAK_JOIN);
        }
        out.push(c);
        last = Some(c);
    }
    out
}

/// The pieces of `text` a line never breaks inside, each with the spaces
/// after it: what the widest piece of a table's cell is measured by.
pub fn pieces(text: &str) -> Vec<String> {
    units(text)
}

/// "label" joined to "value" so that a line never ends after the label.
pub fn joined(label: &str, value: &str) -> String {
    format!("{}{NO_BREAK_JOIN}{value}", unbroken(label))
}

/// Standard numbers a line never parts from their code ("GB 22337",
/// "GB/T 15834", "HJ 212"), nor a number from its unit ("10 min"): the
/// space between them becomes a no-break space.
fn glue_standards(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains(' ') {
        return std::borrow::Cow::Borrowed(text);
    }
    let chars: Vec<char> = text.chars().collect();
    let mut glue = Vec::new();
    for (i, c) in chars.iter().enumerate() {
        if *c != ' ' || i == 0 {
            continue;
        }
        // "10 min", "55 dB(A)", "1.5 m": a number and its unit.
        if chars[i - 1].is_ascii_digit() {
            let word: String = chars[i + 1..].iter().take_while(|c| c.is_ascii_alphabetic()).collect();
            if LATIN_UNITS.contains(&word.as_str()) {
                glue.push(i);
            }
            continue;
        }
        if !chars.get(i + 1).is_some_and(char::is_ascii_digit) {
            continue;
        }
        let mut start = i;
        while start > 0 && (chars[start - 1].is_ascii_uppercase() || chars[start - 1] == '/') {
            start -= 1;
        }
        let code = i - start;
        let before_ok = start == 0 || !chars[start - 1].is_ascii_alphanumeric();
        if (2..=6).contains(&code) && chars[start].is_ascii_uppercase() && before_ok {
            glue.push(i);
        }
    }
    if glue.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        chars.iter().enumerate().map(|(i, c)| if glue.contains(&i) { NO_BREAK_SPACE } else { *c }).collect(),
    )
}

/// Whether `c` is a CJK character or CJK punctuation (breakable on either side).
pub fn is_cjk(c: char) -> bool {
    matches!(u32::from(c),
        0x2E80..=0x2FFF | 0x3000..=0x303F | 0x3040..=0x30FF | 0x3100..=0x31FF | 0x3200..=0x33FF |
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFFEF |
        0x20000..=0x3FFFF)
}

/// Splits text into the pieces a line may not break inside.
fn units(text: &str) -> Vec<String> {
    let text = glue_standards(text);
    let mut units: Vec<String> = Vec::new();
    // Whether each unit is joined to the one before it by a NO_BREAK_JOIN.
    let mut joins: Vec<bool> = Vec::new();
    let mut join_next = false;
    let mut word = String::new();
    let flush = |word: &mut String, units: &mut Vec<String>, joins: &mut Vec<bool>, join_next: &mut bool| {
        if !word.is_empty() {
            units.push(std::mem::take(word));
            joins.push(std::mem::take(join_next));
        }
    };
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == NO_BREAK_JOIN {
            flush(&mut word, &mut units, &mut joins, &mut join_next);
            join_next = !units.is_empty();
            continue;
        }
        // A point, colon or comma between two letters or digits is part of
        // the word: 62.1, 21:00, 1,800 and e.g never break; nor does a
        // no-break space there (1 June 2026).
        let inside_word = (c.is_ascii_punctuation() || c == NO_BREAK_SPACE)
            && word.chars().last().is_some_and(|p| p.is_ascii_alphanumeric())
            && chars.peek().is_some_and(char::is_ascii_alphanumeric);
        if inside_word {
            word.push(c);
        } else if c.is_whitespace() {
            // A space (a tab, an ideographic space …) ends the unit before
            // it and goes with it, so that no unit starts with one: a line
            // starting with a unit drops its leading spaces, which must not
            // bare punctuation glued behind them.
            match units.last_mut() {
                Some(last) if word.is_empty() => last.push(c),
                _ => {
                    word.push(c);
                    flush(&mut word, &mut units, &mut joins, &mut join_next);
                }
            }
        } else if is_cjk(c) || no_line_start(c) || no_line_end(c) {
            flush(&mut word, &mut units, &mut joins, &mut join_next);
            word.push(c);
            flush(&mut word, &mut units, &mut joins, &mut join_next);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut units, &mut joins, &mut join_next);
    // Glue forbidden line starts to the unit before, forbidden line ends to
    // the unit after.
    let mut glued: Vec<String> = Vec::new();
    let mut pending_open = String::new();
    let (mut units, joins) = whole_words(units, joins);
    let mut i = 0;
    while i < units.len() {
        let unit = &units[i];
        i += 1;
        if joins[i - 1]
            && pending_open.is_empty()
            && let Some(prev) = glued.last_mut()
        {
            prev.push_str(unit);
            continue;
        }
        // A line never ends with opening punctuation joined to what came
        // before it ("____ (" of "____ (day)").
        if pending_open.is_empty()
            && let Some(prev) = glued.last_mut()
            && prev.chars().last().is_some_and(no_line_end)
        {
            prev.push_str(unit);
            continue;
        }
        let first = unit.chars().next().unwrap_or(' ');
        if no_line_start(first)
            && pending_open.is_empty()
            && let Some(prev) = glued.last_mut()
        {
            prev.push_str(unit);
            continue;
        }
        if single(unit).is_some_and(no_line_end) {
            pending_open.push_str(unit);
            continue;
        }
        // A number stays with its unit or the character after it: 1958年,
        // 800元, 5月, 55分贝 never break after the digits.
        if is_cjk(first)
            && pending_open.is_empty()
            && let Some(prev) = glued.last_mut()
            && prev.chars().last().is_some_and(|p| p.is_ascii_digit())
        {
            // A unit of several characters goes whole (分贝, 平方米).
            let rest = &units[i - 1..];
            let len = UNIT_WORDS.iter().find(|w| spells(rest, 0, w)).map_or(1, |w| w.chars().count());
            for u in &rest[..len.min(rest.len())] {
                prev.push_str(u);
            }
            i += len - 1;
            continue;
        }
        // "No." stays with the number after it (agreement No. （2026）…).
        if let Some(prev) = glued.last_mut()
            && prev.ends_with(' ')
            && prev.trim_end().strip_suffix("No.").is_some_and(|head| !head.ends_with(char::is_alphabetic))
        {
            prev.push_str(&std::mem::take(&mut pending_open));
            prev.push_str(unit);
            continue;
        }
        // The unit itself goes on: no unit before it is read again.
        let piece = if pending_open.is_empty() {
            std::mem::take(&mut units[i - 1])
        } else {
            let mut piece = std::mem::take(&mut pending_open);
            piece.push_str(&units[i - 1]);
            piece
        };
        glued.push(piece);
    }
    if !pending_open.is_empty() {
        glued.push(pending_open);
    }
    glued
}

/// The units with each of [`WORDS`] and each amount in capital numerals
/// made one (声级计 and 壹仟捌佰元整 never break).
fn whole_words(mut units: Vec<String>, joins: Vec<bool>) -> (Vec<String>, Vec<bool>) {
    let capital_digit = |u: &str| single(u).is_some_and(|c| CAPITAL_DIGITS.contains(c));
    if !units.iter().any(|u| capital_digit(u) || WORDS.iter().any(|w| w.starts_with(u.as_str()))) {
        return (units, joins);
    }
    let mut merged = Vec::with_capacity(units.len());
    let mut merged_joins = Vec::with_capacity(units.len());
    let in_amount = |u: &String| single(u).is_some_and(|c| CAPITAL_AMOUNT.contains(c));
    // The units of an amount in capitals starting at `at`.
    let amount = |units: &[String], at: usize| match units.get(at) {
        Some(u) if capital_digit(u) => 1 + units[at + 1..].iter().take_while(|u| in_amount(u)).count(),
        _ => 0,
    };
    let mut i = 0;
    while i < units.len() {
        let first = single(&units[i]);
        let word = WORDS
            .iter()
            .find(|w| first.is_some() && w.chars().next() == first && spells(&units, i, w))
            .map(|w| (*w, w.chars().count()));
        let n = match word {
            // 人民币 goes with the amount after it (人民币壹佰元整).
            Some(("人民币", n)) if !units[i + n - 1].ends_with(char::is_whitespace) => n + amount(&units, i + n),
            Some((_, n)) => n,
            None => amount(&units, i).max(1),
        };
        merged.push(if n == 1 { std::mem::take(&mut units[i]) } else { units[i..i + n].concat() });
        merged_joins.push(joins[i]);
        i += n;
    }
    (merged, merged_joins)
}

/// Breaks text into lines no wider than `width`, measured by `measure`.
/// Explicit line breaks are kept. A unit wider than a line is split by
/// characters, letting closing punctuation hang past the edge (悬挂标点)
/// rather than start a line.
pub fn wrap(text: &str, width: f32, measure: &dyn Fn(&str) -> f32) -> Vec<String> {
    wrap_hanging(text, width, width, measure)
}

/// Like [`wrap`], with the first line `first` wide and every later line
/// `rest` wide (a first-line indent, or a label hanging before the text).
pub fn wrap_hanging(text: &str, first: f32, rest: f32, measure: &dyn Fn(&str) -> f32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let width_of = |lines: &Vec<String>| if lines.is_empty() { first } else { rest };
    for paragraph in text.split('\n') {
        let start = lines.len();
        let mut line = String::new();
        let mut line_width = 0.0;
        // The units of the line being set and of the line set before it,
        // while each was set unit by unit (not split by characters).
        let mut units_now: Option<Vec<String>> = Some(Vec::new());
        let mut units_before: Option<Vec<String>> = None;
        for unit in units(paragraph) {
            let w = measure(&unit);
            // Spaces ending a unit may pass the edge: a line drops them.
            let fits = measure(unit.trim_end());
            let width = width_of(&lines);
            if line_width + fits <= width || line.is_empty() && fits <= width {
                line.push_str(&unit);
                line_width += w;
                if let Some(u) = units_now.as_mut() {
                    u.push(unit);
                }
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line).trim_end().to_owned());
                units_before = units_now.replace(Vec::new());
                line_width = 0.0;
            }
            if fits <= width_of(&lines) {
                line.push_str(unit.trim_start());
                line_width = measure(&line);
                if let Some(u) = units_now.as_mut() {
                    u.push(unit.trim_start().to_owned());
                }
            } else {
                units_now = None;
                for c in unit.chars() {
                    let cw = measure(&c.to_string());
                    // Closing punctuation hangs past the edge rather than start a line.
                    if line_width + cw > width_of(&lines) && !line.is_empty() && !no_line_start(c) {
                        lines.push(std::mem::take(&mut line));
                        line_width = 0.0;
                    }
                    line.push(c);
                    line_width += cw;
                }
            }
        }
        // A paragraph's last line is never one character alone (孤字,
        // "…自行承|担。"): the line before gives it its last piece.
        if lines.len() > start
            && let (Some(now), Some(mut before)) = (units_now, units_before)
            && now.len() == 1
            && lone_character(&now[0])
            && before.len() >= 3
            && let Some(moved) = before.pop()
        {
            let last = format!("{moved}{}", now[0]);
            if measure(last.trim_end()) <= rest {
                *lines.last_mut().expect("a line before") = before.concat().trim_end().to_owned();
                line = last;
            }
        }
        lines.push(line.trim_end().to_owned());
    }
    lines
}

/// Whether a unit is one CJK character, with closing punctuation after it.
fn lone_character(unit: &str) -> bool {
    let mut chars = unit.trim_end().chars();
    chars.next().is_some_and(|c| is_cjk(c) && !no_line_start(c) && !no_line_end(c)) && chars.all(no_line_start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every character one unit wide, Latin half.
    fn measure(s: &str) -> f32 {
        s.chars()
            .map(|c| if is_cjk(c) || NO_LINE_START.contains(c) || NO_LINE_END.contains(c) { 1.0 } else { 0.5 })
            .sum()
    }

    #[test]
    fn closing_punctuation_never_starts_a_line() {
        let lines = wrap("合唱队每天二十一时前结束活动，音量不超过五十五分贝。", 14.0, &measure);
        // "，" does not fit after 活动 and may not start the next line: 动 moves with it.
        assert_eq!(lines[0], "合唱队每天二十一时前结束活");
        assert!(lines[1].starts_with("动，"), "{lines:?}");
        for line in &lines {
            let first = line.chars().next().expect("char");
            assert!(!NO_LINE_START.contains(first), "{line}");
        }
    }

    #[test]
    fn opening_punctuation_never_ends_a_line() {
        let lines = wrap("根据《中华人民共和国噪声污染防治法》第六十四条", 4.0, &measure);
        for line in &lines {
            let last = line.chars().last().expect("char");
            assert!(!NO_LINE_END.contains(last), "{lines:?}");
        }
        assert_eq!(lines[0], "根据《中", "《 travels with the character after it");
    }

    #[test]
    fn latin_words_stay_whole_and_newlines_are_kept() {
        let lines = wrap("Activities end before 21:00 every day\n第二行", 10.0, &measure);
        assert_eq!(lines, ["Activities end", "before 21:00 every", "day", "第二行"]);
    }

    #[test]
    fn a_no_break_space_keeps_its_neighbours_on_one_line() {
        let lines = wrap("no later than 1\u{a0}June\u{a0}2026 at noon", 8.0, &measure);
        assert!(lines.iter().any(|l| l.contains("1\u{a0}June\u{a0}2026")), "{lines:?}");
    }

    #[test]
    fn punctuation_after_any_kind_of_space_does_not_start_a_line() {
        // Found by the line-breaking fuzz target: a form feed, a tab or an
        // ideographic space before a comma was its own unit, dropped at the
        // start of a line, leaving the comma there.
        for space in ['\u{c}', '\t', '\u{3000}', '\u{a0}'] {
            let text = format!("{space}<{space}<,,{space},}}}}}}}}");
            let lines = wrap(&text, 6.0, &measure);
            for line in lines.iter().skip(1) {
                let first = line.chars().next().expect("char");
                assert!(!NO_LINE_START.contains(first), "{space:?}: {lines:?}");
            }
            let lines = wrap(&format!("合唱队每天二十一时前结束{space}，音量"), 12.0, &measure);
            assert!(lines.iter().skip(1).all(|l| !l.starts_with('，')), "{space:?}: {lines:?}");
        }
    }

    #[test]
    fn a_space_after_the_last_character_that_fits_does_not_push_it_down() {
        let lines = wrap("出生年份：1961年\u{3000}职业：退休教师", 8.0, &measure);
        assert_eq!(lines[0], "出生年份：1961年", "{lines:?}");
        assert_eq!(lines[1], "职业：退休教师");
    }

    #[test]
    fn a_number_stays_with_its_unit_and_the_character_after_it() {
        // Every break that fits the width is tried: none leaves digits at
        // the end of a line with their unit on the next.
        let text = "生于1958年，赔偿800元，5月20日21时40分测得62.1分贝，21:00前结束";
        for width in 5..30 {
            let lines = wrap(text, width as f32, &measure);
            for pair in lines.windows(2) {
                let ends_in_digit = pair[0].chars().last().is_some_and(|c| c.is_ascii_digit());
                assert!(!ends_in_digit, "width {width}: {lines:?}");
                let starts_with_digit_part = pair[1].starts_with(['.', ':']);
                assert!(!starts_with_digit_part, "width {width}: {lines:?}");
            }
            assert_eq!(lines.concat(), text);
        }
    }

    #[test]
    fn a_unit_of_several_characters_stays_whole_with_its_number() {
        let text = "GB 3096-2008中1类区昼间55分贝、夜间45分贝的限值，面积12平方米。";
        for width in 4..40 {
            let lines = wrap(text, width as f32, &measure);
            for pair in lines.windows(2) {
                assert!(!pair[0].ends_with('分') && !pair[1].starts_with('贝'), "width {width}: {lines:?}");
                assert!(!pair[1].starts_with("方米") && !pair[1].starts_with('米'), "width {width}: {lines:?}");
            }
            assert_eq!(lines.concat().replace(NO_BREAK_SPACE, " "), text, "width {width}");
        }
    }

    #[test]
    fn a_standard_number_and_an_english_number_with_its_unit_never_break() {
        let text = "Limits from GB 3096-2008 (indoors: GB 22337-2008 table 2) and GB/T 15834 over 10 min at 1.5 m";
        for width in 8..50 {
            let lines = wrap(text, width as f32, &measure);
            for line in &lines {
                assert!(!line.ends_with("GB") && !line.ends_with("GB/T"), "width {width}: {lines:?}");
                assert!(!line.ends_with(" 10") && !line.ends_with(" 1.5"), "width {width}: {lines:?}");
            }
        }
        assert_eq!(glue_standards("see GB 22337"), "see GB\u{a0}22337");
        assert_eq!(glue_standards("A 1 and ABCDEFGH 2"), "A 1 and ABCDEFGH 2", "not a standard's code");
    }

    #[test]
    fn the_name_of_an_instrument_never_breaks() {
        for width in 3..20 {
            let lines = wrap("AWA5688 2级声级计 No.A2317", width as f32, &measure);
            assert!(lines.iter().any(|l| l.contains("声级计")), "width {width}: {lines:?}");
        }
    }

    #[test]
    fn an_amount_in_capitals_keeps_its_label_and_its_end_and_no_keeps_its_number() {
        // Twelve units: the first line would end inside 大写, before 整,
        // after "No.".
        let lines = wrap("甲乙丙丁戊己庚辛壬癸（大写：人民币捌佰元整）", 12.0, &measure);
        assert_eq!(lines[0], "甲乙丙丁戊己庚辛壬癸", "{lines:?}");
        let lines = wrap("甲乙丙丁戊己人民币壹佰元整）", 12.0, &measure);
        assert_eq!(lines, ["甲乙丙丁戊己", "人民币壹佰元整）"]);
        // The amount itself never breaks (壹|佰元整, 壹仟捌|佰元整), nor
        // leaves 人民币 behind, where it fits a line.
        for width in 10..30 {
            let lines = wrap(
                "吴建华向郑丽娟支付人工费1800元（大写：人民币壹仟捌佰元整），零时前付清。",
                width as f32,
                &measure,
            );
            assert!(lines.iter().any(|l| l.contains("人民币壹仟捌佰元整")), "width {width}: {lines:?}");
        }
        let lines = wrap("reached agreement No. （2026）敦南", 12.0, &measure);
        assert_eq!(lines, ["reached agreement", "No. （2026）敦南"]);
    }

    #[test]
    fn a_whole_label_breaks_only_between_its_words() {
        // A plain label breaks inside its second word; a whole one breaks
        // only at its space.
        assert_eq!(wrap("等级 测点高度", 5.0, &measure), ["等级 测点", "高度"]);
        assert_eq!(wrap(&whole_label("等级 测点高度"), 5.0, &measure), ["等级", "测点高度"]);
        assert_eq!(wrap(&whole_label("Calibration before"), 7.0, &measure), ["Calibration", "before"]);
        assert_eq!(pieces(&whole_label("测点高度")), ["测点高度"]);
        assert_eq!(pieces("测点高度"), ["测", "点", "高", "度"]);
    }

    #[test]
    fn a_label_joined_to_its_value_never_ends_a_line() {
        let text = format!("申请人：周桂芳 性别：女 民族：汉族 {}", joined("出生年份：", "1958年"));
        for width in 10..40 {
            let lines = wrap(&text, width as f32, &measure);
            assert!(lines.iter().any(|l| l.contains("出生年份：1958年")), "width {width}: {lines:?}");
            assert!(lines.iter().all(|l| !l.contains(NO_BREAK_JOIN)), "the join is not printed: {lines:?}");
        }
    }

    #[test]
    fn an_opening_bracket_joined_to_a_blank_keeps_the_word_after_it() {
        // A date of birth asked for on paper: "____ (day) ____ (month) 1958",
        // its pieces joined; no line ends with "(" where the joined date
        // fits a line.
        let text =
            "Date of birth:\u{2060} ____\u{2060} (day)\u{2060} ____\u{2060} (month)\u{2060} 1958, occupation: retired";
        for width in 38..60 {
            let lines = wrap(text, width as f32, &measure);
            assert!(lines.iter().all(|l| !l.trim_end().ends_with('(')), "width {width}: {lines:?}");
        }
    }

    #[test]
    fn a_first_line_of_its_own_width_keeps_every_space_after_it() {
        let text = "the People's Republic of China makes it necessary for the committee";
        let lines = wrap_hanging(text, 12.0, 20.0, &measure);
        assert!(measure(&lines[0]) <= 12.0 && lines.len() > 2, "{lines:?}");
        assert!(lines[1..].iter().all(|l| measure(l) <= 20.0), "{lines:?}");
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn a_paragraph_never_ends_with_one_character_alone() {
        // Ten wide: "由其自行承担。" would leave "担。" alone.
        let lines = wrap("甲乙丙丁戊己庚辛壬癸由其自行承担。", 8.0, &measure);
        assert_eq!(lines, ["甲乙丙丁戊己庚辛", "壬癸由其自行", "承担。"]);
        for width in 3..20 {
            let text = "合唱队每晚在广场活动，音箱声音较大，影响休息。";
            let lines = wrap(text, width as f32, &measure);
            assert_eq!(lines.concat(), text, "width {width}");
            if lines.len() > 1 {
                assert!(!lone_character(lines.last().expect("a line")), "width {width}: {lines:?}");
            }
        }
    }

    #[test]
    fn the_quick_checks_hold_the_same_characters_as_the_lists() {
        for c in NO_LINE_START.chars() {
            assert!(no_line_start(c) && !no_line_end(c), "{c}");
        }
        for c in NO_LINE_END.chars() {
            assert!(no_line_end(c) && !no_line_start(c), "{c}");
        }
        let listed = NO_LINE_START.chars().chain(NO_LINE_END.chars()).collect::<Vec<_>>();
        for c in (0u32..0x1_0000).filter_map(char::from_u32).filter(|c| !listed.contains(c)) {
            assert!(!no_line_start(c) && !no_line_end(c), "{c:?}");
        }
        assert!(spells(&["声".into(), "级".into(), "计 ".into()], 0, "声级计"));
        assert!(!spells(&["声".into(), "级".into()], 0, "声级计"));
        assert!(!spells(&["声".into(), "级 ".into(), "计".into()], 0, "声级计"));
    }

    #[test]
    fn a_word_longer_than_the_line_is_split() {
        let lines = wrap("https://mediation.example.cn/verify/ABCDEFGHJKLM", 8.0, &measure);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| measure(l) <= 8.0), "{lines:?}");
    }

    proptest! {
        #[test]
        fn wrapping_keeps_every_character_and_respects_the_width(
            text in "[合唱队每天，。《》（）“”a-z ]{0,80}", width in 3.0f32..30.0
        ) {
            let lines = wrap(&text, width, &measure);
            let joined: String = lines.concat();
            let without_spaces = |s: &str| s.chars().filter(|c| *c != ' ').collect::<String>();
            prop_assert_eq!(without_spaces(&joined), without_spaces(&text));
            // Latin words are never glued together or split: lines joined
            // by a space read as the text with its spaces collapsed.
            if text.is_ascii() && text.split_whitespace().all(|w| measure(w) <= width) {
                let words = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
                prop_assert_eq!(words(&lines.join(" ")), words(&text));
            }
            for (i, line) in lines.iter().enumerate() {
                // Only hanging closing punctuation, and opening punctuation
                // glued to its character, may pass the edge.
                let body = line.trim_end_matches(|c: char| NO_LINE_START.contains(c) || c == ' ');
                prop_assert!(measure(body) <= width + 3.0, "{:?} wider than {}", line, width);
                // Only the text's own first line may start with closing punctuation.
                if i > 0 && let Some(first) = line.chars().next() {
                    prop_assert!(!NO_LINE_START.contains(first), "{:?} starts {:?}", line, lines);
                }
            }
        }
    }
}
