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
    body: Body,
    /// The document's saved bytes, kept from the check that they load again until the next
    /// edit: a received record is then saved once, not twice (saving is most of its cost).
    saved: Option<Vec<u8>>,
}

enum Body {
    /// Boxed: an Automerge document is over 4 KB before it holds anything.
    Doc(Box<AutoCommit>),
    /// A record received as its first change alone, with the fields it puts: most of what a
    /// device receives is records created once and never edited, and such a record needs no
    /// Automerge document until it is edited. Its saved form is the change's own bytes, which
    /// Automerge loads as a document.
    Created {
        change: Box<Change>,
        fields: Map<String, Value>,
        /// The fields in the order the change writes them.
        written: Vec<String>,
        actor: ActorId,
    },
}

impl RecordDoc {
    /// An empty document that will write its changes as `actor`.
    pub fn new(actor: &ActorId) -> RecordDoc {
        RecordDoc {
            body: Body::Doc(Box::new(AutoCommit::new().with_actor(actor.clone()))),
            saved: None,
        }
    }

    /// A saved document. Bytes that make Automerge panic are an error, never a panic.
    pub fn load(bytes: &[u8], actor: &ActorId) -> Result<RecordDoc, CrdtError> {
        let doc = guarded(|| AutoCommit::load(bytes)).map_err(CrdtError::Unloadable)??;
        Ok(RecordDoc {
            body: Body::Doc(Box::new(doc.with_actor(actor.clone()))),
            saved: None,
        })
    }

    /// The Automerge document, made from the record's first change if it has not been yet.
    fn automerge(&mut self) -> Result<&mut AutoCommit, CrdtError> {
        if let Body::Created { change, actor, .. } = &self.body {
            let mut doc = AutoCommit::new().with_actor(actor.clone());
            guarded(|| doc.apply_changes([(**change).clone()]))
                .map_err(CrdtError::Unloadable)??;
            self.body = Body::Doc(Box::new(doc));
        }
        match &mut self.body {
            Body::Doc(doc) => Ok(&mut **doc),
            Body::Created { .. } => unreachable!("made into a document above"),
        }
    }

    /// Whether the document, saved, loads again: a change can apply cleanly and still leave a
    /// document whose saved bytes Automerge cannot load (or panics on), found by fuzzing.
    fn reloads(&mut self) -> Result<(), String> {
        let doc = self.automerge().map_err(|e| e.to_string())?;
        let bytes = guarded(|| doc.save())?;
        match guarded(|| AutoCommit::load(&bytes))? {
            Ok(_) => {
                self.saved = Some(bytes);
                Ok(())
            }
            Err(e) => Err(format!("the document would not load again: {e}")),
        }
    }

    pub fn save(&mut self) -> Vec<u8> {
        if let Some(saved) = self.saved.take() {
            return saved;
        }
        match &mut self.body {
            Body::Doc(doc) => doc.save(),
            Body::Created { change, .. } => change.raw_bytes().to_vec(),
        }
    }

    /// Writes a record's fields as one change: each field whose value differs from what the
    /// document shows, or that is in conflict (writing it resolves the conflict), and removes
    /// the fields the record no longer has. Returns the change, or none if nothing differed.
    pub fn write(&mut self, record: &Value, stamp: &Stamp) -> Result<Option<Change>, CrdtError> {
        self.saved = None;
        let Value::Object(fields) = record else {
            return Err(CrdtError::NotAnObject);
        };
        let doc = self.automerge()?;
        for (key, value) in fields {
            let values = doc.get_all(ROOT, key.as_str())?;
            let unchanged = values.len() == 1 && scalar_of(&values[0].0).as_ref() == Some(value);
            if !unchanged {
                doc.put(ROOT, key.as_str(), to_scalar(value))?;
            }
        }
        let gone: Vec<String> = doc.keys(ROOT).filter(|k| !fields.contains_key(k)).collect();
        for key in gone {
            doc.delete(ROOT, key.as_str())?;
        }
        let message = serde_json::to_string(stamp).expect("stamps serialise");
        let committed = doc.commit_with(
            CommitOptions::default()
                .with_message(message)
                .with_time(stamp.at),
        );
        Ok(committed.and_then(|_| doc.get_last_local_change()))
    }

