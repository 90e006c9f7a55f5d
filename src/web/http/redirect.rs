//! Where a form may send the browser afterwards: only to a page of this
//! site. A `next` or `back` value is parsed as the URL standard (and so
//! every browser) parses it, relative to this site; it is followed only
//! when the result is a path of the same origin that no browser can read
//! as another host.

use url::Url;

/// The site every relative target is resolved against; any fixed origin
/// serves, as only paths are ever followed.
const SITE: &str = "http://hesheng.invalid/";

/// `raw` as a path (with its query) of this site, written as the URL
/// standard serialises it, or `None` when it is anything else: empty, not
/// starting with one `/`, holding a control character or a backslash
/// anywhere (browsers drop or turn them into slashes), or resolving to
/// another origin or to a path that starts with `//`.
pub fn local_path(raw: &str) -> Option<String> {
    if !raw.starts_with('/') || raw.chars().any(|c| c.is_control() || c == '\\') {
        return None;
    }
    let site = Url::parse(SITE).ok()?;
    let url = site.join(raw).ok()?;
    if url.origin() != site.origin() || url.username() != "" || url.password().is_some() {
        return None;
    }
    let path = url.path();
    if path.starts_with("//") {
        return None;
    }
    Some(match url.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    })
}

/// `raw` as [`local_path`] allows it, else `fallback`.
pub fn local_or(raw: Option<&str>, fallback: &str) -> String {
    raw.and_then(local_path).unwrap_or_else(|| fallback.to_owned())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    /// Open-redirect payloads collected from public lists and browser
    /// behaviour: each would take a browser to another host if followed.
    const BYPASSES: &[&str] = &[
        "//evil.example",
        "///evil.example",
        "////evil.example",
        "/\\evil.example",
        "/\\/evil.example",
        "\\\\evil.example",
        "\\/evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r\n/evil.example",
        "/\u{0}/evil.example",
        "/\u{7f}/evil.example",
        "/\u{85}/evil.example",
        "/./\t/evil.example",
        "/.//evil.example",
        "/..//evil.example",
        "/a/..//evil.example",
        "/%2e//evil.example",
        "/%2e%2e//evil.example",
        "https://evil.example",
        "http:evil.example",
        "http:/evil.example",
        "//evil.example/%2f..",
        "javascript:alert(1)",
        " //evil.example",
        "\t//evil.example",
        "evil.example",
        "",
    ];

    #[test]
    fn no_known_bypass_leads_off_the_site() {
        for raw in BYPASSES {
            assert_eq!(local_path(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn paths_of_the_site_are_kept_with_their_query() {
        assert_eq!(local_path("/cases/1").as_deref(), Some("/cases/1"));
        assert_eq!(
            local_path("/cases?status=mediating&q=合唱").as_deref(),
            Some("/cases?status=mediating&q=%E5%90%88%E5%94%B1")
        );
        assert_eq!(
            local_path("/%2F%2Fevil.example").as_deref(),
            Some("/%2F%2Fevil.example"),
            "an encoded slash is a path"
        );
        assert_eq!(local_path("/a/../cases").as_deref(), Some("/cases"));
        assert_eq!(local_path("/ /x").as_deref(), Some("/%20/x"));
        assert_eq!(local_or(Some("//evil.example"), "/"), "/");
    }

    proptest! {
        /// Whatever is followed is one path of this site: it starts with a
        /// single slash, has no control character, backslash or space, and
        /// resolves, as a browser resolves a Location, to this origin.
        #[test]
        fn whatever_is_followed_stays_on_the_site(raw in "[/\\\\a-z.:%@?#&=\\t\\n\\r \\x00-\\x1f\\u{7f}-\\u{9f}\\u{3000}合唱]{0,24}") {
            if let Some(path) = local_path(&raw) {
                prop_assert!(path.starts_with('/') && !path.starts_with("//"), "{raw:?} -> {path:?}");
                prop_assert!(!path.chars().any(|c| c.is_control() || c == '\\' || c.is_whitespace()), "{raw:?} -> {path:?}");
                let site = Url::parse(SITE).expect("site");
                let followed = site.join(&path).expect("a path resolves");
                prop_assert_eq!(followed.origin(), site.origin());
            }
        }
    }
}
