//! A hub: a server on a union council office's network, for the phones enrolled there, that
//! relays to the central server whenever it can reach it. To the central server the hub is one
//! device, enrolled with the hub's union councils; to its phones it is the server. Changes are
//! content-addressed, so one that reaches a place twice (by the hub and directly) is taken
//! once, and records converge whichever way they travel.

use crate::{Device, Server, ServerError};
use daakhla_store::FieldConflict;
use daakhla_sync::{PUSH_BATCH, SyncError, Transport};
use daakhla_wire::Push;
use serde::Serialize;

/// The log's device for changes a hub received from upstream; they are never sent back up.
pub const UPSTREAM: &str = "upstream";
/// The hub's log position up to which changes have been sent upstream.
const SENT_UPTO: &str = "relay_sent_upto";
/// The upstream log position up to which the hub has received.
const UPSTREAM_CURSOR: &str = "relay_upstream_cursor";
/// Prefix of the notes on records the central server would not take from the hub.
const HELD_BACK: &str = "relay_held_back:";

/// Why a round of relaying stopped. What was sent or received before stays.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error(transparent)]
    Upstream(#[from] SyncError),
    #[error(transparent)]
    Hub(#[from] ServerError),
}

/// What a round of relaying did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Relayed {
    pub sent: u64,
    pub received: u64,
    /// Records the central server refused from the hub (kept here, with the reason).
    pub held_back: u64,
}

/// A device as the hub's coordinator sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceSeen {
    pub device: Device,
    /// When it last synced here (seconds since 1970, UTC); none if never.
    pub last_synced: Option<i64>,
}

/// What a coordinator sees of the hub: who synced when, and the link upstream.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HubStatus {
    pub devices: Vec<DeviceSeen>,
    /// Changes the phones sent the hub that the central server has not acknowledged.
    pub pending_upstream: u64,
    /// Records the central server would not take from the hub, and why.
    pub held_back: Vec<(String, String)>,
    /// Fields two devices wrote at once, for the coordinator to review.
    pub conflicts: Vec<FieldConflict>,
}

impl Server {
    /// One round: sends upstream what the hub's phones sent it, then takes in what the
    /// central server has for the hub's union councils. Each batch is acknowledged before the
    /// hub moves past it, so a cut link resumes where it stopped, with nothing doubled.
    pub fn relay(&self, upstream: &dyn Transport) -> Result<Relayed, RelayError> {
        let mut relayed = Relayed::default();
        loop {
            let after = self.position(SENT_UPTO)?;
            let rows = self.log().read(after, None, PUSH_BATCH)?;
            let Some(last) = rows.last().map(|r| r.seq) else {
                break;
            };
            let mut changes: Vec<_> = rows
                .into_iter()
                .filter(|r| r.device != UPSTREAM)
                .map(|r| r.change)
                .collect();
            while !changes.is_empty() {
                match upstream.push(Push {
                    changes: changes.clone(),
                }) {
                    Ok(_) => {
                        relayed.sent += changes.len() as u64;
                        break;
                    }
                    Err(SyncError::Refused {
                        doc_id: Some(doc_id),
                        message,
                        status: 403 | 409,
                        ..
                    }) => {
                        self.log()
                            .set_setting(&format!("{HELD_BACK}{doc_id}"), &message)?;
                        changes.retain(|c| c.doc_id.to_string() != doc_id);
                        relayed.held_back += 1;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            self.log().set_setting(SENT_UPTO, &last.to_string())?;
        }
        loop {
            let after = self.position(UPSTREAM_CURSOR)?;
            let (pull, _) = upstream.pull(after)?;
            // Logged before the cursor moves: a crash between the two takes the same changes
            // again, and the log keeps each once.
            relayed.received += self.log().append(UPSTREAM, &pull.changes)? as u64;
            self.log()
                .set_setting(UPSTREAM_CURSOR, &pull.cursor.to_string())?;
            if !pull.more {
                break;
            }
        }
        self.materialise()?;
        Ok(relayed)
    }

    pub fn hub_status(&self) -> Result<HubStatus, ServerError> {
        let sent_upto = self.position(SENT_UPTO)?;
        let mut log = self.log();
        let pending_upstream = log.count_after(sent_upto, UPSTREAM)?;
        let held_back = log
            .settings_with_prefix(HELD_BACK)?
            .into_iter()
            .map(|(key, why)| (key[HELD_BACK.len()..].to_string(), why))
            .collect();
        let devices = log
            .devices()?
            .into_iter()
            .map(|(device, last_synced)| DeviceSeen {
                device,
                last_synced,
            })
            .collect();
        drop(log);
        Ok(HubStatus {
            devices,
            pending_upstream,
            held_back,
            conflicts: self.conflicts()?,
        })
    }

    fn position(&self, key: &str) -> Result<u64, ServerError> {
        Ok(self
            .log()
            .setting(key)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }
}