    /// The document saved as `saved` (a new one if none) with `changes` from elsewhere
    /// applied. Changes already applied are ignored; changes whose dependencies are missing
    /// wait inside the document until those arrive. A change the document refuses (another
    /// change with the same writer and number, which a restored backup of an older build can
    /// make) is left out without stopping the others: `has` tells which were taken, and the
    /// caller keeps the rest to try again.
    ///
    /// A change that makes Automerge panic (one crafted to point at operations the document
    /// lacks, say) never harms the document or the caller: the document is opened again from
    /// `saved`, the changes are tried one at a time, and each that panics is returned,
    /// never applied. So is a change after which the document, saved, would not load again
    /// (a crafted change can apply to a record's document without a panic and leave it so):
    /// the document returned always saves into bytes that load.
    ///
    /// A new record's first change alone is read without Automerge (`created_fields`).
    pub fn load_and_apply(
        saved: Option<&[u8]>,
        actor: &ActorId,
        changes: &[Change],
    ) -> Result<(RecordDoc, Vec<Unappliable>), CrdtError> {
        if saved.is_none()
            && let [change] = changes
            && let Some((fields, written)) = created_fields(change)
        {
            let body = Body::Created {
                change: Box::new(change.clone()),
                fields,
                written,
                actor: actor.clone(),
            };
            return Ok((RecordDoc { body, saved: None }, Vec::new()));
        }
        let open = || match saved {
            Some(bytes) => RecordDoc::load(bytes, actor),
            None => Ok(RecordDoc::new(actor)),
        };
        let mut doc = open()?;
        if doc.try_apply(changes.to_vec()).is_ok() && doc.reloads().is_ok() {
            return Ok((doc, Vec::new()));
        }
        let mut doc = open()?;
        let mut taken: Vec<Change> = Vec::new();
        let mut unappliable = Vec::new();
        for change in changes.iter().cloned() {
            let hash = change.hash();
            match doc
                .try_apply(vec![change.clone()])
                .and_then(|()| doc.reloads())
            {
                Ok(()) => taken.push(change),
                Err(why) => {
                    unappliable.push(Unappliable { hash, why });
                    // The change left the document in no known state: rebuild it.
                    doc = open()?;
                    doc.try_apply(taken.clone())
                        .map_err(CrdtError::Unloadable)?;
                }
            }
        }
        Ok((doc, unappliable))
    }

    /// Applies changes, each on its own if the batch is refused; a panic is the error.
    fn try_apply(&mut self, changes: Vec<Change>) -> Result<(), String> {
        self.saved = None;
        let doc = self.automerge().map_err(|e| e.to_string())?;
        guarded(|| {
            if doc.apply_changes(changes.clone()).is_err() {
                for change in changes {
                    let _ = doc.apply_changes([change]);
                }
            }
        })
    }

    /// Hashes of changes some applied change depends on that this document lacks.
    pub fn missing(&mut self) -> Result<Vec<ChangeHash>, CrdtError> {
        Ok(self.automerge()?.get_missing_deps(&[]))
    }

    /// Whether the document holds (has applied) the change with this hash.
    pub fn has(&mut self, hash: &ChangeHash) -> bool {
        match &mut self.body {
            Body::Doc(doc) => doc.get_change_by_hash(hash).is_some(),
            Body::Created { change, .. } => change.hash() == *hash,
        }
    }

    /// The record fields `change` writes or removes, each once, in order (`fields_of`): for
    /// the first change a new record was read from, known without decoding it again.
    pub fn fields_of(&self, change: &Change) -> Vec<String> {
        match &self.body {
            Body::Created {
                change: first,
                written,
                ..
            } if first.hash() == change.hash() => written.clone(),
            _ => fields_of(change),
        }
    }

    /// Every change of the document, oldest first.
    pub fn changes(&mut self) -> Result<Vec<Change>, CrdtError> {
        Ok(self.automerge()?.get_changes(&[]))
    }

