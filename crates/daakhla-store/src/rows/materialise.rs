//! How a record's document becomes its rows on any database: a record is shown once the one
//! it points at has arrived (a child's household, a follow-up's child, a need's school), a
//! child's lifecycle follows its follow-ups, and merged households are settled the same way
//! everywhere.

use super::tables::{
    FOLLOW_UPS, HOUSEHOLDS, LIFECYCLE, NEEDS, SCHOOLS, WHOLE_CHILDREN, child_values,
    follow_up_values, household_values, lifecycle_values, need_values, school_values,
};
use super::{Cell, Param, RowSql};
use daakhla_domain::RecordKind;
use daakhla_domain::child::Child;
use daakhla_domain::followup::FollowUp;
use daakhla_domain::household::Household;
use daakhla_domain::school::{InfrastructureNeed, School};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};

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

/// Writes the rows of a batch's records from what their documents hold, and notes on each
/// document whether its record can be shown. Answers how many are.
pub fn show<S: RowSql>(
    sql: &mut S,
    records: Vec<(&str, RecordKind, Value)>,
) -> Result<usize, S::Error> {
    let (ids, records): (Vec<&str>, Vec<(RecordKind, Value)>) = records
        .into_iter()
        .map(|(id, kind, record)| (id, (kind, record)))
        .unzip();
    let why = write_records(sql, records)?;
    let marks: Vec<(&str, Option<&str>)> = ids
        .iter()
        .zip(&why)
        .map(|(id, why)| (*id, why.as_deref()))
        .collect();
    sql.mark_unreadable(&marks)?;
    Ok(why.iter().filter(|why| why.is_none()).count())
}

/// Shows the records that waited for the one they point at (a child that arrived before its
/// household, in another batch), parents first. Returns how many are shown now.
pub fn show_waiting<S: RowSql>(sql: &mut S) -> Result<usize, S::Error> {
    let (ids, records): (Vec<String>, Vec<(RecordKind, Value)>) = sql
        .unreadable_records()?
        .into_iter()
        .map(|(id, kind, record)| (id, (kind, record)))
        .unzip();
    let why = write_records(sql, records)?;
    // Those still waiting keep the reason they had.
    let shown: Vec<(&str, Option<&str>)> = ids
        .iter()
        .zip(&why)
        .filter(|(_, why)| why.is_none())
        .map(|(id, _)| (id.as_str(), None))
        .collect();
    sql.mark_unreadable(&shown)?;
    Ok(shown.len())
}

/// Rewrites the rows of a batch's records, parents before the records that point at them
/// (households and schools, then children, follow-ups and needs), each kind's rows and
/// lookups as few statements as the database allows. For each record, in order, why it
/// cannot be shown yet (a field this build does not know, or the record it points at not
/// arrived); none if it is shown.
pub fn write_records<S: RowSql>(
    sql: &mut S,
    records: Vec<(RecordKind, Value)>,
) -> Result<Vec<Option<String>>, S::Error> {
    fn parsed<T: serde::de::DeserializeOwned>(
        at: usize,
        record: Value,
        into: &mut Vec<(usize, T)>,
        why: &mut [Option<String>],
    ) {
        match serde_json::from_value(record) {
            Ok(record) => into.push((at, record)),
            Err(e) => why[at] = Some(e.to_string()),
        }
    }
    let mut why = vec![None; records.len()];
    let (mut households, mut children, mut follow_ups, mut schools, mut needs) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (at, (kind, record)) in records.into_iter().enumerate() {
        match kind {
            RecordKind::Household => parsed::<Household>(at, record, &mut households, &mut why),
            RecordKind::Child => parsed::<Child>(at, record, &mut children, &mut why),
            RecordKind::FollowUp => parsed::<FollowUp>(at, record, &mut follow_ups, &mut why),
            RecordKind::School => parsed::<School>(at, record, &mut schools, &mut why),
            RecordKind::Need => parsed::<InfrastructureNeed>(at, record, &mut needs, &mut why),
        }
    }
    let households: Vec<&Household> = households.iter().map(|(_, h)| h).collect();
    write_households(sql, &households)?;
    let schools: Vec<&School> = schools.iter().map(|(_, s)| s).collect();
    write_schools(sql, &schools)?;
    write_children(sql, &refs(&children), &mut why)?;
    write_follow_ups(sql, &refs(&follow_ups), &mut why)?;
    write_needs(sql, &refs(&needs), &mut why)?;
    Ok(why)
}

