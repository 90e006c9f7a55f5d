//! The commands of agreements: a draft, a signature. Each comes from the
//! API's JSON and from the pages' forms alike as raw text fields
//! ([`DraftFields`], [`SignatureFields`]), parsed here once into the typed
//! command, with every refused field named.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::NaiveDateTime;

use crate::domain::agreement::{
    AgreementKind, Named, Performance, SignMethod, SignerRole, Term, TermInput, check_signature_png,
};
use crate::domain::clock::{parse_date, parse_instant};
use crate::domain::fields::{Fields, Refused};
use crate::domain::language::Lang;
use crate::domain::{Invalid, optional_text, required_text};

/// What an agreement says, before it takes effect.
#[derive(Debug, Clone)]
pub struct Draft {
    /// written / oral.
    pub kind: AgreementKind,
    /// Sub-title.
    pub subtitle: Option<String>,
    /// Facts.
    pub facts: String,
    /// Matters in dispute.
    pub disputed_matters: String,
    /// Responsibilities.
    pub responsibilities: Option<String>,
    /// Performance.
    pub performance: Performance,
    /// Terms in order.
    pub terms: Vec<Term>,
}

/// A term as entered.
#[derive(Debug, Clone, Default)]
pub struct TermFields {
    /// Printable text; generated from the fields when left out.
    pub text: Option<String>,
    /// Kind code.
    pub kind: String,
    /// `daily`, `weekdays`, `weekends` or `mon,tue,…`.
    pub days: Option<String>,
    /// Start `HH:MM`.
    pub start: Option<String>,
    /// End `HH:MM`.
    pub end: Option<String>,
    /// Highest level, dB(A).
    pub max_db: Option<f64>,
    /// Measuring position code.
    pub position: Option<String>,
    /// Amount in yuan.
    pub amount: Option<f64>,
    /// Due date.
    pub due: Option<String>,
    /// The party bound by the term (the payer of a payment).
    pub obligor: Option<i64>,
    /// The party a payment is made to.
    pub payee: Option<i64>,
}

/// Manner, place and deadline of performance as entered.
#[derive(Debug, Clone, Default)]
pub struct PerformanceFields {
    /// Manner.
    pub manner: String,
    /// Place.
    pub place: Option<String>,
    /// Deadline `YYYY-MM-DD`.
    pub deadline: Option<String>,
}

/// A draft as entered; a field left out keeps the current draft's value
/// when one is edited.
#[derive(Debug, Clone, Default)]
pub struct DraftFields {
    /// written (default) or oral.
    pub kind: Option<String>,
    /// Main facts.
    pub facts: Option<String>,
    /// Matters in dispute.
    pub disputed_matters: Option<String>,
    /// Each side's responsibility.
    pub responsibilities: Option<String>,
    /// The agreed terms, in order.
    pub terms: Option<Vec<TermFields>>,
    /// Performance.
    pub performance: Option<PerformanceFields>,
    /// Sub-title, e.g. 调解备忘录.
    pub subtitle: Option<String>,
}

impl DraftFields {
    /// The draft these fields make; `current` supplies fields left out.
    /// Term texts are generated in `lang`, the committee's language; a term
    /// may name only one of `parties`, the case's.
    pub fn parse(&self, current: Option<&Draft>, lang: Lang, parties: &[Named<'_>]) -> Result<Draft, Refused> {
        let mut f = Fields::new();
        let kind = match (&self.kind, current) {
            (Some(k), _) => f.check("kind", AgreementKind::parse(k)),
            (None, Some(c)) => Some(c.kind),
            (None, None) => Some(AgreementKind::Written),
        };
        let facts = match (&self.facts, current) {
            (Some(v), _) => f.check("facts", required_text(v, 8000)),
            (None, Some(c)) => Some(c.facts.clone()),
            (None, None) => f.check("facts", Err(Invalid::new("invalid.required"))),
        };
        let disputed_matters = match (&self.disputed_matters, current) {
            (Some(v), _) => f.check("disputed_matters", required_text(v, 4000)),
            (None, Some(c)) => Some(c.disputed_matters.clone()),
            (None, None) => f.check("disputed_matters", Err(Invalid::new("invalid.required"))),
        };
        let responsibilities = match (&self.responsibilities, current) {
            (Some(v), _) => f.check("responsibilities", optional_text(v, 4000)).flatten(),
            (None, Some(c)) => c.responsibilities.clone(),
            (None, None) => None,
        };
        let subtitle = match (&self.subtitle, current) {
            (Some(v), _) => f.check("subtitle", optional_text(v, 40)).flatten(),
            (None, Some(c)) => c.subtitle.clone(),
            (None, None) => None,
        };
        let performance = match (&self.performance, current) {
            (Some(p), _) => {
                let manner = f.check("performance.manner", required_text(&p.manner, 1000));
                let place =
                    f.check("performance.place", optional_text(p.place.as_deref().unwrap_or(""), 200)).flatten();
                let deadline = f.optional("performance.deadline", p.deadline.as_deref(), parse_date);
                manner.map(|manner| Performance { manner, place, deadline })
            }
            (None, Some(c)) => Some(c.performance.clone()),
            (None, None) => f.check("performance.manner", Err(Invalid::new("invalid.required"))),
        };
        let terms = match (&self.terms, current) {
            (Some(list), _) => {
                if list.is_empty() {
                    f.push("terms", Invalid::new("invalid.required"));
                }
                let mut terms = Vec::new();
                for (i, tb) in list.iter().enumerate() {
                    let mut named = |field: &'static str, id: Option<i64>| {
                        let found = id.map(|id| parties.iter().copied().find(|p| p.party_id == id));
                        if found == Some(None) {
                            f.push(format!("terms[{i}].{field}"), Invalid::new("invalid.not_of_the_case"));
                        }
                        found.flatten()
                    };
                    let (obligor, payee) = (named("obligor", tb.obligor), named("payee", tb.payee));
                    let input = TermInput {
                        text: tb.text.as_deref(),
                        kind: &tb.kind,
                        days: tb.days.as_deref(),
                        start: tb.start.as_deref(),
                        end: tb.end.as_deref(),
                        max_db: tb.max_db,
                        position: tb.position.as_deref(),
                        amount: tb.amount,
                        due: tb.due.as_deref(),
                        obligor,
                        payee,
                    };
                    match Term::parse(&input, lang) {
                        Ok(term) => terms.push(term),
                        Err(errors) => f.extend(&format!("terms[{i}]."), errors),
                    }
                }
                Some(terms)
            }
            (None, Some(c)) => Some(c.terms.clone()),
            (None, None) => f.check("terms", Err(Invalid::new("invalid.required"))),
        };
        if kind == Some(AgreementKind::Oral) && self.subtitle.as_deref().is_some_and(|s| !s.trim().is_empty()) {
            f.push("subtitle", Invalid::new("invalid.subtitle_written_only"));
        }
        f.done(match (kind, facts, disputed_matters, performance, terms) {
            (Some(kind), Some(facts), Some(disputed_matters), Some(performance), Some(terms)) => {
                Some(Draft { kind, subtitle, facts, disputed_matters, responsibilities, performance, terms })
            }
            _ => None,
        })
    }
}

