//! What this phone holds that the server has not got yet, as a resource person counts it: in
//! records (households, children, visits), never in changes; the records the server refused
//! from this phone, each named as its household is known at the door; and the union councils
//! the phone is enrolled for, which are the only ones a survey may be saved in.

use crate::error::AppError;
use crate::places::PlaceChoice;
use crate::setup::ENROLLED_SCOPES_KEY;
use daakhla_domain::geography::Level;
use daakhla_domain::ids::HouseholdId;
use daakhla_store::{RecordKind, Store, UnsentRecord};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};
use ts_rs::TS;

/// Records by kind, with the sentence a person reads for them ("2 households, 3 children and
/// 1 visit"; "nothing" when all are nought), in English and Urdu.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct RecordCounts {
    pub households: u32,
    pub children: u32,
    pub visits: u32,
    pub schools: u32,
    pub needs: u32,
    pub en: String,
    pub ur: String,
}

impl RecordCounts {
    /// The counts of these records, each counted once.
    pub(crate) fn of<'a>(records: impl IntoIterator<Item = (&'a str, RecordKind)>) -> Self {
        let mut seen = HashSet::new();
        let mut counts = RecordCounts::default();
        for (id, kind) in records {
            if !seen.insert(id) {
                continue;
            }
            *match kind {
                RecordKind::Household => &mut counts.households,
                RecordKind::Child => &mut counts.children,
                RecordKind::FollowUp => &mut counts.visits,
                RecordKind::School => &mut counts.schools,
                RecordKind::Need => &mut counts.needs,
            } += 1;
        }
        counts.worded()
    }

    pub(crate) fn total(&self) -> u32 {
        self.households + self.children + self.visits + self.schools + self.needs
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.total() == 0
    }

    /// Fills in the sentences from the counts.
    pub(crate) fn worded(mut self) -> Self {
        let parts = [
            (
                self.households,
                ("household", "households"),
                ("گھرانہ", "گھرانے"),
            ),
            (self.children, ("child", "children"), ("بچہ", "بچے")),
            (self.visits, ("visit", "visits"), ("ملاقات", "ملاقاتیں")),
            (self.schools, ("school", "schools"), ("اسکول", "اسکول")),
            (
                self.needs,
                ("school need", "school needs"),
                ("ضرورت", "ضروریات"),
            ),
        ];
        let mut en = Vec::new();
        let mut ur = Vec::new();
        for (n, (en_one, en_many), (ur_one, ur_many)) in parts {
            if n == 0 {
                continue;
            }
            en.push(format!("{n} {}", if n == 1 { en_one } else { en_many }));
            ur.push(format!("{n} {}", if n == 1 { ur_one } else { ur_many }));
        }
        self.en = listed(en, ", ", " and ").unwrap_or_else(|| "nothing".into());
        self.ur = listed(ur, "، ", " اور ").unwrap_or_else(|| "کچھ نہیں".into());
        self
    }
}

/// "a, b and c"; none for an empty list.
fn listed(mut items: Vec<String>, comma: &str, and: &str) -> Option<String> {
    let last = items.pop()?;
    if items.is_empty() {
        return Some(last);
    }
    Some(format!("{}{and}{last}", items.join(comma)))
}

/// A household whose records the server would not take from this phone, named as the
/// resource person knows it, with what to do, in both languages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct HeldBackNotice {
    /// The household's id, or the school's or need's when it is not about a household.
    pub record_id: String,
    pub household_number: Option<String>,
    pub head_name: Option<String>,
    pub village: Option<PlaceChoice>,
    /// What is held back of it (the household, its children, visits).
    pub records: RecordCounts,
    pub en: String,
    pub ur: String,
}

/// Records with unsent changes, held back or not.
pub(crate) fn unsent(store: &Store) -> Result<Vec<UnsentRecord>, AppError> {
    Ok(store.unsent_records()?)
}

