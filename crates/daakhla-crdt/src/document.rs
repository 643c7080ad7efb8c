use crate::CrdtError;
use crate::value::{from_scalar, to_scalar};
use automerge::transaction::{CommitOptions, Transactable};
use automerge::{ActorId, AutoCommit, Change, ChangeHash, ROOT, ReadDoc, Value as AmValue};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Who made an edit, where and when; carried in the change itself, so every device can tell
/// a record's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    /// The person, as the app knows them ("Ayesha (CRP)").
    pub author: String,
    /// The device's id.
    pub device: String,
    /// Seconds since 1970 (UTC).
    pub at: i64,
}

/// A field two devices wrote concurrently: the value every device shows, and the others.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    pub field: String,
    pub winner: Value,
    pub losers: Vec<Value>,
}

/// What a document holds now: one value per field, and the fields in conflict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Materialised {
    pub fields: Map<String, Value>,
    pub conflicts: Vec<Conflict>,
}

/// One record's document.
pub struct RecordDoc {
    doc: AutoCommit,
}

impl RecordDoc {
    /// An empty document that will write its changes as `actor`.
    pub fn new(actor: &ActorId) -> RecordDoc {
        RecordDoc {
            doc: AutoCommit::new().with_actor(actor.clone()),
        }
    }

    pub fn load(bytes: &[u8], actor: &ActorId) -> Result<RecordDoc, CrdtError> {
        Ok(RecordDoc {
            doc: AutoCommit::load(bytes)?.with_actor(actor.clone()),
        })
    }

    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    pub fn heads(&mut self) -> Vec<ChangeHash> {
        self.doc.get_heads()
    }

    /// Writes a record's fields as one change: each field whose value differs from what the
    /// document shows, or that is in conflict (writing it resolves the conflict), and removes
    /// the fields the record no longer has. Returns the change, or none if nothing differed.
    pub fn write(&mut self, record: &Value, stamp: &Stamp) -> Result<Option<Change>, CrdtError> {
        let Value::Object(fields) = record else {
            return Err(CrdtError::NotAnObject);
        };
        for (key, value) in fields {
            let values = self.doc.get_all(ROOT, key.as_str())?;
            let unchanged = values.len() == 1 && scalar_of(&values[0].0).as_ref() == Some(value);
            if !unchanged {
                self.doc.put(ROOT, key.as_str(), to_scalar(value))?;
            }
        }
        let gone: Vec<String> = self
            .doc
            .keys(ROOT)
            .filter(|k| !fields.contains_key(k))
            .collect();
        for key in gone {
            self.doc.delete(ROOT, key.as_str())?;
        }
        let message = serde_json::to_string(stamp).expect("stamps serialise");
        let committed = self.doc.commit_with(
            CommitOptions::default()
                .with_message(message)
                .with_time(stamp.at),
        );
        Ok(committed.and_then(|_| self.doc.get_last_local_change()))
    }

    /// Applies changes from elsewhere. Changes already applied are ignored; changes whose
    /// dependencies are missing wait inside the document until those arrive. A change the
    /// document refuses (another change with the same writer and number, which a restored
    /// backup of an older build can make) is left out without stopping the others: `has`
    /// tells which were taken, and the caller keeps the rest to try again.
    pub fn apply(&mut self, changes: Vec<Change>) {
        if self.doc.apply_changes(changes.clone()).is_err() {
            for change in changes {
                let _ = self.doc.apply_changes([change]);
            }
        }
    }

    /// Hashes of changes some applied change depends on that this document lacks.
    pub fn missing(&mut self) -> Vec<ChangeHash> {
        self.doc.get_missing_deps(&[])
    }

    /// Whether the document holds (has applied) the change with this hash.
    pub fn has(&mut self, hash: &ChangeHash) -> bool {
        self.doc.get_change_by_hash(hash).is_some()
    }

    /// Every change of the document, oldest first.
    pub fn changes(&mut self) -> Vec<Change> {
        self.doc.get_changes(&[])
    }

