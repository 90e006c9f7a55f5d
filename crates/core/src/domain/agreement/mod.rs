//! Agreements: structured terms, vagueness warnings, the canonical content
//! that is hashed when the agreement takes effect, and when it does.

use chrono::{NaiveDate, TimeDelta};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::case::code_enum;
use super::clock::{ClockTime, parse_date};
use super::complaint::{days_in_words, parse_days};
use super::language::Lang;
use super::noise::Position;
use super::{Invalid, optional_text};
use crate::i18n::{t, t_with};

mod vagueness;

pub use vagueness::{Warning, vagueness_warnings};

code_enum!(
    /// Written agreement (协议书) or oral agreement (口头协议).
    AgreementKind, "invalid.choice", {
        /// 调解协议书
        Written => "written",
        /// 口头调解协议
        Oral => "oral",
    }
);

code_enum!(
    /// Where an agreement stands.
    AgreementStatus, "invalid.choice", {
        /// Being drafted; may be edited.
        Draft => "draft",
        /// At least one signature recorded; content fixed.
        Signing => "signing",
        /// Every party, the mediator and the seal recorded; frozen.
        Effective => "effective",
        /// Performed, confirmed at follow-up.
        Fulfilled => "fulfilled",
        /// A follow-up found a term broken.
        Breached => "breached",
        /// Replaced by a later version.
        Superseded => "superseded",
        /// Abandoned before taking effect.
        Withdrawn => "withdrawn",
    }
);

impl AgreementStatus {
    /// Whether the content is frozen (took effect at some point).
    pub fn is_frozen(self) -> bool {
        matches!(self, Self::Effective | Self::Fulfilled | Self::Breached | Self::Superseded)
    }
}

code_enum!(
    /// What a term obliges.
    TermKind, "invalid.choice", {
        /// Activities only between clock times.
        TimeWindow => "time_window",
        /// Sound level at most a number of decibels at a position.
        VolumeLimit => "volume_limit",
        /// Moving the activity or equipment elsewhere.
        Relocation => "relocation",
        /// Installing, removing or changing equipment.
        Equipment => "equipment",
        /// Paying an amount.
        Payment => "payment",
        /// Doing something by a date.
        Deadline => "deadline",
        /// Anything else, in words.
        FreeText => "free_text",
    }
);

impl TermKind {
    /// The structured fields a term of this kind has besides its text
    /// (the editor shows, and reads, only these).
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            TermKind::TimeWindow => &["obligor", "days", "start", "end"],
            TermKind::VolumeLimit => &["obligor", "days", "start", "end", "max_db", "position"],
            TermKind::Payment => &["obligor", "payee", "amount", "due"],
            TermKind::Deadline | TermKind::Relocation | TermKind::Equipment => &["obligor", "due"],
            TermKind::FreeText => &["obligor"],
        }
    }
}

code_enum!(
    /// Who signs.
    SignerRole, "invalid.choice", {
        /// A party (签名、盖章或按指印).
        Party => "party",
        /// The people's mediator.
        Mediator => "mediator",
        /// The recorder.
        Recorder => "recorder",
        /// The committee's seal.
        CommitteeSeal => "committee_seal",
    }
);

code_enum!(
    /// How a signature was given.
    SignMethod, "invalid.choice", {
        /// On the printed paper; registered here.
        Paper => "paper",
        /// Drawn on the screen.
        OnScreen => "on_screen",
        /// A fingerprint on paper.
        Fingerprint => "fingerprint",
        /// A seal on paper.
        Seal => "seal",
    }
);

/// One obligation of an agreement, with its printable text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Term {
    /// What kind of obligation.
    pub kind: TermKind,
    /// The text printed in the agreement.
    pub text: String,
    /// Days it applies (`daily`, `weekdays`, `mon,wed`…).
    pub days: Option<String>,
    /// Earliest start.
    pub start: Option<ClockTime>,
    /// Latest end.
    pub end: Option<ClockTime>,
    /// Highest level in dB(A).
    pub max_db: Option<f64>,
    /// Where the level is measured.
    pub position: Option<Position>,
    /// Amount in fen (0.01 yuan).
    pub amount_fen: Option<i64>,
    /// Due date.
    pub due: Option<NaiveDate>,
    /// The party bound by the term (the payer of a payment). Left out of
    /// the hashed content when absent, so agreements that name nobody keep
    /// their hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub obligor: Option<i64>,
    /// The party a payment is made to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payee: Option<i64>,
}