/// What waits to be sent at the next sync (held back records are not: they wait for a
/// coordinator).
pub(crate) fn waiting(records: &[UnsentRecord]) -> RecordCounts {
    RecordCounts::of(
        records
            .iter()
            .filter(|r| r.held_back.is_none())
            .map(|r| (r.doc_id.as_str(), r.kind)),
    )
}

/// Every record on this phone the server has not got: the households, children and visits a
/// worker would lose with the phone.
pub(crate) fn on_this_phone_only(records: &[UnsentRecord]) -> RecordCounts {
    RecordCounts::of(records.iter().map(|r| (r.doc_id.as_str(), r.kind)))
}

/// One notice per household (or school) held back, oldest first.
pub(crate) fn held_back_notices(
    store: &Store,
    records: &[UnsentRecord],
) -> Result<Vec<HeldBackNotice>, AppError> {
    let held: Vec<&UnsentRecord> = records.iter().filter(|r| r.held_back.is_some()).collect();
    if held.is_empty() {
        return Ok(Vec::new());
    }
    let enrolled = enrolled_union_councils(store)?;
    let mut groups: Vec<(String, Vec<&UnsentRecord>)> = Vec::new();
    for record in held {
        let key = record
            .household_id
            .clone()
            .unwrap_or_else(|| record.doc_id.clone());
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, members)) => members.push(record),
            None => groups.push((key, vec![record])),
        }
    }
    let mut notices = Vec::with_capacity(groups.len());
    for (key, members) in groups {
        let counts = RecordCounts::of(members.iter().map(|r| (r.doc_id.as_str(), r.kind)));
        let reason = members[0].held_back.clone().unwrap_or_default();
        let survey = match key.parse::<HouseholdId>() {
            Ok(id) if members[0].household_id.is_some() => store.survey(id).ok(),
            _ => None,
        };
        let Some(survey) = survey else {
            notices.push(HeldBackNotice {
                record_id: key,
                household_number: None,
                head_name: None,
                village: None,
                en: format!(
                    "{} could not be sent: the server refused it ({reason}). It is kept safe on this phone: show this to your coordinator.",
                    capitalised(&counts.en)
                ),
                ur: format!(
                    "{} نہیں بھیجے جا سکے: سرور نے انکار کیا۔ یہ اس فون پر محفوظ ہیں: یہ پیغام اپنے کوآرڈینیٹر کو دکھائیں۔",
                    counts.ur
                ),
                records: counts,
            });
            continue;
        };
        let h = &survey.household;
        let village = place_choice(store, &h.village_code)?;
        let uc = place_choice(store, &h.uc_code)?;
        let head = h.head_name.clone();
        let who_en = match &head {
            Some(name) => format!("{name}, {}", village.en),
            None => village.en.clone(),
        };
        let who_ur = match &head {
            Some(name) => format!("{name}، {}", village.ur),
            None => village.ur.clone(),
        };
        let outside = enrolled
            .as_ref()
            .is_some_and(|ucs| !ucs.iter().any(|p| p.code == h.uc_code));
        let (en, ur) = if outside {
            let allowed = enrolled.as_deref().unwrap_or_default();
            let allowed_en = names(allowed, |p| &p.en, ", ");
            let allowed_ur = names(allowed, |p| &p.ur, "، ");
            (
                format!(
                    "Household {number} ({who_en}) was not sent: it was saved in {uc}, and this phone is enrolled only for {allowed_en}. It is kept safe on this phone ({what}). Show it to your coordinator: they can enrol this phone for {uc}, or correct the household's union council.",
                    number = h.household_number,
                    uc = uc.en,
                    what = counts.en,
                ),
                format!(
                    "گھرانہ نمبر {number} ({who_ur}) نہیں بھیجا گیا: یہ {uc} میں محفوظ کیا گیا، جبکہ یہ فون صرف {allowed_ur} کے لیے رجسٹر ہے۔ یہ اس فون پر محفوظ ہے ({what})۔ اپنے کوآرڈینیٹر کو دکھائیں: وہ اس فون کو {uc} کے لیے رجسٹر کر سکتے ہیں، یا گھرانے کی یونین کونسل درست کر سکتے ہیں۔",
                    number = h.household_number,
                    uc = uc.ur,
                    what = counts.ur,
                ),
            )
        } else {
            (
                format!(
                    "Household {number} ({who_en}) was not sent: the server refused it ({reason}). It is kept safe on this phone ({what}). Show this to your coordinator.",
                    number = h.household_number,
                    what = counts.en,
                ),
                format!(
                    "گھرانہ نمبر {number} ({who_ur}) نہیں بھیجا گیا: سرور نے انکار کیا۔ یہ اس فون پر محفوظ ہے ({what})۔ یہ پیغام اپنے کوآرڈینیٹر کو دکھائیں۔",
                    number = h.household_number,
                    what = counts.ur,
                ),
            )
        };
        notices.push(HeldBackNotice {
            record_id: key,
            household_number: Some(h.household_number.clone()),
            head_name: head,
            village: Some(village),
            records: counts,
            en,
            ur,
        });
    }
    Ok(notices)
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn names(places: &[PlaceChoice], name: impl Fn(&PlaceChoice) -> &String, comma: &str) -> String {
    places
        .iter()
        .map(|p| name(p).as_str())
        .collect::<Vec<_>>()
        .join(comma)
}

