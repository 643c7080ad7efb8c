//! "Run as hub": a coordinator's laptop serves the phones at the union council office. The
//! embedded `daakhla-server` listens on the office network, relays in rounds to the central
//! server with the laptop's own enrolment, and the laptop's store syncs with its hub. The
//! switch is kept in the store, so the hub comes back when the app does. Desktop only: on
//! Android the commands answer that it is not offered.
// On Android the running half is left out, and with it the uses of a few helpers.
#![cfg_attr(target_os = "android", allow(dead_code, unused_mut))]

use crate::error::{AppError, ErrorKind};
use crate::{App, NoInput};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The port the hub listens on unless the coordinator picks another.
pub const DEFAULT_HUB_PORT: u16 = 8080;
/// Seconds between relay rounds while the hub runs.
pub const RELAY_EVERY_SECS: u64 = 60;
/// Hours a phone's enrolment code stays valid.
pub const PHONE_CODE_HOURS: u64 = 72;

const HUB_ON_KEY: &str = "app_hub_on";
const HUB_PORT_KEY: &str = "app_hub_port";
/// The laptop's user and places as the central server knows them: the hub's union councils.
const HUB_USER_KEY: &str = "app_hub_user";
const HUB_SCOPES_KEY: &str = "app_hub_scopes";
/// The laptop's own token at its hub.
const HUB_TOKEN_KEY: &str = "app_hub_token";

/// Turn the hub on or off; a port left null keeps the last one (8080 at first).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct HubSwitch {
    pub on: bool,
    pub port: Option<u16>,
}

/// A phone for the hub to enrol: a resource person of one of its union councils.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct PhoneCodeRequest {
    pub user: String,
    /// One of the hub's union councils; null gives the phone all of them.
    pub uc_code: Option<String>,
}

/// What a phone needs to enrol at the hub: the QR code of the link, or the address and code
/// typed.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct PhoneCode {
    pub code: String,
    pub server_url: String,
    /// `daakhla://enrol?server=…&code=…&fp=…`
    pub link: String,
    /// The SHA-256 fingerprint of the hub's certificate, which the phone pins: the link
    /// carries it (a code typed alone cannot, so phones enrol at a hub from its QR code).
    pub fingerprint: String,
    /// The link as a QR code, an SVG document.
    pub qr_svg: String,
    /// When the code stops working, RFC 3339 in UTC.
    pub expires_at: String,
}

/// A device enrolled at the hub.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct HubDevice {
    pub device_id: String,
    pub user: String,
    /// `resource_person`, `coordinator`, …
    pub role: String,
    /// When it last synced with the hub, RFC 3339 in UTC; null if never.
    pub last_synced: Option<String>,
    /// The laptop's own store.
    pub this_laptop: bool,
    /// When the coordinator revoked it (a lost phone), RFC 3339 in UTC; null while it syncs.
    pub revoked: Option<String>,
}

/// A phone the coordinator revokes on the hub: lost, stolen or replaced.
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
pub struct RevokeRequest {
    pub device_id: String,
}

/// One round of relaying to the central server.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct RelayRound {
    /// When it ended, RFC 3339 in UTC.
    pub at: String,
    /// False when the central server could not be reached (or refused).
    pub reachable: bool,
    pub sent: u32,
    pub received: u32,
    pub held_back: u32,
    /// Why the round stopped, in English and Urdu.
    pub error_en: Option<String>,
    pub error_ur: Option<String>,
}

/// A record the central server would not take from the hub, and its reason.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct HeldBackRecord {
    pub record_id: String,
    pub reason: String,
}