/// A party of the case a term names, with the name its text uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Named<'a> {
    /// Party id.
    pub party_id: i64,
    /// Name.
    pub name: &'a str,
}

/// A term as submitted.
#[derive(Debug, Clone, Default)]
pub struct TermInput<'a> {
    /// Printable text; generated from the fields when empty.
    pub text: Option<&'a str>,
    /// Kind code.
    pub kind: &'a str,
    /// Days.
    pub days: Option<&'a str>,
    /// Start `HH:MM`.
    pub start: Option<&'a str>,
    /// End `HH:MM`.
    pub end: Option<&'a str>,
    /// dB(A).
    pub max_db: Option<f64>,
    /// Measuring position code.
    pub position: Option<&'a str>,
    /// Amount in yuan.
    pub amount: Option<f64>,
    /// Due date `YYYY-MM-DD`.
    pub due: Option<&'a str>,
    /// The party bound by the term.
    pub obligor: Option<Named<'a>>,
    /// The party a payment is made to.
    pub payee: Option<Named<'a>>,
}

fn present(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

impl Term {
    /// Checks a submitted term; the printable text is generated in `lang`
    /// when none is given. Errors name the term's fields.
    pub fn parse(input: &TermInput<'_>, lang: Lang) -> Result<Self, Vec<(&'static str, Invalid)>> {
        let mut errors = Vec::new();
        let kind = TermKind::parse(input.kind).map_err(|e| errors.push(("kind", e))).ok();
        let text = present(input.text)
            .map(|t| optional_text(t, 500))
            .transpose()
            .map_err(|e| errors.push(("text", e)))
            .ok()
            .flatten()
            .flatten();
        let days = present(input.days).map(parse_days).transpose().map_err(|e| errors.push(("days", e))).ok().flatten();
        let start = present(input.start)
            .map(ClockTime::parse)
            .transpose()
            .map_err(|e| errors.push(("start", e)))
            .ok()
            .flatten();
        let end =
            present(input.end).map(ClockTime::parse).transpose().map_err(|e| errors.push(("end", e))).ok().flatten();
        let position = present(input.position)
            .map(Position::parse)
            .transpose()
            .map_err(|e| errors.push(("position", e)))
            .ok()
            .flatten();
        let due = present(input.due).map(parse_date).transpose().map_err(|e| errors.push(("due", e))).ok().flatten();
        let max_db = match input.max_db {
            Some(db) if (20.0..=120.0).contains(&db) => Some((db * 10.0).round() / 10.0),
            Some(_) => {
                errors.push(("max_db", Invalid::new("invalid.range").with("min", 20).with("max", 120)));
                None
            }
            None => None,
        };
        let amount_fen = match input.amount {
            Some(yuan) if yuan.is_finite() && (0.0..=100_000_000.0).contains(&yuan) => {
                // Whole fen; the range check keeps the cast exact.
                #[expect(clippy::cast_possible_truncation, reason = "bounded above")]
                let fen = (yuan * 100.0).round() as i64;
                Some(fen)
            }
            Some(_) => {
                errors.push(("amount", Invalid::new("invalid.range").with("min", 0).with("max", 100_000_000)));
                None
            }
            None => None,
        };
        if let (Some(kind), Some(_)) = (kind, input.payee)
            && kind != TermKind::Payment
        {
            errors.push(("payee", Invalid::new("invalid.payee_payment_only")));
        }
        if let (Some(obligor), Some(payee)) = (input.obligor, input.payee)
            && obligor.party_id == payee.party_id
        {
            errors.push(("payee", Invalid::new("invalid.payee_is_obligor")));
        }
        let Some(kind) = kind else { return Err(errors) };
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut term = Term {
            kind,
            text: String::new(),
            days,
            start,
            end,
            max_db,
            position,
            amount_fen,
            due,
            obligor: input.obligor.map(|n| n.party_id),
            payee: input.payee.map(|n| n.party_id),
        };
        term.text = match text {
            Some(text) => text,
            None => term
                .default_text(lang, input.obligor.map(|n| n.name), input.payee.map(|n| n.name))
                .ok_or_else(|| vec![("text", Invalid::new("invalid.required"))])?,
        };
        Ok(term)
    }

    /// The text printed for a term given only as fields, naming `obligor`
    /// as the one bound and `payee` as the one paid; `None` when the fields
    /// do not say enough.
    pub fn default_text(&self, lang: Lang, obligor: Option<&str>, payee: Option<&str>) -> Option<String> {
        let days = days_in_words(self.days.as_deref(), lang);
        // The message `plain`, or `by` naming the bound party.
        let say = |plain: &'static str, by: &'static str, mut args: Vec<(&'static str, String)>| match obligor {
            Some(who) => {
                args.push(("who", who.to_owned()));
                t_with(lang, by, &args)
            }
            None => t_with(lang, plain, &args),
        };
        match self.kind {
            TermKind::TimeWindow => match (self.start, self.end) {
                (Some(s), Some(e)) => Some(say(
                    "term.default.time_window",
                    "term.default.time_window_by",
                    vec![("days", days), ("start", s.to_string()), ("end", e.to_string())],
                )),
                (None, Some(e)) => Some(say(
                    "term.default.time_window_end",
                    "term.default.time_window_end_by",
                    vec![("days", days), ("end", e.to_string())],
                )),
                _ => None,
            },
            TermKind::VolumeLimit => self.max_db.map(|max| {
                let position = self
                    .position
                    .map_or_else(|| t(lang, "term.default.anywhere"), |p| t(lang, &format!("position.{}", p.code())));
                say(
                    "term.default.volume_limit",
                    "term.default.volume_limit_by",
                    vec![("position", position), ("max", format_db(max))],
                )
            }),
            TermKind::Payment => self.amount_fen.map(|fen| {
                let when = self
                    .due
                    .map(|due| t_with(lang, "term.default.before", &[("due", date_in_words(due, lang))]))
                    .unwrap_or_default();
                let to = payee.map(|p| t_with(lang, "term.default.to", &[("payee", p.to_owned())])).unwrap_or_default();
                say(
                    "term.default.payment",
                    "term.default.payment_by",
                    vec![
                        ("when", when),
                        ("to", to),
                        ("amount", format_amount(fen)),
                        ("capitals", amount_in_capitals(fen)),
                    ],
                )
            }),
            TermKind::Deadline => self.due.map(|due| {
                say("term.default.deadline", "term.default.deadline_by", vec![("due", date_in_words(due, lang))])
            }),
            TermKind::Relocation | TermKind::Equipment | TermKind::FreeText => None,
        }
    }
}

/// An amount in fen written out in the capital numerals of financial
/// documents (人民币大写): 180 000 fen is 壹仟捌佰元整, 10 005 is 壹佰元零伍分.
pub fn amount_in_capitals(fen: i64) -> String {
    const DIGITS: [char; 10] = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
    const PLACES: [&str; 4] = ["", "拾", "佰", "仟"];
    const SECTIONS: [&str; 3] = ["", "万", "亿"];
    let fen = fen.unsigned_abs();
    let (yuan, jiao, cents) = (fen / 100, (fen / 10 % 10) as usize, (fen % 10) as usize);
    let digits: Vec<usize> = yuan.to_string().bytes().map(|b| usize::from(b - b'0')).collect();
    let mut out = String::new();
    let (mut zero_pending, mut section_has_digit) = (false, false);
    for (i, &d) in digits.iter().enumerate() {
        let place = digits.len() - 1 - i;
        if d == 0 {
            zero_pending = !out.is_empty();
        } else {
            if zero_pending {
                out.push('零');
                zero_pending = false;
            }
            out.push(DIGITS[d]);
            out.push_str(PLACES[place % 4]);
            section_has_digit = true;
        }
        if place.is_multiple_of(4) && place > 0 {
            if section_has_digit {
                out.push_str(SECTIONS[(place / 4).min(2)]);
            }
            section_has_digit = false;
        }
    }
    if yuan > 0 {
        out.push('元');
    }
    match (jiao, cents) {
        (0, 0) if yuan == 0 => out.push_str("零元整"),
        (0, 0) => out.push('整'),
        _ => {
            if jiao > 0 {
                out.push(DIGITS[jiao]);
                out.push('角');
            } else if yuan > 0 {
                out.push('零');
            }
            if cents > 0 {
                out.push(DIGITS[cents]);
                out.push('分');
            } else {
                out.push('整');
            }
        }
    }
    out
}

/// Decibels without a needless `.0`.
pub fn format_db(db: f64) -> String {
    if db.fract() == 0.0 { format!("{db:.0}") } else { format!("{db:.1}") }
}

/// An amount in fen written in yuan with two decimals.
pub fn format_yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, (fen % 100).abs())
}

