//! Sync packs: the changes one side lacks, in one file carried by hand (USB stick, SD card,
//! a chat app) when there is no network. See docs/sync-protocol.md, "Sync packs".
//!
//! A pack is sealed with HMAC-SHA256 keyed with the SHA-256 of the device's token: the device
//! holds its token and the server holds exactly that hash, so each side can check the other's
//! packs, while a pack damaged on the way or changed by anyone else is refused before any of
//! its changes is read.

use crate::codec::{Reader, compress, decompress, put_changes, put_varint};
use crate::{MAX_MESSAGE_BYTES, WireChange, WireError};
use daakhla_domain::Lang;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// The first bytes of every pack: "Daakhla sync pack".
pub const PACK_MAGIC: &[u8; 4] = b"DKSP";
/// The pack format this build writes and reads.
pub const PACK_VERSION: u8 = 1;
/// The most bytes a pack may have, and the most its sections may inflate to in all.
pub const MAX_PACK_BYTES: usize = 256 * 1024 * 1024;
/// Changes per compressed section: each section is a valid `changes` block of a message.
pub const SECTION_CHANGES: usize = 2_000;

const MAX_SECTIONS: usize = 10_000;
const MAX_TEXT_BYTES: usize = 256;
const MAX_SCOPES: usize = 10_000;
/// Magic, version and the pack's length (u64, little-endian).
const PREFIX_BYTES: usize = 4 + 1 + 8;
const MAC_BYTES: usize = 32;

/// Which way a pack travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A device's own changes, for the server.
    ToServer,
    /// The changes a device may see, from the server.
    ToDevice,
}

impl Direction {
    fn code(self) -> u8 {
        match self {
            Direction::ToServer => 1,
            Direction::ToDevice => 2,
        }
    }

    fn from_code(code: u8) -> Option<Direction> {
        [Direction::ToServer, Direction::ToDevice]
            .into_iter()
            .find(|d| d.code() == code)
    }
}

/// Who wrote a pack, for whom, and what it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackHeader {
    pub direction: Direction,
    /// The server's id of the device: the one that wrote the pack (to the server) or the one
    /// it is for (to a device). It names the token the pack is sealed with.
    pub device: String,
    /// The person: the device's author (to the server) or the device's user (to a device).
    pub user: String,
    /// When it was written: seconds since 1970 (UTC), by the writer's clock.
    pub written_at: u64,
    /// To the server: the union councils of its changes. To a device: the device's scopes.
    pub scopes: Vec<String>,
    /// To a device: the log positions it carries, `(after, upto]`. To the server: `after` is
    /// the writing device's pull cursor (where a pack back to it should start), `upto` 0.
    pub after: u64,
    pub upto: u64,
}

/// A pack's header and changes, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pack {
    pub header: PackHeader,
    pub changes: Vec<WireChange>,
}

/// The key a device's packs are sealed with: SHA-256 of its token.
#[derive(Clone, PartialEq, Eq)]
pub struct PackKey([u8; 32]);

impl PackKey {
    /// The key, from the token the device holds.
    pub fn from_token(token: &str) -> PackKey {
        PackKey(Sha256::digest(token.as_bytes()).into())
    }

    /// The key, from the token's SHA-256 in hex (what the server keeps).
    pub fn from_token_hash(hex: &str) -> Option<PackKey> {
        if hex.len() != 64 || !hex.is_ascii() {
            return None;
        }
        let mut key = [0u8; 32];
        for (i, byte) in key.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(PackKey(key))
    }
}

impl std::fmt::Debug for PackKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PackKey(…)")
    }
}