    /// The record as the document holds it now.
    pub fn read(&self) -> Result<Materialised, CrdtError> {
        let doc = match &self.body {
            Body::Doc(doc) => doc,
            Body::Created { fields, .. } => {
                return Ok(Materialised {
                    fields: fields.clone(),
                    conflicts: Vec::new(),
                });
            }
        };
        let mut fields = Map::new();
        let mut conflicts = Vec::new();
        for key in doc.keys(ROOT) {
            let winner = doc
                .get(ROOT, key.as_str())?
                .and_then(|(v, _)| scalar_of(&v))
                .unwrap_or(Value::Null);
            let all = doc.get_all(ROOT, key.as_str())?;
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

/// The fields a record's first change puts, if that is all it is: no dependencies, its
/// writer's first change, and plain values put on the record once each, none over another
/// (what `write` makes of a new record). Applied to an empty document such a change gives
/// exactly these fields and no conflict, so every device shows the same record whether it
/// read the change this way or through Automerge.
/// Also answers the fields in the order the change writes them (as `fields_of` does).
fn created_fields(change: &Change) -> Option<(Map<String, Value>, Vec<String>)> {
    use automerge::ScalarValue;
    use automerge::legacy::{Key, ObjectId, OpType};
    if !change.deps().is_empty() || change.seq() != 1 || change.start_op().get() != 1 {
        return None;
    }
    let decoded = guarded(|| change.decode()).ok()?;
    let mut fields = std::collections::BTreeMap::new();
    let mut written = Vec::with_capacity(decoded.operations.len());
    for op in &decoded.operations {
        let (ObjectId::Root, Key::Map(key), OpType::Put(scalar), false) =
            (&op.obj, &op.key, &op.action, op.insert)
        else {
            return None;
        };
        let plain = !matches!(
            scalar,
            ScalarValue::Counter(_) | ScalarValue::Timestamp(_) | ScalarValue::Unknown { .. }
        );
        if !plain || !op.pred.is_empty() {
            return None;
        }
        if fields
            .insert(key.to_string(), from_scalar(scalar))
            .is_some()
        {
            return None;
        }
        written.push(key.to_string());
    }
    // Bytes Automerge would not have written (a crafted change can encode the same change
    // otherwise) apply, but a document made of them saves into bytes that do not load: such a
    // change goes through Automerge and its checks instead.
    let canonical = guarded(|| Change::from(decoded)).ok()?;
    (canonical.hash() == change.hash()).then(|| (fields.into_iter().collect(), written))
}

/// A change Automerge could not apply without panicking, and what it said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unappliable {
    pub hash: ChangeHash,
    pub why: String,
}

/// Runs `work`, turning a panic inside it into an error with the panic's message.
fn guarded<T>(work: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).map_err(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "Automerge panicked".into())
    })
}

/// Reads a change from bytes.
pub fn change_from_bytes(bytes: Vec<u8>) -> Result<Change, CrdtError> {
    Ok(Change::from_bytes(bytes)?)
}

/// A top-level field a change writes: its new value, or none where the change removes it.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldWritten {
    pub field: String,
    pub value: Option<Value>,
}

/// The top-level fields a change writes, in order, with the values it gives them. Records are
/// flat maps of scalars (objects and lists travel as JSON bytes): a change that makes an
/// object of its own (an Automerge Text for a string, as JavaScript Automerge writes one),
/// writes inside one, or cannot be decoded, is refused with the field it touches.
pub fn fields_written(change: &Change) -> Result<Vec<FieldWritten>, CrdtError> {
    use automerge::legacy::{Key, ObjectId, OpType};
    let decoded = guarded(|| change.decode()).map_err(CrdtError::Undecodable)?;
    let mut fields = Vec::new();
    for op in decoded.operations {
        let field = match &op.key {
            Key::Map(key) => key.to_string(),
            Key::Seq(_) => String::new(),
        };
        if op.obj != ObjectId::Root || field.is_empty() {
            return Err(CrdtError::NestedObject { field });
        }
        let value = match op.action {
            OpType::Put(scalar) => Some(from_scalar(&scalar)),
            OpType::Delete => None,
            _ => return Err(CrdtError::NestedObject { field }),
        };
        fields.push(FieldWritten { field, value });
    }
    Ok(fields)
}

/// The stamp a change carries, if it was made by this crate.
pub fn stamp_of(change: &Change) -> Option<Stamp> {
    change.message().and_then(|m| serde_json::from_str(m).ok())
}