/// An amount in fen as the text of a term writes it: whole yuan without
/// decimals (12000), otherwise with two (1850.50).
pub fn format_amount(fen: i64) -> String {
    if fen % 100 == 0 { (fen / 100).to_string() } else { format_yuan(fen) }
}

/// A date as the text of a term writes it: 2026年11月30日, 30 November 2026.
pub fn date_in_words(date: NaiveDate, lang: Lang) -> String {
    use chrono::Datelike;
    match lang {
        Lang::ZhCn => format!("{}年{}月{}日", date.year(), date.month(), date.day()),
        Lang::En => date.format("%-d %B %Y").to_string(),
    }
}

/// A party as the agreement names them, fixed when it takes effect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartySnapshot {
    /// Party id.
    pub party_id: i64,
    /// applicant / respondent / third_party / representative.
    pub role: String,
    /// Name.
    pub name: String,
    /// Sex code.
    pub sex: Option<String>,
    /// Ethnicity.
    pub ethnicity: Option<String>,
    /// Birth year.
    pub birth_year: Option<i32>,
    /// Occupation.
    pub occupation: Option<String>,
    /// Telephone.
    pub phone: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// Organisation.
    pub organisation: Option<String>,
    /// Whom a representative represents.
    pub represents: Option<String>,
}

