//! Devices and their tokens. A token is shown once, when the device is added; the server
//! keeps only its SHA-256.

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

impl Role {
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
    /// A device as a log stores it: scopes as a JSON list.
    pub(crate) fn from_columns(
        id: String,
        user: String,
        role: String,
        scopes: String,
    ) -> Result<Device, ServerError> {
        let role = serde_json::from_value(serde_json::Value::String(role))
            .map_err(|e| ServerError::Internal(e.to_string()))?;
        let scopes =
            serde_json::from_str(&scopes).map_err(|e| ServerError::Internal(e.to_string()))?;
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
