//! A record is an Automerge document whose root map holds the record's top-level fields.
//! Every local edit becomes one Automerge change; changes from other devices merge in any
//! order, any number of times.
//!
//! The unit of merging is a top-level field. A field holding an object or a list (a GPS fix,
//! a schooling status, a list of reasons) is stored as one JSON value, so two devices editing
//! it concurrently never produce a mixture neither of them wrote. Two devices editing
//! different fields of one record both keep their edits; the same field, Automerge picks the
//! same winner everywhere and the losing values are reported as conflicts until someone
//! writes the field again.
//!
//! No I/O: documents come in and go out as bytes.

mod document;
mod value;

pub use automerge::{ActorId, Change, ChangeHash};
pub use document::{
    Conflict, FieldWritten, Materialised, RecordDoc, Stamp, Unappliable, change_from_bytes,
    fields_of, fields_written, stamp_of,
};

/// What can go wrong with documents and changes.
#[derive(Debug, thiserror::Error)]
pub enum CrdtError {
    #[error("a document could not be read: {0}")]
    Document(#[from] automerge::AutomergeError),
    #[error("a change could not be read: {0}")]
    Change(#[from] automerge::LoadChangeError),
    #[error("a record must be a JSON object")]
    NotAnObject,
    #[error("a document could not be loaded: {0}")]
    Unloadable(String),
    #[error("a change could not be decoded: {0}")]
    Undecodable(String),
    #[error(
        "field {field:?}: a record's fields must be plain values (strings as scalars, not Automerge Text or other objects)"
    )]
    NestedObject { field: String },
}
