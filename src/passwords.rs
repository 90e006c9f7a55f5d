//! argon2id password hashes. CPU-heavy: call from the blocking pool.

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};

/// Hashes a password with argon2id (19 MiB, 2 passes, 1 lane: OWASP's
/// recommended minimum) and a random salt, as a PHC string.
pub fn hash(password: &str) -> anyhow::Result<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))
}

/// Whether `password` matches the PHC string `phc`.
pub fn verify(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

static DUMMY: LazyLock<String> =
    LazyLock::new(|| hash("no user has this password; it evens out timing").unwrap_or_default());

/// Spends the time of one verification, so that an unknown user is
/// answered as slowly as a wrong password.
pub fn verify_dummy(password: &str) {
    let _ = verify(password, &DUMMY);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let h = hash("choir sings until nine").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("choir sings until nine", &h));
        assert!(!verify("choir sings until ten", &h));
        assert!(!verify("anything", "not a phc string"));
    }
}
