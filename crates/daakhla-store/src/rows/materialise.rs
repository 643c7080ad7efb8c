//! How a record's document becomes its rows on any database: a record is shown once the one
//! it points at has arrived (a child's household, a follow-up's child, a need's school), a
//! child's lifecycle follows its follow-ups, and merged households are settled the same way
//! everywhere.

use super::tables::{
    FOLLOW_UPS, HOUSEHOLDS, NEEDS, SCHOOLS, child_upsert, child_values, follow_up_values,
    household_values, lifecycle_values, need_values, school_values,
};
use super::{Param, RowSql, first};
use daakhla_domain::RecordKind;
use daakhla_domain::child::Child;
use daakhla_domain::followup::FollowUp;
use daakhla_domain::household::Household;
use daakhla_domain::school::{InfrastructureNeed, School};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};

/// Groups a batch's changes by document, households before children before follow-ups (and
/// schools before needs), each kind in the order its documents first appear: rows point at
/// their parents.
pub fn in_apply_order<'a, T>(
    changes: impl IntoIterator<Item = (&'a str, RecordKind, T)>,
) -> Vec<(&'a str, RecordKind, Vec<T>)> {
    let mut by_doc: BTreeMap<(usize, usize), (&'a str, RecordKind, Vec<T>)> = BTreeMap::new();
    let mut first_seen: HashMap<&'a str, usize> = HashMap::new();
    for (i, (doc_id, kind, change)) in changes.into_iter().enumerate() {
        let order = *first_seen.entry(doc_id).or_insert(i);
        by_doc
            .entry((rank(kind), order))
            .or_insert_with(|| (doc_id, kind, Vec::new()))
            .2
            .push(change);
    }
    by_doc.into_values().collect()
}

fn rank(kind: RecordKind) -> usize {
    RecordKind::ALL.iter().position(|k| *k == kind).unwrap_or(0)
}

/// Writes a record's rows from what its document holds, and notes on the document whether
/// it can be shown. True if it is.
pub fn show<S: RowSql>(
    sql: &mut S,
    doc_id: &str,
    kind: RecordKind,
    record: Value,
) -> Result<bool, S::Error> {
    let why = write_record(sql, kind, record)?.err();
    sql.mark_unreadable(doc_id, why.as_deref())?;
    Ok(why.is_none())
}

/// Shows the records that waited for the one they point at (a child that arrived before its
/// household, in another batch), parents first. Returns how many are shown now.
pub fn show_waiting<S: RowSql>(sql: &mut S) -> Result<usize, S::Error> {
    let mut waiting = sql.unreadable_records()?;
    waiting.sort_by_key(|(_, kind, _)| rank(*kind));
    let mut shown = 0;
    for (doc_id, kind, record) in waiting {
        if write_record(sql, kind, record)?.is_ok() {
            sql.mark_unreadable(&doc_id, None)?;
            shown += 1;
        }
    }
    Ok(shown)
}

/// Rewrites a record's rows. The inner error is why the record cannot be shown yet: a field
/// this build does not know, or the record it points at not arrived.
pub fn write_record<S: RowSql>(
    sql: &mut S,
    kind: RecordKind,
    record: Value,
) -> Result<Result<(), String>, S::Error> {
    fn parsed<T: serde::de::DeserializeOwned>(record: Value) -> Result<T, String> {
        serde_json::from_value(record).map_err(|e| e.to_string())
    }
    match kind {
        RecordKind::Household => match parsed::<Household>(record) {
            Ok(household) => write_household(sql, &household).map(Ok),
            Err(why) => Ok(Err(why)),
        },
        RecordKind::Child => match parsed::<Child>(record) {
            Ok(child) => write_child(sql, &child),
            Err(why) => Ok(Err(why)),
        },
        RecordKind::FollowUp => match parsed::<FollowUp>(record) {
            Ok(follow_up) => write_follow_up(sql, &follow_up),
            Err(why) => Ok(Err(why)),
        },
        RecordKind::School => match parsed::<School>(record) {
            Ok(school) => write_school(sql, &school).map(Ok),
            Err(why) => Ok(Err(why)),
        },
        RecordKind::Need => match parsed::<InfrastructureNeed>(record) {
            Ok(need) => write_need(sql, &need),
            Err(why) => Ok(Err(why)),
        },
    }
}

pub fn write_household<S: RowSql>(sql: &mut S, h: &Household) -> Result<(), S::Error> {
    sql.execute(HOUSEHOLDS.upsert(), &household_values(h)?)?;
    Ok(())
}

/// Writes a child's row and its lifecycle, once its household is there.
pub fn write_child<S: RowSql>(sql: &mut S, child: &Child) -> Result<Result<(), String>, S::Error> {
    let household = child.household_id.to_string();
    let surveyed_on = first(
        sql,
        "SELECT surveyed_on FROM households WHERE id = ?",
        &[Param::str(&household)],
    )?
    .map(|cell| cell.date())
    .transpose()?
    .flatten();
    let Some(surveyed_on) = surveyed_on else {
        return Ok(Err("its household has not arrived yet".into()));
    };
    let visits = visits_of(sql, child)?;
    let mut values = child_values(child, surveyed_on)?;
    values.extend(lifecycle_values(child, &visits));
    sql.execute(child_upsert(), &values)?;
    Ok(Ok(()))
}

/// Writes a follow-up's row and its child's lifecycle, once the child is there.
pub fn write_follow_up<S: RowSql>(
    sql: &mut S,
    follow_up: &FollowUp,
) -> Result<Result<(), String>, S::Error> {
    let child = first(
        sql,
        "SELECT body FROM children WHERE id = ?",
        &[Param::string(follow_up.child_id.to_string())],
    )?;
    let Some(child) = child else {
        return Ok(Err("its child has not arrived yet".into()));
    };
    let child: Child = child.body()?;
    sql.execute(FOLLOW_UPS.upsert(), &follow_up_values(follow_up)?)?;
    refresh_lifecycle(sql, &child)?;
    Ok(Ok(()))
}

pub fn write_school<S: RowSql>(sql: &mut S, school: &School) -> Result<(), S::Error> {
    sql.execute(SCHOOLS.upsert(), &school_values(school)?)?;
    Ok(())
}

/// Writes a need's row, once its school is there.
pub fn write_need<S: RowSql>(
    sql: &mut S,
    need: &InfrastructureNeed,
) -> Result<Result<(), String>, S::Error> {
    let school = need.school_id.to_string();
    if first(
        sql,
        "SELECT 1 FROM schools WHERE id = ?",
        &[Param::str(&school)],
    )?
    .is_none()
    {
        return Ok(Err("its school has not arrived yet".into()));
    }
    sql.execute(NEEDS.upsert(), &need_values(need)?)?;
    Ok(Ok(()))
}

/// Keeps a child's stage, dates and retention in step with all its follow-ups.
fn refresh_lifecycle<S: RowSql>(sql: &mut S, child: &Child) -> Result<(), S::Error> {
    let visits = visits_of(sql, child)?;
    set_lifecycle(sql, child, &visits)
}

/// Every follow-up a child's row shows.
fn visits_of<S: RowSql>(sql: &mut S, child: &Child) -> Result<Vec<FollowUp>, S::Error> {
    let id = child.id.to_string();
    sql.query(
        "SELECT body FROM follow_ups WHERE child_id = ?",
        &[Param::str(&id)],
    )?
    .into_iter()
    .filter_map(|row| row.into_iter().next())
    .map(|cell| Ok(cell.body()?))
    .collect()
}

/// Writes the lifecycle columns of a child's row from the follow-ups given.
pub fn set_lifecycle<S: RowSql>(
    sql: &mut S,
    child: &Child,
    visits: &[FollowUp],
) -> Result<(), S::Error> {
    let mut params = lifecycle_values(child, visits);
    params.push(Param::string(child.id.to_string()));
    sql.execute(
        "UPDATE children SET stage = ?, enrolled_on = ?, last_visit = ?, retention = ? WHERE id = ?",
        &params,
    )?;
    Ok(())
}

/// Settles where merged households and their children are shown. Run after every write of
/// households or children. A merge into a household not arrived yet waits.
pub fn relink<S: RowSql>(sql: &mut S) -> Result<(), S::Error> {
    let targets: BTreeMap<String, String> = sql
        .query(
            "SELECT h.id, h.merge_target FROM households h
              WHERE h.merge_target IS NOT NULL AND EXISTS (SELECT 1 FROM households t WHERE t.id = h.merge_target)",
            &[],
        )?
        .into_iter()
        .filter_map(|row| {
            let mut cells = row.into_iter();
            Some((cells.next()?.into_text()?, cells.next()?.into_text()?))
        })
        .collect();
    let shown_as = daakhla_domain::merges::shown_as(&targets);
    sql.execute(
        "UPDATE households SET merged_into = NULL WHERE merged_into IS NOT NULL",
        &[],
    )?;
    sql.execute(
        "UPDATE children SET household_id = origin_household_id WHERE household_id != origin_household_id",
        &[],
    )?;
    for (id, target) in &shown_as {
        let Some(target) = target else { continue };
        sql.execute(
            "UPDATE households SET merged_into = ? WHERE id = ?",
            &[Param::str(target), Param::str(id)],
        )?;
        sql.execute(
            "UPDATE children SET household_id = ? WHERE origin_household_id = ?",
            &[Param::str(target), Param::str(id)],
        )?;
    }
    Ok(())
}
