//! Personal data sealed at rest.
//!
//! Telephone and identity numbers are stored encrypted with AES-256-GCM
//! under a data key that is kept out of the database: a copied database
//! file or a stolen backup does not reveal them. A sealed value reads
//! `enc1:<key id>:<base64 of nonce, ciphertext and tag>`; the column it
//! belongs to is authenticated with it, so a value moved to another column
//! does not open.
//!
//! A keyring holds the current key, which seals, and older keys, which only
//! open: rotation adds a key in front, `hesheng rekey` seals every value
//! under it, and the old key can then be dropped. The key id is derived
//! from the key, so a configuration names keys by their material alone.
//!
//! One process serves one keyring, installed at start-up before any party
//! is read; rows are opened as they are loaded (see `db::parties`).

mod keyring;

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::secret::Secret;

pub use keyring::*;

/// Where the keyring comes from.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// Given in the configuration (HESHENG_DATA_KEY).
    Given(Secret),
    /// A file, created with a new key when missing.
    File(PathBuf),
}

/// What a key source yielded.
#[derive(Debug)]
pub enum Loaded {
    /// A keyring.
    Ring(Keyring),
    /// The key file does not exist yet.
    Missing(PathBuf),
}

/// Why the keyring could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// HESHENG_DATA_KEY is unusable.
    #[error("HESHENG_DATA_KEY: {0}")]
    Given(KeyError),
    /// The key file is unusable.
    #[error("data key file {path}: {reason}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

impl KeySource {
    /// Reads the keyring.
    pub fn load(&self) -> Result<Loaded, LoadError> {
        match self {
            KeySource::Given(spec) => Keyring::parse(spec.expose()).map(Loaded::Ring).map_err(LoadError::Given),
            KeySource::File(path) => match std::fs::read_to_string(path) {
                Ok(text) => Keyring::parse(&text)
                    .map(Loaded::Ring)
                    .map_err(|e| LoadError::File { path: path.clone(), reason: e.to_string() }),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Loaded::Missing(path.clone())),
                Err(e) => Err(LoadError::File { path: path.clone(), reason: e.to_string() }),
            },
        }
    }
}

/// Writes a new key to `path`, readable by its owner only; fails if the
/// file appeared meanwhile (another instance made it: use that).
pub fn create_key_file(path: &Path) -> Result<Keyring, LoadError> {
    let spec = Keyring::generate();
    let fail = |e: std::io::Error| LoadError::File { path: path.to_owned(), reason: e.to_string() };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(mut file) => {
            file.write_all(format!("{spec}\n").as_bytes()).map_err(fail)?;
            file.sync_all().map_err(fail)?;
            Ok(Keyring::parse(&spec).expect("a generated key parses"))
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => match KeySource::File(path.to_owned()).load()? {
            Loaded::Ring(ring) => Ok(ring),
            Loaded::Missing(_) => Err(fail(e)),
        },
        Err(e) => Err(fail(e)),
    }
}

static INSTALLED: RwLock<Option<Arc<Keyring>>> = RwLock::new(None);

/// Makes `ring` the process's keyring. Keys installed before stay known for
/// opening (tests run several servers in one process).
pub fn install(ring: Keyring) {
    let mut installed = INSTALLED.write().unwrap_or_else(PoisonError::into_inner);
    let mut keys = ring.keys;
    if let Some(before) = installed.as_ref() {
        for key in &before.keys {
            if !keys.iter().any(|k| k.id == key.id) {
                keys.push(key.clone());
            }
        }
    }
    *installed = Some(Arc::new(Keyring { keys }));
}

/// The process's keyring.
pub fn installed() -> Result<Arc<Keyring>, KeyError> {
    INSTALLED.read().unwrap_or_else(PoisonError::into_inner).clone().ok_or(KeyError::NotInstalled)
}

/// `plain` sealed with the process's keyring.
pub fn seal(field: Field, plain: &str) -> Result<String, KeyError> {
    Ok(installed()?.seal(field, plain))
}

