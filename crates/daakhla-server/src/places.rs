//! Places a device records in, sent by the device before its records (`POST /v1/places`): the
//! union councils of its scope, their villages, and a tehsil above them that the server's
//! geography lacks. Without them the server keeps the records but cannot show them in any
//! district or union council, and its dashboard says 0.
//!
//! A device adds places, never changes them: a place the server knows stays as the server has
//! it (the operator's geography wins over a phone's), and a device may add only places inside
//! its own scope.

use crate::error::PlaceRule;
use crate::{Device, Server, ServerError};
use daakhla_domain::geography::{Geography, Level, Place};
use daakhla_domain::validation::{Checker, Context, FieldPath};
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

/// What a device's places did at the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PlacesTaken {
    /// New to the server, added.
    pub added: usize,
    /// Known already, left as the server has them.
    pub known: usize,
}

impl Server {
    /// Adds the places a device records in that the server does not know yet. Refused whole
    /// (nothing added) when one lies outside the device's scope, when the device's role does
    /// not record, or when the file breaks a geography rule.
    pub fn add_places(&self, device: &Device, geo: &Geography) -> Result<PlacesTaken, ServerError> {
        if !device.role.records() {
            return Err(ServerError::Forbidden);
        }
        let allowed = self.union_councils(device)?;
        check_scope(geo, allowed.as_ref())?;

        let mut records = self.core.writer();
        let mut known: HashMap<String, Level> = HashMap::new();
        let mut new = Geography::default();
        let mut known_count = 0;
        for (level, place) in geo.places() {
            match records.place(&place.code)? {
                Some(row) if row.level == level => {
                    known.insert(row.code, row.level);
                    known_count += 1;
                }
                Some(row) => {
                    return Err(ServerError::PlaceNotYours {
                        code: place.code.clone(),
                        why: PlaceRule::OtherLevel {
                            known: row.level,
                            sent: level,
                        },
                    });
                }
                None => list_of(&mut new, level).push(place.clone()),
            }
        }
        // The parents new places hang on, as the server knows them.
        for (_, place) in new.places() {
            if let Some(parent) = place.parent.as_deref()
                && !known.contains_key(parent)
                && let Some(row) = records.place(parent)?
            {
                known.insert(row.code, row.level);
            }
        }
        let mut checker = Checker::new(Context {
            today: chrono::Utc::now().date_naive(),
        });
        new.check_with(&known, &FieldPath::root(), &mut checker);
        checker
            .finish()
            .map_err(|v| ServerError::BadRequest(v.to_string()))?;
        let added = new.places().count();
        if added > 0 {
            records.import_geography(&new)?;
        }
        Ok(PlacesTaken {
            added,
            known: known_count,
        })
    }
}

fn list_of(geo: &mut Geography, level: Level) -> &mut Vec<Place> {
    match level {
        Level::Province => &mut geo.provinces,
        Level::District => &mut geo.districts,
        Level::Tehsil => &mut geo.tehsils,
        Level::UnionCouncil => &mut geo.union_councils,
        Level::Village => &mut geo.villages,
    }
}

/// Every place must be a union council the device may record in, a village of one, or the
/// tehsil above one. Provinces and districts come from the operator only.
fn check_scope(geo: &Geography, allowed: Option<&BTreeSet<String>>) -> Result<(), ServerError> {
    let not_yours = |place: &Place, why: PlaceRule| ServerError::PlaceNotYours {
        code: place.code.clone(),
        why,
    };
    if let Some(place) = geo.provinces.iter().chain(&geo.districts).next() {
        return Err(not_yours(place, PlaceRule::OperatorOnly));
    }
    let may_record_in = |uc: &Place| {
        allowed.is_none_or(|a| {
            a.contains(&uc.code) || uc.parent.as_ref().is_some_and(|p| a.contains(p))
        })
    };
    let ucs: BTreeSet<&str> = geo.union_councils.iter().map(|p| p.code.as_str()).collect();
    for uc in &geo.union_councils {
        if !may_record_in(uc) {
            return Err(not_yours(uc, PlaceRule::NotYourUnionCouncil));
        }
    }
    for village in &geo.villages {
        let parent = village.parent.as_deref().unwrap_or_default();
        let in_scope = ucs.contains(parent) || allowed.is_none_or(|a| a.contains(parent));
        if !in_scope {
            return Err(not_yours(village, PlaceRule::NotInYourUnionCouncil));
        }
    }
    for tehsil in &geo.tehsils {
        let above_one = geo
            .union_councils
            .iter()
            .any(|uc| uc.parent.as_deref() == Some(tehsil.code.as_str()));
        if !above_one {
            return Err(not_yours(tehsil, PlaceRule::NotAboveOne));
        }
    }
    Ok(())
}