    /// The record as the document holds it now.
    pub fn read(&self) -> Result<Materialised, CrdtError> {
        let mut fields = Map::new();
        let mut conflicts = Vec::new();
        for key in self.doc.keys(ROOT) {
            let winner = self
                .doc
                .get(ROOT, key.as_str())?
                .and_then(|(v, _)| scalar_of(&v))
                .unwrap_or(Value::Null);
            let all = self.doc.get_all(ROOT, key.as_str())?;
            if all.len() > 1 {
                // Every value but one copy of the winner lost.
                let mut losers: Vec<Value> = all.iter().filter_map(|(v, _)| scalar_of(v)).collect();
                if let Some(at) = losers.iter().position(|v| *v == winner) {
                    losers.remove(at);
                }
                conflicts.push(Conflict {
                    field: key.clone(),
                    winner: winner.clone(),
                    losers,
                });
            }
            fields.insert(key, winner);
        }
        Ok(Materialised { fields, conflicts })
    }
}

/// Reads a change from bytes.
pub fn change_from_bytes(bytes: Vec<u8>) -> Result<Change, CrdtError> {
    Ok(Change::from_bytes(bytes)?)
}

/// The stamp a change carries, if it was made by this crate.
pub fn stamp_of(change: &Change) -> Option<Stamp> {
    change.message().and_then(|m| serde_json::from_str(m).ok())
}

/// The record fields a change writes or removes, each once, in order.
pub fn fields_of(change: &Change) -> Vec<String> {
    let mut fields: Vec<String> = Vec::new();
    for op in change.decode().operations {
        if let automerge::legacy::Key::Map(key) = op.key
            && !fields.iter().any(|f| *f == key)
        {
            fields.push(key.to_string());
        }
    }
    fields
}