/// A stored value opened with the process's keyring.
pub fn open(field: Field, stored: &str) -> Result<String, KeyError> {
    if sealed_parts(stored).is_none() {
        return Ok(stored.to_owned());
    }
    installed()?.open(field, stored)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(spec: &str) -> Keyring {
        Keyring::parse(spec).expect("keyring")
    }

    #[test]
    fn keyed_hashes_differ_by_key_and_purpose_and_verify_after_a_rotation() {
        let (a, b) = (Keyring::generate(), Keyring::generate());
        let old = ring(&a);
        let old_hash = old.mac(Purpose::PortalPin, b"7:123456");
        assert!(old.verify_mac(Purpose::PortalPin, b"7:123456", &old_hash));
        assert!(!old.verify_mac(Purpose::PortalPin, b"7:123457", &old_hash));
        assert!(!old.verify_mac(Purpose::AccessCode, b"7:123456", &old_hash), "another purpose, another key");
        assert_ne!(old.mac(Purpose::AccessCode, b"x"), old.mac(Purpose::PortalPin, b"x"));
        assert!(!ring(&b).verify_mac(Purpose::PortalPin, b"7:123456", &old_hash), "another key does not know it");
        let rotated = ring(&format!("{b},{a}"));
        assert!(rotated.verify_mac(Purpose::PortalPin, b"7:123456", &old_hash), "the old key still checks");
        assert_ne!(rotated.mac(Purpose::PortalPin, b"7:123456"), old_hash, "the new key hashes");
        assert_eq!(rotated.macs(Purpose::PortalPin, b"7:123456")[1], old_hash);
    }

    #[test]
    fn sealed_values_open_and_hide_the_number() {
        let k = ring(&Keyring::generate());
        let sealed = k.seal(Field::Phone, "13800138000");
        assert!(sealed.starts_with(PREFIX));
        assert!(!sealed.contains("13800138000"));
        assert!(k.is_current(&sealed));
        assert_eq!(k.open(Field::Phone, &sealed).as_deref(), Ok("13800138000"));
        // Two seals of one number differ (fresh nonce).
        assert_ne!(sealed, k.seal(Field::Phone, "13800138000"));
    }

    #[test]
    fn bytes_seal_and_open_only_as_bytes_of_their_column() {
        let k = ring(&Keyring::generate());
        let packed = [0u8, 159, 146, 150, 255, 1];
        let sealed = k.seal_bytes(Field::CaseView, &packed);
        assert_eq!(k.open_bytes(Field::CaseView, &sealed).as_deref(), Ok(&packed[..]));
        assert_eq!(k.open_bytes(Field::Phone, &sealed), Err(KeyError::Damaged));
        assert_eq!(k.open(Field::CaseView, &sealed), Err(KeyError::Damaged), "not text");
        assert_eq!(k.open_bytes(Field::CaseView, "unsealed"), Err(KeyError::Damaged), "only sealed bytes open");
    }

    #[test]
    fn a_value_does_not_open_in_another_column_or_when_altered() {
        let k = ring(&Keyring::generate());
        let sealed = k.seal(Field::Phone, "13800138000");
        assert_eq!(k.open(Field::IdNumber, &sealed), Err(KeyError::Damaged));
        let mut altered = sealed.clone().into_bytes();
        let last = altered.len() - 2;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert_eq!(k.open(Field::Phone, &String::from_utf8(altered).expect("ascii")), Err(KeyError::Damaged));
    }

    #[test]
    fn rotation_keeps_old_values_open_and_seals_under_the_new_key() {
        let old = Keyring::generate();
        let new = Keyring::generate();
        let before = ring(&old).seal(Field::IdNumber, "11010119600101123X");
        let rotated = ring(&format!("{new}, {old}"));
        assert_eq!(rotated.open(Field::IdNumber, &before).as_deref(), Ok("11010119600101123X"));
        assert!(!rotated.is_current(&before));
        assert!(rotated.is_current(&rotated.seal(Field::IdNumber, "x")));
        let without_old = ring(&new);
        assert_eq!(
            without_old.open(Field::IdNumber, &before),
            Err(KeyError::UnknownKey(ring(&old).current_id().to_owned()))
        );
    }

    #[test]
    fn keys_parse_from_base64_or_hex_and_nothing_else() {
        let hex_key = "00".repeat(32);
        assert_eq!(ring(&hex_key).current_id(), ring(&STANDARD.encode([0u8; 32])).current_id());
        assert_eq!(Keyring::parse("short").unwrap_err(), KeyError::Malformed);
        assert_eq!(Keyring::parse(&STANDARD.encode([0u8; 16])).unwrap_err(), KeyError::Malformed);
        assert_eq!(Keyring::parse(" , ").unwrap_err(), KeyError::Empty);
    }

    #[test]
    fn values_stored_before_sealing_read_as_they_are() {
        let k = ring(&Keyring::generate());
        assert_eq!(k.open(Field::Phone, "13800138000").as_deref(), Ok("13800138000"));
        assert!(!k.is_current("13800138000"));
    }

    proptest::proptest! {
        #[test]
        fn any_text_round_trips(text in "\\PC{0,40}") {
            let k = ring(&Keyring::generate());
            proptest::prop_assert_eq!(k.open(Field::Phone, &k.seal(Field::Phone, &text)), Ok(text));
        }
    }
}
