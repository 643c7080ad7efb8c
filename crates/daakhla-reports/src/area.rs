//! Which rows an area covers, as SQL over households (`h`) or schools (`s`), and which place
//! one level down each row belongs to.

use crate::ReportError;
use crate::model::PlaceName;
use crate::source::{Param, Source};
use daakhla_domain::codes::Coded;
use daakhla_domain::geography::Level;
use std::collections::HashMap;

/// The places a reader may see: everything, or what lies within some places (a supervisor's
/// districts, a coordinator's union councils).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visible {
    All,
    Within(Vec<String>),
}

#[derive(Debug, Clone)]
pub(crate) struct Place {
    pub name: PlaceName,
    pub level: Level,
    pub parent: Option<String>,
}

/// The geography a report needs: every place above villages, and the villages of the area.
pub(crate) struct Places(HashMap<String, Place>);

impl Places {
    pub fn load(source: &mut dyn Source, area: Option<&str>) -> Result<Places, ReportError> {
        let code = area.unwrap_or_default().to_string();
        let rows = source.rows(
            "SELECT code, level, parent, name_en, name_ur FROM places
              WHERE level <> 'village' OR parent = ? OR code = ?",
            &[Param::Text(code.clone()), Param::Text(code)],
        )?;
        let mut places = HashMap::with_capacity(rows.len());
        for row in rows {
            let text = |i: usize| row[i].text().unwrap_or_default().to_string();
            let Some(level) = Level::from_code(&text(1)) else {
                continue;
            };
            places.insert(
                text(0),
                Place {
                    name: PlaceName {
                        code: text(0),
                        level: text(1),
                        name_en: text(3),
                        name_ur: text(4),
                    },
                    level,
                    parent: row[2].text().map(str::to_string),
                },
            );
        }
        Ok(Places(places))
    }

    pub fn get(&self, code: &str) -> Option<&Place> {
        self.0.get(code)
    }

    /// `code` and the places above it, innermost first.
    fn lineage<'a>(&'a self, code: &'a str) -> impl Iterator<Item = &'a Place> + 'a {
        let mut next = self.0.get(code);
        std::iter::from_fn(move || {
            let place = next?;
            next = place.parent.as_deref().and_then(|p| self.0.get(p));
            Some(place)
        })
    }

    /// The places above `code`, outermost first.
    pub fn trail(&self, code: &str) -> Vec<PlaceName> {
        let mut trail: Vec<PlaceName> =
            self.lineage(code).skip(1).map(|p| p.name.clone()).collect();
        trail.reverse();
        trail
    }

    fn is_within(&self, code: &str, ancestor: &str) -> bool {
        self.lineage(code).any(|p| p.name.code == ancestor)
    }

    fn union_councils_within(&self, ancestors: &[&str]) -> Vec<String> {
        let mut ucs: Vec<String> = self
            .0
            .values()
            .filter(|p| p.level == Level::UnionCouncil)
            .filter(|p| ancestors.iter().any(|a| self.is_within(&p.name.code, a)))
            .map(|p| p.name.code.clone())
            .collect();
        ucs.sort();
        ucs
    }
}

/// An area resolved against the geography and what the reader may see.
pub(crate) struct Scope {
    pub area: Option<PlaceName>,
    pub trail: Vec<PlaceName>,
    /// Rows of the area: one column per table and its parameters.
    filter: Filter,
    /// Which column names a row's place one level down: union council or village.
    by_village: bool,
    /// The place one level down of each union council (or village) code.
    part_of: HashMap<String, String>,
    pub parts: Vec<PlaceName>,
    /// The households (alias `h`) the reader may see that sit in a union council or village
    /// the geography lacks, so that no part and no place shows them; none where the area
    /// cannot have such (a district: its union councils are known ones by definition).
    unplaced: Option<(String, Vec<Param>)>,
}

enum Filter {
    Everything,
    UnionCouncils(Vec<String>),
    Village { uc: String, village: String },
}

