//! Who may talk to the bridge. Listening on loopback is not enough: any web page the
//! machine's browser opens can send it a form POST, and a hostile name can resolve to
//! 127.0.0.1 (DNS rebinding). So every request must be addressed to the bridge's own loopback
//! address (`Host`), and a command must come from the bridge's own page: its own `Origin` if
//! any, not cross-site, JSON (which no form can send without a CORS preflight the bridge never
//! grants), and the secret made at this start, which only the bridge's own `index.html`
//! carries. A refusal is an `AppError` like any other failure, and nothing runs.

use axum::http::{HeaderMap, StatusCode, Uri, header};
use daakhla_app::{AppError, ErrorKind};
use std::net::SocketAddr;

/// The header the UI sends the secret in.
pub const SECRET_HEADER: &str = "x-daakhla-secret";

pub struct Guard {
    /// Every `Host` this bridge answers to, lower case: `127.0.0.1:PORT`, `localhost:PORT`,
    /// `[::1]:PORT` and the address it is bound to.
    hosts: Vec<String>,
    /// The same as origins: `http://` and a host.
    origins: Vec<String>,
    secret: String,
}

/// Why a request was refused, as its status and the `AppError` it answers with.
pub struct Refusal {
    pub status: StatusCode,
    pub error: AppError,
}

impl Guard {
    /// The guard of a bridge bound to `address`, with a fresh random secret.
    pub fn new(address: SocketAddr) -> Guard {
        // Two version 4 UUIDs: 244 random bits from the operating system's generator.
        let secret = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        Guard::with_secret(address, secret)
    }

    fn with_secret(address: SocketAddr, secret: String) -> Guard {
        let port = address.port();
        let mut names = vec![
            format!("127.0.0.1:{port}"),
            format!("localhost:{port}"),
            format!("[::1]:{port}"),
        ];
        // Bound to another loopback address (127.0.0.2, say): that one too.
        if !names.contains(&address.to_string()) {
            names.push(address.to_string());
        }
        if port == 80 {
            // A browser leaves out the scheme's default port.
            let bare: Vec<String> = names
                .iter()
                .filter_map(|n| n.strip_suffix(":80").map(str::to_string))
                .collect();
            names.extend(bare);
        }
        let origins = names.iter().map(|h| format!("http://{h}")).collect();
        Guard {
            hosts: names,
            origins,
            secret,
        }
    }

    pub fn secret(&self) -> &str {
        &self.secret
    }

    /// Any request: it must name exactly one of the bridge's own addresses, in its `Host`
    /// header and (if the request line carried one) its URI.
    pub fn check_host(&self, headers: &HeaderMap, uri: &Uri) -> Result<(), Refusal> {
        let host = only(headers, header::HOST.as_str()).filter(|h| self.is_own_host(h));
        let uri_ok = uri.authority().is_none_or(|a| self.is_own_host(a.as_str()));
        if host.is_some() && uri_ok {
            Ok(())
        } else {
            Err(Refusal {
                status: StatusCode::MISDIRECTED_REQUEST,
                error: AppError::new(
                    ErrorKind::BadRequest,
                    "Refused: this request was addressed to a name other than the app's own \
                     address on this computer. Nothing was changed.",
                    "انکار: یہ درخواست اس کمپیوٹر پر ایپ کے اپنے پتے کے بجائے کسی اور نام پر \
                     بھیجی گئی تھی۔ کچھ نہیں بدلا۔",
                ),
            })
        }
    }

