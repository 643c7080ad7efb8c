//! Encryption at rest: a device store and its WAL are encrypted with SQLCipher (AES-256 in
//! CBC mode, each page with its own IV and HMAC-SHA512), so a lost phone or a copied file
//! does not give away children's names.
//!
//! Where the key comes from is one seam, [`KeySource`]: this crate only asks it for a key and,
//! when a store is new or still plain, for a new one. It makes no OS calls of its own; the
//! sources live with the programs that open stores (`daakhla-keys`):
//!
//! - the OS keystore where there is one (Secret Service on Linux, Keychain on macOS, the
//!   Credential Manager on Windows): 32 random bytes, used as SQLCipher's key directly;
//! - a key file beside the store (`daakhla.sqlite.key`, mode 0600) on a desktop with no
//!   keystore: weaker, since whoever copies the folder copies the key, but it still keeps a
//!   store file that travels alone (a backup, an email) unreadable;
//! - a PIN the user sets ([`StoreKey::Passphrase`]): SQLCipher's own key derivation,
//!   PBKDF2-HMAC-SHA512 with 256,000 iterations and a random salt kept in the file's first
//!   16 bytes;
//! - an explicit key for tests and scripts (`DAAKHLA_STORE_KEY`, `--store-key`): 64 hex
//!   digits are a raw key, anything else a passphrase.
//!
//! Android Keystore plugs into the same seam: its keys never leave the secure hardware, so
//! the source would keep a random store key wrapped (AES-GCM) by a Keystore key beside the
//! store, unwrap it through the Keystore (over JNI, from the Tauri shell) in `find`, and make
//! and wrap a new one in `make`. The store sees a [`StoreKey::Raw`] either way.
//!
//! A store is opened with `PRAGMA key` as its very first statement, before the checks and
//! migrations. A wrong key is found by the first read and refused with the file unchanged.

use std::fmt;
use std::path::Path;

/// What SQLite writes at the start of every plain (unencrypted) database file. An encrypted
/// file starts with its random salt instead.
pub(crate) const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// The key a store is locked with. Its bytes are wiped when it is dropped and never shown.
#[derive(Clone, PartialEq, Eq)]
pub enum StoreKey {
    /// 32 random bytes, used as SQLCipher's key as they are (no derivation: they are already
    /// random, and whatever holds them guards them).
    Raw([u8; 32]),
    /// A passphrase or PIN: SQLCipher derives the key with PBKDF2-HMAC-SHA512 (256,000
    /// iterations, the salt in the file), so each try costs a guesser the same.
    Passphrase(String),
}

impl StoreKey {
    /// Reads a key given as text (`DAAKHLA_STORE_KEY`, `--store-key`): 64 hex digits are a raw
    /// key, any other text a passphrase. Empty text is no key.
    pub fn parse(text: &str) -> Option<StoreKey> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        Some(StoreKey::from_hex(text).unwrap_or_else(|| StoreKey::Passphrase(text.to_string())))
    }

    /// A raw key from exactly 64 hex digits.
    pub fn from_hex(text: &str) -> Option<StoreKey> {
        let text = text.trim().as_bytes();
        if text.len() != 64 {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (byte, pair) in bytes.iter_mut().zip(text.chunks(2)) {
            let digit = |c: u8| (c as char).to_digit(16);
            *byte = (digit(pair[0])? * 16 + digit(pair[1])?) as u8;
        }
        Some(StoreKey::Raw(bytes))
    }

    /// A raw key as 64 lower-case hex digits, for a keystore or a key file. `None` for a
    /// passphrase, which is never kept.
    pub fn to_hex(&self) -> Option<String> {
        match self {
            StoreKey::Raw(bytes) => Some(bytes.iter().map(|b| format!("{b:02x}")).collect()),
            StoreKey::Passphrase(_) => None,
        }
    }

    /// The value of `PRAGMA key`: `x'..'` is SQLCipher's syntax for a raw key.
    pub(crate) fn pragma_value(&self) -> String {
        match self {
            StoreKey::Raw(_) => format!("x'{}'", self.to_hex().expect("a raw key")),
            StoreKey::Passphrase(text) => text.clone(),
        }
    }
}

impl Drop for StoreKey {
    fn drop(&mut self) {
        let bytes: &mut [u8] = match self {
            StoreKey::Raw(bytes) => bytes,
            // SAFETY: zeros are valid UTF-8.
            StoreKey::Passphrase(text) => unsafe { text.as_bytes_mut() },
        };
        for byte in bytes {
            // Volatile, so the wipe is not optimised away as a write before a free.
            unsafe { std::ptr::write_volatile(byte, 0) };
        }
    }
}

impl fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreKey::Raw(_) => f.write_str("StoreKey::Raw(..)"),
            StoreKey::Passphrase(_) => f.write_str("StoreKey::Passphrase(..)"),
        }
    }
}

/// Why a key source could not give a key: a sentence in English and in Urdu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError {
    pub en: String,
    pub ur: String,
}

impl KeyError {
    pub fn new(en: impl Into<String>, ur: impl Into<String>) -> KeyError {
        KeyError {
            en: en.into(),
            ur: ur.into(),
        }
    }
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.en)
    }
}

impl std::error::Error for KeyError {}

/// Where a store's key comes from: the one seam between the store and keystores, key files,
/// PINs and explicit keys.
pub trait KeySource {
    /// The key this source holds for the store at `store`, if it has one.
    fn find(&self, store: &Path) -> Result<Option<StoreKey>, KeyError>;

    /// Makes a new key for the store at `store` and keeps it where `find` will find it. The
    /// store asks only when the file is new or still plain, so refusing a wrong key never
    /// leaves a new key behind.
    fn make(&self, store: &Path) -> Result<StoreKey, KeyError>;
}

/// An explicit key is its own source: tests, scripts and a PIN typed by the user.
impl KeySource for StoreKey {
    fn find(&self, _: &Path) -> Result<Option<StoreKey>, KeyError> {
        Ok(Some(self.clone()))
    }

    fn make(&self, _: &Path) -> Result<StoreKey, KeyError> {
        Ok(self.clone())
    }
}

/// Whether the file at `path` is a plain SQLite file (or too short to be anything yet),
/// rather than an encrypted one.
pub(crate) fn is_plain(path: &Path) -> std::io::Result<bool> {
    use std::io::Read;
    let mut head = Vec::with_capacity(16);
    std::fs::File::open(path)?.take(16).read_to_end(&mut head)?;
    Ok(head.len() < 16 || head == PLAIN_HEADER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_keys_round_trip_and_other_text_is_a_passphrase() {
        let hex = "00ff10aa".repeat(8);
        let key = StoreKey::parse(&hex).unwrap();
        assert!(matches!(key, StoreKey::Raw(_)));
        assert_eq!(key.to_hex().unwrap(), hex);
        assert_eq!(key.pragma_value(), format!("x'{hex}'"));
        assert_eq!(
            StoreKey::parse(" 4821 "),
            Some(StoreKey::Passphrase("4821".into()))
        );
        assert_eq!(StoreKey::parse("  "), None);
        // 64 characters that are not all hex: a passphrase, not a broken raw key.
        let almost = format!("{}zz", "0".repeat(62));
        assert!(matches!(
            StoreKey::parse(&almost),
            Some(StoreKey::Passphrase(_))
        ));
        assert_eq!(format!("{key:?}"), "StoreKey::Raw(..)");
    }
}
