//! Enrolling a device with a code from its coordinator, typed or read from the QR code a hub
//! shows: the code is exchanged once for the token the device syncs with.

use crate::{Remote, SyncError};
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

const LINK_PREFIX: &str = "daakhla://enrol?";

/// The link a hub's QR code carries: `daakhla://enrol?server=<url>&code=<code>`.
pub fn enrolment_link(server: &str, code: &str) -> String {
    format!(
        "{LINK_PREFIX}server={}&code={}",
        percent_encode(server),
        percent_encode(code)
    )
}

/// The server and the code in an enrolment link; none if it is not one.
pub fn parse_enrolment_link(link: &str) -> Option<(String, String)> {
    let query = link.trim().strip_prefix(LINK_PREFIX)?;
    let (mut server, mut code) = (None, None);
    for pair in query.split('&') {
        match pair.split_once('=')? {
            ("server", value) => server = Some(percent_decode(value)?),
            ("code", value) => code = Some(percent_decode(value)?),
            _ => {}
        }
    }
    Some((server?, code?))
}

impl Remote {
    /// Exchanges an enrolment code for this device's token at the server at `url`.
    pub fn enrol(url: &str, code: &str) -> Result<Enrolled, SyncError> {
        let remote = Remote::new(url, "");
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
        let link = enrolment_link("http://192.168.1.5:8080", "ABCD-EFGH-JKMN");
        assert_eq!(
            link,
            "daakhla://enrol?server=http%3A%2F%2F192.168.1.5%3A8080&code=ABCD-EFGH-JKMN"
        );
        assert_eq!(
            parse_enrolment_link(&link),
            Some(("http://192.168.1.5:8080".into(), "ABCD-EFGH-JKMN".into()))
        );
        for not_a_link in [
            "https://example.org",
            "daakhla://enrol?server=x",
            "daakhla://enrol?server=%ZZ&code=1",
        ] {
            assert_eq!(parse_enrolment_link(not_a_link), None, "{not_a_link}");
        }
    }
}
