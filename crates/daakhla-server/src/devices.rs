//! Lost or replaced phones: the devices a server knows, revoking one (its token refused from
//! the next request on; the device kept, marked with when, so the log still names it), and
//! rotating one's token (a new token for the same id, so its history and packs stay its
//! own). A hub reports the phones it revoked upstream (`relay`), and the central server lists
//! them with the hub they were enrolled at.

use crate::auth::{self, Device, DeviceEntry, HubOf, Role};
use crate::{Server, ServerError};
use daakhla_sync::RevokedPhone;

/// The most phones one report from a hub may name.
pub const MAX_REPORTED: usize = 1_000;

impl Server {
    /// Every device enrolled here, revoked ones included, by user; then the phones hubs
    /// reported revoked, each with its hub.
    pub fn devices(&self) -> Result<Vec<DeviceEntry>, ServerError> {
        let mut log = self.log()?;
        let mut devices = log.devices()?;
        let reported = log.hub_revoked()?;
        drop(log);
        let hub_of = |id: &str| HubOf {
            id: id.to_string(),
            user: devices
                .iter()
                .find(|d| d.device.id == id)
                .map_or_else(String::new, |d| d.device.user.clone()),
        };
        let reported: Vec<DeviceEntry> = reported
            .into_iter()
            .map(|(hub, entry)| DeviceEntry {
                hub: Some(hub_of(&hub)),
                ..entry
            })
            .collect();
        devices.extend(reported);
        Ok(devices)
    }

    /// One device as `devices` lists it (enrolled here, not a hub's).
    pub fn device_entry(&self, id: &str) -> Result<DeviceEntry, ServerError> {
        self.log()?
            .devices()?
            .into_iter()
            .find(|d| d.device.id == id)
            .ok_or_else(|| ServerError::NoSuchDevice(id.to_string()))
    }

    /// Revokes a device: its token answers 401 from the next request on (push, pull,
    /// whoami, reports, packs). The device is kept, marked with when; revoking it again keeps
    /// the first time. Whatever the phone holds unsent stays on it until it is enrolled again.
    pub fn revoke_device(&self, id: &str) -> Result<DeviceEntry, ServerError> {
        let now = chrono::Utc::now().timestamp();
        if !self.log()?.revoke_device(id, now)? {
            return Err(ServerError::NoSuchDevice(id.to_string()));
        }
        self.device_entry(id)
    }

    /// A new token for a device, the old one refused from the next request on: the same id,
    /// so the log's changes and its sync packs stay the device's own. The token is shown
    /// only this once. A revoked device stays revoked: enrol the phone again instead.
    pub fn rotate_device(&self, id: &str) -> Result<(DeviceEntry, String), ServerError> {
        let entry = self.device_entry(id)?;
        if entry.revoked_at.is_some() {
            return Err(ServerError::Revoked);
        }
        let token = auth::new_token();
        let now = chrono::Utc::now().timestamp();
        if !self
            .log()?
            .replace_token(id, &auth::hash_token(&token), now)?
        {
            // Revoked between the two reads.
            return Err(ServerError::Revoked);
        }
        Ok((self.device_entry(id)?, token))
    }

    /// The devices revoked here, as a hub tells the central server of them.
    pub(crate) fn revoked_phones(&self) -> Result<Vec<RevokedPhone>, ServerError> {
        Ok(self
            .log()?
            .devices()?
            .into_iter()
            .filter_map(|d| {
                Some(RevokedPhone {
                    revoked_at: d.revoked_at?,
                    id: d.device.id,
                    user: d.device.user,
                    role: d.device.role.code().to_string(),
                    scopes: d.device.scopes,
                    created_at: d.created_at,
                    last_seen: d.last_seen,
                })
            })
            .collect())
    }

    /// Keeps what a hub (`hub`, a coordinator's or admin's device here) says of the phones
    /// it revoked, for `devices` to list. Returns how many it named.
    pub fn take_hub_revocations(
        &self,
        hub: &Device,
        phones: &[RevokedPhone],
    ) -> Result<usize, ServerError> {
        if !matches!(hub.role, Role::Coordinator | Role::Admin) {
            return Err(ServerError::Forbidden);
        }
        if phones.len() > MAX_REPORTED {
            return Err(ServerError::BadRequest(format!(
                "at most {MAX_REPORTED} phones a report"
            )));
        }
        let entries = phones
            .iter()
            .map(|phone| {
                let too_long = phone.id.len() > 64
                    || phone.user.len() > 200
                    || phone.scopes.len() > 100
                    || phone.scopes.iter().any(|s| s.len() > 64);
                if too_long {
                    return Err(ServerError::BadRequest(format!(
                        "phone {} is described at more length than a device may be",
                        phone.id.chars().take(64).collect::<String>()
                    )));
                }
                Ok(DeviceEntry {
                    device: Device {
                        id: phone.id.clone(),
                        user: phone.user.clone(),
                        role: Device::role_from_code(&phone.role)
                            .map_err(|_| ServerError::BadRequest(format!("role {}", phone.role)))?,
                        scopes: phone.scopes.clone(),
                    },
                    created_at: phone.created_at,
                    last_seen: phone.last_seen,
                    revoked_at: Some(phone.revoked_at),
                    hub: None,
                })
            })
            .collect::<Result<Vec<_>, ServerError>>()?;
        self.log()?
            .note_hub_revoked(&hub.id, &entries, chrono::Utc::now().timestamp())?;
        Ok(entries.len())
    }
}
