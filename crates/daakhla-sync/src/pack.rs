//! Sync packs on the device (docs/sync-protocol.md, "Sync packs"): every local change the
//! server has not acknowledged, sealed into one file for when there is no network; and the
//! changes the server packed for this device, taken in as a pull would take them.
//!
//! Writing a pack marks nothing as sent: a pack may never arrive. The next pack or sync sends
//! the same changes again, which the server ignores by their hashes, until a pack from the
//! server brings them back (packs carry what pulls give, the device's own changes included):
//! importing it marks them as sent, so later packs carry only what is new.

use crate::to_wire;
use daakhla_domain::Lang;
use daakhla_store::{IncomingChange, Store, StoreError};
use daakhla_wire::{Direction, Pack, PackHeader, PackKey, SECTION_CHANGES};
use serde::Serialize;
use std::collections::BTreeSet;

pub use daakhla_wire::{MAX_PACK_BYTES, PackError as Refusal};

/// This device as the server enrolled it: its id there, and the token its packs are sealed
/// with (`daakhla-server device add` prints both).
#[derive(Debug, Clone, Copy)]
pub struct Enrolment<'a> {
    pub device: &'a str,
    pub token: &'a str,
}

/// Why a pack could not be written or taken in. A refused pack changes nothing.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error(transparent)]
    Refused(#[from] daakhla_wire::PackError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("record {0} has no union council, so it cannot be packed")]
    NoScope(String),
}

impl PackError {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (PackError::Refused(e), _) => e.message(lang),
            (PackError::Store(e), _) => e.message(lang),
            (PackError::NoScope(_), Lang::En) => self.to_string(),
            (PackError::NoScope(id), Lang::Ur) => {
                format!("ریکارڈ {id} کی یونین کونسل معلوم نہیں، اس لیے پیک میں نہیں ڈالا جا سکتا")
            }
        }
    }
}

/// What writing a pack did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Written {
    pub changes: u64,
    pub bytes: u64,
}

/// What taking in a pack did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Imported {
    /// Changes in the pack.
    pub changes: u64,
    /// Of those, changes this device did not have.
    pub new_changes: u64,
    /// Records rewritten from them.
    pub records: u64,
    /// This device's own changes the pack brought back: the server holds them, so they are
    /// marked as sent and the next pack leaves them out.
    pub acknowledged: u64,
    /// The log positions the pack carries, `(after, upto]`.
    pub after: u64,
    pub upto: u64,
    /// Whether the pull cursor moved to `upto`: only when the pack starts at or before it, so
    /// nothing between the cursor and the pack is skipped.
    pub cursor_moved: bool,
    /// The pull cursor afterwards.
    pub cursor: u64,
    /// Fields in conflict on this device afterwards.
    pub conflicts: u64,
}

/// Every local change the server has not acknowledged (held-back records aside), sealed for
/// the server, with the device's pull cursor as the header's `after`. `written_at` is seconds
/// since 1970 (UTC); `user` who packs.
pub fn write_pack(
    store: &Store,
    enrolment: Enrolment,
    user: &str,
    written_at: u64,
) -> Result<(Vec<u8>, Written), PackError> {
    let changes = store
        .changes_to_push(usize::MAX)?
        .into_iter()
        .map(to_wire)
        .collect::<Result<Vec<_>, _>>()
        .map_err(PackError::NoScope)?;
    let scopes: BTreeSet<&str> = changes.iter().map(|c| c.scope.as_str()).collect();
    let header = PackHeader {
        direction: Direction::ToServer,
        device: enrolment.device.to_string(),
        user: user.to_string(),
        written_at,
        scopes: scopes.into_iter().map(str::to_string).collect(),
        // What this device holds of the log: where the server's pack back should start.
        after: pull_cursor(store)?,
        upto: 0,
    };
    let count = changes.len() as u64;
    let bytes = daakhla_wire::encode_pack(&Pack { header, changes }, &enrolment_key(enrolment));
    let written = Written {
        changes: count,
        bytes: bytes.len() as u64,
    };
    Ok((bytes, written))
}

/// Takes in a pack the server wrote for this device. Its changes are applied like a pull's
/// (a change already held does nothing); the pull cursor moves to the pack's end only if the
/// pack starts at or before it. A pack that is not for this device, or not sealed with its
/// token, is refused before anything is applied.
pub fn import_pack(
    store: &mut Store,
    enrolment: Enrolment,
    bytes: &[u8],
) -> Result<Imported, PackError> {
    let sealed = daakhla_wire::open_pack(bytes)?;
    let header = sealed.header();
    if header.direction == Direction::ToServer {
        return Err(daakhla_wire::PackError::ForTheServer.into());
    }
    if header.device != enrolment.device {
        return Err(daakhla_wire::PackError::ForAnotherDevice {
            pack: header.device.clone(),
            this: enrolment.device.to_string(),
        }
        .into());
    }
    let Pack { header, changes } = sealed.unseal(&enrolment_key(enrolment))?;
    let cursor = pull_cursor(store)?;
    let cursor_moved = header.after <= cursor && cursor < header.upto;
    let mut imported = Imported {
        changes: changes.len() as u64,
        new_changes: 0,
        records: 0,
        acknowledged: 0,
        after: header.after,
        upto: header.upto,
        cursor_moved,
        cursor: if cursor_moved { header.upto } else { cursor },
        conflicts: 0,
    };
    let incoming: Vec<IncomingChange> = changes
        .into_iter()
        .map(|c| IncomingChange {
            doc_id: c.doc_id.to_string(),
            kind: c.kind,
            bytes: c.bytes,
        })
        .collect();
    // In batches, like pulls; the cursor moves with the last one, so a cut import leaves it
    // where it was and importing again finishes the work.
    let batches: Vec<&[IncomingChange]> = incoming.chunks(SECTION_CHANGES).collect();
    let last = batches.len().saturating_sub(1);
    let upto = header.upto.to_string();
    for (i, batch) in batches.iter().enumerate() {
        let cursor = (i == last && cursor_moved).then_some(upto.as_str());
        let received = store.receive(batch, cursor)?;
        imported.new_changes += received.new_changes as u64;
        imported.records += received.records as u64;
        imported.acknowledged += received.acknowledged as u64;
    }
    if batches.is_empty() && cursor_moved {
        store.receive(&[], Some(&upto))?;
    }
    imported.conflicts = store.conflicts()?.len() as u64;
    Ok(imported)
}

fn pull_cursor(store: &Store) -> Result<u64, StoreError> {
    Ok(store
        .pull_cursor()?
        .and_then(|c| c.parse().ok())
        .unwrap_or(0))
}

fn enrolment_key(enrolment: Enrolment) -> PackKey {
    PackKey::from_token(enrolment.token)
}
