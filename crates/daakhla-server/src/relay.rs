//! A hub: a server on a union council office's network, for the phones enrolled there, that
//! relays to the central server whenever it can reach it. To the central server the hub is one
//! device, enrolled with the hub's union councils; to its phones it is the server. Changes are
//! content-addressed, so one that reaches a place twice (by the hub and directly) is taken
//! once, and records converge whichever way they travel.

use crate::backend::{ChangeLog, Quarantined};
use crate::{Device, Server, ServerError};
use daakhla_store::FieldConflict;
use daakhla_sync::{PUSH_BATCH, SyncError, Transport};
use daakhla_wire::Push;
use serde::Serialize;
use std::collections::BTreeSet;

/// The log's device for changes a hub received from upstream; they are never sent back up.
pub const UPSTREAM: &str = "upstream";
/// The hub's log position up to which changes have been sent upstream.
const SENT_UPTO: &str = "relay_sent_upto";
/// The upstream log position up to which the hub has received.
const UPSTREAM_CURSOR: &str = "relay_upstream_cursor";
/// Set once this server has relayed (or tried to): only then can anything wait to go up.
const RELAYS: &str = "relay_upstream";
/// Prefix of the notes on records the central server would not take from the hub.
const HELD_BACK: &str = "relay_held_back:";
/// Prefix of the notes on phones revoked here that the central server has been told of.
const REVOKED_TOLD: &str = "relay_revoked_told:";

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
    /// Phones revoked here that the central server was told of in this round.
    pub revoked_told: u64,
}

/// A device as the hub's coordinator sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceSeen {
    pub device: Device,
    /// When it last synced here (seconds since 1970, UTC); none if never.
    pub last_synced: Option<i64>,
    /// When its token was revoked (seconds since 1970, UTC); none while it works.
    pub revoked_at: Option<i64>,
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
    /// Changes phones pushed that Automerge could not apply: kept apart, never handed out.
    pub quarantined: Vec<Quarantined>,
}

/// Whether a record is in the union councils `visible` (none: all).
fn in_sight(
    log: &mut dyn ChangeLog,
    doc_id: &str,
    visible: Option<&BTreeSet<String>>,
) -> Result<bool, ServerError> {
    let Some(ucs) = visible else {
        return Ok(true);
    };
    Ok(log
        .document(doc_id)?
        .is_some_and(|(_, scope)| ucs.contains(&scope)))
}

