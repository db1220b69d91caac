//! Account values parsed at the edge: e-mail addresses, display names, passwords,
//! organisation names. "Parse, don't validate": a value of these types is known good.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Why a value was refused. Each maps to a message-catalogue key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AccountFieldError {
    #[error("the e-mail address is not valid")]
    InvalidEmail,
    #[error("the name is empty")]
    EmptyName,
    #[error("the name is too long (at most 100 characters)")]
    NameTooLong,
    #[error("the password is too short (at least 10 characters)")]
    PasswordTooShort,
    #[error("the password is too long (at most 128 characters)")]
    PasswordTooLong,
    #[error("unknown organisation kind: expected federation or member")]
    UnknownOrgKind,
}

impl AccountFieldError {
    pub fn message_key(self) -> &'static str {
        match self {
            AccountFieldError::InvalidEmail => "field.email_invalid",
            AccountFieldError::EmptyName => "field.name_empty",
            AccountFieldError::NameTooLong => "field.name_too_long",
            AccountFieldError::PasswordTooShort => "field.password_too_short",
            AccountFieldError::PasswordTooLong => "field.password_too_long",
            AccountFieldError::UnknownOrgKind => "field.org_kind_unknown",
        }
    }
}

/// An e-mail address, trimmed and lower-cased so that it identifies one account.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, AccountFieldError> {
        let s = raw.trim().to_lowercase();
        let (local, domain) = s.split_once('@').ok_or(AccountFieldError::InvalidEmail)?;
        let ok = !local.is_empty()
            && local.len() <= 64
            && s.len() <= 254
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains('@')
            && !s.chars().any(|c| c.is_whitespace() || c.is_control());
        if ok {
            Ok(Email(s))
        } else {
            Err(AccountFieldError::InvalidEmail)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person's or an organisation's display name: trimmed, 1–100 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, AccountFieldError> {
        let s = raw.trim();
        if s.is_empty() {
            Err(AccountFieldError::EmptyName)
        } else if s.chars().count() > 100 {
            Err(AccountFieldError::NameTooLong)
        } else if s.chars().any(char::is_control) {
            Err(AccountFieldError::EmptyName)
        } else {
            Ok(DisplayName(s.to_string()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password as typed: 10–128 characters, kept only until it is hashed.
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_CHARS: usize = 10;

    pub fn parse(raw: &str) -> Result<Self, AccountFieldError> {
        let n = raw.chars().count();
        if n < Self::MIN_CHARS {
            Err(AccountFieldError::PasswordTooShort)
        } else if n > 128 {
            Err(AccountFieldError::PasswordTooLong)
        } else {
            Ok(NewPassword(raw.to_string()))
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// The federation coordinates; member organisations (stations, NGOs, centres) record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OrgKind {
    Federation,
    Member,
}

impl OrgKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Federation => "federation",
            OrgKind::Member => "member",
        }
    }
    pub fn label_key(self) -> &'static str {
        match self {
            OrgKind::Federation => "org_kind.federation",
            OrgKind::Member => "org_kind.member",
        }
    }
}

impl FromStr for OrgKind {
    type Err = AccountFieldError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "federation" => Ok(OrgKind::Federation),
            "member" => Ok(OrgKind::Member),
            _ => Err(AccountFieldError::UnknownOrgKind),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_so_one_address_is_one_account() {
        assert_eq!(
            Email::parse("  Chen.Li@Example.ORG ").unwrap().as_str(),
            "chen.li@example.org"
        );
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "no-at-sign",
            "@example.org",
            "a@b",
            "a@.org",
            "a b@x.org",
            "a@x.org.",
        ] {
            assert_eq!(
                Email::parse(bad),
                Err(AccountFieldError::InvalidEmail),
                "{bad}"
            );
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse(" 陈 ").unwrap().as_str(), "陈");
        assert_eq!(DisplayName::parse("   "), Err(AccountFieldError::EmptyName));
        assert_eq!(
            DisplayName::parse(&"字".repeat(101)),
            Err(AccountFieldError::NameTooLong)
        );
        assert!(DisplayName::parse(&"字".repeat(100)).is_ok());
    }

    #[test]
    fn passwords_need_ten_characters_counted_as_characters() {
        assert_eq!(
            NewPassword::parse("short").unwrap_err(),
            AccountFieldError::PasswordTooShort
        );
        // Ten Chinese characters are ten characters, not thirty bytes.
        assert!(NewPassword::parse("社会工作者社会工作者").is_ok());
        assert!(NewPassword::parse("社会工作者社会工作").is_err());
        assert_eq!(
            NewPassword::parse(&"x".repeat(129)).unwrap_err(),
            AccountFieldError::PasswordTooLong
        );
    }

    #[test]
    fn password_debug_output_hides_the_password() {
        let p = NewPassword::parse("correct horse battery").unwrap();
        assert!(!format!("{p:?}").contains("horse"));
    }
}