/// Manner, place and deadline of performance (Art 29).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Performance {
    /// Manner.
    pub manner: String,
    /// Place.
    pub place: Option<String>,
    /// Deadline.
    pub deadline: Option<NaiveDate>,
}

/// Everything an agreement says, in the form that is hashed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgreementContent {
    /// The committee's name.
    pub committee: String,
    /// Case number.
    pub case_number: String,
    /// written / oral.
    pub kind: String,
    /// Sub-title, e.g. 调解备忘录.
    pub subtitle: Option<String>,
    /// Version, from 1.
    pub version: i32,
    /// Version it replaces.
    pub supersedes_version: Option<i32>,
    /// The parties.
    pub parties: Vec<PartySnapshot>,
    /// Main facts.
    pub facts: String,
    /// Matters in dispute.
    pub disputed_matters: String,
    /// Each side's responsibility.
    pub responsibilities: Option<String>,
    /// The agreed terms, in order.
    pub terms: Vec<Term>,
    /// Performance.
    pub performance: Performance,
    /// Copies: one per party plus one for the committee.
    pub copies: i32,
}

impl AgreementContent {
    /// Canonical JSON: object keys sorted, no whitespace, UTF-8.
    pub fn canonical_json(&self) -> String {
        canonical(&serde_json::to_value(self).unwrap_or(Value::Null))
    }

    /// SHA-256 (hex) of the canonical JSON.
    pub fn hash(&self) -> String {
        content_hash(&self.canonical_json())
    }
}

/// SHA-256 (hex) of stored canonical JSON.
pub fn content_hash(canonical_json: &str) -> String {
    hex::encode(Sha256::digest(canonical_json.as_bytes()))
}

/// Writes a JSON value with object keys sorted, whatever map type serde_json
/// was built with.
pub fn canonical(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            let body: Vec<String> =
                entries.into_iter().map(|(k, v)| format!("{}:{}", Value::String(k.clone()), canonical(v))).collect();
            format!("{{{}}}", body.join(","))
        }
        Value::Array(items) => format!("[{}]", items.iter().map(canonical).collect::<Vec<_>>().join(",")),
        other => other.to_string(),
    }
}

/// Copies of a written agreement: one per party and one for the committee.
pub fn copies(parties: usize) -> i32 {
    i32::try_from(parties).unwrap_or(i32::MAX - 1) + 1
}

