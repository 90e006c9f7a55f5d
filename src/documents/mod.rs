//! The official People's Mediation documents as PDF: view model in, bytes
//! out. No actix, no diesel: the web and command-line layers fill the view
//! models from the records.

pub mod acceptance;
pub mod agreement;
pub mod amount;
pub mod application;
pub mod confirmation;
pub mod ethnicity;
pub mod follow_up;
pub mod fonts;
pub mod forms;
pub mod investigation;
pub mod layout;
pub mod merge;
pub mod model;
pub mod oral_agreement;
pub mod pdf;
pub mod qr;
pub mod receipts;
pub mod report;
pub mod rights_notice;
pub mod session_record;
pub mod termination;
pub use hesheng_core::text;
pub mod volume;

use chrono::NaiveDate;

use crate::domain::language::Lang;
use crate::i18n::{t, t_with};

pub use pdf::{Meta, PdfError};

/// What a form prints where the records hold nothing and a person writes
/// it in by hand: one blank, the same in every document.
pub const BLANK: &str = "________";

/// Labels of a document in its language.
#[derive(Debug, Clone, Copy)]
pub struct Labels {
    /// The document's language.
    pub lang: Lang,
}

impl Labels {
    /// A label.
    pub fn t(&self, key: &str) -> String {
        t(self.lang, key)
    }

    /// A label with placeholders.
    pub fn with(&self, key: &'static str, args: &[(&'static str, String)]) -> String {
        t_with(self.lang, key, args)
    }

    /// A date as the forms write it: 2026年5月26日 / 26 May 2026.
    pub fn date(&self, d: NaiveDate) -> String {
        match self.lang {
            Lang::ZhCn => d.format("%Y年%-m月%-d日").to_string(),
            Lang::En => d.format("%-d %B %Y").to_string(),
        }
    }

    /// The ordinal of a numbered item: 一、 / 1.
    pub fn ordinal(&self, n: usize) -> String {
        match self.lang {
            Lang::ZhCn => format!("{}、", chinese_number(n)),
            Lang::En => format!("{n}. "),
        }
    }

    /// The ordinal of an item nested under a numbered one: （一） / (1).
    pub fn sub_ordinal(&self, n: usize) -> String {
        match self.lang {
            Lang::ZhCn => format!("（{}）", chinese_number(n)),
            Lang::En => format!("({n}) "),
        }
    }

    /// "第1页 共3页" / "Page 1 of 3".
    pub fn page_of(&self, page: usize, total: usize) -> String {
        self.with("doc.page_of", &[("page", page.to_string()), ("total", total.to_string())])
    }
}

/// Writes 1–999 in Chinese numerals (一, 十二, 一百零五).
pub fn chinese_number(n: usize) -> String {
    const DIGITS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        0..=9 => DIGITS[n].to_owned(),
        10..=19 => format!("十{}", if n.is_multiple_of(10) { "" } else { DIGITS[n % 10] }),
        20..=99 => format!("{}十{}", DIGITS[n / 10], if n.is_multiple_of(10) { "" } else { DIGITS[n % 10] }),
        100..=999 => {
            let rest = n % 100;
            let tail = match rest {
                0 => String::new(),
                1..=9 => format!("零{}", DIGITS[rest]),
                10..=19 => format!("一{}", chinese_number(rest)),
                _ => chinese_number(rest),
            };
            format!("{}百{tail}", DIGITS[n / 100])
        }
        1000..=9999 => {
            let rest = n % 1000;
            let tail = match rest {
                0 => String::new(),
                1..=9 => format!("零{}", DIGITS[rest]),
                10..=19 => format!("零一{}", chinese_number(rest)),
                20..=99 => format!("零{}", chinese_number(rest)),
                _ => chinese_number(rest),
            };
            format!("{}千{tail}", DIGITS[n / 1000])
        }
        _ => n.to_string(),
    }
}

/// A rendered document.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The PDF.
    pub bytes: Vec<u8>,
    /// Pages.
    pub pages: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numerals_read_as_on_the_forms() {
        let cases = [
            (1, "一"),
            (10, "十"),
            (12, "十二"),
            (20, "二十"),
            (31, "三十一"),
            (100, "一百"),
            (105, "一百零五"),
            (110, "一百一十"),
        ];
        for (n, s) in cases {
            assert_eq!(chinese_number(n), s, "{n}");
        }
    }

    #[test]
    fn dates_follow_the_language() {
        let d = NaiveDate::from_ymd_opt(2026, 5, 26).expect("date");
        assert_eq!(Labels { lang: Lang::ZhCn }.date(d), "2026年5月26日");
        assert_eq!(Labels { lang: Lang::En }.date(d), "26 May 2026");
    }
}