/// Why a pack cannot be taken. Every refusal changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackError {
    #[error("this file is not a Daakhla sync pack")]
    NotAPack,
    #[error(
        "this pack was written by a newer Daakhla (pack version {0}; this one reads version {PACK_VERSION}). Update Daakhla; nothing was changed"
    )]
    NewerVersion(u8),
    #[error(
        "the pack is incomplete: it has {found} bytes of {}; it was copied only in part. Copy it again; nothing was changed",
        expected.map_or("its header".to_string(), |e| e.to_string())
    )]
    Truncated { expected: Option<u64>, found: u64 },
    #[error(
        "the pack has {found} bytes but says it has {expected}: it was damaged or changed. Nothing was changed"
    )]
    WrongLength { expected: u64, found: u64 },
    #[error("the file is larger than a pack may be ({MAX_PACK_BYTES} bytes)")]
    TooLarge,
    #[error("the pack is damaged ({0}); nothing was changed")]
    Damaged(WireError),
    #[error(
        "the pack was damaged or changed after it was written (its seal does not match); nothing was changed. Ask for a new copy"
    )]
    Tampered,
    #[error(
        "this pack was written by a device for the server: import it with `daakhla-server pack import`"
    )]
    ForTheServer,
    #[error(
        "this pack was written by the server for a device: import it with `daakhla pack import` on that device"
    )]
    ForADevice,
    #[error(
        "this pack is for device {pack}, not this one ({this}), or from another server; nothing was changed"
    )]
    ForAnotherDevice { pack: String, this: String },
    #[error(
        "this pack was written by device {0}, which this server does not know (a pack for another server?); nothing was changed"
    )]
    UnknownDevice(String),
}

impl PackError {
    pub fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            PackError::NotAPack => "یہ فائل داخلہ کا سنک پیک نہیں ہے".into(),
            PackError::NewerVersion(v) => format!(
                "یہ پیک داخلہ کے نئے ورژن نے لکھا ہے (پیک ورژن {v}؛ یہ ورژن {PACK_VERSION} پڑھتا ہے)۔ داخلہ اپ ڈیٹ کریں؛ کچھ تبدیل نہیں ہوا"
            ),
            PackError::Truncated { expected, found } => format!(
                "پیک نامکمل ہے: اس کے {} میں سے صرف {found} بائٹ ہیں؛ پوری کاپی نہیں ہوئی۔ دوبارہ کاپی کریں؛ کچھ تبدیل نہیں ہوا",
                expected.map_or("ہیڈر".to_string(), |e| e.to_string())
            ),
            PackError::WrongLength { expected, found } => format!(
                "پیک میں {found} بائٹ ہیں مگر اس کے مطابق {expected} ہونے چاہئیں: یہ خراب یا تبدیل ہو گیا ہے۔ کچھ تبدیل نہیں ہوا"
            ),
            PackError::TooLarge => {
                format!("فائل پیک کی حد ({MAX_PACK_BYTES} بائٹ) سے بڑی ہے")
            }
            PackError::Damaged(e) => format!("پیک خراب ہے ({e})؛ کچھ تبدیل نہیں ہوا"),
            PackError::Tampered => {
                "پیک لکھے جانے کے بعد خراب یا تبدیل ہوا ہے (اس کی مہر نہیں ملتی)؛ کچھ تبدیل نہیں ہوا۔ نئی کاپی منگوائیں".into()
            }
            PackError::ForTheServer => {
                "یہ پیک ایک ڈیوائس نے سرور کے لیے لکھا ہے: اسے `daakhla-server pack import` سے لیں".into()
            }
            PackError::ForADevice => {
                "یہ پیک سرور نے ایک ڈیوائس کے لیے لکھا ہے: اسے اسی ڈیوائس پر `daakhla pack import` سے لیں".into()
            }
            PackError::ForAnotherDevice { pack, this } => format!(
                "یہ پیک ڈیوائس {pack} کے لیے ہے، اس ڈیوائس ({this}) کے لیے نہیں، یا کسی اور سرور کا ہے؛ کچھ تبدیل نہیں ہوا"
            ),
            PackError::UnknownDevice(id) => format!(
                "یہ پیک ڈیوائس {id} نے لکھا ہے جسے یہ سرور نہیں جانتا (شاید کسی اور سرور کا پیک)؛ کچھ تبدیل نہیں ہوا"
            ),
        }
    }
}

