//! Sync with the server from the app: the address and token are remembered, progress can be
//! read while a sync runs, and the last result is kept for the home screen.

use crate::error::{AppError, ErrorKind};
use crate::settings::{LAST_SYNC_KEY, SERVER_KEY, TOKEN_KEY};
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

fn small(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl App {
    pub fn sync(&self, request: SyncRequest) -> Result<SyncResult, AppError> {
        let mut store = self.store();
        for (key, value) in [
            (SERVER_KEY, &request.server_url),
            (TOKEN_KEY, &request.token),
        ] {
            if let Some(value) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                store.set_setting(key, value)?;
            }
        }
        let (Some(url), Some(token)) = (store.setting(SERVER_KEY)?, store.setting(TOKEN_KEY)?)
        else {
            return Err(AppError::new(
                ErrorKind::NotEnrolled,
                "Give the server's address and this device's token first.",
                "پہلے سرور کا پتہ اور اس ڈیوائس کا ٹوکن درج کریں۔",
            ));
        };
        *self.progress() = SyncProgress {
            running: true,
            ..SyncProgress::default()
        };
        let outcome = daakhla_sync::sync(&mut store, &Remote::new(&url, &token), &mut |p| {
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
        let summary = outcome?;
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

    pub fn sync_progress(&self, _: NoInput) -> Result<SyncProgress, AppError> {
        Ok(*self.progress())
    }
}
