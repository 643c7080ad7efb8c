//! Places: loading a geography file and looking places up.

use crate::{Store, StoreError};
use daakhla_domain::Lang;
use daakhla_domain::codes::Coded;
use daakhla_domain::geography::{Geography, Level, Place, PlaceTree};
use daakhla_domain::lang::Bilingual;
use daakhla_domain::validation::{Checker, Context, FieldPath, Rule};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use std::collections::HashMap;

/// A place as the store holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlaceRow {
    pub code: String,
    pub level: Level,
    pub parent: Option<String>,
    pub name_en: String,
    pub name_ur: String,
    pub demo: bool,
}

impl PlaceRow {
    pub fn name(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.name_en,
            Lang::Ur => &self.name_ur,
        }
    }

    /// The place as a geography file lists it.
    pub fn to_place(&self) -> Place {
        Place {
            code: self.code.clone(),
            parent: self.parent.clone(),
            name: Bilingual {
                en: self.name_en.clone(),
                ur: self.name_ur.clone(),
            },
            demo: self.demo,
        }
    }

    fn from_row(row: &rusqlite::Row) -> rusqlite::Result<PlaceRow> {
        Ok(PlaceRow {
            code: row.get(0)?,
            level: crate::coded_column(row, 1)?,
            parent: row.get(2)?,
            name_en: row.get(3)?,
            name_ur: row.get(4)?,
            demo: row.get(5)?,
        })
    }
}

const PLACE_COLUMNS: &str = "code, level, parent, name_en, name_ur, demo";

impl Store {
    /// Loads a geography file: new places are added, known ones renamed. The file may name
    /// parents the store already has. Nothing is written if any place breaks a rule.
    pub fn import_geography(
        &mut self,
        geo: &Geography,
        ctx: &Context,
    ) -> Result<usize, StoreError> {
        let known = self.place_levels()?;
        let mut checker = Checker::new(*ctx);
        geo.check_with(&known, &FieldPath::root(), &mut checker);
        checker.finish().map_err(StoreError::Invalid)?;

        let tx = self.conn.transaction()?;
        let mut written = 0;
        {
            let mut upsert = tx.prepare(
                "INSERT INTO places (code, level, parent, name_en, name_ur, demo) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT(code) DO UPDATE SET name_en = excluded.name_en, name_ur = excluded.name_ur,
                     demo = excluded.demo, parent = excluded.parent",
            )?;
            for (level, place) in geo.places() {
                written += upsert.execute(params![
                    place.code,
                    level.code(),
                    place.parent,
                    place.name.en,
                    place.name.ur,
                    place.demo
                ])?;
            }
        }
        tx.commit()?;
        Ok(written)
    }

    /// Checks that a record's `uc_code` names a union council and its `village_code`, if
    /// any, a village in it. Empty codes are left to the record's own "required" rules.
    pub(crate) fn check_place_codes(
        &self,
        at: &FieldPath,
        uc_code: &str,
        village_code: Option<&str>,
        c: &mut Checker,
    ) -> Result<(), StoreError> {
        if !uc_code.is_empty() {
            match self.place(uc_code)? {
                Some(uc) if uc.level == Level::UnionCouncil => {}
                _ => c.push(
                    at.key("uc_code"),
                    Rule::UnknownPlace {
                        code: uc_code.to_string(),
                    },
                ),
            }
        }
        let Some(village_code) = village_code.filter(|v| !v.is_empty()) else {
            return Ok(());
        };
        match self.place(village_code)? {
            Some(village) if village.level == Level::Village => {
                if village.parent.as_deref() != Some(uc_code) {
                    c.push(
                        at.key("village_code"),
                        Rule::PlaceNotInUnionCouncil {
                            uc_code: uc_code.to_string(),
                        },
                    );
                }
            }
            _ => c.push(
                at.key("village_code"),
                Rule::UnknownPlace {
                    code: village_code.to_string(),
                },
            ),
        }
        Ok(())
    }

    fn place_levels(&self) -> Result<HashMap<String, Level>, StoreError> {
        let mut stmt = self.conn.prepare("SELECT code, level FROM places")?;
        let rows = stmt.query_map([], |row| {
            Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
        })?;
        let mut levels = HashMap::new();
        for row in rows {
            let (code, level) = row?;
            if let Some(level) = Level::from_code(&level) {
                levels.insert(code, level);
            }
        }
        Ok(levels)
    }

    pub fn place(&self, code: &str) -> Result<Option<PlaceRow>, StoreError> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {PLACE_COLUMNS} FROM places WHERE code = ?1"),
                [code],
                PlaceRow::from_row,
            )
            .optional()?)
    }

    /// The places of one level, optionally only those under one parent, by code.
    pub fn places(&self, level: Level, parent: Option<&str>) -> Result<Vec<PlaceRow>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {PLACE_COLUMNS} FROM places WHERE level = ?1 AND (?2 IS NULL OR parent = ?2) ORDER BY code"
        ))?;
        let rows = stmt.query_map(params![level.code(), parent], PlaceRow::from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Every place this store knows, named for exports.
    /// The union councils `ucs` (those this store knows), the tehsils above them and their
    /// villages, as a geography file: what a device sends a server before records in them.
    pub fn geography_of_union_councils(&self, ucs: &[String]) -> Result<Geography, StoreError> {
        let mut geo = Geography::default();
        for code in ucs {
            let Some(uc) = self.place(code)?.filter(|p| p.level == Level::UnionCouncil) else {
                continue;
            };
            if let Some(tehsil) = uc.parent.as_deref()
                && !geo.tehsils.iter().any(|t| t.code == tehsil)
                && let Some(row) = self.place(tehsil)?.filter(|p| p.level == Level::Tehsil)
            {
                geo.tehsils.push(row.to_place());
            }
            geo.villages.extend(
                self.places(Level::Village, Some(code))?
                    .iter()
                    .map(PlaceRow::to_place),
            );
            geo.union_councils.push(uc.to_place());
        }
        Ok(geo)
    }

    /// The union councils this store's households and schools lie in.
    pub fn union_councils_recorded_in(&self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT uc_code FROM households UNION SELECT uc_code FROM schools ORDER BY 1",
        )?;
        let rows = stmt.query_map([], |row| row.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn place_tree(&self) -> Result<PlaceTree, StoreError> {
        place_tree(|level| self.places(level, None))
    }
}

/// Every place of every level, as `places_of` lists them (a device store or a server's
/// records), as one tree.
pub fn place_tree<E>(
    mut places_of: impl FnMut(Level) -> Result<Vec<PlaceRow>, E>,
) -> Result<PlaceTree, E> {
    let mut names = PlaceTree::new();
    for level in Level::ALL {
        for place in places_of(*level)? {
            names.add(
                &place.code,
                place.level,
                place.parent.as_deref(),
                daakhla_domain::lang::Bilingual {
                    en: place.name_en,
                    ur: place.name_ur,
                },
            );
        }
    }
    Ok(names)
}