impl Server {
    /// One round: sends upstream what the hub's phones sent it, then takes in what the
    /// central server has for the hub's union councils. Each batch is acknowledged before the
    /// hub moves past it, so a cut link resumes where it stopped, with nothing doubled.
    pub fn relay(&self, upstream: &dyn Transport) -> Result<Relayed, RelayError> {
        let mut relayed = Relayed::default();
        if self.log()?.setting(RELAYS)?.is_none() {
            self.log()?.set_setting(RELAYS, "1")?;
        }
        loop {
            let after = self.position(SENT_UPTO)?;
            // Only checked changes go upstream: never one the quarantine will take.
            let through = self.checked_through_end()?.through;
            let rows = self.log()?.read(after, through, None, PUSH_BATCH)?;
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
                        status: 400 | 403 | 409,
                        ..
                    }) => {
                        self.log()?
                            .set_setting(&format!("{HELD_BACK}{doc_id}"), &message)?;
                        changes.retain(|c| c.doc_id.to_string() != doc_id);
                        relayed.held_back += 1;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            self.log()?.set_setting(SENT_UPTO, &last.to_string())?;
        }
        loop {
            let after = self.position(UPSTREAM_CURSOR)?;
            let (pull, _) = upstream.pull(after)?;
            // Logged before the cursor moves: a crash between the two takes the same changes
            // again, and the log keeps each once.
            let hashes = pull
                .changes
                .iter()
                .map(|c| Ok(daakhla_crdt::change_from_bytes(c.bytes.clone())?.hash()))
                .collect::<Result<Vec<_>, ServerError>>()?;
            relayed.received += self.log()?.append(UPSTREAM, &pull.changes, &hashes)? as u64;
            self.log()?
                .set_setting(UPSTREAM_CURSOR, &pull.cursor.to_string())?;
            if !pull.more {
                break;
            }
        }
        self.materialise()?;
        // Last, so that a central server which cannot take them (an older one) never holds
        // up the records; until it takes them they are offered again every round.
        relayed.revoked_told = self.tell_revoked(upstream)?;
        Ok(relayed)
    }

    /// Tells the central server of the phones revoked here that it has not heard of yet.
    fn tell_revoked(&self, upstream: &dyn Transport) -> Result<u64, RelayError> {
        let told: std::collections::BTreeSet<String> = self
            .log()?
            .settings_with_prefix(REVOKED_TOLD)?
            .into_iter()
            .map(|(key, _)| key[REVOKED_TOLD.len()..].to_string())
            .collect();
        let untold: Vec<_> = self
            .revoked_phones()?
            .into_iter()
            .filter(|phone| !told.contains(&phone.id))
            .collect();
        for batch in untold.chunks(crate::devices::MAX_REPORTED) {
            upstream.report_revoked(batch)?;
            for phone in batch {
                self.log()?.set_setting(
                    &format!("{REVOKED_TOLD}{}", phone.id),
                    &phone.revoked_at.to_string(),
                )?;
            }
        }
        Ok(untold.len() as u64)
    }

    pub fn hub_status(&self) -> Result<HubStatus, ServerError> {
        self.hub_status_within(None)
    }

    /// What `viewer` may see of the hub: the devices, records held back, conflicts and
    /// quarantined changes of its own union councils only.
    pub fn hub_status_for(&self, viewer: &Device) -> Result<HubStatus, ServerError> {
        let visible = self.union_councils(viewer)?;
        self.hub_status_within(visible.as_ref())
    }

    /// The hub's status limited to the union councils `visible` (none: all).
    fn hub_status_within(
        &self,
        visible: Option<&BTreeSet<String>>,
    ) -> Result<HubStatus, ServerError> {
        let mut devices = Vec::new();
        let everyone = self.log()?.devices()?;
        for entry in everyone {
            let shown = match (visible, self.union_councils(&entry.device)?) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(ucs), Some(theirs)) => !ucs.is_disjoint(&theirs),
            };
            if shown {
                devices.push(DeviceSeen {
                    device: entry.device,
                    last_synced: entry.last_seen,
                    revoked_at: entry.revoked_at,
                });
            }
        }
        let all_conflicts = self.conflicts()?;
        let mut log = self.log()?;
        // Only a server that relays has anything waiting to go upstream.
        let pending_upstream = match log.setting(RELAYS)? {
            Some(_) => {
                let sent_upto = log
                    .setting(SENT_UPTO)?
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                log.count_after(sent_upto, UPSTREAM)?
            }
            None => 0,
        };
        let mut held_back = Vec::new();
        for (key, why) in log.settings_with_prefix(HELD_BACK)? {
            let doc_id = key[HELD_BACK.len()..].to_string();
            if in_sight(&mut **log, &doc_id, visible)? {
                held_back.push((doc_id, why));
            }
        }
        let mut conflicts = Vec::new();
        for conflict in all_conflicts {
            if in_sight(&mut **log, &conflict.doc_id, visible)? {
                conflicts.push(conflict);
            }
        }
        let quarantined = log
            .quarantined()?
            .into_iter()
            .filter(|q| visible.is_none_or(|ucs| ucs.contains(&q.scope)))
            .collect();
        Ok(HubStatus {
            devices,
            pending_upstream,
            held_back,
            conflicts,
            quarantined,
        })
    }

    fn position(&self, key: &str) -> Result<u64, ServerError> {
        Ok(self
            .log()?
            .setting(key)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(0))
    }
}
