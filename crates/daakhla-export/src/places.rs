//! Place codes resolved to names, and the district a place lies in.

use daakhla_domain::Lang;
use daakhla_domain::geography::Level;
use daakhla_domain::lang::Bilingual;
use std::collections::HashMap;

struct Known {
    level: Level,
    parent: Option<String>,
    name: Bilingual,
}

/// The places an export may name, by code.
#[derive(Default)]
pub struct PlaceNames {
    places: HashMap<String, Known>,
}

impl PlaceNames {
    pub fn new() -> PlaceNames {
        PlaceNames::default()
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