/// Last day the parties may jointly apply for judicial confirmation (Art 33).
pub fn confirmation_deadline(effective_date: NaiveDate) -> NaiveDate {
    effective_date + TimeDelta::days(30)
}

/// A recorded signature, as far as effectiveness is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signed {
    /// Role.
    pub role: SignerRole,
    /// The party, for party signatures.
    pub party_id: Option<i64>,
}

/// Signatures still missing before a written agreement takes effect.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Missing {
    /// Parties who have not signed.
    pub parties: Vec<i64>,
    /// Whether the mediator has not signed.
    pub mediator: bool,
    /// Whether the seal is not applied.
    pub committee_seal: bool,
}

impl Missing {
    /// Whether nothing is missing: the agreement takes effect (Art 29).
    pub fn is_complete(&self) -> bool {
        self.parties.is_empty() && !self.mediator && !self.committee_seal
    }
}

/// Which of the required signatures — every party, the mediator and the
/// committee seal — are not yet recorded. The recorder's signature is
/// printed but does not affect effectiveness.
pub fn missing_signatures(parties: &[i64], signed: &[Signed]) -> Missing {
    let has = |role: SignerRole| signed.iter().any(|s| s.role == role);
    Missing {
        parties: parties
            .iter()
            .copied()
            .filter(|p| !signed.iter().any(|s| s.role == SignerRole::Party && s.party_id == Some(*p)))
            .collect(),
        mediator: !has(SignerRole::Mediator),
        committee_seal: !has(SignerRole::CommitteeSeal),
    }
}

/// Largest on-screen signature image.
pub const MAX_SIGNATURE_BYTES: usize = 200 * 1024;

