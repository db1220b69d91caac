//! API tokens: shown once, stored only as a SHA-256 hash.
//!
//! Tokens carry 256 random bits, so a fast hash is enough (no password stretching needed)
//! and lets the server find the token by its hash in one indexed lookup.

use rand::RngCore;
use sha2::{Digest, Sha256};

const PREFIX: &str = "gs_";

/// A new random token in the form `gs_` + 64 hex digits.
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let mut s = String::with_capacity(PREFIX.len() + 64);
    s.push_str(PREFIX);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Whether the text has the shape of a token at all (checked before any lookup).
pub fn is_well_formed(token: &str) -> bool {
    token
        .strip_prefix(PREFIX)
        .is_some_and(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The stored form of a token.
pub fn hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A random URL-safe secret for CSRF tokens.
pub fn random_secret() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Compares two secrets in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_are_well_formed_and_distinct() {
        let a = generate();
        let b = generate();
        assert!(is_well_formed(&a), "{a}");
        assert_ne!(a, b);
    }

    #[test]
    fn malformed_tokens_are_recognised() {
        for bad in [
            "",
            "gs_",
            "gs_xyz",
            "Bearer gs_00",
            &format!("ab_{}", "0".repeat(64)),
        ] {
            assert!(!is_well_formed(bad), "{bad}");
        }
    }

    #[test]
    fn the_hash_is_stable_and_hides_the_token() {
        let t = generate();
        assert_eq!(hash(&t), hash(&t));
        assert_eq!(hash(&t).len(), 64);
        assert!(!hash(&t).contains(&t[3..]));
    }

    #[test]
    fn constant_time_eq_compares_whole_strings() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
    }
}