impl Scope {
    pub fn resolve(
        places: &Places,
        area: Option<&str>,
        visible: &Visible,
    ) -> Result<Scope, ReportError> {
        let within = |code: &str| match visible {
            Visible::All => true,
            Visible::Within(scopes) => scopes.iter().any(|s| s == "*" || places.is_within(code, s)),
        };
        let Some(code) = area else {
            return Ok(match visible {
                Visible::Within(scopes) if !scopes.iter().any(|s| s == "*") => {
                    let shown: Vec<&str> = scopes
                        .iter()
                        .map(String::as_str)
                        .filter(|s| places.get(s).is_some())
                        .collect();
                    let unknown: Vec<Param> = scopes
                        .iter()
                        .filter(|s| places.get(s).is_none())
                        .cloned()
                        .map(Param::Text)
                        .collect();
                    let unplaced = (!unknown.is_empty()).then(|| {
                        (
                            format!("h.uc_code IN ({})", vec!["?"; unknown.len()].join(", ")),
                            unknown,
                        )
                    });
                    let ucs = places.union_councils_within(&shown);
                    let part_of = ucs
                        .iter()
                        .map(|uc| {
                            let part = shown.iter().find(|s| places.is_within(uc, s)).unwrap();
                            (uc.clone(), part.to_string())
                        })
                        .collect();
                    Scope {
                        area: None,
                        trail: Vec::new(),
                        filter: Filter::UnionCouncils(ucs),
                        by_village: false,
                        part_of,
                        parts: shown
                            .iter()
                            .filter_map(|s| places.get(s))
                            .map(|p| p.name.clone())
                            .collect(),
                        unplaced,
                    }
                }
                _ => {
                    let mut scope = Self::below(places, None, Level::Province, Filter::Everything);
                    scope.unplaced = Some((
                        "NOT EXISTS (SELECT 1 FROM places p WHERE p.code = h.uc_code AND p.level = 'union_council')"
                            .into(),
                        Vec::new(),
                    ));
                    scope
                }
            });
        };
        let place = places
            .get(code)
            .ok_or_else(|| ReportError::UnknownPlace(code.into()))?;
        if !within(code) {
            return Err(ReportError::OutOfScope(code.into()));
        }
        let ucs = || places.union_councils_within(&[code]);
        let mut scope = match place.level {
            Level::Province => Self::below(
                places,
                Some(code),
                Level::District,
                Filter::UnionCouncils(ucs()),
            ),
            Level::District | Level::Tehsil => Self::below(
                places,
                Some(code),
                Level::UnionCouncil,
                Filter::UnionCouncils(ucs()),
            ),
            Level::UnionCouncil => {
                let mut scope = Self::below(
                    places,
                    Some(code),
                    Level::Village,
                    Filter::UnionCouncils(vec![code.to_string()]),
                );
                scope.by_village = true;
                scope.unplaced = Some((
                    "h.uc_code = ? AND COALESCE(h.village_code, '') <> ''
                       AND NOT EXISTS (SELECT 1 FROM places p WHERE p.code = h.village_code AND p.level = 'village')"
                        .into(),
                    vec![Param::Text(code.to_string())],
                ));
                scope
            }
            Level::Village => Scope {
                area: None,
                trail: Vec::new(),
                filter: Filter::Village {
                    uc: place.parent.clone().unwrap_or_default(),
                    village: code.to_string(),
                },
                by_village: true,
                part_of: HashMap::new(),
                parts: Vec::new(),
                unplaced: None,
            },
        };
        scope.area = Some(place.name.clone());
        scope.trail = places.trail(code);
        Ok(scope)
    }

    /// The places at `level` under `ancestor` (or everywhere), each union council or village
    /// mapped to the one it lies in.
    fn below(places: &Places, ancestor: Option<&str>, level: Level, filter: Filter) -> Scope {
        let mut parts: Vec<PlaceName> = places
            .0
            .values()
            .filter(|p| p.level == level)
            .filter(|p| ancestor.is_none_or(|a| places.is_within(&p.name.code, a)))
            .map(|p| p.name.clone())
            .collect();
        parts.sort_by(|a, b| a.code.cmp(&b.code));
        let part_of = places
            .0
            .values()
            .filter(|p| matches!(p.level, Level::UnionCouncil | Level::Village))
            .filter_map(|p| {
                let part = places.lineage(&p.name.code).find(|a| a.level == level)?;
                Some((p.name.code.clone(), part.name.code.clone()))
            })
            .collect();
        Scope {
            area: None,
            trail: Vec::new(),
            filter,
            by_village: false,
            part_of,
            parts,
            unplaced: None,
        }
    }

    /// The condition on households (`h`) of those in places the geography lacks, if any can be.
    pub fn unplaced_condition(&self) -> Option<&(String, Vec<Param>)> {
        self.unplaced.as_ref()
    }

    /// The SQL condition on table alias `t` (`h`, `c` or `s`: each has `uc_code` and
    /// `village_code`) and its parameters.
    pub fn condition(&self, t: &str) -> (String, Vec<Param>) {
        match &self.filter {
            Filter::Everything => ("1 = 1".into(), Vec::new()),
            Filter::UnionCouncils(ucs) if ucs.is_empty() => ("1 = 0".into(), Vec::new()),
            Filter::UnionCouncils(ucs) if ucs.len() == 1 => (
                format!("{t}.uc_code = ?"),
                vec![Param::Text(ucs[0].clone())],
            ),
            Filter::UnionCouncils(ucs) => (
                format!("{t}.uc_code IN ({})", vec!["?"; ucs.len()].join(", ")),
                ucs.iter().cloned().map(Param::Text).collect(),
            ),
            // The union council too, so the search stays in the index's range.
            Filter::Village { uc, village } => (
                format!("{t}.uc_code = ? AND {t}.village_code = ?"),
                vec![Param::Text(uc.clone()), Param::Text(village.clone())],
            ),
        }
    }

    /// The column of table alias `t` that names a row's part.
    pub fn part_column(&self, t: &str) -> String {
        if self.by_village {
            format!("{t}.village_code")
        } else {
            format!("{t}.uc_code")
        }
    }

    /// The part a row's union council or village code belongs to.
    pub fn part<'a>(&'a self, code: &'a str) -> Option<&'a str> {
        if self.parts.is_empty() {
            return None;
        }
        self.part_of.get(code).map(String::as_str)
    }
}
