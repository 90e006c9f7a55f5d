//! Amounts of money in capital numerals (大写), as agreements and court
//! papers write them beside the figures: 1800 元 is 壹仟捌佰元整.

const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];

/// Up to 9999 in capital numerals, zeros inside read once (壹仟零伍).
fn group(n: i64) -> String {
    let mut out = String::new();
    let mut zero = false;
    for (unit, div) in [("仟", 1000), ("佰", 100), ("拾", 10), ("", 1)] {
        let d = (n / div % 10) as usize;
        if d == 0 {
            zero = !out.is_empty();
            continue;
        }
        if zero {
            out.push('零');
            zero = false;
        }
        out.push(DIGITS[d]);
        out.push_str(unit);
    }
    out
}

/// An amount in fen written in capital numerals: 壹仟捌佰元整,
/// 壹万零伍拾元伍角整, 叁佰元零伍分.
pub fn capital_yuan(fen: i64) -> String {
    let fen = fen.max(0);
    let (yuan, jiao, cents) = (fen / 100, (fen / 10 % 10) as usize, (fen % 10) as usize);
    let mut out = String::new();
    let mut pending_zero = false;
    for (suffix, div) in [("亿", 100_000_000_i64), ("万", 10_000), ("", 1)] {
        let g = yuan / div % 10_000;
        if g == 0 {
            pending_zero |= !out.is_empty();
            continue;
        }
        // A group under a thousand after a higher one reads its zero: 壹万零伍拾.
        if pending_zero || (!out.is_empty() && g < 1000) {
            out.push('零');
        }
        pending_zero = false;
        out.push_str(&group(g));
        out.push_str(suffix);
    }
    if !out.is_empty() {
        out.push('元');
    }
    if jiao > 0 {
        out.push(DIGITS[jiao]);
        out.push('角');
    }
    if cents > 0 {
        if jiao == 0 && yuan > 0 {
            out.push('零');
        }
        out.push(DIGITS[cents]);
        out.push('分');
    } else if out.is_empty() {
        out.push_str("零元整");
    } else {
        out.push('整');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_as_a_bank_or_a_court_writes_them() {
        // (yuan, fen beyond the yuan, words)
        let cases = [
            (1800, 0, "壹仟捌佰元整"),
            (300, 0, "叁佰元整"),
            (100, 0, "壹佰元整"),
            (1005, 0, "壹仟零伍元整"),
            (10_010, 0, "壹万零壹拾元整"),
            (100_000, 0, "壹拾万元整"),
            (100_100, 0, "壹拾万零壹佰元整"),
            (1_000_050, 0, "壹佰万零伍拾元整"),
            (100_000_000, 0, "壹亿元整"),
            (1800, 50, "壹仟捌佰元伍角整"),
            (1800, 5, "壹仟捌佰元零伍分"),
            (1800, 55, "壹仟捌佰元伍角伍分"),
            (0, 30, "叁角整"),
            (0, 5, "伍分"),
            (0, 0, "零元整"),
        ];
        for (yuan, fen, words) in cases {
            assert_eq!(capital_yuan(yuan * 100 + fen), words, "{yuan} yuan {fen} fen");
        }
    }
}
