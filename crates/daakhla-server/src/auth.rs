//! Devices and their tokens. A token is shown once, when the device is added; the server
//! keeps only its SHA-256. A device lost or replaced is revoked (kept, marked, never deleted:
//! the log still names it) or given a new token under the same id (`rotate`); a token that no
//! longer works is remembered as revoked, so its device hears why rather than "unknown".

use crate::ServerError;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What a device's user does, which decides what they may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    ResourcePerson,
    Coordinator,
    Supervisor,
    Admin,
}

/// A device the server knows, as a request's token identifies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Device {
    pub id: String,
    pub user: String,
    pub role: Role,
    /// Place codes (union councils, or districts and above for supervisors); `*` is all.
    pub scopes: Vec<String>,
}

/// A device as `device list` shows it: who, since when, last sync, and whether revoked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceEntry {
    #[serde(flatten)]
    pub device: Device,
    /// When it was added (seconds since 1970, UTC).
    pub created_at: i64,
    /// When it last pushed or pulled here; none if never.
    pub last_seen: Option<i64>,
    /// When it was revoked; none while its token works.
    pub revoked_at: Option<i64>,
    /// For a phone enrolled at a hub (not here): the hub, a device of this server, that
    /// revoked it and reported it upstream.
    pub hub: Option<HubOf>,
}

/// The hub a reported phone belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HubOf {
    pub id: String,
    pub user: String,
}

/// Whose a token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenOwner {
    Active(Device),
    /// A revoked device's token, or a token a `rotate` replaced.
    Revoked {
        device: String,
        at: i64,
    },
    Unknown,
}

impl Role {
    /// Whether people in this role record anything: supervisors only read.
    pub fn records(self) -> bool {
        !matches!(self, Role::Supervisor)
    }

    /// How the role is stored and shown in JSON.
    pub fn code(self) -> &'static str {
        match self {
            Role::ResourcePerson => "resource_person",
            Role::Coordinator => "coordinator",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }
}

impl Device {
    /// A device as a log stores it, by its columns' text (`from_columns`), with the role
    /// given as its code.
    pub(crate) fn role_from_code(code: &str) -> Result<Role, ServerError> {
        Ok(serde_json::from_value(serde_json::Value::String(
            code.to_string(),
        ))?)
    }

    /// A new device, with a new id.
    pub(crate) fn new(user: &str, role: Role, scopes: &[String]) -> Device {
        Device {
            id: uuid::Uuid::new_v4().to_string(),
            user: user.into(),
            role,
            scopes: scopes.to_vec(),
        }
    }

    /// Its scopes as a log stores them: a JSON list.
    pub(crate) fn scopes_json(&self) -> String {
        serde_json::to_string(&self.scopes).expect("strings serialise")
    }

    /// A device as a log stores it: scopes as a JSON list.
    pub(crate) fn from_columns(
        id: String,
        user: String,
        role: String,
        scopes: String,
    ) -> Result<Device, ServerError> {
        let role = Device::role_from_code(&role)?;
        let scopes = serde_json::from_str(&scopes)?;
        Ok(Device {
            id,
            user,
            role,
            scopes,
        })
    }
}

/// A new random token: 32 random bytes as hex.
pub fn new_token() -> String {
    let a = uuid::Uuid::new_v4();
    let b = uuid::Uuid::new_v4();
    hex(a.as_bytes().iter().chain(b.as_bytes()).copied())
}

pub fn hash_token(token: &str) -> String {
    hex(Sha256::digest(token.as_bytes()).iter().copied())
}

fn hex(bytes: impl Iterator<Item = u8>) -> String {
    bytes.map(|b| format!("{b:02x}")).collect()
}

/// Letters and digits that cannot be misread for one another (no 0/O, 1/I/L).
pub(crate) const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// Characters in an enrolment code (dashes aside).
pub(crate) const CODE_LENGTH: usize = 12;

/// A new enrolment code: 12 characters (about 59 bits) in groups of four, easy to read out
/// or type on a phone, and carried in the hub's QR code.
pub fn new_enrolment_code() -> String {
    // Hashed, because a UUID's version and variant bits are not random (122 of its bits
    // are, more than the code's 59). Bytes of 248 and above are skipped, so that each letter
    // is equally likely (256 is not a multiple of 31).
    let fair = 256 - 256 % CODE_ALPHABET.len();
    let mut chars: Vec<char> = Vec::with_capacity(CODE_LENGTH);
    while chars.len() < CODE_LENGTH {
        let random = Sha256::digest(uuid::Uuid::new_v4().as_bytes());
        chars.extend(
            random
                .iter()
                .map(|b| usize::from(*b))
                .filter(|&b| b < fair)
                .take(CODE_LENGTH - chars.len())
                .map(|b| CODE_ALPHABET[b % CODE_ALPHABET.len()] as char),
        );
    }
    chars
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// The hash an enrolment code is kept as. Case, spaces and dashes do not matter.
pub fn hash_enrolment_code(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    hash_token(&normal)
}

/// What a device may become once its enrolment code is taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Enrolment {
    Valid {
        user: String,
        role: Role,
        scopes: Vec<String>,
    },
    Unknown,
    Used,
    Expired,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_the_same_typed_any_way() {
        let code = new_enrolment_code();
        assert_eq!(code.len(), 14);
        assert!(
            code.chars()
                .all(|c| c == '-' || CODE_ALPHABET.contains(&(c as u8)))
        );
        let typed = code.replace('-', " ").to_lowercase();
        assert_eq!(hash_enrolment_code(&typed), hash_enrolment_code(&code));
        assert_ne!(new_enrolment_code(), code);
    }
}
