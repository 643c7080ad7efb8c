//! Sync packs at the server (docs/sync-protocol.md, "Sync packs"): a device's pack is checked
//! against that device's token and then taken through `Server::push`, the same checks as an
//! HTTP push; a pack for a device holds what `Server::pull` gives it.

use crate::{Device, PULL_LIMIT, Server, ServerError};
use daakhla_domain::Lang;
use daakhla_wire::{Direction, Pack, PackError, PackHeader, PackKey, Push};
use serde::Serialize;

/// Why a pack was refused or could not be written. A refused pack changes nothing.
#[derive(Debug, thiserror::Error)]
pub enum ServerPackError {
    #[error(transparent)]
    Pack(#[from] PackError),
    #[error(transparent)]
    Server(#[from] ServerError),
    #[error("no device with id {0} is enrolled on this server")]
    NoSuchDevice(String),
}

impl ServerPackError {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (ServerPackError::Pack(e), _) => e.message(lang),
            (ServerPackError::Server(e), Lang::Ur) => e.message_ur(),
            (ServerPackError::NoSuchDevice(id), Lang::Ur) => {
                format!("اس سرور پر {id} شناخت کی کوئی ڈیوائس رجسٹر نہیں")
            }
            (_, Lang::En) => self.to_string(),
        }
    }

    /// The pack or its changes were refused (rather than the server failing).
    pub fn is_refusal(&self) -> bool {
        !matches!(self, ServerPackError::Server(e) if e.is_internal())
    }
}

/// What importing a device's pack did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackImported {
    pub device: String,
    /// Who wrote the pack, as its header says.
    pub user: String,
    /// Changes in the pack.
    pub received: usize,
    /// Of those, changes the server did not have.
    pub new: usize,
    /// What the device held of the log when it wrote the pack: `pack write --after` this
    /// gives it what it lacks.
    pub device_cursor: u64,
}

/// What writing a pack for a device did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackWritten {
    pub device: String,
    /// The log positions it carries, `(after, upto]`.
    pub after: u64,
    pub upto: u64,
    pub changes: usize,
    pub bytes: usize,
}

impl Server {
    /// An enrolled device by its id, with the key its packs are sealed with.
    pub fn device_for_packs(&self, id: &str) -> Result<Option<(Device, PackKey)>, ServerError> {
        let found = self.log()?.device_by_id(id)?;
        let Some((device, token_hash)) = found else {
            return Ok(None);
        };
        let key = PackKey::from_token_hash(&token_hash).ok_or_else(|| {
            ServerError::Internal(format!("device {id}'s token hash is unreadable"))
        })?;
        Ok(Some((device, key)))
    }

    /// Takes a pack a device wrote: its seal must match that device's token, and its changes
    /// then pass the checks of a push (whole, or nothing is logged). Importing a pack again
    /// changes nothing.
    pub fn import_pack(&self, bytes: &[u8]) -> Result<PackImported, ServerPackError> {
        let sealed = daakhla_wire::open_pack(bytes)?;
        if sealed.header().direction == Direction::ToDevice {
            return Err(PackError::ForADevice.into());
        }
        let id = sealed.header().device.clone();
        let (device, key) = self
            .device_for_packs(&id)?
            .ok_or(PackError::UnknownDevice(id))?;
        let Pack { header, changes } = sealed.unseal(&key)?;
        let pushed = self.push(&device, &Push { changes })?;
        Ok(PackImported {
            device: device.id,
            user: header.user,
            received: pushed.received,
            new: pushed.new,
            device_cursor: header.after,
        })
    }

    /// A pack for a device: the changes after log position `after` that it may see, as pulls
    /// give them, sealed with its token. `written_at` is seconds since 1970 (UTC).
    pub fn write_pack(
        &self,
        device_id: &str,
        after: u64,
        written_at: u64,
    ) -> Result<(Vec<u8>, PackWritten), ServerPackError> {
        let (device, key) = self
            .device_for_packs(device_id)?
            .ok_or_else(|| ServerPackError::NoSuchDevice(device_id.to_string()))?;
        let mut changes = Vec::new();
        let mut upto = after;
        loop {
            let pull = self.pull(&device, upto, PULL_LIMIT)?;
            changes.extend(pull.changes);
            upto = pull.cursor;
            if !pull.more {
                break;
            }
        }
        let header = PackHeader {
            direction: Direction::ToDevice,
            device: device.id.clone(),
            user: device.user.clone(),
            written_at,
            scopes: device.scopes.clone(),
            after,
            upto,
        };
        let count = changes.len();
        let bytes = daakhla_wire::encode_pack(&Pack { header, changes }, &key);
        let written = PackWritten {
            device: device.id,
            after,
            upto,
            changes: count,
            bytes: bytes.len(),
        };
        Ok((bytes, written))
    }
}
