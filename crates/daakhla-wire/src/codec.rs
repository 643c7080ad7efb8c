use crate::{
    Kind, MAX_CHANGE_BYTES, MAX_CHANGES, MAX_MESSAGE_BYTES, Pull, Push, VERSION, WireChange,
    WireError,
};
use flate2::Compression;
use flate2::read::DeflateDecoder;
use flate2::write::DeflateEncoder;
use std::io::{Read, Write};
use uuid::Uuid;

const PUSH_MAGIC: &[u8; 4] = b"DKPU";
const PULL_MAGIC: &[u8; 4] = b"DKPL";
pub(crate) const MAX_SCOPE_BYTES: usize = 64;

pub fn encode_push(push: &Push) -> Vec<u8> {
    let mut out = header(PUSH_MAGIC);
    put_changes(&mut out, &push.changes);
    compress(&out)
}

pub fn encode_pull(pull: &Pull) -> Vec<u8> {
    let mut out = header(PULL_MAGIC);
    put_varint(&mut out, pull.cursor);
    out.push(u8::from(pull.more));
    put_changes(&mut out, &pull.changes);
    compress(&out)
}

pub fn decode_push(compressed: &[u8]) -> Result<Push, WireError> {
    let plain = decompress(compressed)?;
    let mut r = Reader::new(&plain, PUSH_MAGIC, "DKPU")?;
    let changes = r.changes()?;
    r.finish()?;
    Ok(Push { changes })
}

pub fn decode_pull(compressed: &[u8]) -> Result<Pull, WireError> {
    let plain = decompress(compressed)?;
    let mut r = Reader::new(&plain, PULL_MAGIC, "DKPL")?;
    let cursor = r.varint("the cursor")?;
    let more = match r.byte("the more flag")? {
        0 => false,
        1 => true,
        other => {
            return Err(WireError::OverLimit {
                what: "the more flag",
                value: other.into(),
                max: 1,
            });
        }
    };
    let changes = r.changes()?;
    r.finish()?;
    Ok(Pull {
        cursor,
        more,
        changes,
    })
}

fn header(magic: &[u8; 4]) -> Vec<u8> {
    let mut out = magic.to_vec();
    out.push(VERSION);
    out
}

pub(crate) fn put_changes(out: &mut Vec<u8>, changes: &[WireChange]) {
    put_varint(out, changes.len() as u64);
    for change in changes {
        out.extend_from_slice(change.doc_id.as_bytes());
        out.push(change.kind.wire_code());
        put_varint(out, change.scope.len() as u64);
        out.extend_from_slice(change.scope.as_bytes());
        put_varint(out, change.bytes.len() as u64);
        out.extend_from_slice(&change.bytes);
    }
}

