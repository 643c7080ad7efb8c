//! How a device trusts the server it syncs with: HTTPS through rustls (with ring), checking
//! the server's certificate against the web's roots plus an operator's certificate authority,
//! or, for a hub with its own self-signed certificate, against the one fingerprint the phone
//! was enrolled with. Plain `http://` only reaches this machine or a private network unless
//! allowed on purpose.

use crate::SyncError;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// What a device trusts when it reaches a server. The default trusts the web's certificate
/// authorities (webpki roots) and refuses plain HTTP beyond loopback and private networks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trust {
    /// PEM certificates of certificate authorities to trust besides the web's (an
    /// operator's own CA, `--ca-file` / `DAAKHLA_CA_FILE`).
    pub ca_pem: Option<String>,
    /// The SHA-256 fingerprint of the server's certificate (`fingerprint`'s form): when set,
    /// the server must present exactly that certificate, whatever its name or authority.
    pub fingerprint: Option<String>,
    /// Allow plain `http://` to any address (the command line's `--insecure`).
    pub insecure: bool,
}

/// The SHA-256 fingerprint of a certificate (its DER bytes), as 64 lowercase hex digits.
pub fn fingerprint(certificate_der: &[u8]) -> String {
    hex(&Sha256::digest(certificate_der))
}

/// A fingerprint as given (hex, any case, with or without colons or spaces) in
/// `fingerprint`'s form; none if it is not 32 bytes of hex.
pub fn normalise_fingerprint(given: &str) -> Option<String> {
    let digits: String = given
        .chars()
        .filter(|c| !matches!(c, ':' | ' ' | '-'))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (digits.len() == 64 && digits.bytes().all(|b| b.is_ascii_hexdigit())).then_some(digits)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether plain HTTP to `host` stays on this machine or a private network: loopback
/// (`localhost` too), 10/8, 172.16/12, 192.168/16, fc00::/7 and link-local addresses. A
/// name other than `localhost` is not: what it resolves to is not known here.
pub fn is_local_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case("localhost") || host.to_ascii_lowercase().ends_with(".localhost") {
        return true;
    }
    let Ok(ip) = host.parse::<IpAddr>() else {
        return false;
    };
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4.is_private() || v4.is_link_local(),
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            v6.is_loopback() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
        }
    }
}

/// The crypto every client uses: ring's, so no cmake or assembler beyond ring's own.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A plain HTTP(S) client for requests outside the protocol's (tests, exports by script):
/// the web's roots with ring. reqwest is built without a default crypto provider (that would
/// be aws-lc-rs), so its `Client::new()` panics: build clients here, or through `Remote`.
pub fn http_client() -> reqwest::blocking::Client {
    let tls = client_tls("", &Trust::default()).expect("the default trust needs nothing");
    reqwest::blocking::Client::builder()
        .use_preconfigured_tls(tls.config)
        .build()
        .expect("an HTTP client")
}

/// The TLS set-up of one `Remote`, and what its pin saw when it refused a certificate.
pub(crate) struct ClientTls {
    pub(crate) config: rustls::ClientConfig,
    pub(crate) refused: Option<Arc<Mutex<Option<String>>>>,
}

/// Builds the client's TLS configuration for `trust`; fails on a CA file that holds no
/// certificate or a fingerprint that is not one.
pub(crate) fn client_tls(url: &str, trust: &Trust) -> Result<ClientTls, SyncError> {
    let bad = |why: String| SyncError::Trust {
        url: url.to_string(),
        why,
    };
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| bad(e.to_string()))?;
    let (mut config, refused) = match &trust.fingerprint {
        Some(given) => {
            let pin = normalise_fingerprint(given)
                .ok_or_else(|| bad(format!("{given:?} is not a SHA-256 fingerprint")))?;
            let pinned = Arc::new(Pinned {
                pin,
                algorithms: provider().signature_verification_algorithms,
                seen: Arc::new(Mutex::new(None)),
            });
            let seen = pinned.seen.clone();
            let config = builder
                .dangerous()
                .with_custom_certificate_verifier(pinned)
                .with_no_client_auth();
            (config, Some(seen))
        }
        None => {
            let mut roots = rustls::RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            };
            if let Some(pem) = &trust.ca_pem {
                use rustls::pki_types::pem::PemObject;
                let mut added = 0;
                for certificate in CertificateDer::pem_slice_iter(pem.as_bytes()) {
                    let certificate = certificate.map_err(|e| {
                        bad(format!("the certificate authority file is not PEM: {e}"))
                    })?;
                    roots
                        .add(certificate)
                        .map_err(|e| bad(format!("a certificate authority was refused: {e}")))?;
                    added += 1;
                }
                if added == 0 {
                    return Err(bad(
                        "the certificate authority file holds no certificate".into()
                    ));
                }
            }
            let config = builder.with_root_certificates(roots).with_no_client_auth();
            (config, None)
        }
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(ClientTls { config, refused })
}

/// Accepts exactly one certificate, by its SHA-256 fingerprint: a hub's self-signed one, which
/// no authority vouches for (and whose address changes with the office's DHCP, so its name is
/// not checked either). The handshake's signature is still verified with the provider's
/// algorithms, so a server must hold the certificate's private key, not just show a copy.
#[derive(Debug)]
struct Pinned {
    pin: String,
    algorithms: WebPkiSupportedAlgorithms,
    /// The fingerprint of a certificate refused, for the sentence that says so.
    seen: Arc<Mutex<Option<String>>>,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let found = fingerprint(end_entity.as_ref());
        if found == self.pin {
            return Ok(ServerCertVerified::assertion());
        }
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = Some(found);
        Err(rustls::Error::InvalidCertificate(
            rustls::CertificateError::ApplicationVerificationFailure,
        ))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_stays_on_this_machine_or_a_private_network() {
        for local in [
            "127.0.0.1",
            "127.8.9.1",
            "localhost",
            "LOCALHOST",
            "hub.localhost",
            "[::1]",
            "10.0.0.5",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.5",
            "169.254.3.4",
            "[fd12:3456::1]",
            "[fc00::1]",
            "[fe80::1]",
            "[::ffff:192.168.1.5]",
        ] {
            assert!(is_local_host(local), "{local}");
        }
        for public in [
            "8.8.8.8",
            "172.32.0.1",
            "172.15.0.1",
            "192.169.1.1",
            "100.64.0.1",
            "[2001:db8::1]",
            "[::ffff:8.8.8.8]",
            "central.example.org",
            "localhost.example.org",
            "0.0.0.0",
        ] {
            assert!(!is_local_host(public), "{public}");
        }
    }

    #[test]
    fn fingerprints_are_read_in_any_common_form() {
        let print = fingerprint(b"a certificate");
        assert_eq!(print.len(), 64);
        let colons: Vec<String> = print
            .as_bytes()
            .chunks(2)
            .map(|pair| String::from_utf8_lossy(pair).to_uppercase())
            .collect();
        assert_eq!(
            normalise_fingerprint(&colons.join(":")).as_deref(),
            Some(print.as_str())
        );
        assert_eq!(normalise_fingerprint(&print[..62]), None);
        assert_eq!(normalise_fingerprint(&format!("{}zz", &print[..62])), None);
    }
}
