//! The kinds of record that are synced, each one Automerge document.

use serde::Serialize;

/// A kind of synced record. Its text code names it in stores; its number on the wire.
/// Neither ever changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    Household,
    Child,
    FollowUp,
    School,
    /// An infrastructure need of a school.
    Need,
}

/// What puts a record in a union council: a field of its own naming the union council, or
/// the field naming the record it hangs on, whose union council it shares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    UnionCouncil {
        field: &'static str,
    },
    Parent {
        field: &'static str,
        kind: RecordKind,
    },
}

impl RecordKind {
    /// In the order records depend on each other: a child needs its household first, a need
    /// its school.
    pub const ALL: [RecordKind; 5] = [
        RecordKind::Household,
        RecordKind::Child,
        RecordKind::FollowUp,
        RecordKind::School,
        RecordKind::Need,
    ];

    /// Where a record of this kind is: a household and a school name their union council; a
    /// child is its household's, a follow-up its child's, a need its school's.
    pub fn placement(self) -> Placement {
        match self {
            RecordKind::Household | RecordKind::School => {
                Placement::UnionCouncil { field: "uc_code" }
            }
            RecordKind::Child => Placement::Parent {
                field: "household_id",
                kind: RecordKind::Household,
            },
            RecordKind::FollowUp => Placement::Parent {
                field: "child_id",
                kind: RecordKind::Child,
            },
            RecordKind::Need => Placement::Parent {
                field: "school_id",
                kind: RecordKind::School,
            },
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            RecordKind::Household => "household",
            RecordKind::Child => "child",
            RecordKind::FollowUp => "follow_up",
            RecordKind::School => "school",
            RecordKind::Need => "need",
        }
    }

    pub fn from_code(code: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn wire_code(self) -> u8 {
        match self {
            RecordKind::Household => 1,
            RecordKind::Child => 2,
            RecordKind::FollowUp => 3,
            RecordKind::School => 4,
            RecordKind::Need => 5,
        }
    }

    pub fn from_wire_code(code: u8) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.wire_code() == code)
    }
}

/// A stored record as exports read it, from a device store or the server alike: its body
/// (the record as its document shows it) and what it hangs on, so a row can say where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    pub kind: RecordKind,
    pub body: serde_json::Value,
    /// The union council it belongs to (a follow-up's and a need's through what they hang on).
    pub uc_code: String,
    /// A child's household, a follow-up's child, a need's school; none for the others.
    pub parent: Option<serde_json::Value>,
    /// A child's stage (a `lifecycle::Stage` code) and enrolment date, kept beside its row.
    pub stage: Option<String>,
    pub enrolled_on: Option<String>,
}