/// A place by its code, named when this store knows it (by its code when not).
pub(crate) fn place_choice(store: &Store, code: &str) -> Result<PlaceChoice, AppError> {
    Ok(match store.place(code)? {
        Some(place) => PlaceChoice {
            code: place.code,
            en: place.name_en,
            ur: place.name_ur,
        },
        None => PlaceChoice {
            code: code.into(),
            en: code.into(),
            ur: code.into(),
        },
    })
}

/// The union councils this phone is enrolled for, with every union council under a wider
/// scope (a district, say) this store knows; none when the phone has no enrolled places (not
/// enrolled, given a token by hand, or enrolled for everywhere).
pub(crate) fn enrolled_union_councils(store: &Store) -> Result<Option<Vec<PlaceChoice>>, AppError> {
    let scopes: Vec<String> = store
        .setting(ENROLLED_SCOPES_KEY)?
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default();
    if scopes.is_empty() || scopes.iter().any(|s| s == "*") {
        return Ok(None);
    }
    let mut codes = BTreeSet::new();
    let mut found = Vec::new();
    for scope in scopes {
        let Some(place) = store.place(&scope)? else {
            // A union council this store has no geography for yet: still the phone's own.
            if codes.insert(scope.clone()) {
                found.push(place_choice(store, &scope)?);
            }
            continue;
        };
        let mut level = place.level;
        let mut frontier = vec![place];
        while level != Level::UnionCouncil {
            let Some(below) = child_level(level) else {
                break;
            };
            let mut next = Vec::new();
            for parent in &frontier {
                next.extend(store.places(below, Some(&parent.code))?);
            }
            frontier = next;
            level = below;
        }
        if level != Level::UnionCouncil {
            continue;
        }
        for uc in frontier {
            if codes.insert(uc.code.clone()) {
                found.push(PlaceChoice {
                    code: uc.code,
                    en: uc.name_en,
                    ur: uc.name_ur,
                });
            }
        }
    }
    Ok(Some(found))
}

fn child_level(level: Level) -> Option<Level> {
    match level {
        Level::Province => Some(Level::District),
        Level::District => Some(Level::Tehsil),
        Level::Tehsil => Some(Level::UnionCouncil),
        Level::UnionCouncil | Level::Village => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_as_a_person_says_them() {
        let c = RecordCounts {
            households: 1,
            children: 2,
            visits: 1,
            ..RecordCounts::default()
        }
        .worded();
        assert_eq!(c.en, "1 household, 2 children and 1 visit");
        assert_eq!(c.ur, "1 گھرانہ، 2 بچے اور 1 ملاقات");
        let c = RecordCounts {
            households: 3,
            ..RecordCounts::default()
        }
        .worded();
        assert_eq!(c.en, "3 households");
        assert_eq!(RecordCounts::default().worded().en, "nothing");
    }
}
