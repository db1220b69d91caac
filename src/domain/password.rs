//! Password hashing (argon2 through `password-auth`), always off the async workers.

use std::sync::LazyLock;

use crate::domain::account::NewPassword;

/// A hash to verify against when the e-mail is unknown, so that an unknown user and a
/// wrong password take the same time.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| password_auth::generate_hash("groundswell-dummy-password"));

pub async fn hash(password: &NewPassword) -> anyhow::Result<String> {
    let plain = password.expose().to_string();
    Ok(tokio::task::spawn_blocking(move || password_auth::generate_hash(plain)).await?)
}

/// Checks `plain` against `stored`, or against a dummy hash when there is no account.
/// Returns true only for an account whose hash matches.
pub async fn verify(plain: &str, stored: Option<&str>) -> anyhow::Result<bool> {
    let plain = plain.to_string();
    let known = stored.is_some();
    let stored = stored.map(str::to_string);
    let ok = tokio::task::spawn_blocking(move || {
        let hash = stored.as_deref().unwrap_or(DUMMY_HASH.as_str());
        password_auth::verify_password(plain, hash).is_ok()
    })
    .await?;
    Ok(ok && known)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_password_and_nothing_else() {
        let pw = NewPassword::parse("rehabilitation-800").unwrap();
        let h = hash(&pw).await.unwrap();
        assert!(h.starts_with("$argon2"));
        assert!(verify("rehabilitation-800", Some(&h)).await.unwrap());
        assert!(!verify("rehabilitation-2000", Some(&h)).await.unwrap());
    }

    #[tokio::test]
    async fn an_unknown_account_never_verifies() {
        assert!(!verify("groundswell-dummy-password", None).await.unwrap());
    }
}
