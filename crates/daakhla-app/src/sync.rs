//! Sync with the server from the app: the address and token are remembered, progress can be
//! read while a sync runs, and the last result is kept for the home screen.

use crate::error::{AppError, ErrorKind};
use crate::settings::{LAST_SYNC_KEY, SERVER_KEY, TOKEN_KEY};
use crate::setup::{ENROLLED_SCOPES_KEY, ENROLLED_USER_KEY};
use crate::{App, NoInput};
use daakhla_sync::{Progress, Remote};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct SyncRequest {
    /// Remembered after the first time: leave null to use the last ones.
    pub server_url: Option<String>,
    pub token: Option<String>,
}

/// Enrols this device: the code from the coordinator, or the whole link a hub's QR code
/// carries (which names the server too).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct EnrolRequest {
    pub server_url: Option<String>,
    pub code: String,
}

/// Who the server enrolled this device as, and where it may work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Enrolment {
    pub server_url: String,
    /// Empty when the device was given its token some other way (settings, the command line).
    pub user: String,
    pub places: Vec<EnrolledPlace>,
}

/// A place the device is enrolled for, named when this store knows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct EnrolledPlace {
    pub code: String,
    pub en: String,
    pub ur: String,
}

/// What the last sync did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SyncResult {
    /// When it finished, RFC 3339 in UTC.
    pub at: String,
    pub server_url: String,
    pub sent: u32,
    pub received: u32,
    pub records_updated: u32,
    pub conflicts: u32,
    pub held_back: u32,
    pub kilobytes: u32,
}

/// Where a running sync is; `running` is false between syncs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, TS)]
pub struct SyncProgress {
    pub running: bool,
    pub sent: u32,
    pub to_send: u32,
    pub received: u32,
}

/// The server the store's pull cursor counts positions of.
const CURSOR_SERVER_KEY: &str = "app_pull_cursor_server";
const PULL_CURSOR_KEY: &str = "pull_cursor";

/// The server the pull cursor belongs to: the one last synced with, or else the one set.
fn cursor_owner(store: &daakhla_store::Store) -> Result<Option<String>, AppError> {
    Ok(match store.setting(CURSOR_SERVER_KEY)? {
        Some(owner) => Some(owner),
        None => store.setting(SERVER_KEY)?,
    })
}

/// Each server numbers its log its own way: a laptop switching between the central server and
/// its own hub keeps a pull cursor for each, so it neither skips nor refetches a whole log.
fn use_cursor_of(
    store: &mut daakhla_store::Store,
    owner: Option<&str>,
    url: &str,
) -> Result<(), AppError> {
    if owner == Some(url) {
        return Ok(());
    }
    if let (Some(owner), Some(cursor)) = (owner, store.pull_cursor()?) {
        store.set_setting(&format!("{PULL_CURSOR_KEY}@{owner}"), &cursor)?;
    }
    let cursor = store
        .setting(&format!("{PULL_CURSOR_KEY}@{url}"))?
        .unwrap_or_else(|| "0".into());
    store.set_setting(PULL_CURSOR_KEY, &cursor)?;
    store.set_setting(CURSOR_SERVER_KEY, url)?;
    Ok(())
}

