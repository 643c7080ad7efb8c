//! The server's HTTPS identity: a certificate chain and its key from PEM files (an operator's
//! certificate, `serve --tls-cert --tls-key`), or a self-signed certificate the server makes
//! once and keeps in a directory (the office hub, `serve --tls-self-signed DIR`), which phones
//! pin by its SHA-256 fingerprint from the enrolment link.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The file names of a self-signed identity in its directory.
pub const SELF_SIGNED_CERT: &str = "cert.pem";
pub const SELF_SIGNED_KEY: &str = "key.pem";

/// Why the server's certificate could not be used.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {why}")]
pub struct TlsError {
    pub path: PathBuf,
    pub why: String,
}

fn tls_error(path: &Path, why: impl std::fmt::Display) -> TlsError {
    TlsError {
        path: path.to_path_buf(),
        why: why.to_string(),
    }
}

/// What the server presents in TLS handshakes.
#[derive(Clone)]
pub struct Identity {
    pub(crate) config: Arc<rustls::ServerConfig>,
    /// The SHA-256 fingerprint of the leaf certificate (`daakhla_sync::fingerprint`'s form).
    pub fingerprint: String,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

impl Identity {
    /// A certificate chain (leaf first) and its private key, both PEM.
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<Identity, TlsError> {
        let chain = CertificateDer::pem_file_iter(cert)
            .map_err(|e| tls_error(cert, e))?
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| tls_error(cert, format!("not a PEM certificate: {e}")))?;
        if chain.is_empty() {
            return Err(tls_error(cert, "holds no certificate"));
        }
        let key_der = PrivateKeyDer::from_pem_file(key)
            .map_err(|e| tls_error(key, format!("no PEM private key: {e}")))?;
        Identity::new(chain, key_der).map_err(|e| tls_error(key, e))
    }

    /// The self-signed certificate kept in `dir`, made (with its key) the first time: the same
    /// one at every start, so phones that pinned it keep trusting it. `names` (host names or
    /// IP addresses) go into it besides `localhost` and loopback, for clients that check
    /// names; phones pin the fingerprint and do not.
    pub fn self_signed(dir: &Path, names: &[String]) -> Result<Identity, TlsError> {
        let (cert, key) = (dir.join(SELF_SIGNED_CERT), dir.join(SELF_SIGNED_KEY));
        match (cert.exists(), key.exists()) {
            (true, true) => return Identity::from_pem_files(&cert, &key),
            (false, false) => {}
            (true, false) | (false, true) => {
                let missing = if cert.exists() { &key } else { &cert };
                return Err(tls_error(
                    missing,
                    "is missing beside the other half of the server's certificate: restore it \
                     (phones pinned this certificate), or remove both to make a new one \
                     (every phone then enrols again)",
                ));
            }
        }
        std::fs::create_dir_all(dir).map_err(|e| tls_error(dir, e))?;
        let mut all = vec![
            "localhost".to_string(),
            "127.0.0.1".to_string(),
            "::1".to_string(),
        ];
        for name in names {
            if !all.contains(name) {
                all.push(name.clone());
            }
        }
        let mut params = rcgen::CertificateParams::new(all).map_err(|e| tls_error(dir, e))?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Daakhla office hub");
        let key_pair = rcgen::KeyPair::generate().map_err(|e| tls_error(dir, e))?;
        let made = params
            .self_signed(&key_pair)
            .map_err(|e| tls_error(dir, e))?;
        // The key first: a certificate is never left without its key.
        write_new(&key, key_pair.serialize_pem().as_bytes(), true)?;
        write_new(&cert, made.pem().as_bytes(), false)?;
        Identity::from_pem_files(&cert, &key)
    }

    fn new(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Result<Identity, rustls::Error> {
        let fingerprint = daakhla_sync::fingerprint(chain[0].as_ref());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Identity {
            config: Arc::new(config),
            fingerprint,
        })
    }
}

/// The fingerprint of the first certificate in a PEM file: what phones pin for a server.
pub fn fingerprint_of_pem_file(path: &Path) -> Result<String, TlsError> {
    let first = CertificateDer::pem_file_iter(path)
        .map_err(|e| tls_error(path, e))?
        .next()
        .ok_or_else(|| tls_error(path, "holds no certificate"))?
        .map_err(|e| tls_error(path, format!("not a PEM certificate: {e}")))?;
    Ok(daakhla_sync::fingerprint(first.as_ref()))
}

/// Writes a file beside its name, flushed, then renamed into place; a key readable by its
/// owner only.
fn write_new(path: &Path, bytes: &[u8], secret: bool) -> Result<(), TlsError> {
    use std::io::Write;
    let partial = path.with_extension("partial");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    options
        .open(&partial)
        .and_then(|mut out| {
            out.write_all(bytes)?;
            out.sync_all()
        })
        .and_then(|()| std::fs::rename(&partial, path))
        .map_err(|e| tls_error(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_self_signed_certificate_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = Identity::self_signed(dir.path(), &["192.168.1.5".into()]).unwrap();
        assert_eq!(first.fingerprint.len(), 64);
        let again = Identity::self_signed(dir.path(), &[]).unwrap();
        assert_eq!(
            again.fingerprint, first.fingerprint,
            "reused, not made anew"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(SELF_SIGNED_KEY))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o077, 0, "the key is its owner's only");
        }
        // Half of it gone: refused, never silently replaced (phones pinned the old one).
        std::fs::remove_file(dir.path().join(SELF_SIGNED_KEY)).unwrap();
        let refused = Identity::self_signed(dir.path(), &[]).unwrap_err();
        assert!(refused.to_string().contains("restore it"), "{refused}");
        assert!(
            Identity::from_pem_files(&dir.path().join(SELF_SIGNED_CERT), &dir.path().join("none"))
                .is_err()
        );
    }
}