/// Writes a pack sealed with `key`. Texts in the header longer than a reader takes are cut.
pub fn encode_pack(pack: &Pack, key: &PackKey) -> Vec<u8> {
    let mut out = PACK_MAGIC.to_vec();
    out.push(PACK_VERSION);
    out.extend([0u8; 8]);
    let header = &pack.header;
    out.push(header.direction.code());
    put_text(&mut out, &header.device);
    put_text(&mut out, &header.user);
    put_varint(&mut out, header.written_at);
    put_varint(&mut out, header.after);
    put_varint(&mut out, header.upto);
    put_varint(&mut out, header.scopes.len() as u64);
    for scope in &header.scopes {
        put_text(&mut out, scope);
    }
    put_varint(
        &mut out,
        pack.changes.len().div_ceil(SECTION_CHANGES) as u64,
    );
    for section in pack.changes.chunks(SECTION_CHANGES) {
        let mut plain = Vec::new();
        put_changes(&mut plain, section);
        let compressed = compress(&plain);
        put_varint(&mut out, compressed.len() as u64);
        out.extend(compressed);
    }
    let length = (out.len() + MAC_BYTES) as u64;
    out[5..PREFIX_BYTES].copy_from_slice(&length.to_le_bytes());
    let mac = hmac_sha256(key, &out);
    out.extend(mac);
    out
}

/// A pack whose frame and header have been read but whose seal is not checked yet: nothing in
/// its header is to be trusted except to choose the key to check it with.
#[derive(Debug)]
pub struct SealedPack<'a> {
    header: PackHeader,
    /// The whole pack, seal included.
    bytes: &'a [u8],
    /// Where the sections start.
    body_at: usize,
}

/// Reads a pack's frame and header: refuses what is not a pack, a newer format, a pack cut
/// short or lengthened, and an unreadable header.
pub fn open_pack(bytes: &[u8]) -> Result<SealedPack<'_>, PackError> {
    let found = bytes.len() as u64;
    if bytes.len() > MAX_PACK_BYTES {
        return Err(PackError::TooLarge);
    }
    let magic_seen = &bytes[..bytes.len().min(PACK_MAGIC.len())];
    if !PACK_MAGIC.starts_with(magic_seen) {
        return Err(PackError::NotAPack);
    }
    let Some(&version) = bytes.get(PACK_MAGIC.len()) else {
        return Err(PackError::Truncated {
            expected: None,
            found,
        });
    };
    if version > PACK_VERSION {
        return Err(PackError::NewerVersion(version));
    }
    if version != PACK_VERSION {
        return Err(PackError::Damaged(WireError::WrongVersion(version)));
    }
    let Some(length) = bytes.get(5..PREFIX_BYTES) else {
        return Err(PackError::Truncated {
            expected: None,
            found,
        });
    };
    let expected = u64::from_le_bytes(length.try_into().expect("8 bytes"));
    if found < expected {
        return Err(PackError::Truncated {
            expected: Some(expected),
            found,
        });
    }
    if found > expected || bytes.len() < PREFIX_BYTES + MAC_BYTES {
        return Err(PackError::WrongLength { expected, found });
    }
    let sealed = &bytes[PREFIX_BYTES..bytes.len() - MAC_BYTES];
    let mut reader = Reader::plain(sealed);
    let header = read_header(&mut reader).map_err(PackError::Damaged)?;
    Ok(SealedPack {
        header,
        bytes,
        body_at: PREFIX_BYTES + reader.position(),
    })
}

impl SealedPack<'_> {
    pub fn header(&self) -> &PackHeader {
        &self.header
    }

    /// Checks the seal with `key`, then reads the changes. A pack that any other key sealed,
    /// or that changed by one bit since, is refused before its sections are inflated.
    pub fn unseal(self, key: &PackKey) -> Result<Pack, PackError> {
        let (sealed, mac) = self.bytes.split_at(self.bytes.len() - MAC_BYTES);
        // In constant time: where a forged seal first differs must not show.
        if seal_mac(key)
            .chain_update(sealed)
            .verify_slice(mac)
            .is_err()
        {
            return Err(PackError::Tampered);
        }
        let changes = read_sections(&sealed[self.body_at..]).map_err(PackError::Damaged)?;
        Ok(Pack {
            header: self.header,
            changes,
        })
    }
}

