//! The sync protocol's messages, as they travel: a small binary format (magic, version,
//! varint-prefixed fields), DEFLATE-compressed as a whole; and sync packs, the same changes
//! sealed into one file for when there is no network. See docs/sync-protocol.md.
//!
//! Decoding is strict and bounded: a truncated, oversized or malformed message is an error
//! naming what is wrong, never a panic and never a huge allocation.

mod codec;
mod pack;

pub use codec::{decode_pull, decode_push, encode_pull, encode_push};
pub use pack::{
    Direction, MAX_PACK_BYTES, PACK_MAGIC, PACK_VERSION, Pack, PackError, PackHeader, PackKey,
    SECTION_CHANGES, SealedPack, encode_pack, open_pack,
};

use uuid::Uuid;

/// The protocol version this build speaks.
pub const VERSION: u8 = 1;
/// The most changes one message may carry.
pub const MAX_CHANGES: usize = 5_000;
/// The most bytes one change may have.
pub const MAX_CHANGE_BYTES: usize = 256 * 1024;
/// The most bytes a message may have, compressed or not.
pub const MAX_MESSAGE_BYTES: usize = 32 * 1024 * 1024;

pub use daakhla_domain::RecordKind as Kind;

/// One Automerge change of one document, with the union council the document belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireChange {
    pub doc_id: Uuid,
    pub kind: Kind,
    pub scope: String,
    pub bytes: Vec<u8>,
}

/// A device's local changes, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Push {
    pub changes: Vec<WireChange>,
}

/// Changes for a device after its cursor, in the server's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pull {
    /// Where the next pull starts: the position of the last change here (or the cursor asked
    /// for, when there is nothing new).
    pub cursor: u64,
    /// More changes wait after this batch.
    pub more: bool,
    pub changes: Vec<WireChange>,
}

/// Why a message could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("the message is not DEFLATE-compressed data")]
    NotCompressed,
    #[error("the message is larger than {MAX_MESSAGE_BYTES} bytes")]
    TooLarge,
    #[error("the message does not start with {expected:?}")]
    WrongMagic { expected: &'static str },
    #[error("protocol version {0} is not spoken here (this side speaks {VERSION})")]
    WrongVersion(u8),
    #[error("the message ends early, in {0}")]
    Truncated(&'static str),
    #[error("{what} is {value}, more than the {max} allowed")]
    OverLimit {
        what: &'static str,
        value: u64,
        max: u64,
    },
    #[error("unknown record kind {0}")]
    UnknownKind(u8),
    #[error("a scope is not UTF-8 text")]
    BadScope,
    #[error("{0} bytes follow the end of the message")]
    TrailingBytes(usize),
}
