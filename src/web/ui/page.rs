//! What every page template gets, and rendering a page into a response.

use std::sync::LazyLock;

use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

use crate::app::error::{AppError, AppResult};
use crate::domain::Invalid;
use crate::domain::account::Role;
use crate::domain::language::Lang;
use crate::i18n::{self, CodeLabels, code_labels};
use crate::web::http::context::RequestContext;

/// The signed-in user as the page header shows them.
#[derive(Debug, Clone)]
pub struct UserBadge {
    /// Shown name.
    pub display_name: String,
    /// Role.
    pub role: Role,
}

/// The part of every page that the base layout uses.
#[derive(Debug, Clone)]
pub struct PageContext {
    /// The page's language.
    pub lang: Lang,
    /// The signed-in user, if any.
    pub user: Option<UserBadge>,
    /// The CSRF token every form carries.
    pub csrf_token: String,
    /// The current path and query, to come back to after switching language.
    pub path: String,
    /// The message of the previous action.
    pub flash: Option<String>,
    /// Large type (residents' choice).
    pub large_type: bool,
}

/// A link of the main navigation.
#[derive(Debug, Clone)]
pub struct NavLink {
    /// Where.
    pub href: &'static str,
    /// Label key.
    pub label: &'static str,
    /// Whether it is the current section.
    pub current: bool,
}

impl PageContext {
    /// The context of the page answering `req`.
    pub fn new(ctx: &RequestContext, req: &HttpRequest) -> Self {
        Self {
            lang: ctx.lang,
            user: ctx.user.as_ref().map(|u| UserBadge { display_name: u.display_name.clone(), role: u.role() }),
            csrf_token: ctx.csrf_token.clone(),
            path: req.uri().path_and_query().map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()),
            flash: ctx.flash.as_ref().map(|f| i18n::t(ctx.lang, &f.key).replace("%{value}", &f.value)),
            large_type: false,
        }
    }

    /// The main navigation for the signed-in user's role.
    pub fn nav(&self) -> Vec<NavLink> {
        let Some(user) = &self.user else { return Vec::new() };
        let path = self.path.split('?').next().unwrap_or("/");
        let mut links = vec![("/", "nav.home"), ("/complaints", "nav.complaints"), ("/cases", "nav.cases")];
        if matches!(user.role, Role::Staff | Role::Admin | Role::Mediator) {
            links.push(("/print", "nav.print"));
        }
        links.push(("/reports", "nav.reports"));
        if matches!(user.role, Role::Admin | Role::Mediator) {
            links.push(("/monitors", "monitor.page.title"));
        }
        if user.role == Role::Admin {
            links.push(("/admin", "nav.admin"));
        }
        links.push(("/verify", "nav.verify"));
        links
            .into_iter()
            .map(|(href, label)| NavLink {
                href,
                label,
                current: if href == "/" { path == "/" } else { path.starts_with(href) },
            })
            .collect()
    }

    /// The message `key` in the page's language.
    pub fn t(&self, key: &str) -> String {
        i18n::t(self.lang, key)
    }

    /// The label of a code: the message `prefix.code`.
    pub fn label(&self, prefix: &str, code: &str) -> String {
        i18n::t(self.lang, &format!("{prefix}.{code}"))
    }

    /// `inner` in brackets of the page's language: （…） or " (…)".
    pub fn paren(&self, inner: impl std::fmt::Display) -> String {
        match self.lang {
            Lang::ZhCn => format!("（{inner}）"),
            Lang::En => format!(" ({inner})"),
        }
    }

    /// An opening bracket in the page's language, with the space English
    /// puts before it.
    pub fn paren_open(&self) -> &'static str {
        match self.lang {
            Lang::ZhCn => "（",
            Lang::En => " (",
        }
    }

    /// A closing bracket in the page's language.
    pub fn paren_close(&self) -> &'static str {
        match self.lang {
            Lang::ZhCn => "）",
            Lang::En => ")",
        }
    }

    /// The colon after a label in the page's language.
    pub fn colon(&self) -> &'static str {
        match self.lang {
            Lang::ZhCn => "：",
            Lang::En => ": ",
        }
    }

    /// The separator of a list in the page's language: 、 or ", ".
    pub fn sep(&self) -> &'static str {
        match self.lang {
            Lang::ZhCn => "、",
            Lang::En => ", ",
        }
    }

    /// A recipient as the copy register shows it: the file copy's
    /// recipient, stored in the words of the language it was printed in,
    /// is said in the page's.
    pub fn recipient(&self, stored: &str) -> String {
        let file = |lang| i18n::t(lang, "print.for_the_file");
        if Lang::ALL.iter().any(|l| file(*l) == stored) { file(self.lang) } else { stored.to_owned() }
    }

    /// A record summary with its codes (`registered → investigating`,
    /// `visit · kept`) put into words.
    pub fn words(&self, summary: &str) -> String {
        words(self.lang, summary)
    }

    /// An article of the legal library as a citation in the page's language.
    pub fn citation(&self, r: &crate::db::mediation::LegalReference) -> String {
        match self.lang {
            Lang::ZhCn => format!("《{}》第{}条", r.law_zh, r.article),
            Lang::En => format!("{}, Art {}", r.law_en, r.article),
        }
    }

    /// The text of an article in the page's language.
    pub fn article_text<'a>(&self, r: &'a crate::db::mediation::LegalReference) -> &'a str {
        match self.lang {
            Lang::ZhCn => &r.text_zh,
            Lang::En => &r.text_en,
        }
    }

    /// No error (for fields of filter forms).
    pub fn no_error(&self) -> Option<&'static str> {
        None
    }

    /// An RFC 3339 local time as `2026-05-20 21:40`.
    pub fn when(&self, rfc3339: &str) -> String {
        rfc3339.chars().take(16).collect::<String>().replace('T', " ")
    }

    /// A refusal in the page's language.
    pub fn invalid(&self, invalid: &Invalid) -> String {
        i18n::t_invalid(self.lang, invalid)
    }

    /// The languages offered by the switch.
    pub fn languages(&self) -> [Lang; 2] {
        Lang::ALL
    }

    /// Whether the signed-in user has one of `roles` (for showing links).
    pub fn user_is(&self, roles: &[&str]) -> bool {
        self.user.as_ref().is_some_and(|u| roles.contains(&u.role.code()))
    }
}

