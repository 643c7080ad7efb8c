//! Fields two devices wrote at once, for a coordinator to decide: each with the record it is
//! in (the household's head or the child's name, and the village), every value written and
//! who changed the record when. Choosing a value writes it again, which clears the conflict
//! and syncs like any edit.

use crate::error::{AppError, ErrorKind};
use crate::{App, NoInput};
use daakhla_domain::RecordKind;
use daakhla_domain::ids::{ChildId, HouseholdId};
use daakhla_store::Store;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ConflictRow {
    pub doc_id: String,
    /// `household` or `child`: where the UI links to.
    pub kind: String,
    /// The household's head, or the child's name.
    pub record_name: String,
    pub household_number: String,
    pub village_en: String,
    pub village_ur: String,
    pub field: String,
    /// The value kept for now first, then the others, each with who wrote it.
    pub values: Vec<ConflictValue>,
    /// Who changed the record when, oldest first.
    pub history: Vec<ConflictChange>,
}

/// One value of a field in conflict and the change that wrote it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ConflictValue {
    #[ts(type = "unknown")]
    pub value: Value,
    /// Who wrote it; none only if no change held it.
    pub by: Option<ConflictChange>,
}

/// One change of a record: who made it, on which device, when, and the fields it wrote.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
pub struct ConflictChange {
    /// RFC 3339, UTC, as the editing device's clock said.
    pub at: String,
    /// The person the change names; empty when it named nobody (an old build wrote
    /// "unknown"), and the UI says which device made it instead.
    pub author: String,
    /// The device's id, as its changes carry it.
    pub device: String,
    /// Made on this device.
    pub this_device: bool,
    pub fields: Vec<String>,
}

impl ConflictChange {
    pub(crate) fn of(entry: daakhla_store::HistoryEntry, this_device: &str) -> ConflictChange {
        let author = entry.author.trim();
        ConflictChange {
            at: chrono::DateTime::from_timestamp(entry.at, 0)
                .unwrap_or_default()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            author: if author.eq_ignore_ascii_case("unknown") {
                String::new()
            } else {
                author.to_string()
            },
            this_device: !entry.device.is_empty() && entry.device == this_device,
            device: entry.device,
            fields: entry.fields,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ResolveRequest {
    pub doc_id: String,
    pub field: String,
    #[ts(type = "unknown")]
    pub value: Value,
}

/// The household a record is in, the patch that writes `field` of it, and how to show it.
struct Place {
    household: HouseholdId,
    record_name: String,
    household_number: String,
    village_code: String,
}

fn locate(store: &Store, kind: RecordKind, doc_id: &str) -> Result<Option<Place>, AppError> {
    Ok(match kind {
        RecordKind::Household => {
            let survey = store.survey(crate::parse_id(doc_id)?)?;
            let h = survey.household;
            Some(Place {
                household: h.id,
                record_name: h.head_name.unwrap_or_default(),
                household_number: h.household_number,
                village_code: h.village_code,
            })
        }
        RecordKind::Child => {
            let story = store.child_story(crate::parse_id::<ChildId>(doc_id)?)?;
            Some(Place {
                household: story.child.household_id,
                record_name: story.child.name,
                household_number: story.household_number,
                village_code: story.village_code,
            })
        }
        _ => None,
    })
}

impl App {
    pub fn conflicts(&self, _: NoInput) -> Result<Vec<ConflictRow>, AppError> {
        let store = self.store();
        let mut rows = Vec::new();
        for conflict in store.conflicts()? {
            let place = locate(&store, conflict.kind, &conflict.doc_id)?;
            let (village_en, village_ur) = match &place {
                Some(p) => match store.place(&p.village_code)? {
                    Some(v) => (v.name_en, v.name_ur),
                    None => (p.village_code.clone(), p.village_code.clone()),
                },
                None => Default::default(),
            };
            let device = store.device_id().to_string();
            let history = store
                .history(&conflict.doc_id)?
                .into_iter()
                .map(|h| ConflictChange::of(h, &device))
                .collect();
            let mut written = vec![conflict.winner];
            written.extend(conflict.losers);
            let sources = store.value_sources(&conflict.doc_id, &conflict.field, &written)?;
            let values = written
                .into_iter()
                .zip(sources)
                .map(|(value, by)| ConflictValue {
                    value,
                    by: by.map(|h| ConflictChange::of(h, &device)),
                })
                .collect();
            rows.push(ConflictRow {
                kind: conflict.kind.code().to_string(),
                record_name: place
                    .as_ref()
                    .map(|p| p.record_name.clone())
                    .unwrap_or_default(),
                household_number: place
                    .as_ref()
                    .map(|p| p.household_number.clone())
                    .unwrap_or_default(),
                village_en,
                village_ur,
                doc_id: conflict.doc_id,
                field: conflict.field,
                values,
                history,
            });
        }
        Ok(rows)
    }

    /// Writes the chosen value of a field in conflict: the conflict is gone here at once, and
    /// on other devices when they sync.
    pub fn resolve_conflict(&self, request: ResolveRequest) -> Result<Vec<ConflictRow>, AppError> {
        {
            let mut store = self.store();
            let conflict = store
                .conflicts()?
                .into_iter()
                .find(|c| c.doc_id == request.doc_id && c.field == request.field)
                .ok_or_else(|| {
                    AppError::new(
                        ErrorKind::NotFound,
                        "This field is no longer in conflict: someone has already decided.",
                        "یہ خانہ اب تنازع میں نہیں: کوئی پہلے ہی فیصلہ کر چکا ہے۔",
                    )
                })?;
            let place = locate(&store, conflict.kind, &conflict.doc_id)?.ok_or_else(|| {
                AppError::new(
                    ErrorKind::NotFound,
                    "Conflicts in this kind of record are resolved from the command line for now.",
                    "اس قسم کے ریکارڈ کے تنازعات فی الحال کمانڈ لائن سے حل ہوتے ہیں۔",
                )
            })?;
            let patch = match conflict.kind {
                RecordKind::Household => json!({ "household": { &request.field: request.value } }),
                _ => {
                    json!({ "children": [{ "id": request.doc_id, &request.field: request.value }] })
                }
            };
            let stored = store.survey(place.household)?;
            let edited = daakhla_domain::input::apply_survey_patch(&stored, &patch)
                .map_err(|e| AppError::bad_request(e.detail))?;
            store
                .replace_surveys(&[edited], &self.context(), &mut |_| {})
                .map_err(|e| match e {
                    daakhla_store::StoreError::Invalid(v) => {
                        AppError::invalid(&v, &|path| path.to_string())
                    }
                    e => e.into(),
                })?;
        }
        self.conflicts(NoInput {})
    }
}

/// A record's history: its id (a household's or a child's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct HistoryRequest {
    pub doc_id: String,
}

impl App {
    /// Who changed a record, on which device, when, and which fields: oldest first.
    pub fn record_history(&self, request: HistoryRequest) -> Result<Vec<ConflictChange>, AppError> {
        let store = self.store();
        let device = store.device_id().to_string();
        Ok(store
            .history(request.doc_id.trim())?
            .into_iter()
            .map(|h| ConflictChange::of(h, &device))
            .collect())
    }
}