fn refs<T>(records: &[(usize, T)]) -> Vec<(usize, &T)> {
    records.iter().map(|(at, record)| (*at, record)).collect()
}

/// One record's rows: `Err` is why it cannot be shown yet.
fn alone(why: [Option<String>; 1]) -> Result<(), String> {
    let [why] = why;
    why.map_or(Ok(()), Err)
}

pub fn write_household<S: RowSql>(sql: &mut S, h: &Household) -> Result<(), S::Error> {
    write_households(sql, &[h])
}

fn write_households<S: RowSql>(sql: &mut S, households: &[&Household]) -> Result<(), S::Error> {
    let rows = households
        .iter()
        .map(|h| household_values(h))
        .collect::<Result<Vec<_>, _>>()?;
    sql.upsert_all(&HOUSEHOLDS, &rows)
}

/// Writes a child's row and its lifecycle, once its household is there.
pub fn write_child<S: RowSql>(sql: &mut S, child: &Child) -> Result<Result<(), String>, S::Error> {
    let mut why = [None];
    write_children(sql, &[(0, child)], &mut why)?;
    Ok(alone(why))
}

/// Children's whole rows, lifecycle included, each once its household is there: its survey
/// date is what a child's age is counted at.
fn write_children<S: RowSql>(
    sql: &mut S,
    children: &[(usize, &Child)],
    why: &mut [Option<String>],
) -> Result<(), S::Error> {
    if children.is_empty() {
        return Ok(());
    }
    let households = keys(children.iter().map(|(_, c)| c.household_id.to_string()));
    let mut surveyed_on = HashMap::new();
    for row in sql.lookup("households", "id", &["surveyed_on"], &households)? {
        if let [Cell::Text(id), date] = row.as_slice()
            && let Some(date) = date.date()?
        {
            surveyed_on.insert(id.clone(), date);
        }
    }
    let visits = visits_of(sql, children.iter().map(|(_, c)| c.id.to_string()))?;
    let mut rows = Vec::with_capacity(children.len());
    for (at, child) in children {
        let Some(on) = surveyed_on.get(&child.household_id.to_string()) else {
            why[*at] = Some("its household has not arrived yet".into());
            continue;
        };
        let theirs = visits.get(&child.id.to_string());
        let mut row = child_values(child, *on)?;
        row.extend(lifecycle_values(child, theirs.map_or(&[], Vec::as_slice)));
        rows.push(row);
    }
    sql.upsert_all(&WHOLE_CHILDREN, &rows)
}

/// Writes a follow-up's row and its child's lifecycle, once the child is there.
pub fn write_follow_up<S: RowSql>(
    sql: &mut S,
    follow_up: &FollowUp,
) -> Result<Result<(), String>, S::Error> {
    let mut why = [None];
    write_follow_ups(sql, &[(0, follow_up)], &mut why)?;
    Ok(alone(why))
}