/// The record fields a change writes or removes, each once, in order.
pub fn fields_of(change: &Change) -> Vec<String> {
    let mut fields: Vec<String> = Vec::new();
    let Ok(decoded) = guarded(|| change.decode()) else {
        return fields;
    };
    for op in decoded.operations {
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
        let from_x = x.changes().unwrap();
        let from_y = y.changes().unwrap();
        x.try_apply(from_y).unwrap();
        y.try_apply(from_x).unwrap();
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

    /// The bytes kept from the reload check are what is saved, until the next edit.
    #[test]
    fn a_received_document_is_saved_as_it_is_after_every_later_edit() {
        let (mut a, _) = two_devices();
        let mut edited = household();
        edited["members"] = json!(7);
        let change = a.write(&edited, &stamp("ayesha", 2)).unwrap().unwrap();
        let (mut b, refused) =
            RecordDoc::load_and_apply(None, &ActorId::from(&[2u8; 16][..]), &a.changes().unwrap())
                .unwrap();
        assert!(refused.is_empty() && b.has(&change.hash()));
        let received = RecordDoc::load(&b.save(), &ActorId::from(&[3u8; 16][..])).unwrap();
        assert_eq!(received.read().unwrap(), a.read().unwrap());

        let (mut b, _) =
            RecordDoc::load_and_apply(None, &ActorId::from(&[2u8; 16][..]), &a.changes().unwrap())
                .unwrap();
        edited["members"] = json!(8);
        b.write(&edited, &stamp("naila", 3)).unwrap().unwrap();
        let saved = RecordDoc::load(&b.save(), &ActorId::from(&[3u8; 16][..])).unwrap();
        assert_eq!(saved.read().unwrap().fields["members"], json!(8));
    }

    #[test]
    fn a_new_record_read_from_its_first_change_is_the_record_automerge_shows() {
        let mut a = RecordDoc::new(&ActorId::from(&[1u8; 16][..]));
        let created = a.write(&household(), &stamp("ayesha", 1)).unwrap().unwrap();
        let reader = ActorId::from(&[2u8; 16][..]);
        let (mut b, refused) =
            RecordDoc::load_and_apply(None, &reader, std::slice::from_ref(&created)).unwrap();
        assert!(refused.is_empty());
        assert!(
            matches!(b.body, Body::Created { .. }),
            "no document was made"
        );
        assert!(b.has(&created.hash()));
        assert_eq!(b.read().unwrap(), a.read().unwrap());
        assert_eq!(b.fields_of(&created), fields_of(&created));
        // Saved as the change itself, it loads as a document and takes edits from anyone.
        let mut loaded = RecordDoc::load(&b.save(), &reader).unwrap();
        assert_eq!(loaded.read().unwrap(), a.read().unwrap());
        let edited = json!({"id": "h1", "household_number": "12", "head_name": "Muhammad Aslam",
                            "members": 7, "gps": {"latitude": 25.4, "longitude": 68.4}});
        let edit = loaded.write(&edited, &stamp("bilal", 2)).unwrap().unwrap();
        a.try_apply(vec![edit]).unwrap();
        assert_eq!(a.read().unwrap().fields["members"], json!(7));
        // An edit alone is no first change: it waits in a document for the record.
        let (mut waiting, _) =
            RecordDoc::load_and_apply(None, &reader, &[a.changes().unwrap().remove(1)]).unwrap();
        assert!(matches!(waiting.body, Body::Doc(_)));
        assert_eq!(waiting.missing().unwrap(), vec![created.hash()]);
    }

    /// Found by the fuzz target `automerge_change`: a first change that puts plain values but
    /// is not encoded as Automerge encodes it. Read as a new record's first change, the
    /// document made of it saved into bytes that would not load.
    #[test]
    fn a_first_change_not_encoded_as_automerge_would_goes_through_automerge() {
        const ODD: &[u8] = &[
            133, 111, 74, 131, 94, 70, 203, 180, 1, 114, 0, 16, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
            4, 4, 4, 4, 1, 1, 0, 0, 0, 10, 1, 6, 2, 6, 17, 6, 19, 9, 21, 22, 54, 3, 70, 4, 86, 6,
            87, 6, 112, 2, 0, 1, 5, 0, 0, 1, 0, 1, 5, 1, 0, 1, 0, 0, 0, 0, 0, 8, 0, 255, 129, 255,
            253, 252, 254, 0, 1, 127, 9, 104, 101, 97, 100, 95, 110, 97, 109, 101, 0, 5, 127, 7,
            109, 101, 109, 98, 101, 114, 115, 1, 5, 1, 127, 4, 6, 1, 127, 0, 5, 22, 127, 20, 65,
            115, 108, 97, 109, 7, 7, 0,
        ];
        let change = change_from_bytes(ODD.to_vec()).unwrap();
        let scratch = ActorId::from(&[0u8; 16][..]);
        let (mut doc, _) = RecordDoc::load_and_apply(None, &scratch, &[change]).unwrap();
        assert!(
            matches!(doc.body, Body::Doc(_)),
            "not read as a first change"
        );
        let _ = doc.missing().unwrap();
        let read = doc.read().unwrap();
        let again = RecordDoc::load(&doc.save(), &scratch).expect("a saved document loads");
        assert_eq!(again.read().unwrap(), read);
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
        b.try_apply(vec![second.clone()]).unwrap();
        assert_eq!(b.missing().unwrap(), vec![first.hash()]);
        b.try_apply(vec![first.clone(), second, first]).unwrap();
        assert!(b.missing().unwrap().is_empty());
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
        b.try_apply(vec![taken.clone(), clash.clone(), other.clone()])
            .unwrap();
        assert!(b.has(&taken.hash()) && b.has(&other.hash()));
        assert!(!b.has(&clash.hash()), "the clashing change is left out");
        let fields = b.read().unwrap().fields;
        assert_eq!(
            (&fields["members"], &fields["landmark"]),
            (&json!(9), &json!("By the canal"))
        );
    }

    /// A change with a valid checksum that writes over `first`'s operations without naming
    /// `first` as a dependency: what a hostile device can send.
    pub(crate) fn poison() -> (Change, Change) {
        let (mut a, _) = two_devices();
        let first = a.changes().unwrap().remove(0);
        let mut b = RecordDoc::load(&a.save(), &ActorId::from(&[2u8; 16][..])).unwrap();
        let mut edited = household();
        edited["members"] = json!(7);
        let edit = b.write(&edited, &stamp("naila", 2)).unwrap().unwrap();
        let mut expanded = edit.decode();
        expanded.deps.clear();
        (first, Change::from(expanded))
    }

    #[test]
    fn a_change_that_makes_automerge_panic_is_left_out_and_the_rest_applied() {
        let (first, poison) = poison();
        assert!(poison.deps().is_empty());
        let actor = ActorId::from(&[9u8; 16][..]);
        let other = RecordDoc::new(&ActorId::from(&[3u8; 16][..]))
            .write(
                &json!({"id": "s1", "name": "GPS Basti"}),
                &stamp("naila", 5),
            )
            .unwrap()
            .unwrap();
        let (mut doc, unappliable) =
            RecordDoc::load_and_apply(None, &actor, &[poison.clone(), other.clone()]).unwrap();
        assert_eq!(
            unappliable.iter().map(|u| u.hash).collect::<Vec<_>>(),
            [poison.hash()]
        );
        assert!(!unappliable[0].why.is_empty());
        assert!(doc.has(&other.hash()) && !doc.has(&poison.hash()));
        assert_eq!(doc.read().unwrap().fields["name"], json!("GPS Basti"));
        // The document stays whole: it saves, loads and takes the honest first change.
        let saved = doc.save();
        let (mut again, none) =
            RecordDoc::load_and_apply(Some(&saved), &actor, std::slice::from_ref(&first)).unwrap();
        assert!(none.is_empty() && again.has(&first.hash()));
    }

    #[test]
    fn fields_written_names_each_field_and_refuses_nested_objects() {
        let (mut a, _) = two_devices();
        let mut edited = household();
        edited["members"] = json!(7);
        edited.as_object_mut().unwrap().remove("gps");
        let change = a.write(&edited, &stamp("ayesha", 2)).unwrap().unwrap();
        let written = fields_written(&change).unwrap();
        assert!(written.contains(&FieldWritten {
            field: "members".into(),
            value: Some(json!(7))
        }));
        assert!(written.contains(&FieldWritten {
            field: "gps".into(),
            value: None
        }));

        // A string as an Automerge Text object, the way JavaScript Automerge writes one.
        let mut js = AutoCommit::new().with_actor(ActorId::from(&[4u8; 16][..]));
        let text = js
            .put_object(ROOT, "head_name", automerge::ObjType::Text)
            .unwrap();
        js.splice_text(&text, 0, 0, "Aslam").unwrap();
        js.commit();
        let change = js.get_last_local_change().unwrap().clone();
        match fields_written(&change) {
            Err(CrdtError::NestedObject { field }) => assert_eq!(field, "head_name"),
            other => panic!("expected a refusal naming head_name, got {other:?}"),
        }
    }

    /// The change of `daakhla-sync`'s `tests/fixtures/poison-household.change`: two fields put
    /// with predecessors it does not name as dependencies. Alone it makes Automerge panic (and
    /// is refused); the fuzz target `automerge_change` found that onto a record's document it
    /// applies without a panic and leaves a document whose saved bytes do not load (Automerge
    /// panics on them, or refuses them), so the record could never be read or edited again.
    const POISON: &[u8] = &[
        0x85, 0x6f, 0x4a, 0x83, 0xda, 0xa9, 0x2b, 0x12, 0x01, 0x91, 0x01, 0x00, 0x10, 0x02, 0x02,
        0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02, 0x01,
        0x0a, 0x02, 0x36, 0x7b, 0x22, 0x61, 0x75, 0x74, 0x68, 0x6f, 0x72, 0x22, 0x3a, 0x22, 0x61,
        0x74, 0x74, 0x61, 0x63, 0x6b, 0x65, 0x72, 0x22, 0x2c, 0x22, 0x64, 0x65, 0x76, 0x69, 0x63,
        0x65, 0x22, 0x3a, 0x22, 0x61, 0x74, 0x74, 0x61, 0x63, 0x6b, 0x65, 0x72, 0x2d, 0x70, 0x68,
        0x6f, 0x6e, 0x65, 0x22, 0x2c, 0x22, 0x61, 0x74, 0x22, 0x3a, 0x32, 0x7d, 0x01, 0x10, 0x01,
        0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
        0x08, 0x15, 0x11, 0x34, 0x01, 0x42, 0x02, 0x56, 0x03, 0x57, 0x04, 0x70, 0x02, 0x71, 0x02,
        0x73, 0x03, 0x7e, 0x07, 0x6d, 0x65, 0x6d, 0x62, 0x65, 0x72, 0x73, 0x07, 0x75, 0x63, 0x5f,
        0x63, 0x6f, 0x64, 0x65, 0x02, 0x02, 0x01, 0x7e, 0x14, 0x36, 0x07, 0x55, 0x43, 0x31, 0x02,
        0x01, 0x02, 0x01, 0x7e, 0x05, 0x03,
    ];

    #[test]
    fn a_change_that_leaves_a_document_unloadable_is_refused() {
        let poison = change_from_bytes(POISON.to_vec()).unwrap();
        let mut a = RecordDoc::new(&ActorId::from(&[1u8; 16][..]));
        let first = a.write(&household(), &stamp("ayesha", 1)).unwrap().unwrap();
        let scratch = ActorId::from(&[0u8; 16][..]);

        // Applied by Automerge alone, the document it makes cannot be loaded again.
        let mut raw = AutoCommit::load(&a.save()).unwrap();
        raw.apply_changes([poison.clone()]).unwrap();
        let broken = raw.save();
        assert!(
            RecordDoc::load(&broken, &scratch).is_err(),
            "an error, not a panic"
        );

        // As the server checks a push (every change of the record in a scratch document) and
        // as a store takes a pulled change onto the record's saved document: refused.
        for (saved, changes) in [
            (None, vec![first.clone(), poison.clone()]),
            (Some(a.save()), vec![poison.clone()]),
        ] {
            let (mut doc, refused) =
                RecordDoc::load_and_apply(saved.as_deref(), &scratch, &changes).unwrap();
            assert_eq!(refused.len(), 1);
            assert_eq!(refused[0].hash, poison.hash());
            assert!(!doc.has(&poison.hash()) && doc.has(&first.hash()));
            let again = RecordDoc::load(&doc.save(), &scratch).unwrap();
            assert_eq!(again.read().unwrap(), a.read().unwrap());
        }
    }
}