/// The hub screen.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct HubPage {
    /// False on Android: phones do not run hubs.
    pub available: bool,
    /// The switch as remembered.
    pub on: bool,
    /// The hub answers on its port now.
    pub running: bool,
    pub port: u16,
    /// Addresses phones on the office network reach the hub at, e.g. `https://192.168.1.5:8080`.
    pub addresses: Vec<String>,
    /// The SHA-256 fingerprint of the hub's own certificate, while it runs.
    pub fingerprint: Option<String>,
    /// Why the hub is on but not running (the port taken, …), in English and Urdu.
    pub problem_en: Option<String>,
    pub problem_ur: Option<String>,
    /// The central server the hub relays to.
    pub central_url: Option<String>,
    /// The hub's union councils (the laptop's places at the central server).
    pub union_councils: Vec<String>,
    pub devices: Vec<HubDevice>,
    /// Changes the hub's devices sent that the central server has not acknowledged.
    pub pending_upstream: u32,
    pub last_relay: Option<RelayRound>,
    pub held_back: Vec<HeldBackRecord>,
    /// Fields two devices wrote at once, for review.
    pub conflicts: u32,
    /// Changes phones sent that could not be applied at all: kept apart, never passed on.
    pub quarantined: u32,
}

fn not_offered() -> AppError {
    AppError::new(
        ErrorKind::BadRequest,
        "Only a coordinator's laptop can run as a hub; a phone cannot.",
        "صرف کوآرڈینیٹر کا لیپ ٹاپ ہب بن سکتا ہے؛ فون نہیں۔",
    )
}

fn hub_off() -> AppError {
    AppError::new(
        ErrorKind::NotEnrolled,
        "Turn on \"Run as hub\" first.",
        "پہلے \"ہب کے طور پر چلائیں\" آن کریں۔",
    )
}

