//! The keyring: the current data key and the old ones, sealing and
//! opening values with AES-256-GCM, and the keys derived for lookups and
//! the audit chain.

use super::*;

/// What every sealed value starts with.
pub const PREFIX: &str = "enc1:";

pub(super) const NONCE_LEN: usize = 12;

/// A column holding sealed values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// `party.phone`.
    Phone,
    /// `party.id_number`.
    IdNumber,
    /// `case_view.body`.
    CaseView,
    /// `party.access_code`.
    AccessCode,
}

impl Field {
    fn associated_data(self) -> &'static [u8] {
        match self {
            Field::Phone => b"hesheng/party/phone",
            Field::IdNumber => b"hesheng/party/id_number",
            Field::CaseView => b"hesheng/case_view/body",
            Field::AccessCode => b"hesheng/party/access_code",
        }
    }
}

/// Why a key or a sealed value could not be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    /// The key material is not 32 bytes in base64 or hex.
    #[error("a data key must be 32 bytes written as base64 (44 characters) or hex (64 characters)")]
    Malformed,
    /// The keyring is empty.
    #[error("no data key given")]
    Empty,
    /// No keyring was installed in this process.
    #[error("no data key is installed")]
    NotInstalled,
    /// The value was sealed under a key the keyring lacks.
    #[error("personal data sealed under data key {0}, which is not configured")]
    UnknownKey(String),
    /// The value is damaged or was sealed for another column.
    #[error("a sealed value does not open: damaged, or not sealed for this column")]
    Damaged,
}

/// What a keyed hash is for: each purpose has a key of its own, derived
/// from the data key, so that a hash made for one never stands for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// `party.access_key`: a portal access code, looked up by its hash.
    AccessCode,
    /// `party.pin_hash`: a portal PIN, with the party's id.
    PortalPin,
    /// `audit_event.mac`: the keyed audit chain.
    AuditChain,
    /// `monitor.password_hash`: a noise monitor's HJ 212 password, with its MN.
    MonitorPassword,
}

impl Purpose {
    fn label(self) -> &'static [u8] {
        match self {
            Purpose::AccessCode => b"hesheng/mac/access_code",
            Purpose::PortalPin => b"hesheng/mac/portal_pin",
            Purpose::AuditChain => b"hesheng/mac/audit_chain",
            Purpose::MonitorPassword => b"hesheng/mac/monitor_password",
        }
    }
}

pub(super) type HmacSha256 = Hmac<Sha256>;

/// One key.
#[derive(Clone)]
pub(super) struct DataKey {
    pub(super) id: String,
    cipher: Aes256Gcm,
    /// The material keyed hashes are derived from (never the sealing key
    /// itself).
    mac_root: [u8; 32],
}

impl DataKey {
    fn from_bytes(bytes: &[u8; 32]) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(b"hesheng data key id\0");
        hasher.update(bytes);
        let id = hex::encode(&hasher.finalize()[..4]);
        let cipher = Aes256Gcm::new_from_slice(bytes).expect("a 32-byte key");
        let mut root = <HmacSha256 as Mac>::new_from_slice(bytes).expect("HMAC takes a key of any length");
        root.update(b"hesheng mac root");
        let mac_root = root.finalize().into_bytes().into();
        Self { id, cipher, mac_root }
    }

    /// HMAC-SHA256 of `message` under this key's key for `purpose`, hex.
    fn mac(&self, purpose: Purpose, message: &[u8]) -> String {
        let mut derive = <HmacSha256 as Mac>::new_from_slice(&self.mac_root).expect("HMAC takes a key of any length");
        derive.update(purpose.label());
        let key = derive.finalize().into_bytes();
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&key).expect("HMAC takes a key of any length");
        mac.update(message);
        hex::encode(mac.finalize().into_bytes())
    }

    fn parse(text: &str) -> Result<Self, KeyError> {
        let decoded = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(text).map_err(|_| KeyError::Malformed)?
        } else {
            STANDARD.decode(text).map_err(|_| KeyError::Malformed)?
        };
        let bytes: [u8; 32] = decoded.try_into().map_err(|_| KeyError::Malformed)?;
        Ok(Self::from_bytes(&bytes))
    }
}

/// The current key and the older ones still needed to open old values.
pub struct Keyring {
    /// The first seals.
    pub(super) keys: Vec<DataKey>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring").field("ids", &self.ids()).finish()
    }
}

