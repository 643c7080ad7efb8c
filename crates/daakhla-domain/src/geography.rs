//! Where the work happens: province → district → tehsil → union council (UC) → village.
//! The UC is the unit of work. Codes are stable identifiers; names come in English and Urdu.

use crate::Lang;
use crate::codes::coded_enum;
use crate::lang::Bilingual;
use crate::validation::{Checker, FieldPath, Rule, Validate};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The reference geography every store and server starts with: the 4 provinces and the 14
/// districts of the campaign (`data/geography/pakistan.json`, compiled in).
pub const REFERENCE_JSON: &str = include_str!("../../../data/geography/pakistan.json");

coded_enum! {
    /// A level of the administrative hierarchy, top first.
    pub enum Level {
        Province = ("province", "Province", "صوبہ"),
        District = ("district", "District", "ضلع"),
        Tehsil = ("tehsil", "Tehsil / Taluka", "تحصیل / تعلقہ"),
        UnionCouncil = ("union_council", "Union council", "یونین کونسل"),
        Village = ("village", "Village / mohalla", "گاؤں / محلہ"),
    }
}

impl Level {
    pub fn parent(self) -> Option<Level> {
        match self {
            Level::Province => None,
            Level::District => Some(Level::Province),
            Level::Tehsil => Some(Level::District),
            Level::UnionCouncil => Some(Level::Tehsil),
            Level::Village => Some(Level::UnionCouncil),
        }
    }
}

/// One administrative unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub code: String,
    /// The code of the unit one level up; none for a province.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    pub name: Bilingual,
    /// Generated for demonstrations and tests, not a real place.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub demo: bool,
}

/// A geography file: the units of each level, parents before children.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Geography {
    /// Where the data comes from, for the people who read the file.
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub provinces: Vec<Place>,
    #[serde(default)]
    pub districts: Vec<Place>,
    #[serde(default)]
    pub tehsils: Vec<Place>,
    #[serde(default)]
    pub union_councils: Vec<Place>,
    #[serde(default)]
    pub villages: Vec<Place>,
}

impl Geography {
    /// Every unit with its level, top level first.
    pub fn places(&self) -> impl Iterator<Item = (Level, &Place)> {
        [
            (Level::Province, &self.provinces),
            (Level::District, &self.districts),
            (Level::Tehsil, &self.tehsils),
            (Level::UnionCouncil, &self.union_councils),
            (Level::Village, &self.villages),
        ]
        .into_iter()
        .flat_map(|(level, places)| places.iter().map(move |p| (level, p)))
    }

    fn list_key(level: Level) -> &'static str {
        match level {
            Level::Province => "provinces",
            Level::District => "districts",
            Level::Tehsil => "tehsils",
            Level::UnionCouncil => "union_councils",
            Level::Village => "villages",
        }
    }

    /// Checks this file against the places a store already knows (`known`: code → level), so
    /// that a file of villages can name UCs imported earlier.
    pub fn check_with(
        &self,
        known: &HashMap<String, Level>,
        at: &FieldPath,
        checker: &mut Checker,
    ) {
        let mut levels: HashMap<&str, Level> =
            known.iter().map(|(c, l)| (c.as_str(), *l)).collect();
        let mut seen_in_file: HashMap<&str, ()> = HashMap::new();
        let mut index_in_level: HashMap<Level, usize> = HashMap::new();
        for (level, place) in self.places() {
            let i = index_in_level.entry(level).or_default();
            let here = at.key(Self::list_key(level)).index(*i);
            *i += 1;
            checker.required_text(here.key("code"), &place.code);
            checker.required_text(here.key("name").key("en"), &place.name.en);
            checker.required_text(here.key("name").key("ur"), &place.name.ur);
            if seen_in_file.insert(&place.code, ()).is_some() {
                checker.push(here.key("code"), Rule::ListedTwice);
            }
            match (level.parent(), place.parent.as_deref()) {
                (None, None) => {}
                (None, Some(_)) => checker.push(here.key("parent"), Rule::MustBeEmpty),
                (Some(_), None) => checker.push(here.key("parent"), Rule::Required),
                (Some(parent_level), Some(parent)) => {
                    if levels.get(parent) != Some(&parent_level) {
                        checker.push(
                            here.key("parent"),
                            Rule::UnknownPlace {
                                code: parent.to_string(),
                            },
                        );
                    }
                }
            }
            levels.insert(&place.code, level);
        }
    }
}