fn small(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

fn rfc3339(seconds: i64) -> String {
    chrono::DateTime::from_timestamp(seconds, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The addresses this machine is reached at on its network: the one its traffic leaves by
/// (found by "connecting" a UDP socket, which sends nothing), else loopback.
pub fn lan_addresses() -> Vec<std::net::IpAddr> {
    use std::net::{IpAddr, Ipv4Addr, UdpSocket};
    let outbound = ["8.8.8.8:53", "192.168.0.1:53", "10.0.0.1:53"]
        .iter()
        .find_map(|probe| {
            let socket = UdpSocket::bind("0.0.0.0:0").ok()?;
            socket.connect(probe).ok()?;
            let ip = socket.local_addr().ok()?.ip();
            (!ip.is_unspecified() && !ip.is_loopback()).then_some(ip)
        });
    match outbound {
        Some(ip) => vec![ip],
        None => vec![IpAddr::V4(Ipv4Addr::LOCALHOST)],
    }
}

/// The hub's link as a QR code: an SVG of dark squares on white, four modules of margin.
pub fn qr_svg(text: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(|e| {
        AppError::new(
            ErrorKind::BadRequest,
            format!("the link is too long for a QR code: {e}"),
            format!("لنک QR کوڈ کے لیے بہت لمبا ہے: {e}"),
        )
    })?;
    let width = code.width();
    let margin = 4;
    let side = width + 2 * margin;
    let mut path = String::new();
    for (i, color) in code.to_colors().into_iter().enumerate() {
        if color == qrcode::Color::Dark {
            let (x, y) = (i % width + margin, i / width + margin);
            path.push_str(&format!("M{x} {y}h1v1h-1z"));
        }
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" \
         shape-rendering=\"crispEdges\"><rect width=\"{side}\" height=\"{side}\" fill=\"#fff\"/>\
         <path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

#[cfg(not(target_os = "android"))]
pub(crate) use running::Hub;

#[cfg(target_os = "android")]
pub(crate) struct Hub;

#[cfg(target_os = "android")]
impl Hub {
    pub(crate) fn local(&self) -> (String, String, daakhla_sync::Trust) {
        unreachable!("no hub runs on Android")
    }
}

#[cfg(not(target_os = "android"))]
mod running {
    use super::*;
    use daakhla_server::{Role, Server};
    use daakhla_sync::{Remote, Trust};
    use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    /// The hub while it runs: the server answering on its port, and the relay thread. Dropping
    /// it stops both.
    pub(crate) struct Hub {
        pub(crate) server: Arc<Server>,
        pub(crate) port: u16,
        /// The laptop's own token at the hub.
        pub(crate) token: String,
        pub(crate) device_id: String,
        /// The SHA-256 fingerprint of its self-signed certificate, which phones pin.
        pub(crate) fingerprint: String,
        relay: Arc<Relay>,
        stop: Option<Sender<()>>,
        thread: Option<std::thread::JoinHandle<()>>,
        // Last, so the server stops after the relay thread.
        _http: daakhla_server::Running,
    }

    /// Relaying to the central server: one round at a time, the last one kept for the screen.
    pub(crate) struct Relay {
        server: Arc<Server>,
        central_url: String,
        central_token: String,
        /// How the laptop trusts the central server (its enrolment's pin or CA).
        central_trust: Trust,
        round: Mutex<Option<RelayRound>>,
        one_at_a_time: Mutex<()>,
    }

    impl Relay {
        pub(crate) fn round(&self) -> RelayRound {
            let _only = self.one_at_a_time.lock().unwrap_or_else(|e| e.into_inner());
            let outcome =
                Remote::with_trust(&self.central_url, &self.central_token, &self.central_trust)
                    .map_err(daakhla_server::RelayError::Upstream)
                    .and_then(|upstream| self.server.relay(&upstream));
            let at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            let round = match outcome {
                Ok(done) => RelayRound {
                    at,
                    reachable: true,
                    sent: small(done.sent),
                    received: small(done.received),
                    held_back: small(done.held_back),
                    error_en: None,
                    error_ur: None,
                },
                Err(e) => {
                    let (en, ur) = match e {
                        daakhla_server::RelayError::Upstream(e) => (
                            e.message(daakhla_domain::Lang::En),
                            e.message(daakhla_domain::Lang::Ur),
                        ),
                        daakhla_server::RelayError::Hub(e) => (e.to_string(), e.message_ur()),
                    };
                    RelayRound {
                        at,
                        reachable: false,
                        sent: 0,
                        received: 0,
                        held_back: 0,
                        error_en: Some(en),
                        error_ur: Some(ur),
                    }
                }
            };
            *self.round.lock().unwrap_or_else(|e| e.into_inner()) = Some(round.clone());
            round
        }

        fn last(&self) -> Option<RelayRound> {
            self.round.lock().unwrap_or_else(|e| e.into_inner()).clone()
        }

        /// A round now, then one every `RELAY_EVERY_SECS` until told to stop.
        fn rounds(&self, stop: Receiver<()>) {
            loop {
                self.round();
                match stop.recv_timeout(Duration::from_secs(RELAY_EVERY_SECS)) {
                    Err(RecvTimeoutError::Timeout) => continue,
                    _ => return,
                }
            }
        }
    }

    impl Drop for Hub {
        fn drop(&mut self) {
            drop(self.stop.take());
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        }
    }

    impl Hub {
        /// The hub as the laptop's store syncs with it: its loopback address, the token, and
        /// its certificate pinned.
        pub(crate) fn local(&self) -> (String, String, Trust) {
            (
                format!("https://127.0.0.1:{}", self.port),
                self.token.clone(),
                Trust {
                    fingerprint: Some(self.fingerprint.clone()),
                    ..Trust::default()
                },
            )
        }

        /// The relay, to run a round without holding the app's hub (a round may wait on a
        /// slow link while the hub screen is read).
        pub(crate) fn relay(&self) -> Arc<Relay> {
            self.relay.clone()
        }

        pub(crate) fn last_round(&self) -> Option<RelayRound> {
            self.relay.last()
        }
    }

    pub(crate) fn hub_error(e: daakhla_server::ServerError) -> AppError {
        AppError::new(ErrorKind::Store, e.to_string(), e.message_ur())
    }

    /// What starting a hub needs from the app's store.
    pub(crate) struct HubPlan {
        pub(crate) data: std::path::PathBuf,
        pub(crate) port: u16,
        pub(crate) user: String,
        pub(crate) scopes: Vec<String>,
        pub(crate) token: Option<String>,
        pub(crate) central_url: String,
        pub(crate) central_token: String,
        pub(crate) central_trust: Trust,
    }

    /// Opens the hub's data, makes sure the laptop has its own device there, listens over
    /// HTTPS on every interface at the port, with the self-signed certificate kept in the
    /// hub's data (`tls/`, made on the first start), and starts relaying. Returns the hub and
    /// the laptop's token if it is new.
    pub(crate) fn start(plan: HubPlan) -> Result<(Hub, Option<String>), AppError> {
        let server = Arc::new(Server::open(plan.data.as_path()).map_err(hub_error)?);
        let known = match &plan.token {
            Some(token) => server.authenticate(token).ok(),
            None => None,
        };
        let (device_id, token, new_token) = match known {
            Some(device) => (device.id, plan.token.clone().unwrap_or_default(), None),
            None => {
                let (device, token) = server
                    .add_device(&plan.user, Role::Coordinator, &plan.scopes)
                    .map_err(hub_error)?;
                (device.id, token.clone(), Some(token))
            }
        };
        let names: Vec<String> = lan_addresses().iter().map(|ip| ip.to_string()).collect();
        let identity = daakhla_server::Identity::self_signed(&plan.data.join("tls"), &names)
            .map_err(|e| {
                AppError::new(
                    ErrorKind::Store,
                    format!("The hub's certificate: {e}"),
                    format!("ہب کا سرٹیفکیٹ: {e}"),
                )
            })?;
        let http = daakhla_server::spawn_tls(
            server.clone(),
            &format!("0.0.0.0:{}", plan.port),
            daakhla_server::ServeLimits::default(),
            &identity,
        )
        .map_err(|e| {
            AppError::new(
                ErrorKind::Sync,
                format!(
                    "The hub cannot listen on port {}: {e}. Choose another port.",
                    plan.port
                ),
                format!(
                    "ہب پورٹ {} پر نہیں چل سکتا: {e}۔ کوئی اور پورٹ چنیں۔",
                    plan.port
                ),
            )
        })?;
        let relay = Arc::new(Relay {
            server: server.clone(),
            central_url: plan.central_url,
            central_token: plan.central_token,
            central_trust: plan.central_trust,
            round: Mutex::new(None),
            one_at_a_time: Mutex::new(()),
        });
        let (stop, stopped) = channel();
        let relaying = relay.clone();
        let thread = std::thread::spawn(move || relaying.rounds(stopped));
        Ok((
            Hub {
                server,
                port: http.addr.port(),
                token,
                device_id,
                fingerprint: identity.fingerprint.clone(),
                relay,
                stop: Some(stop),
                thread: Some(thread),
                _http: http,
            },
            new_token,
        ))
    }
}

impl App {
    /// Starts the hub if its switch was left on; a hub that cannot start (its port taken) is
    /// reported on the hub screen rather than stopping the app.
    pub(crate) fn resume_hub(&self) {
        if cfg!(target_os = "android") {
            return;
        }
        let on = self.store().setting(HUB_ON_KEY).ok().flatten();
        if on.as_deref() == Some("1")
            && let Err(e) = self.start_hub()
        {
            *self.hub_problem() = Some(e);
        }
    }

    pub fn hub(&self, _: NoInput) -> Result<HubPage, AppError> {
        let store = self.store();
        let on = store.setting(HUB_ON_KEY)?.as_deref() == Some("1");
        let port = store
            .setting(HUB_PORT_KEY)?
            .and_then(|p| p.parse().ok())
            .unwrap_or(DEFAULT_HUB_PORT);
        let union_councils: Vec<String> = store
            .setting(HUB_SCOPES_KEY)?
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default();
        let central_url = store
            .setting(crate::settings::SERVER_KEY)?
            .filter(|u| !u.is_empty());
        drop(store);
        let problem = if on { self.hub_problem().clone() } else { None };
        let mut page = HubPage {
            available: cfg!(not(target_os = "android")),
            on,
            running: false,
            port,
            addresses: Vec::new(),
            fingerprint: None,
            problem_en: problem.as_ref().map(|p| p.en.clone()),
            problem_ur: problem.as_ref().map(|p| p.ur.clone()),
            central_url,
            union_councils,
            devices: Vec::new(),
            pending_upstream: 0,
            last_relay: None,
            held_back: Vec::new(),
            conflicts: 0,
            quarantined: 0,
        };
        #[cfg(not(target_os = "android"))]
        if let Some(hub) = self.running_hub().as_ref() {
            let status = hub.server.hub_status().map_err(running::hub_error)?;
            page.running = true;
            page.port = hub.port;
            page.addresses = lan_addresses()
                .into_iter()
                .map(|ip| format!("https://{ip}:{}", hub.port))
                .collect();
            page.fingerprint = Some(hub.fingerprint.clone());
            page.devices = status
                .devices
                .into_iter()
                .map(|seen| HubDevice {
                    this_laptop: seen.device.id == hub.device_id,
                    device_id: seen.device.id,
                    user: seen.device.user,
                    role: seen.device.role.code().to_string(),
                    last_synced: seen.last_synced.map(rfc3339),
                    revoked: seen.revoked_at.map(rfc3339),
                })
                .collect();
            page.pending_upstream = small(status.pending_upstream);
            page.held_back = status
                .held_back
                .into_iter()
                .map(|(record_id, reason)| HeldBackRecord { record_id, reason })
                .collect();
            page.conflicts = small(status.conflicts.len() as u64);
            page.quarantined = small(status.quarantined.len() as u64);
            page.last_relay = hub.last_round();
        }
        Ok(page)
    }

    /// Turns the hub on (it then comes back with the app) or off.
    pub fn set_hub(&self, switch: HubSwitch) -> Result<HubPage, AppError> {
        if cfg!(target_os = "android") {
            return Err(not_offered());
        }
        if let Some(port) = switch.port {
            if port == 0 {
                return Err(AppError::new(
                    ErrorKind::Invalid,
                    "The hub's port must be a number from 1 to 65535.",
                    "ہب کا پورٹ 1 سے 65535 تک کا عدد ہو۔",
                ));
            }
            self.store().set_setting(HUB_PORT_KEY, &port.to_string())?;
        }
        // Stopped outside the lock: the relay thread may finish a round first.
        let running = self.running_hub().take();
        drop(running);
        *self.hub_problem() = None;
        if !switch.on {
            self.store().set_setting(HUB_ON_KEY, "0")?;
            return self.hub(NoInput {});
        }
        self.learn_hub_places()?;
        self.start_hub()?;
        self.store().set_setting(HUB_ON_KEY, "1")?;
        self.hub(NoInput {})
    }

    /// A one-time code (valid 72 hours) for a resource person's phone to enrol at the hub.
    pub fn hub_phone_code(&self, request: PhoneCodeRequest) -> Result<PhoneCode, AppError> {
        #[cfg(target_os = "android")]
        {
            let _ = request;
            Err(not_offered())
        }
        #[cfg(not(target_os = "android"))]
        {
            let user = request.user.trim();
            if user.is_empty() {
                return Err(AppError::new(
                    ErrorKind::Invalid,
                    "Write the resource person's name.",
                    "ریسورس پرسن کا نام لکھیں۔",
                ));
            }
            let hub = self.running_hub();
            let hub = hub.as_ref().ok_or_else(hub_off)?;
            let places: Vec<String> = self
                .store()
                .setting(HUB_SCOPES_KEY)?
                .and_then(|s| serde_json::from_str(&s).ok())
                .unwrap_or_default();
            let scopes = match request.uc_code.as_deref().map(str::trim) {
                Some(uc) if !uc.is_empty() => {
                    if !places.iter().any(|p| p == uc || p == "*") {
                        return Err(AppError::new(
                            ErrorKind::Invalid,
                            format!(
                                "Union council {uc} is not one of this hub's ({}).",
                                places.join(", ")
                            ),
                            format!(
                                "یونین کونسل {uc} اس ہب کی یونین کونسلوں ({}) میں نہیں۔",
                                places.join("، ")
                            ),
                        ));
                    }
                    vec![uc.to_string()]
                }
                _ => places,
            };
            let valid_for = std::time::Duration::from_secs(PHONE_CODE_HOURS * 3600);
            let code = hub
                .server
                .add_enrolment(
                    user,
                    daakhla_server::Role::ResourcePerson,
                    &scopes,
                    valid_for,
                )
                .map_err(running::hub_error)?;
            let ip = lan_addresses()[0];
            let server_url = format!("https://{ip}:{}", hub.port);
            let link = daakhla_sync::enrolment_link(&server_url, &code, Some(&hub.fingerprint));
            let expires =
                chrono::Utc::now() + chrono::Duration::seconds(valid_for.as_secs() as i64);
            Ok(PhoneCode {
                qr_svg: qr_svg(&link)?,
                fingerprint: hub.fingerprint.clone(),
                code,
                server_url,
                link,
                expires_at: expires.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            })
        }
    }

    /// Revokes a phone enrolled at the hub: its token is refused at once, what it sent before
    /// stays, and the next relay round tells the central server. The laptop's own enrolment
    /// is not revoked here.
    pub fn hub_revoke_phone(&self, request: RevokeRequest) -> Result<HubPage, AppError> {
        #[cfg(not(target_os = "android"))]
        {
            let guard = self.running_hub();
            let hub = guard.as_ref().ok_or_else(hub_off)?;
            if request.device_id == hub.device_id {
                return Err(AppError::new(
                    ErrorKind::BadRequest,
                    "device_id: this laptop's own enrolment cannot be revoked from its hub",
                    "device_id: اس لیپ ٹاپ کی اپنی رجسٹریشن اس کے ہب سے منسوخ نہیں ہو سکتی",
                ));
            }
            hub.server
                .revoke_device(&request.device_id)
                .map_err(running::hub_error)?;
        }
        #[cfg(target_os = "android")]
        let _ = request;
        self.hub(NoInput {})
    }

    /// A relay round now, rather than waiting for the next one.
    pub fn hub_relay_now(&self, _: NoInput) -> Result<HubPage, AppError> {
        #[cfg(not(target_os = "android"))]
        {
            let relay = self.running_hub().as_ref().map(|hub| hub.relay());
            relay.ok_or_else(hub_off)?.round();
        }
        self.hub(NoInput {})
    }

    /// Asks the central server who this laptop is there: only a coordinator's (or an
    /// admin's) laptop runs a hub, for its places. Remembered, so the hub restarts offline.
    fn learn_hub_places(&self) -> Result<(), AppError> {
        let store = self.store();
        let (Some(url), Some(token)) = (
            store.setting(crate::settings::SERVER_KEY)?,
            store.setting(crate::settings::TOKEN_KEY)?,
        ) else {
            return Err(AppError::new(
                ErrorKind::NotEnrolled,
                "Enrol this laptop with the central server first: the hub relays with its enrolment.",
                "پہلے اس لیپ ٹاپ کو مرکزی سرور پر رجسٹر کریں: ہب اسی رجسٹریشن سے آگے بھیجتا ہے۔",
            ));
        };
        let trust = daakhla_sync::stored_trust(&store)?;
        drop(store);
        let me = match daakhla_sync::Remote::with_trust(&url, &token, &trust)?.whoami() {
            Ok(me) => me,
            // Offline: places learnt before are enough.
            Err(daakhla_sync::SyncError::Unreachable { .. })
                if self.store().setting(HUB_SCOPES_KEY)?.is_some() =>
            {
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        };
        if !matches!(me.role.as_str(), "coordinator" | "admin") {
            return Err(AppError::new(
                ErrorKind::NotEnrolled,
                format!(
                    "Only a coordinator's laptop can run as a hub; the central server knows this one as a {}.",
                    me.role.replace('_', " ")
                ),
                "صرف کوآرڈینیٹر کا لیپ ٹاپ ہب بن سکتا ہے؛ مرکزی سرور پر یہ ڈیوائس کوآرڈینیٹر کی نہیں۔",
            ));
        }
        let mut store = self.store();
        store.set_setting(HUB_USER_KEY, &me.user)?;
        store.set_setting(
            HUB_SCOPES_KEY,
            &serde_json::to_string(&me.scopes).expect("strings serialise"),
        )?;
        Ok(())
    }

    #[cfg(target_os = "android")]
    fn start_hub(&self) -> Result<(), AppError> {
        Err(not_offered())
    }

    #[cfg(not(target_os = "android"))]
    fn start_hub(&self) -> Result<(), AppError> {
        let plan = {
            let store = self.store();
            let text = |key: &str| -> Result<Option<String>, AppError> {
                Ok(store.setting(key)?.filter(|v| !v.is_empty()))
            };
            let (Some(central_url), Some(central_token)) = (
                text(crate::settings::SERVER_KEY)?,
                text(crate::settings::TOKEN_KEY)?,
            ) else {
                return Err(hub_off());
            };
            running::HubPlan {
                data: self.hub_data_dir(),
                port: text(HUB_PORT_KEY)?
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(DEFAULT_HUB_PORT),
                user: text(HUB_USER_KEY)?.unwrap_or_else(|| "coordinator".into()),
                scopes: text(HUB_SCOPES_KEY)?
                    .and_then(|s| serde_json::from_str(&s).ok())
                    .unwrap_or_default(),
                token: text(HUB_TOKEN_KEY)?,
                central_url,
                central_token,
                central_trust: daakhla_sync::stored_trust(&store)?,
            }
        };
        let (hub, new_token) = running::start(plan)?;
        if let Some(token) = new_token {
            self.store().set_setting(HUB_TOKEN_KEY, &token)?;
        }
        *self.running_hub() = Some(hub);
        Ok(())
    }

    /// The hub's data: a folder beside the store, named after it (`daakhla.sqlite` →
    /// `daakhla-hub/`).
    fn hub_data_dir(&self) -> std::path::PathBuf {
        let stem = self
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "daakhla".into());
        self.path.with_file_name(format!("{stem}-hub"))
    }

    /// Runs a relay round when the hub runs: after the laptop's own sync with its hub.
    pub(crate) fn relay_if_hub(&self) {
        #[cfg(not(target_os = "android"))]
        {
            let relay = self.running_hub().as_ref().map(|hub| hub.relay());
            if let Some(relay) = relay {
                relay.round();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_code_is_an_svg_of_the_link_with_a_margin() {
        let link = "daakhla://enrol?server=http%3A%2F%2F192.168.1.5%3A8080&code=ABCD-EFGH-JKMN";
        let svg = qr_svg(link).unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        let side = qrcode::QrCode::new(link.as_bytes()).unwrap().width() + 8;
        assert!(side >= 29, "a code of at least 21 modules and its margin");
        assert!(svg.contains(&format!("viewBox=\"0 0 {side} {side}\"")));
        assert!(svg.matches('M').count() > 200, "dark modules are drawn");
    }

    #[test]
    fn the_lan_address_is_never_unspecified() {
        let addresses = lan_addresses();
        assert!(!addresses.is_empty());
        assert!(addresses.iter().all(|ip| !ip.is_unspecified()));
    }
}