/// A signature to record.
#[derive(Debug, Clone)]
pub struct NewSignature {
    /// Role.
    pub role: SignerRole,
    /// The party signing (party signatures).
    pub party_id: Option<i64>,
    /// Method.
    pub method: SignMethod,
    /// Name of the signer for mediator and recorder signatures.
    pub signer_name: String,
    /// Drawn image (on-screen signatures), already checked.
    pub image_png: Option<Vec<u8>>,
    /// When signed.
    pub signed_at: NaiveDateTime,
}

/// A signature as entered.
#[derive(Debug, Clone, Default)]
pub struct SignatureFields {
    /// party, mediator, recorder or committee_seal.
    pub role: String,
    /// The signing party (party signatures).
    pub party_id: Option<i64>,
    /// paper, on_screen, fingerprint or seal.
    pub method: String,
    /// The drawn signature (on_screen), PNG as base64 (a `data:` URL too).
    pub image_png_base64: Option<String>,
    /// Name of a recorder who is not the recording user.
    pub signer_name: Option<String>,
    /// When signed; `now` when blank.
    pub signed_at: Option<String>,
}

impl SignatureFields {
    /// The signature these fields make, recorded by a user named
    /// `recorder` (the signer's name when none is given) at `now`.
    pub fn parse(&self, recorder: &str, now: NaiveDateTime) -> Result<NewSignature, Refused> {
        let mut f = Fields::new();
        let role = f.check("role", SignerRole::parse(&self.role));
        let method = f.check("method", SignMethod::parse(&self.method));
        let image = match (&self.image_png_base64, method) {
            (Some(b64), Some(SignMethod::OnScreen)) => {
                let raw = b64.trim();
                let raw = raw.strip_prefix("data:image/png;base64,").unwrap_or(raw);
                match STANDARD.decode(raw) {
                    Ok(bytes) => f.check("image_png_base64", check_signature_png(&bytes).map(|_| bytes)),
                    Err(_) => f.check("image_png_base64", Err(Invalid::new("invalid.signature_not_png"))),
                }
            }
            (None, Some(SignMethod::OnScreen)) => {
                f.check("image_png_base64", Err(Invalid::new("invalid.signature_not_drawn")))
            }
            (Some(_), Some(_)) => f.check("image_png_base64", Err(Invalid::new("invalid.image_on_screen_only"))),
            _ => None,
        };
        if role == Some(SignerRole::Party) && self.party_id.is_none() {
            f.push("party_id", Invalid::new("invalid.required"));
        }
        let signed_at = match self.signed_at.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(raw) => f.check("signed_at", parse_instant(raw)),
            None => Some(now),
        };
        let signer_name = match &self.signer_name {
            Some(n) => f.check("signer_name", required_text(n, 50)),
            None => Some(recorder.to_owned()),
        };
        f.done(match (role, method, signed_at, signer_name) {
            (Some(role), Some(method), Some(signed_at), Some(signer_name)) => {
                Some(NewSignature { role, party_id: self.party_id, method, signer_name, image_png: image, signed_at })
            }
            _ => None,
        })
    }
}