fn put_text(out: &mut Vec<u8>, text: &str) {
    let mut end = text.len().min(MAX_TEXT_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    put_varint(out, end as u64);
    out.extend_from_slice(&text.as_bytes()[..end]);
}

fn read_text(r: &mut Reader, what: &'static str, max: usize) -> Result<String, WireError> {
    let len = r.length(what, max)?;
    std::str::from_utf8(r.take(len, what)?)
        .map(str::to_string)
        .map_err(|_| WireError::BadScope)
}

fn read_header(r: &mut Reader) -> Result<PackHeader, WireError> {
    let code = r.byte("the direction")?;
    let direction = Direction::from_code(code).ok_or(WireError::OverLimit {
        what: "the direction",
        value: code.into(),
        max: 2,
    })?;
    let device = read_text(r, "the device", MAX_TEXT_BYTES)?;
    let user = read_text(r, "the user", MAX_TEXT_BYTES)?;
    let written_at = r.varint("the time written")?;
    let after = r.varint("the range's start")?;
    let upto = r.varint("the range's end")?;
    let count = r.length("the number of scopes", MAX_SCOPES)?;
    let mut scopes = Vec::with_capacity(count.min(64));
    for _ in 0..count {
        scopes.push(read_text(r, "a scope", crate::codec::MAX_SCOPE_BYTES)?);
    }
    Ok(PackHeader {
        direction,
        device,
        user,
        written_at,
        scopes,
        after,
        upto,
    })
}

/// The sections, each a DEFLATE'd `changes` block; at most MAX_PACK_BYTES inflated in all.
fn read_sections(body: &[u8]) -> Result<Vec<WireChange>, WireError> {
    let mut r = Reader::plain(body);
    let count = r.length("the number of sections", MAX_SECTIONS)?;
    let mut changes = Vec::new();
    let mut inflated = 0usize;
    for _ in 0..count {
        let len = r.length("a section's length", MAX_MESSAGE_BYTES)?;
        let plain = decompress(r.take(len, "a section")?)?;
        inflated += plain.len();
        if inflated > MAX_PACK_BYTES {
            return Err(WireError::TooLarge);
        }
        let mut section = Reader::plain(&plain);
        changes.extend(section.changes()?);
        section.finish()?;
    }
    r.finish()?;
    Ok(changes)
}

/// The seal's MAC: HMAC-SHA256 keyed with the hash of the device's token.
fn seal_mac(key: &PackKey) -> Hmac<Sha256> {
    <Hmac<Sha256> as KeyInit>::new_from_slice(&key.0).expect("HMAC takes a key of any length")
}

fn hmac_sha256(key: &PackKey, data: &[u8]) -> [u8; MAC_BYTES] {
    seal_mac(key)
        .chain_update(data)
        .finalize()
        .into_bytes()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Kind;
    use proptest::prelude::*;
    use uuid::Uuid;

    fn change(n: u8) -> WireChange {
        WireChange {
            doc_id: Uuid::from_bytes([n; 16]),
            kind: Kind::Household,
            scope: "PB-BWP-T1-UC01".into(),
            bytes: (0..40 + n).collect(),
        }
    }

    fn pack(changes: Vec<WireChange>) -> Pack {
        Pack {
            header: PackHeader {
                direction: Direction::ToDevice,
                device: "0193b1c2-7d4e-7a10-8b2c-5f6e7d8c9a0b".into(),
                user: "عائشہ".into(),
                written_at: 1_795_000_000,
                scopes: vec!["PB-BWP-T1-UC01".into()],
                after: 17,
                upto: 420,
            },
            changes,
        }
    }

    fn key() -> PackKey {
        PackKey::from_token("a device's token")
    }

    fn read(bytes: &[u8], key: &PackKey) -> Result<Pack, PackError> {
        open_pack(bytes)?.unseal(key)
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        let mac: [u8; 32] = Hmac::<Sha256>::new_from_slice(&[0x0b; 20])
            .unwrap()
            .chain_update(b"Hi There")
            .finalize()
            .into_bytes()
            .into();
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
        );
    }

    #[test]
    fn the_servers_hash_gives_the_devices_key() {
        let hash: String = Sha256::digest(b"a device's token")
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(PackKey::from_token_hash(&hash), Some(key()));
        assert_eq!(PackKey::from_token_hash("not hex"), None);
    }

    #[test]
    fn packs_round_trip_across_sections() {
        let many: Vec<WireChange> = (0..SECTION_CHANGES + 5)
            .map(|i| change((i % 200) as u8))
            .collect();
        for changes in [vec![], vec![change(1), change(2)], many] {
            let pack = pack(changes);
            assert_eq!(read(&encode_pack(&pack, &key()), &key()).unwrap(), pack);
        }
    }

    #[test]
    fn a_pack_cut_at_any_length_is_refused_as_incomplete() {
        let bytes = encode_pack(&pack(vec![change(1), change(2)]), &key());
        for len in 0..bytes.len() {
            assert!(
                matches!(
                    read(&bytes[..len], &key()),
                    Err(PackError::Truncated { .. })
                ),
                "cut at {len}: {:?}",
                read(&bytes[..len], &key())
            );
        }
    }

    #[test]
    fn any_flipped_byte_is_detected() {
        let original = pack(vec![change(1), change(2)]);
        let bytes = encode_pack(&original, &key());
        for at in 0..bytes.len() {
            for flip in [0x01, 0x80, 0xff] {
                let mut damaged = bytes.clone();
                damaged[at] ^= flip;
                assert!(read(&damaged, &key()).is_err(), "byte {at} ^ {flip:#x}");
            }
        }
    }

    #[test]
    fn another_key_or_added_bytes_are_refused() {
        let bytes = encode_pack(&pack(vec![change(1)]), &key());
        assert_eq!(
            read(&bytes, &PackKey::from_token("someone else")),
            Err(PackError::Tampered)
        );
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(
            read(&longer, &key()),
            Err(PackError::WrongLength { .. })
        ));
    }

    #[test]
    fn other_files_and_newer_packs_say_so() {
        assert_eq!(
            read(b"{\"household\": {}}", &key()).unwrap_err(),
            PackError::NotAPack
        );
        let push = crate::encode_push(&crate::Push { changes: vec![] });
        assert_eq!(read(&push, &key()).unwrap_err(), PackError::NotAPack);
        let mut newer = encode_pack(&pack(vec![]), &key());
        newer[4] = PACK_VERSION + 1;
        assert_eq!(
            read(&newer, &key()).unwrap_err(),
            PackError::NewerVersion(PACK_VERSION + 1)
        );
        for error in [PackError::NotAPack, PackError::Tampered] {
            assert_ne!(error.message(Lang::Ur), error.message(Lang::En));
        }
    }

    /// A frame with a valid seal around any body: the sections' decoder sees arbitrary bytes.
    fn sealed_frame(header_and_body: &[u8]) -> Vec<u8> {
        let mut out = PACK_MAGIC.to_vec();
        out.push(PACK_VERSION);
        out.extend(((PREFIX_BYTES + header_and_body.len() + MAC_BYTES) as u64).to_le_bytes());
        out.extend(header_and_body);
        let mac = hmac_sha256(&key(), &out);
        out.extend(mac);
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// Any bytes give a pack or an error, never a panic: raw, and inside a sealed frame
        /// after a valid header.
        #[test]
        fn the_pack_decoder_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = read(&bytes, &key());
            let _ = read(&sealed_frame(&bytes), &key());
            let mut framed = encode_pack(&pack(vec![]), &key());
            let header_end = framed.len() - MAC_BYTES - 1;
            framed.truncate(header_end);
            framed.extend(&bytes);
            let _ = read(&sealed_frame(&framed[PREFIX_BYTES..]), &key());
        }

        #[test]
        fn any_pack_round_trips(
            to_server in any::<bool>(),
            device in "[a-f0-9-]{0,36}",
            user in "\\PC{0,40}",
            written_at in any::<u64>(),
            after in any::<u64>(),
            upto in any::<u64>(),
            scopes in proptest::collection::vec("[A-Z0-9-]{0,20}", 0..5),
            changes in proptest::collection::vec(
                (any::<[u8; 16]>(), 1u8..=3, "[A-Z0-9-]{0,20}", proptest::collection::vec(any::<u8>(), 0..300)),
                0..20,
            ),
        ) {
            let pack = Pack {
                header: PackHeader {
                    direction: if to_server { Direction::ToServer } else { Direction::ToDevice },
                    device,
                    user,
                    written_at,
                    scopes,
                    after,
                    upto,
                },
                changes: changes
                    .into_iter()
                    .map(|(id, kind, scope, bytes)| WireChange {
                        doc_id: Uuid::from_bytes(id),
                        kind: Kind::from_wire_code(kind).unwrap(),
                        scope,
                        bytes,
                    })
                    .collect(),
            };
            prop_assert_eq!(read(&encode_pack(&pack, &key()), &key()).unwrap(), pack);
        }
    }
}
