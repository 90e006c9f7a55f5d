//! Encrypted cookies and their names.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, CookieJar, Key, SameSite, time::Duration};

/// The cookies Hesheng sets. With an https base URL each name takes the
/// `__Host-` prefix, which browsers accept only from a secure origin, for
/// the whole host and path `/`.
#[derive(Debug, Clone, Copy)]
pub enum CookieName {
    /// The browser session.
    Session,
    /// The CSRF token.
    Csrf,
    /// The language chosen without signing in.
    Lang,
    /// The resident portal session.
    Portal,
    /// A one-time message shown after a redirect.
    Flash,
}

impl CookieName {
    /// The name on the wire.
    pub fn name(self, secure: bool) -> &'static str {
        match (self, secure) {
            (CookieName::Session, false) => "hesheng_session",
            (CookieName::Session, true) => "__Host-hesheng_session",
            (CookieName::Csrf, false) => "hesheng_csrf",
            (CookieName::Csrf, true) => "__Host-hesheng_csrf",
            (CookieName::Lang, false) => "hesheng_lang",
            (CookieName::Lang, true) => "__Host-hesheng_lang",
            (CookieName::Portal, false) => "hesheng_portal",
            (CookieName::Portal, true) => "__Host-hesheng_portal",
            (CookieName::Flash, false) => "hesheng_flash",
            (CookieName::Flash, true) => "__Host-hesheng_flash",
        }
    }
}

/// Cookie settings shared by every cookie of an instance.
#[derive(Clone)]
pub struct Cookies {
    key: Key,
    secure: bool,
}

impl Cookies {
    /// Cookies encrypted with `key`; `secure` when served over https.
    pub fn new(key: Key, secure: bool) -> Self {
        Self { key, secure }
    }

    /// Whether cookies are Secure and `__Host-` prefixed.
    pub fn secure(&self) -> bool {
        self.secure
    }

    /// The decrypted value of an encrypted cookie, if present and genuine.
    pub fn read(&self, req: &HttpRequest, name: CookieName) -> Option<String> {
        let raw = req.cookie(name.name(self.secure))?;
        let mut jar = CookieJar::new();
        jar.add_original(raw);
        jar.private(&self.key).get(name.name(self.secure)).map(|c| c.value().to_owned())
    }

    /// The value of a plain cookie.
    pub fn read_plain(&self, req: &HttpRequest, name: CookieName) -> Option<String> {
        req.cookie(name.name(self.secure)).map(|c| c.value().to_owned())
    }

    fn base(&self, name: CookieName, value: String) -> Cookie<'static> {
        let mut cookie = Cookie::new(name.name(self.secure), value);
        cookie.set_path("/");
        cookie.set_http_only(true);
        cookie.set_same_site(SameSite::Lax);
        cookie.set_secure(self.secure);
        cookie
    }

    /// An encrypted (and so also authenticated) cookie; `max_age` `None`
    /// lasts as long as the browser session.
    pub fn encrypted(&self, name: CookieName, value: String, max_age: Option<Duration>) -> Cookie<'static> {
        let mut cookie = self.base(name, value);
        if let Some(age) = max_age {
            cookie.set_max_age(age);
        }
        let mut jar = CookieJar::new();
        jar.private_mut(&self.key).add(cookie);
        jar.get(name.name(self.secure)).cloned().unwrap_or_else(|| Cookie::new(name.name(self.secure), ""))
    }

    /// A readable cookie for a non-secret preference.
    pub fn plain(&self, name: CookieName, value: String, max_age: Duration) -> Cookie<'static> {
        let mut cookie = self.base(name, value);
        cookie.set_max_age(max_age);
        cookie
    }

    /// A cookie that makes the browser forget `name`.
    pub fn removal(&self, name: CookieName) -> Cookie<'static> {
        let mut cookie = self.base(name, String::new());
        cookie.make_removal();
        cookie
    }
}