    /// A command (`POST /api/*`), after `check_host`: from the bridge's own page, as JSON,
    /// with this start's secret.
    pub fn check_command(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        let foreign = || Refusal {
            status: StatusCode::FORBIDDEN,
            error: AppError::new(
                ErrorKind::BadRequest,
                "Refused: this request came from another website, not from the app's own \
                 page. Nothing was changed.",
                "انکار: یہ درخواست ایپ کے اپنے صفحے سے نہیں بلکہ کسی اور ویب سائٹ سے آئی تھی۔ \
                 کچھ نہیں بدلا۔",
            ),
        };
        if headers.contains_key(header::ORIGIN) {
            let origin = only(headers, header::ORIGIN.as_str());
            if !origin.is_some_and(|o| self.origins.iter().any(|own| own.eq_ignore_ascii_case(o))) {
                return Err(foreign());
            }
        }
        // `same-site` too: another port on this machine is the same site, not the same origin.
        if headers.contains_key("sec-fetch-site") {
            let site = only(headers, "sec-fetch-site");
            if !site.is_some_and(|s| {
                s.eq_ignore_ascii_case("same-origin") || s.eq_ignore_ascii_case("none")
            }) {
                return Err(foreign());
            }
        }
        let json = only(headers, header::CONTENT_TYPE.as_str()).is_some_and(|t| {
            t.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .eq_ignore_ascii_case("application/json")
        });
        if !json {
            return Err(Refusal {
                status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
                error: AppError::new(
                    ErrorKind::BadRequest,
                    "Refused: the app's commands take requests written in JSON only \
                     (Content-Type: application/json). Nothing was changed.",
                    "انکار: ایپ کی کمانڈز صرف جے سن میں لکھی ہوئی درخواستیں لیتی ہیں۔ کچھ نہیں \
                     بدلا۔",
                ),
            });
        }
        let given = only(headers, SECRET_HEADER).unwrap_or_default();
        if !same_secret(given.as_bytes(), self.secret.as_bytes()) {
            return Err(Refusal {
                status: StatusCode::FORBIDDEN,
                error: AppError::new(
                    ErrorKind::BadRequest,
                    "Refused: this request did not carry the key of the app's page as this \
                     bridge served it. Reload the page and try again. Nothing was changed.",
                    "انکار: اس درخواست کے ساتھ ایپ کے صفحے کی وہ خفیہ کلید نہیں تھی جو اسے ابھی \
                     ملی تھی۔ صفحہ دوبارہ کھولیں اور پھر کوشش کریں۔ کچھ نہیں بدلا۔",
                ),
            });
        }
        Ok(())
    }

    fn is_own_host(&self, host: &str) -> bool {
        self.hosts.iter().any(|own| own.eq_ignore_ascii_case(host))
    }
}

/// The value of a header sent exactly once, as text; none if missing, repeated or not text.
fn only<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    let mut values = headers.get_all(name).iter();
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    value.to_str().ok()
}