fn small(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl App {
    /// Syncs with the server; when this laptop runs as a hub, with its hub, then a relay
    /// round to the central server, then with the hub again for what the round brought.
    pub fn sync(&self, request: SyncRequest) -> Result<SyncResult, AppError> {
        let hub = self.running_hub().as_ref().map(|hub| hub.local());
        let mut store = self.store();
        let cursor_owner = cursor_owner(&store)?;
        for (key, value) in [
            (SERVER_KEY, &request.server_url),
            (TOKEN_KEY, &request.token),
        ] {
            if let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                store.set_setting(key, value)?;
            }
        }
        let (url, token) = match hub {
            Some(local) => local,
            None => {
                let (Some(url), Some(token)) =
                    (store.setting(SERVER_KEY)?, store.setting(TOKEN_KEY)?)
                else {
                    return Err(AppError::new(
                        ErrorKind::NotEnrolled,
                        "Give the server's address and this device's token first.",
                        "پہلے سرور کا پتہ اور اس ڈیوائس کا ٹوکن درج کریں۔",
                    ));
                };
                (url, token)
            }
        };
        use_cursor_of(&mut store, cursor_owner.as_deref(), &url)?;
        let mut summary = self.sync_once(&mut store, &url, &token)?;
        if self.running_hub().is_some() {
            drop(store);
            self.relay_if_hub();
            store = self.store();
            let after = self.sync_once(&mut store, &url, &token)?;
            summary.received += after.received;
            summary.records += after.records;
            summary.conflicts = after.conflicts;
            summary.bytes_sent += after.bytes_sent;
            summary.bytes_received += after.bytes_received;
        }
        let result = SyncResult {
            at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            server_url: url,
            sent: small(summary.sent),
            received: small(summary.received),
            records_updated: small(summary.records),
            conflicts: small(summary.conflicts),
            held_back: small(summary.held_back),
            kilobytes: small((summary.bytes_sent + summary.bytes_received).div_ceil(1024)),
        };
        let text = serde_json::to_string(&result).expect("a sync result serialises");
        store.set_setting(LAST_SYNC_KEY, &text)?;
        Ok(result)
    }

    fn sync_once(
        &self,
        store: &mut daakhla_store::Store,
        url: &str,
        token: &str,
    ) -> Result<daakhla_sync::Summary, AppError> {
        *self.progress() = SyncProgress {
            running: true,
            ..SyncProgress::default()
        };
        let outcome = daakhla_sync::sync(store, &Remote::new(url, token), &mut |p| {
            let mut progress = self.progress();
            match p {
                Progress::Sent { sent, total } => {
                    progress.sent = small(sent);
                    progress.to_send = small(total);
                }
                Progress::Received { received } => progress.received = small(received),
            }
        });
        self.progress().running = false;
        Ok(outcome?)
    }

    /// Exchanges an enrolment code for this device's token and remembers the server and the
    /// token, so that sync needs nothing more.
    pub fn enrol(&self, request: EnrolRequest) -> Result<Enrolment, AppError> {
        let code = request.code.trim();
        let (server, code) = match daakhla_sync::parse_enrolment_link(code) {
            Some(from_link) => from_link,
            None => match request.server_url.as_deref().map(str::trim) {
                Some(server) if !server.is_empty() => (server.to_string(), code.to_string()),
                _ => {
                    return Err(AppError::new(
                        ErrorKind::NotEnrolled,
                        "Give the server's address with the code, or the whole link from the hub's QR code.",
                        "کوڈ کے ساتھ سرور کا پتہ دیں، یا ہب کے QR کوڈ کا پورا لنک۔",
                    ));
                }
            },
        };
        let enrolled = Remote::enrol(&server, &code)?;
        let mut store = self.store();
        store.set_setting(SERVER_KEY, &enrolled.server)?;
        store.set_setting(TOKEN_KEY, &enrolled.token)?;
        store.set_setting(ENROLLED_USER_KEY, &enrolled.user)?;
        let scopes = serde_json::to_string(&enrolled.scopes).expect("codes serialise");
        store.set_setting(ENROLLED_SCOPES_KEY, &scopes)?;
        Ok(crate::setup::enrolment(&store)?.expect("a server and a token were just kept"))
    }

    pub fn sync_progress(&self, _: NoInput) -> Result<SyncProgress, AppError> {
        Ok(*self.progress())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_server_keeps_its_own_pull_cursor() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = daakhla_store::Store::create(dir.path().join("s.sqlite")).unwrap();
        let (central, hub) = ("http://central", "http://127.0.0.1:8080");
        store.set_setting(SERVER_KEY, central).unwrap();
        store.set_setting(PULL_CURSOR_KEY, "70").unwrap();
        // Synced with the central server before: the cursor is its.
        let owner = cursor_owner(&store).unwrap();
        assert_eq!(owner.as_deref(), Some(central));
        use_cursor_of(&mut store, owner.as_deref(), hub).unwrap();
        assert_eq!(store.pull_cursor().unwrap().as_deref(), Some("0"));
        store.set_setting(PULL_CURSOR_KEY, "3").unwrap();
        let owner = cursor_owner(&store).unwrap();
        assert_eq!(owner.as_deref(), Some(hub));
        use_cursor_of(&mut store, owner.as_deref(), central).unwrap();
        assert_eq!(store.pull_cursor().unwrap().as_deref(), Some("70"));
        use_cursor_of(&mut store, Some(central), hub).unwrap();
        assert_eq!(store.pull_cursor().unwrap().as_deref(), Some("3"));
        // The same server again moves nothing.
        use_cursor_of(&mut store, Some(hub), hub).unwrap();
        assert_eq!(store.pull_cursor().unwrap().as_deref(), Some("3"));
    }
}
