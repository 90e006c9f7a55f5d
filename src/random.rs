//! Secrets and codes from the operating system's random source.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};

/// A random 256-bit value as URL-safe base64, for session ids, CSRF
/// tokens and API tokens.
pub fn token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Characters of human-typed codes: no 0/O, 1/I/L, 2/Z, 5/S, 8/B.
pub const UNAMBIGUOUS: &[u8] = b"34679ACDEFGHJKMNPQRTUVWXY";

/// A random code of `len` characters from [`UNAMBIGUOUS`]; each carries
/// log2(25) ≈ 4.64 bits.
pub fn code(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len).map(|_| char::from(UNAMBIGUOUS[rng.random_range(0..UNAMBIGUOUS.len())])).collect()
}

/// `len` random decimal digits, for PINs.
pub fn digits(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len).map(|_| char::from(b'0' + rng.random_range(0..10u8))).collect()
}

/// SHA-256 (hex) of a secret, the form in which it is stored.
pub fn digest(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_and_distinct() {
        let (a, b) = (token(), token());
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
    }

    #[test]
    fn codes_use_only_unambiguous_characters() {
        let c = code(12);
        assert_eq!(c.len(), 12);
        assert!(c.bytes().all(|b| UNAMBIGUOUS.contains(&b)));
    }
}