/// In constant time (`subtle`), so the time taken tells nothing of how much of a guess was
/// right. (The length is no secret: it is always the same.)
fn same_secret(given: &[u8], secret: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    given.ct_eq(secret).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn guard() -> Guard {
        Guard::with_secret("127.0.0.1:8750".parse().unwrap(), "s3cret".into())
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    const GOOD: [(&str, &str); 3] = [
        ("content-type", "application/json"),
        ("origin", "http://127.0.0.1:8750"),
        ("x-daakhla-secret", "s3cret"),
    ];

    fn with(extra: &[(&'static str, &str)], without: &str) -> HeaderMap {
        let mut pairs: Vec<(&'static str, &str)> = GOOD
            .iter()
            .copied()
            .filter(|(n, _)| *n != without)
            .collect();
        pairs.extend_from_slice(extra);
        headers(&pairs)
    }

    #[test]
    fn hosts_are_the_bridges_own_loopback_names_with_its_port() {
        let guard = guard();
        let uri = Uri::from_static("/");
        for host in [
            "127.0.0.1:8750",
            "localhost:8750",
            "LOCALHOST:8750",
            "[::1]:8750",
        ] {
            assert!(
                guard.check_host(&headers(&[("host", host)]), &uri).is_ok(),
                "{host}"
            );
        }
        for host in [
            "evil.example:8750",
            "127.0.0.1:8751",
            "127.0.0.1",
            "localhost.:8750",
            "127.0.0.1:8750.evil.example",
        ] {
            let refused = guard
                .check_host(&headers(&[("host", host)]), &uri)
                .unwrap_err();
            assert_eq!(refused.status, StatusCode::MISDIRECTED_REQUEST, "{host}");
        }
        assert!(
            guard.check_host(&HeaderMap::new(), &uri).is_err(),
            "no Host"
        );
        let twice = headers(&[("host", "127.0.0.1:8750"), ("host", "evil.example")]);
        assert!(guard.check_host(&twice, &uri).is_err(), "two Hosts");
        let absolute = Uri::from_static("http://evil.example:8750/api/sync");
        let host = headers(&[("host", "127.0.0.1:8750")]);
        assert!(guard.check_host(&host, &absolute).is_err(), "absolute URI");
    }

    #[test]
    fn port_80_is_also_the_bare_name() {
        let guard = Guard::with_secret("127.0.0.1:80".parse().unwrap(), "s".into());
        let uri = Uri::from_static("/");
        assert!(
            guard
                .check_host(&headers(&[("host", "localhost")]), &uri)
                .is_ok()
        );
    }

    #[test]
    fn commands_come_from_the_bridges_own_page() {
        let guard = guard();
        assert!(guard.check_command(&with(&[], "")).is_ok());
        assert!(
            guard.check_command(&with(&[], "origin")).is_ok(),
            "no Origin"
        );
        let utf8 = with(
            &[("content-type", "Application/JSON; charset=utf-8")],
            "content-type",
        );
        assert!(guard.check_command(&utf8).is_ok());
        let same = with(&[("sec-fetch-site", "same-origin")], "");
        assert!(guard.check_command(&same).is_ok());

        for origin in [
            "http://evil.example",
            "null",
            "http://127.0.0.1:3000",
            "https://127.0.0.1:8750",
        ] {
            let refused = guard
                .check_command(&with(&[("origin", origin)], "origin"))
                .unwrap_err();
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{origin}");
        }
        let twice = with(&[("origin", "http://evil.example")], "");
        assert!(guard.check_command(&twice).is_err(), "two Origins");
        for site in ["cross-site", "same-site"] {
            let refused = guard
                .check_command(&with(&[("sec-fetch-site", site)], ""))
                .unwrap_err();
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{site}");
        }
        for kind in [
            "text/plain",
            "text/plain;charset=UTF-8",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "application/jsonx",
        ] {
            let refused = guard
                .check_command(&with(&[("content-type", kind)], "content-type"))
                .unwrap_err();
            assert_eq!(refused.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{kind}");
        }
        let refused = guard.check_command(&with(&[], "content-type")).unwrap_err();
        assert_eq!(refused.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        for secret in ["", "s3creT", "s3cre", "s3crett"] {
            let refused = guard
                .check_command(&with(&[("x-daakhla-secret", secret)], "x-daakhla-secret"))
                .unwrap_err();
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{secret:?}");
        }
        let refused = guard
            .check_command(&with(&[], "x-daakhla-secret"))
            .unwrap_err();
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }

    #[test]
    fn every_start_has_its_own_long_secret() {
        let address = "127.0.0.1:0".parse().unwrap();
        let (a, b) = (Guard::new(address), Guard::new(address));
        assert_ne!(a.secret(), b.secret());
        assert_eq!(a.secret().len(), 64);
        assert!(a.secret().bytes().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn refusals_say_it_in_english_and_wholly_in_urdu() {
        let guard = guard();
        let refusals = [
            guard
                .check_host(&HeaderMap::new(), &Uri::from_static("/"))
                .unwrap_err(),
            guard
                .check_command(&with(&[("origin", "http://evil.example")], "origin"))
                .unwrap_err(),
            guard.check_command(&with(&[], "content-type")).unwrap_err(),
            guard
                .check_command(&with(&[], "x-daakhla-secret"))
                .unwrap_err(),
        ];
        for refusal in refusals {
            let AppError { en, ur, .. } = refusal.error;
            assert!(
                en.starts_with("Refused: ") && en.ends_with("Nothing was changed."),
                "{en}"
            );
            assert!(!ur.chars().any(|c| c.is_ascii_alphanumeric()), "{ur}");
            assert!(!ur.contains("  "), "{ur:?}");
        }
    }
}
