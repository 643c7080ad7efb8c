//! Enrolling a device with a code from its coordinator, typed or read from the QR code a hub
//! shows: the code is exchanged once for the token the device syncs with.

use crate::{Remote, SyncError, Trust};
use serde::{Deserialize, Serialize};

/// What the server gives a device for its enrolment code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrolled {
    pub server: String,
    pub device_id: String,
    pub user: String,
    /// The places the device may sync: union council codes (or wider, for supervisors).
    pub scopes: Vec<String>,
    pub token: String,
    /// The server's certificate fingerprint the device enrolled with (from a hub's link):
    /// keep it with the server, so that every later request checks it.
    #[serde(default)]
    pub fingerprint: Option<String>,
}

/// What an enrolment link carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentLink {
    pub server: String,
    pub code: String,
    /// The SHA-256 fingerprint of the server's certificate (`fp=`), from a hub with its own
    /// self-signed certificate; older links have none.
    pub fingerprint: Option<String>,
}

/// Who a server takes this device's token for (`GET /v1/whoami`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhoAmI {
    pub id: String,
    pub user: String,
    /// `resource_person`, `coordinator`, `supervisor` or `admin`.
    pub role: String,
    /// Place codes the device may see; `*` is all.
    pub scopes: Vec<String>,
}

/// A phone a hub revoked, as the hub tells its central server (`POST /v1/hub/revoked`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokedPhone {
    /// Its device id at the hub.
    pub id: String,
    pub user: String,
    pub role: String,
    pub scopes: Vec<String>,
    /// When it was enrolled at the hub, last synced there and was revoked (seconds since
    /// 1970, UTC).
    pub created_at: i64,
    pub last_seen: Option<i64>,
    pub revoked_at: i64,
}

const LINK_PREFIX: &str = "daakhla://enrol?";

/// The link a hub's QR code carries: `daakhla://enrol?server=<url>&code=<code>`, and
/// `&fp=<SHA-256 of the server's certificate>` when the phone is to pin it.
pub fn enrolment_link(server: &str, code: &str, fingerprint: Option<&str>) -> String {
    let mut link = format!(
        "{LINK_PREFIX}server={}&code={}",
        percent_encode(server),
        percent_encode(code)
    );
    if let Some(fingerprint) = fingerprint {
        link.push_str("&fp=");
        link.push_str(&percent_encode(fingerprint));
    }
    link
}

/// The server, the code and the fingerprint in an enrolment link; none if it is not one (a
/// fingerprint that is not one makes it none too, rather than enrolling without the pin).
pub fn parse_enrolment_link(link: &str) -> Option<EnrolmentLink> {
    let query = link.trim().strip_prefix(LINK_PREFIX)?;
    let (mut server, mut code, mut fingerprint) = (None, None, None);
    for pair in query.split('&') {
        match pair.split_once('=')? {
            ("server", value) => server = Some(percent_decode(value)?),
            ("code", value) => code = Some(percent_decode(value)?),
            ("fp", value) => {
                fingerprint = Some(crate::normalise_fingerprint(&percent_decode(value)?)?)
            }
            _ => {}
        }
    }
    Some(EnrolmentLink {
        server: server?,
        code: code?,
        fingerprint,
    })
}

impl Remote {
    /// Exchanges an enrolment code for this device's token at the server at `url`, trusted
    /// as by default.
    pub fn enrol(url: &str, code: &str) -> Result<Enrolled, SyncError> {
        Remote::enrol_with(url, code, &Trust::default())
    }

    /// Exchanges an enrolment code for this device's token at the server at `url`, trusted
    /// as `trust` says (a hub's link pins its certificate): the code is sent only to that
    /// server.
    pub fn enrol_with(url: &str, code: &str, trust: &Trust) -> Result<Enrolled, SyncError> {
        let remote = Remote::with_trust(url, "", trust)?;
        remote.ready()?;
        let body = serde_json::json!({ "code": code }).to_string();
        let response = remote
            .http
            .post(format!("{}/v1/enrol", remote.url))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .map_err(|e| remote.unreachable(e))?;
        let bytes = remote
            .check(response)?
            .bytes()
            .map_err(|e| remote.unreachable(e))?;
        let answer: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        let text = |value: &serde_json::Value| value.as_str().map(str::to_string);
        match (
            text(&answer["device"]["id"]),
            text(&answer["device"]["user"]),
            text(&answer["token"]),
        ) {
            (Some(device_id), Some(user), Some(token)) => Ok(Enrolled {
                server: remote.url.clone(),
                device_id,
                user,
                scopes: answer["device"]["scopes"]
                    .as_array()
                    .map(|all| all.iter().filter_map(text).collect())
                    .unwrap_or_default(),
                token,
                fingerprint: trust
                    .fingerprint
                    .as_deref()
                    .and_then(crate::normalise_fingerprint),
            }),
            _ => Err(SyncError::Unreachable {
                url: remote.url.clone(),
                why: "the answer to the enrolment was not one a Daakhla server gives".into(),
            }),
        }
    }
}

impl Remote {
    /// Asks the server who this device is: its user, role and places.
    pub fn whoami(&self) -> Result<WhoAmI, SyncError> {
        let bytes = self.get("/v1/whoami")?;
        serde_json::from_slice(&bytes).map_err(|e| SyncError::Unreachable {
            url: self.url.clone(),
            why: format!("the answer to whoami was not one a Daakhla server gives: {e}"),
        })
    }
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_carries_the_server_and_the_code_and_nothing_else_parses() {
        // An older link, without a fingerprint, still parses.
        let link = enrolment_link("http://192.168.1.5:8080", "ABCD-EFGH-JKMN", None);
        assert_eq!(
            link,
            "daakhla://enrol?server=http%3A%2F%2F192.168.1.5%3A8080&code=ABCD-EFGH-JKMN"
        );
        assert_eq!(
            parse_enrolment_link(&link),
            Some(EnrolmentLink {
                server: "http://192.168.1.5:8080".into(),
                code: "ABCD-EFGH-JKMN".into(),
                fingerprint: None
            })
        );
        let print = crate::fingerprint(b"the hub's certificate");
        let link = enrolment_link("https://192.168.1.5:8080", "ABCD-EFGH-JKMN", Some(&print));
        assert!(link.ends_with(&format!("&fp={print}")), "{link}");
        let parsed = parse_enrolment_link(&link).unwrap();
        assert_eq!(parsed.server, "https://192.168.1.5:8080");
        assert_eq!(parsed.fingerprint.as_deref(), Some(print.as_str()));
        for not_a_link in [
            "https://example.org",
            "daakhla://enrol?server=x",
            "daakhla://enrol?server=%ZZ&code=1",
            "daakhla://enrol?server=x&code=1&fp=0123",
        ] {
            assert_eq!(parse_enrolment_link(not_a_link), None, "{not_a_link}");
        }
    }
}