impl Validate for Geography {
    fn check(&self, at: &FieldPath, checker: &mut Checker) {
        self.check_with(&HashMap::new(), at, checker);
    }
}

struct Known {
    level: Level,
    parent: Option<String>,
    name: Bilingual,
}

/// Places by code, each with its level, its parent and its names: what exports name places
/// by, and the district (or any level) a place lies in.
#[derive(Default)]
pub struct PlaceTree {
    places: HashMap<String, Known>,
}

impl PlaceTree {
    pub fn new() -> PlaceTree {
        PlaceTree::default()
    }

    pub fn add(&mut self, code: &str, level: Level, parent: Option<&str>, name: Bilingual) {
        self.places.insert(
            code.to_string(),
            Known {
                level,
                parent: parent.map(str::to_string),
                name,
            },
        );
    }

    pub fn is_union_council(&self, code: &str) -> bool {
        self.places
            .get(code)
            .is_some_and(|p| p.level == Level::UnionCouncil)
    }

    /// The place's name in `lang`; empty for a code not known (the code column still says it).
    pub fn name(&self, code: &str, lang: Lang) -> String {
        self.places
            .get(code)
            .map(|p| p.name.get(lang).to_string())
            .unwrap_or_default()
    }

    /// The name of the place at `level` that `code` lies in (or is).
    pub fn above(&self, code: &str, level: Level, lang: Lang) -> String {
        let mut at = code;
        for _ in 0..8 {
            let Some(place) = self.places.get(at) else {
                break;
            };
            if place.level == level {
                return place.name.get(lang).to_string();
            }
            match &place.parent {
                Some(parent) => at = parent,
                None => break,
            }
        }
        String::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::Context;
    use chrono::NaiveDate;

    fn place(code: &str, parent: Option<&str>) -> Place {
        Place {
            code: code.into(),
            parent: parent.map(Into::into),
            name: Bilingual {
                en: code.into(),
                ur: code.into(),
            },
            demo: false,
        }
    }

    fn ctx() -> Context {
        Context {
            today: NaiveDate::from_ymd_opt(2026, 11, 22).unwrap(),
        }
    }

    #[test]
    fn a_place_must_name_a_parent_of_the_level_above() {
        let geo = Geography {
            provinces: vec![place("PB", None)],
            districts: vec![place("PB-BWP", Some("PB")), place("PB-X", Some("NOPE"))],
            tehsils: vec![place("T1", Some("PB"))],
            ..Default::default()
        };
        let err = geo.validate(&ctx()).unwrap_err();
        let fields: Vec<String> = err.0.iter().map(|v| v.field.to_string()).collect();
        assert_eq!(fields, ["districts[1].parent", "tehsils[0].parent"]);
    }

    #[test]
    fn a_code_may_appear_once() {
        let geo = Geography {
            provinces: vec![place("PB", None), place("PB", None)],
            ..Default::default()
        };
        let err = geo.validate(&ctx()).unwrap_err();
        assert_eq!(err.0[0].rule, Rule::ListedTwice);
    }

    #[test]
    fn a_file_may_name_parents_the_store_already_knows() {
        let geo = Geography {
            villages: vec![place("V1", Some("UC1"))],
            ..Default::default()
        };
        let known = HashMap::from([("UC1".to_string(), Level::UnionCouncil)]);
        let mut checker = Checker::new(ctx());
        geo.check_with(&known, &FieldPath::root(), &mut checker);
        assert!(checker.finish().is_ok());
    }
}