pub(crate) fn put_varint(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

pub(crate) fn compress(plain: &[u8]) -> Vec<u8> {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(plain).expect("writing to memory");
    encoder.finish().expect("writing to memory")
}

/// Inflates at most MAX_MESSAGE_BYTES: a small message cannot expand into a huge one.
pub(crate) fn decompress(compressed: &[u8]) -> Result<Vec<u8>, WireError> {
    if compressed.len() > MAX_MESSAGE_BYTES {
        return Err(WireError::TooLarge);
    }
    let mut plain = Vec::new();
    DeflateDecoder::new(compressed)
        .take(MAX_MESSAGE_BYTES as u64 + 1)
        .read_to_end(&mut plain)
        .map_err(|_| WireError::NotCompressed)?;
    if plain.len() > MAX_MESSAGE_BYTES {
        return Err(WireError::TooLarge);
    }
    Ok(plain)
}

pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    /// Reads `bytes` from their start, with no magic expected.
    pub(crate) fn plain(bytes: &'a [u8]) -> Self {
        Reader { bytes, at: 0 }
    }

    fn new(bytes: &'a [u8], magic: &[u8; 4], name: &'static str) -> Result<Self, WireError> {
        let mut r = Reader { bytes, at: 0 };
        if r.take(4, "the magic")? != magic {
            return Err(WireError::WrongMagic { expected: name });
        }
        match r.byte("the version")? {
            VERSION => Ok(r),
            other => Err(WireError::WrongVersion(other)),
        }
    }

    pub(crate) fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], WireError> {
        let end = self
            .at
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len())
            .ok_or(WireError::Truncated(what))?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    pub(crate) fn byte(&mut self, what: &'static str) -> Result<u8, WireError> {
        Ok(self.take(1, what)?[0])
    }

    pub(crate) fn varint(&mut self, what: &'static str) -> Result<u64, WireError> {
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.byte(what)?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(WireError::OverLimit {
            what,
            value: u64::MAX,
            max: u64::MAX >> 1,
        })
    }

    /// A length, checked against `max` before anything is allocated for it.
    pub(crate) fn length(&mut self, what: &'static str, max: usize) -> Result<usize, WireError> {
        let value = self.varint(what)?;
        if value > max as u64 {
            return Err(WireError::OverLimit {
                what,
                value,
                max: max as u64,
            });
        }
        Ok(value as usize)
    }

    pub(crate) fn changes(&mut self) -> Result<Vec<WireChange>, WireError> {
        let count = self.length("the number of changes", MAX_CHANGES)?;
        let mut changes = Vec::with_capacity(count.min(1024));
        for _ in 0..count {
            let doc_id = Uuid::from_slice(self.take(16, "a document id")?).expect("16 bytes");
            let code = self.byte("a record kind")?;
            let kind = Kind::from_wire_code(code).ok_or(WireError::UnknownKind(code))?;
            let scope_len = self.length("a scope's length", MAX_SCOPE_BYTES)?;
            let scope = std::str::from_utf8(self.take(scope_len, "a scope")?)
                .map_err(|_| WireError::BadScope)?;
            let bytes_len = self.length("a change's length", MAX_CHANGE_BYTES)?;
            let bytes = self.take(bytes_len, "a change")?.to_vec();
            changes.push(WireChange {
                doc_id,
                kind,
                scope: scope.to_string(),
                bytes,
            });
        }
        Ok(changes)
    }

    /// How many bytes have been read.
    pub(crate) fn position(&self) -> usize {
        self.at
    }

    pub(crate) fn finish(&self) -> Result<(), WireError> {
        match self.bytes.len() - self.at {
            0 => Ok(()),
            extra => Err(WireError::TrailingBytes(extra)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn change(n: u8) -> WireChange {
        WireChange {
            doc_id: Uuid::from_bytes([n; 16]),
            kind: Kind::Child,
            scope: "PB-BWP-T1-UC01".into(),
            bytes: vec![n; 50 + n as usize],
        }
    }

    #[test]
    fn messages_round_trip() {
        let push = Push {
            changes: vec![change(1), change(2)],
        };
        assert_eq!(decode_push(&encode_push(&push)).unwrap(), push);
        let pull = Pull {
            cursor: 1_234_567,
            more: true,
            changes: vec![change(3)],
        };
        assert_eq!(decode_pull(&encode_pull(&pull)).unwrap(), pull);
        let empty = Pull {
            cursor: 0,
            more: false,
            changes: vec![],
        };
        assert_eq!(decode_pull(&encode_pull(&empty)).unwrap(), empty);
    }

    #[test]
    fn a_push_is_not_a_pull() {
        let push = encode_push(&Push { changes: vec![] });
        assert_eq!(
            decode_pull(&push),
            Err(WireError::WrongMagic { expected: "DKPL" })
        );
    }

    #[test]
    fn another_version_is_refused() {
        let mut plain = PUSH_MAGIC.to_vec();
        plain.extend([2, 0]);
        assert_eq!(
            decode_push(&compress(&plain)),
            Err(WireError::WrongVersion(2))
        );
    }

    #[test]
    fn a_truncated_message_says_where_it_ends() {
        let mut plain = header(PUSH_MAGIC);
        put_changes(&mut plain, &[change(1)]);
        plain.truncate(plain.len() - 10);
        assert_eq!(
            decode_push(&compress(&plain)),
            Err(WireError::Truncated("a change"))
        );
        assert_eq!(
            decode_push(b"not deflate at all \xff\xff"),
            Err(WireError::NotCompressed)
        );
    }

    #[test]
    fn a_huge_length_is_refused_before_anything_is_allocated() {
        let mut plain = header(PUSH_MAGIC);
        put_varint(&mut plain, u64::MAX >> 2);
        assert!(matches!(
            decode_push(&compress(&plain)),
            Err(WireError::OverLimit { .. })
        ));
    }

    #[test]
    fn a_compression_bomb_is_refused() {
        let plain = vec![0u8; MAX_MESSAGE_BYTES + 10];
        assert_eq!(decode_push(&compress(&plain)), Err(WireError::TooLarge));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2_000))]

        /// The decoders' fuzz target: any bytes at all give a message or an error, never a
        /// panic; and any bytes inside a valid frame likewise.
        #[test]
        fn decoders_never_panic_on_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let _ = decode_push(&bytes);
            let _ = decode_pull(&bytes);
            let _ = decode_push(&compress(&bytes));
            let mut framed = header(PULL_MAGIC);
            framed.extend(&bytes);
            let _ = decode_pull(&compress(&framed));
        }

        #[test]
        fn any_message_round_trips(
            cursor in any::<u64>(),
            more in any::<bool>(),
            changes in proptest::collection::vec(
                (any::<[u8; 16]>(), 1u8..=3, "[A-Z0-9-]{0,20}", proptest::collection::vec(any::<u8>(), 0..300)),
                0..20,
            ),
        ) {
            let changes: Vec<WireChange> = changes
                .into_iter()
                .map(|(id, kind, scope, bytes)| WireChange {
                    doc_id: Uuid::from_bytes(id),
                    kind: Kind::from_wire_code(kind).unwrap(),
                    scope,
                    bytes,
                })
                .collect();
            let pull = Pull { cursor, more, changes: changes.clone() };
            prop_assert_eq!(decode_pull(&encode_pull(&pull)).unwrap(), pull);
            let push = Push { changes };
            prop_assert_eq!(decode_push(&encode_push(&push)).unwrap(), push);
        }
    }
}