fn scalar_of(value: &AmValue) -> Option<Value> {
    match value {
        AmValue::Scalar(scalar) => Some(from_scalar(scalar)),
        AmValue::Object(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stamp(author: &str, at: i64) -> Stamp {
        Stamp {
            author: author.into(),
            device: format!("{author}-phone"),
            at,
        }
    }

    fn household() -> Value {
        json!({"id": "h1", "household_number": "12", "head_name": "Muhammad Aslam", "members": 6,
               "gps": {"latitude": 25.4, "longitude": 68.4}})
    }

    /// Two devices that start from the same record.
    fn two_devices() -> (RecordDoc, RecordDoc) {
        let mut a = RecordDoc::new(&ActorId::from(&[1u8; 16][..]));
        a.write(&household(), &stamp("ayesha", 1)).unwrap().unwrap();
        let bytes = a.save();
        let b = RecordDoc::load(&bytes, &ActorId::from(&[2u8; 16][..])).unwrap();
        (a, b)
    }

    fn sync(x: &mut RecordDoc, y: &mut RecordDoc) {
        let from_x = x.changes();
        let from_y = y.changes();
        x.apply(from_y);
        y.apply(from_x);
    }

    #[test]
    fn a_record_reads_back_as_written() {
        let (a, _) = two_devices();
        let read = a.read().unwrap();
        assert_eq!(Value::Object(read.fields), household());
        assert!(read.conflicts.is_empty());
    }

    #[test]
    fn writing_the_same_record_again_makes_no_change() {
        let (mut a, _) = two_devices();
        assert!(
            a.write(&household(), &stamp("ayesha", 2))
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_change_writes_only_the_fields_that_differ() {
        let (mut a, _) = two_devices();
        let mut edited = household();
        edited["members"] = json!(7);
        let change = a.write(&edited, &stamp("ayesha", 2)).unwrap().unwrap();
        assert_eq!(change.len(), 1, "one operation for one field");
        assert_eq!(fields_of(&change), ["members"]);
        assert_eq!(stamp_of(&change), Some(stamp("ayesha", 2)));
    }

    #[test]
    fn edits_of_different_fields_both_survive() {
        let (mut a, mut b) = two_devices();
        let mut on_a = household();
        on_a["members"] = json!(7);
        a.write(&on_a, &stamp("ayesha", 2)).unwrap();
        let mut on_b = household();
        on_b["head_name"] = json!("M. Aslam");
        b.write(&on_b, &stamp("naila", 3)).unwrap();
        sync(&mut a, &mut b);
        let (ra, rb) = (a.read().unwrap(), b.read().unwrap());
        assert_eq!(ra, rb);
        assert_eq!(ra.fields["members"], json!(7));
        assert_eq!(ra.fields["head_name"], json!("M. Aslam"));
        assert!(ra.conflicts.is_empty());
    }

    #[test]
    fn edits_of_one_field_pick_one_winner_everywhere_and_keep_the_loser() {
        let (mut a, mut b) = two_devices();
        let mut on_a = household();
        on_a["head_name"] = json!("Muhammad Aslam Khan");
        a.write(&on_a, &stamp("ayesha", 2)).unwrap();
        let mut on_b = household();
        on_b["head_name"] = json!("محمد اسلم");
        b.write(&on_b, &stamp("naila", 3)).unwrap();
        sync(&mut a, &mut b);
        let (ra, rb) = (a.read().unwrap(), b.read().unwrap());
        assert_eq!(ra, rb, "both devices show the same winner");
        assert_eq!(ra.conflicts.len(), 1);
        let conflict = &ra.conflicts[0];
        assert_eq!(conflict.field, "head_name");
        let mut both = vec![conflict.winner.clone(), conflict.losers[0].clone()];
        both.sort_by_key(|v| v.to_string());
        assert_eq!(both, [json!("Muhammad Aslam Khan"), json!("محمد اسلم")]);

        // A coordinator resolves it by writing the field again; the resolution syncs.
        let mut resolved = Value::Object(ra.fields.clone());
        resolved["head_name"] = json!("Muhammad Aslam Khan");
        a.write(&resolved, &stamp("coordinator", 4))
            .unwrap()
            .expect("a resolution is a change");
        sync(&mut a, &mut b);
        assert!(b.read().unwrap().conflicts.is_empty());
        assert_eq!(
            b.read().unwrap().fields["head_name"],
            json!("Muhammad Aslam Khan")
        );
    }

    #[test]
    fn objects_merge_as_one_value_never_as_a_mixture() {
        let (mut a, mut b) = two_devices();
        let mut on_a = household();
        on_a["gps"] = json!({"latitude": 25.5, "longitude": 68.5});
        a.write(&on_a, &stamp("ayesha", 2)).unwrap();
        let mut on_b = household();
        on_b["gps"] = json!({"latitude": 30.1, "longitude": 70.2});
        b.write(&on_b, &stamp("naila", 3)).unwrap();
        sync(&mut a, &mut b);
        let gps = a.read().unwrap().fields["gps"].clone();
        assert!(
            gps == json!({"latitude": 25.5, "longitude": 68.5})
                || gps == json!({"latitude": 30.1, "longitude": 70.2})
        );
    }

    #[test]
    fn a_field_left_out_is_removed_and_changes_apply_in_any_order_any_number_of_times() {
        let (mut a, mut b) = two_devices();
        let mut edited = household();
        edited.as_object_mut().unwrap().remove("gps");
        let first = a.write(&edited, &stamp("ayesha", 2)).unwrap().unwrap();
        edited["members"] = json!(9);
        let second = a.write(&edited, &stamp("ayesha", 3)).unwrap().unwrap();
        // Out of order, then duplicated.
        b.apply(vec![second.clone()]);
        assert_eq!(b.missing(), vec![first.hash()]);
        b.apply(vec![first.clone(), second, first]);
        assert!(b.missing().is_empty());
        assert_eq!(b.read().unwrap(), a.read().unwrap());
        assert!(!b.read().unwrap().fields.contains_key("gps"));
    }

    #[test]
    fn a_change_numbered_like_another_by_the_same_writer_is_left_out_and_the_rest_applied() {
        let (mut a, mut b) = two_devices();
        // A copy of `a` made now (a backup) writes as the same actor as `a` does later.
        let mut backup = RecordDoc::load(&a.save(), &ActorId::from(&[1u8; 16][..])).unwrap();
        let mut edited = household();
        edited["members"] = json!(9);
        let taken = a.write(&edited, &stamp("ayesha", 2)).unwrap().unwrap();
        edited["members"] = json!(3);
        let clash = backup.write(&edited, &stamp("ayesha", 3)).unwrap().unwrap();
        edited["members"] = json!(9);
        edited["landmark"] = json!("By the canal");
        let other = RecordDoc::load(&a.save(), &ActorId::from(&[3u8; 16][..]))
            .unwrap()
            .write(&edited, &stamp("naila", 4))
            .unwrap()
            .unwrap();
        b.apply(vec![taken.clone(), clash.clone(), other.clone()]);
        assert!(b.has(&taken.hash()) && b.has(&other.hash()));
        assert!(!b.has(&clash.hash()), "the clashing change is left out");
        let fields = b.read().unwrap().fields;
        assert_eq!(
            (&fields["members"], &fields["landmark"]),
            (&json!(9), &json!("By the canal"))
        );
    }
}