/// Renders a page template as a 200 response.
pub fn render<T: Template>(template: &T) -> AppResult<HttpResponse> {
    let html = template.render().map_err(|e| AppError::Internal(anyhow::Error::new(e).context("template")))?;
    Ok(HttpResponse::Ok().content_type("text/html; charset=utf-8").body(html))
}

/// Marks a response whose error status comes with a body of its own (a form
/// shown again with its errors), which the error renderer leaves alone.
#[derive(Debug, Clone, Copy)]
pub struct OwnBody;

/// Renders a page template with an error status (e.g. 422 for a form with
/// errors), keeping the page.
pub fn render_with_status<T: Template>(template: &T, status: actix_web::http::StatusCode) -> AppResult<HttpResponse> {
    let mut response = render(template)?;
    *response.status_mut() = status;
    response.extensions_mut().insert(OwnBody);
    Ok(response)
}

/// Prefixes under which a code word of a record summary is looked up, the
/// first that labels it winning.
const WORD_PREFIXES: [&str; 10] = [
    "status",
    "channel",
    "category",
    "outcome",
    "agreement_kind",
    "signer_role",
    "visit_method",
    "compliance",
    "period",
    "portal.answer",
];

/// See [`PageContext::words`].
fn words(lang: Lang, summary: &str) -> String {
    static LABELS: LazyLock<CodeLabels> = LazyLock::new(|| code_labels(&WORD_PREFIXES));
    let mut out = String::with_capacity(summary.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if !word.is_empty() {
            out.push_str(LABELS.get(&lang).and_then(|labels| labels.get(word.as_str())).map_or(word, String::as_str));
            word.clear();
        }
    };
    for c in summary.chars() {
        if c.is_ascii_lowercase() || c == '_' {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each word looked up under each prefix in turn, as the table stands for.
    fn looked_up_one_by_one(lang: Lang, word: &str) -> String {
        WORD_PREFIXES
            .iter()
            .map(|p| format!("{p}.{word}"))
            .find_map(|key| {
                let text = i18n::t(lang, &key);
                (text != key).then_some(text)
            })
            .unwrap_or_else(|| word.to_owned())
    }

    #[test]
    fn every_code_word_reads_as_its_first_prefixs_label() {
        let mut checked = 0;
        for lang in Lang::ALL {
            for key in i18n::keys(lang) {
                let Some((prefix, word)) = key.split_once('.') else { continue };
                if !WORD_PREFIXES.contains(&prefix)
                    || word.contains('.')
                    || !word.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                {
                    continue;
                }
                assert_eq!(words(lang, word), looked_up_one_by_one(lang, word), "{lang:?} {key}");
                checked += 1;
            }
        }
        assert!(checked > 50, "only {checked} code words");
    }

    #[test]
    fn a_summary_keeps_its_other_characters() {
        assert_eq!(
            words(Lang::En, "registered → investigating"),
            format!("{} → {}", i18n::t(Lang::En, "status.registered"), i18n::t(Lang::En, "status.investigating"))
        );
        // "visit" is a channel before it is a visit method.
        assert_eq!(
            words(Lang::ZhCn, "visit · kept; no_such_code 3"),
            format!(
                "{} · {}; no_such_code 3",
                i18n::t(Lang::ZhCn, "channel.visit"),
                i18n::t(Lang::ZhCn, "compliance.kept")
            )
        );
    }
}