/// Follow-ups' rows, each once its child is there, and then the lifecycle of every child
/// they visit, from all its visits.
fn write_follow_ups<S: RowSql>(
    sql: &mut S,
    follow_ups: &[(usize, &FollowUp)],
    why: &mut [Option<String>],
) -> Result<(), S::Error> {
    if follow_ups.is_empty() {
        return Ok(());
    }
    let wanted = keys(follow_ups.iter().map(|(_, f)| f.child_id.to_string()));
    let mut found: BTreeMap<String, Child> = BTreeMap::new();
    for row in sql.lookup("children", "id", &["body"], &wanted)? {
        let mut cells = row.into_iter();
        if let (Some(Cell::Text(id)), Some(body)) = (cells.next(), cells.next()) {
            found.insert(id, body.body()?);
        }
    }
    let mut rows = Vec::with_capacity(follow_ups.len());
    let mut visited = BTreeMap::new();
    for (at, follow_up) in follow_ups {
        let child_id = follow_up.child_id.to_string();
        let Some(child) = found.get(&child_id) else {
            why[*at] = Some("its child has not arrived yet".into());
            continue;
        };
        rows.push(follow_up_values(follow_up)?);
        visited.insert(child_id, child);
    }
    sql.upsert_all(&FOLLOW_UPS, &rows)?;
    let visits = visits_of(sql, visited.keys().cloned())?;
    let lifecycles: Vec<(&Child, &[FollowUp])> = visited
        .iter()
        .map(|(id, child)| (*child, visits.get(id).map_or(&[][..], Vec::as_slice)))
        .collect();
    set_lifecycles(sql, &lifecycles)
}

pub fn write_school<S: RowSql>(sql: &mut S, school: &School) -> Result<(), S::Error> {
    write_schools(sql, &[school])
}

fn write_schools<S: RowSql>(sql: &mut S, schools: &[&School]) -> Result<(), S::Error> {
    let rows = schools
        .iter()
        .map(|s| school_values(s))
        .collect::<Result<Vec<_>, _>>()?;
    sql.upsert_all(&SCHOOLS, &rows)
}

/// Writes a need's row, once its school is there.
pub fn write_need<S: RowSql>(
    sql: &mut S,
    need: &InfrastructureNeed,
) -> Result<Result<(), String>, S::Error> {
    let mut why = [None];
    write_needs(sql, &[(0, need)], &mut why)?;
    Ok(alone(why))
}

fn write_needs<S: RowSql>(
    sql: &mut S,
    needs: &[(usize, &InfrastructureNeed)],
    why: &mut [Option<String>],
) -> Result<(), S::Error> {
    if needs.is_empty() {
        return Ok(());
    }
    let wanted = keys(needs.iter().map(|(_, n)| n.school_id.to_string()));
    let schools: BTreeSet<String> = sql
        .lookup("schools", "id", &[], &wanted)?
        .into_iter()
        .filter_map(|row| row.into_iter().next()?.into_text())
        .collect();
    let mut rows = Vec::with_capacity(needs.len());
    for (at, need) in needs {
        if !schools.contains(&need.school_id.to_string()) {
            why[*at] = Some("its school has not arrived yet".into());
            continue;
        }
        rows.push(need_values(need)?);
    }
    sql.upsert_all(&NEEDS, &rows)
}

/// Each key once, in order.
fn keys(all: impl Iterator<Item = String>) -> Vec<String> {
    all.collect::<BTreeSet<_>>().into_iter().collect()
}

/// Every follow-up the rows show of these children, by child.
fn visits_of<S: RowSql>(
    sql: &mut S,
    children: impl Iterator<Item = String>,
) -> Result<HashMap<String, Vec<FollowUp>>, S::Error> {
    let mut visits: HashMap<String, Vec<FollowUp>> = HashMap::new();
    for row in sql.lookup("follow_ups", "child_id", &["body"], &keys(children))? {
        let mut cells = row.into_iter();
        if let (Some(Cell::Text(child)), Some(body)) = (cells.next(), cells.next()) {
            visits.entry(child).or_default().push(body.body()?);
        }
    }
    Ok(visits)
}

/// Writes the lifecycle columns of a child's row from the follow-ups given.
pub fn set_lifecycle<S: RowSql>(
    sql: &mut S,
    child: &Child,
    visits: &[FollowUp],
) -> Result<(), S::Error> {
    set_lifecycles(sql, &[(child, visits)])
}

fn set_lifecycles<S: RowSql>(
    sql: &mut S,
    children: &[(&Child, &[FollowUp])],
) -> Result<(), S::Error> {
    let rows: Vec<Vec<Param>> = children
        .iter()
        .map(|(child, visits)| {
            let mut row = vec![Param::string(child.id.to_string())];
            row.extend(lifecycle_values(child, visits));
            row
        })
        .collect();
    sql.update_all("children", LIFECYCLE, &rows)
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