impl Keyring {
    /// Parses keys separated by commas or white space, the current first.
    pub fn parse(spec: &str) -> Result<Self, KeyError> {
        let keys = spec
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|k| !k.is_empty())
            .map(DataKey::parse)
            .collect::<Result<Vec<_>, _>>()?;
        if keys.is_empty() {
            return Err(KeyError::Empty);
        }
        Ok(Self { keys })
    }

    /// A new random key, written as base64.
    pub fn generate() -> String {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        STANDARD.encode(bytes)
    }

    /// The id of the key that seals.
    pub fn current_id(&self) -> &str {
        &self.keys[0].id
    }

    /// The ids of every key, the current first.
    pub fn ids(&self) -> Vec<&str> {
        self.keys.iter().map(|k| k.id.as_str()).collect()
    }

    /// Whether the key `id` is in the ring.
    pub fn knows(&self, id: &str) -> bool {
        self.keys.iter().any(|k| k.id == id)
    }

    /// `plain` sealed under the current key for `field`.
    pub fn seal(&self, field: Field, plain: &str) -> String {
        self.seal_bytes(field, plain.as_bytes())
    }

    /// `plain` bytes sealed under the current key for `field`.
    pub fn seal_bytes(&self, field: Field, plain: &[u8]) -> String {
        let key = &self.keys[0];
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let sealed = key
            .cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad: field.associated_data() })
            .expect("AES-GCM seals any message of this size");
        let mut body = Vec::with_capacity(NONCE_LEN + sealed.len());
        body.extend_from_slice(&nonce);
        body.extend_from_slice(&sealed);
        format!("{PREFIX}{}:{}", key.id, URL_SAFE_NO_PAD.encode(body))
    }

    /// The plain text of a stored value. A value without the sealed prefix
    /// was stored before sealing and is returned as it is.
    pub fn open(&self, field: Field, stored: &str) -> Result<String, KeyError> {
        if sealed_parts(stored).is_none() {
            return Ok(stored.to_owned());
        }
        String::from_utf8(self.open_bytes(field, stored)?).map_err(|_| KeyError::Damaged)
    }

    /// The plain bytes of a sealed value.
    pub fn open_bytes(&self, field: Field, stored: &str) -> Result<Vec<u8>, KeyError> {
        let (id, body) = sealed_parts(stored).ok_or(KeyError::Damaged)?;
        let key = self.keys.iter().find(|k| k.id == id).ok_or_else(|| KeyError::UnknownKey(id.to_owned()))?;
        let body = URL_SAFE_NO_PAD.decode(body).map_err(|_| KeyError::Damaged)?;
        if body.len() < NONCE_LEN {
            return Err(KeyError::Damaged);
        }
        let (nonce, sealed) = body.split_at(NONCE_LEN);
        key.cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: sealed, aad: field.associated_data() })
            .map_err(|_| KeyError::Damaged)
    }

    /// Whether `stored` is sealed under the current key.
    pub fn is_current(&self, stored: &str) -> bool {
        sealed_parts(stored).is_some_and(|(id, _)| id == self.current_id())
    }

    /// A keyed hash of `message` for `purpose` under the current key,
    /// written `<key id>:<hex>` so that it can be checked after a rotation
    /// while the old key is still configured.
    pub fn mac(&self, purpose: Purpose, message: &[u8]) -> String {
        let key = &self.keys[0];
        format!("{}:{}", key.id, key.mac(purpose, message))
    }

    /// The keyed hash of `message` for `purpose` under every key, the
    /// current first: what a stored hash may be, for a lookup.
    pub fn macs(&self, purpose: Purpose, message: &[u8]) -> Vec<String> {
        self.keys.iter().map(|k| format!("{}:{}", k.id, k.mac(purpose, message))).collect()
    }

    /// Whether `stored` is the keyed hash of `message` for `purpose` under a
    /// key of the ring (compared in constant time).
    pub fn verify_mac(&self, purpose: Purpose, message: &[u8], stored: &str) -> bool {
        let Some((id, _)) = stored.split_once(':') else { return false };
        let Some(key) = self.keys.iter().find(|k| k.id == id) else { return false };
        let expected = format!("{id}:{}", key.mac(purpose, message));
        subtle::ConstantTimeEq::ct_eq(expected.as_bytes(), stored.as_bytes()).into()
    }

    /// Whether the key `stored` (a keyed hash, `<key id>:<hex>`) was made
    /// under is in the ring.
    pub fn knows_mac_key(&self, stored: &str) -> bool {
        stored.split_once(':').is_some_and(|(id, _)| self.knows(id))
    }
}

/// The key id and body of a sealed value.
pub(super) fn sealed_parts(stored: &str) -> Option<(&str, &str)> {
    stored.strip_prefix(PREFIX)?.split_once(':')
}