/// Checks that bytes are a PNG of a plausible signature size; returns its
/// width and height.
pub fn check_signature_png(bytes: &[u8]) -> Result<(u32, u32), Invalid> {
    const MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.len() > MAX_SIGNATURE_BYTES {
        return Err(Invalid::new("invalid.signature_too_large").with("max", MAX_SIGNATURE_BYTES / 1024));
    }
    if bytes.len() < 33 || &bytes[..8] != MAGIC || &bytes[12..16] != b"IHDR" {
        return Err(Invalid::new("invalid.signature_not_png"));
    }
    let width = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
    let height = u32::from_be_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
    if !(40..=2400).contains(&width) || !(20..=1200).contains(&height) {
        return Err(Invalid::new("invalid.signature_dimensions"));
    }
    Ok((width, height))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_time_window_term_gets_printable_text_from_its_fields() {
        let input = TermInput {
            kind: "time_window",
            start: Some("19:00"),
            end: Some("21:00"),
            days: Some("daily"),
            ..Default::default()
        };
        let term = Term::parse(&input, Lang::ZhCn).expect("term");
        assert_eq!(term.text, "每天活动于19:00开始，21:00前结束。");
        let en = Term::parse(&input, Lang::En).expect("term");
        assert_eq!(en.text, "Activities take place every day from 19:00 and end before 21:00.");
    }

    #[test]
    fn generated_texts_name_the_party_bound_and_the_party_paid() {
        let zhou = Named { party_id: 7, name: "周桂芳" };
        let zheng = Named { party_id: 9, name: "郑丽娟" };
        let window = TermInput {
            kind: "time_window",
            start: Some("19:00"),
            end: Some("21:00"),
            days: Some("daily"),
            obligor: Some(zhou),
            ..Default::default()
        };
        let term = Term::parse(&window, Lang::ZhCn).expect("term");
        assert_eq!(term.text, "周桂芳每天的活动于19:00开始，21:00前结束。");
        assert_eq!(term.obligor, Some(7));
        let en = Term::parse(&window, Lang::En).expect("term");
        assert_eq!(en.text, "周桂芳's activities take place every day from 19:00 and end before 21:00.");
        let level = TermInput {
            kind: "volume_limit",
            max_db: Some(55.0),
            position: Some("outside_window_1m"),
            obligor: Some(zhou),
            ..Default::default()
        };
        assert_eq!(
            Term::parse(&level, Lang::ZhCn).expect("term").text,
            "周桂芳活动时，在受影响住户窗外1米处测得的噪声（等效连续A声级）不超过55分贝。"
        );
        let pay = TermInput {
            kind: "payment",
            amount: Some(1800.0),
            due: Some("2026-06-30"),
            obligor: Some(zheng),
            payee: Some(zhou),
            ..Default::default()
        };
        let term = Term::parse(&pay, Lang::ZhCn).expect("term");
        assert_eq!(term.text, "郑丽娟于2026年6月30日前向周桂芳支付1800元（大写：人民币壹仟捌佰元整）。");
        assert_eq!((term.obligor, term.payee), (Some(9), Some(7)));
        assert_eq!(Term::parse(&pay, Lang::En).expect("term").text, "郑丽娟 pays CNY 1800 to 周桂芳 by 30 June 2026.");
        let nobody = TermInput { kind: "payment", amount: Some(300.0), ..Default::default() };
        assert_eq!(Term::parse(&nobody, Lang::ZhCn).expect("term").text, "支付300元（大写：人民币叁佰元整）。");
        let cents = TermInput { kind: "payment", amount: Some(1850.5), due: Some("2026-11-30"), ..Default::default() };
        assert_eq!(
            Term::parse(&cents, Lang::ZhCn).expect("term").text,
            "于2026年11月30日前支付1850.50元（大写：人民币壹仟捌佰伍拾元伍角整）。"
        );
        let due = TermInput { kind: "deadline", due: Some("2026-12-15"), obligor: Some(zheng), ..Default::default() };
        assert_eq!(Term::parse(&due, Lang::ZhCn).expect("term").text, "郑丽娟于2026年12月15日前完成。");
        assert_eq!(Term::parse(&due, Lang::En).expect("term").text, "郑丽娟 completes it by 15 December 2026.");
    }

    #[test]
    fn a_payee_belongs_to_a_payment_and_is_not_the_payer() {
        let zhou = Named { party_id: 7, name: "周桂芳" };
        let window = TermInput { kind: "time_window", end: Some("21:00"), payee: Some(zhou), ..Default::default() };
        let errors = Term::parse(&window, Lang::ZhCn).expect_err("a payee on a time window");
        assert_eq!(errors[0].0, "payee");
        assert_eq!(errors[0].1.key, "invalid.payee_payment_only");
        let to_self = TermInput {
            kind: "payment",
            amount: Some(10.0),
            obligor: Some(zhou),
            payee: Some(zhou),
            ..Default::default()
        };
        let errors = Term::parse(&to_self, Lang::ZhCn).expect_err("paying oneself");
        assert_eq!(errors[0].1.key, "invalid.payee_is_obligor");
    }

    #[test]
    fn amounts_are_written_in_capital_numerals() {
        for (fen, words) in [
            (0, "零元整"),
            (50, "伍角整"),
            (5, "伍分"),
            (180_000, "壹仟捌佰元整"),
            (120_050, "壹仟贰佰元伍角整"),
            (10_005, "壹佰元零伍分"),
            (10_125, "壹佰零壹元贰角伍分"),
            (1_000_100, "壹万零壹元整"),
            (10_000_000, "壹拾万元整"),
            (101_000_000, "壹佰零壹万元整"),
            (1_002_003_000, "壹仟零贰万零叁拾元整"),
            (10_000_000_000, "壹亿元整"),
            (10_001_000_000, "壹亿零壹万元整"),
            (8_000_000, "捌万元整"),
            (8_000_010, "捌万元壹角整"),
        ] {
            assert_eq!(amount_in_capitals(fen), words, "{fen} fen");
        }
    }

    #[test]
    fn a_volume_term_prints_its_limit_and_position() {
        let input = TermInput {
            kind: "volume_limit",
            max_db: Some(55.0),
            position: Some("outside_window_1m"),
            ..Default::default()
        };
        let term = Term::parse(&input, Lang::ZhCn).expect("term");
        assert!(term.text.contains("55分贝") && term.text.contains("窗外1米"), "{}", term.text);
    }

    #[test]
    fn a_term_without_text_or_fields_to_print_is_refused() {
        let errors =
            Term::parse(&TermInput { kind: "free_text", ..Default::default() }, Lang::ZhCn).expect_err("refused");
        assert_eq!(errors[0].0, "text");
        let errors =
            Term::parse(&TermInput { kind: "volume_limit", max_db: Some(300.0), ..Default::default() }, Lang::ZhCn)
                .expect_err("refused");
        assert_eq!(errors[0].0, "max_db");
    }

    fn parsed(input: TermInput<'_>) -> Term {
        Term::parse(&input, Lang::ZhCn).expect("term")
    }

    #[test]
    fn the_hash_is_stable_and_covers_the_content() {
        let content = AgreementContent {
            committee: "敦化南路社区人民调解委员会".into(),
            case_number: "（2026）敦南人调字第1号".into(),
            kind: "written".into(),
            subtitle: Some("调解备忘录".into()),
            version: 1,
            supersedes_version: None,
            parties: vec![],
            facts: "合唱".into(),
            disputed_matters: "噪声".into(),
            responsibilities: None,
            terms: vec![parsed(TermInput {
                kind: "time_window",
                start: Some("19:00"),
                end: Some("21:00"),
                ..Default::default()
            })],
            performance: Performance { manner: "自行履行".into(), place: None, deadline: None },
            copies: 3,
        };
        let json = content.canonical_json();
        assert!(json.starts_with("{\"case_number\":"), "{json}");
        assert!(!json.contains(' ') || json.contains("调解"), "no whitespace between tokens");
        assert_eq!(content.hash(), content_hash(&json));
        assert_eq!(content.hash().len(), 64);
        let mut changed = content.clone();
        changed.terms[0].end = ClockTime::parse("21:30").ok();
        assert_ne!(changed.hash(), content.hash());
    }

    #[test]
    fn an_agreement_takes_effect_with_every_party_the_mediator_and_the_seal() {
        let mut signed = vec![Signed { role: SignerRole::Party, party_id: Some(1) }];
        let m = missing_signatures(&[1, 2], &signed);
        assert_eq!(m, Missing { parties: vec![2], mediator: true, committee_seal: true });
        signed.push(Signed { role: SignerRole::Party, party_id: Some(2) });
        signed.push(Signed { role: SignerRole::Mediator, party_id: None });
        assert!(!missing_signatures(&[1, 2], &signed).is_complete());
        signed.push(Signed { role: SignerRole::Recorder, party_id: None });
        assert!(!missing_signatures(&[1, 2], &signed).is_complete(), "the recorder does not replace the seal");
        signed.push(Signed { role: SignerRole::CommitteeSeal, party_id: None });
        assert!(missing_signatures(&[1, 2], &signed).is_complete());
    }

    #[test]
    fn the_confirmation_window_is_thirty_days() {
        let d = NaiveDate::from_ymd_opt(2026, 6, 10).expect("date");
        assert_eq!(confirmation_deadline(d).to_string(), "2026-07-10");
        assert_eq!(copies(2), 3);
    }

    #[test]
    fn signature_images_are_checked_by_content() {
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        png.extend_from_slice(&600u32.to_be_bytes());
        png.extend_from_slice(&200u32.to_be_bytes());
        png.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(check_signature_png(&png), Ok((600, 200)));
        assert!(check_signature_png(b"GIF89a not a png at all, padded to length").is_err());
        let mut huge = png.clone();
        huge.resize(MAX_SIGNATURE_BYTES + 1, 0);
        assert!(check_signature_png(&huge).is_err());
    }

    proptest! {
        #[test]
        fn the_confirmation_deadline_is_always_thirty_days_after_taking_effect(days in 0i64..40_000) {
            let effective = NaiveDate::from_ymd_opt(2000, 1, 1).expect("date") + TimeDelta::days(days);
            prop_assert_eq!((confirmation_deadline(effective) - effective).num_days(), 30);
        }

        #[test]
        fn canonical_json_does_not_depend_on_key_order(a in "[a-z]{1,6}", b in "[a-z]{1,6}", x in 0i64..1000) {
            prop_assume!(a != b);
            let one = serde_json::json!({ a.clone(): x, b.clone(): [x, {"z": 1, "y": 2}] });
            let mut map = serde_json::Map::new();
            map.insert(b.clone(), serde_json::json!([x, {"y": 2, "z": 1}]));
            map.insert(a.clone(), serde_json::json!(x));
            prop_assert_eq!(canonical(&one), canonical(&Value::Object(map)));
        }
    }
}
