//! The drill-down's last steps: a village's out-of-school children, and one child's story.

use crate::ReportError;
use crate::area::{Places, Scope, Visible};
use crate::figures::label;
use crate::model::{ChildRow, ChildStory, Label, VisitRow};
use crate::source::{Cell, Param, Source};
use daakhla_domain::codes::{Coded, OutcomeKind, RetentionMilestone};
use daakhla_domain::lifecycle::Stage;

/// The columns of a `ChildRow`, then the child's village, survey date and reasons.
fn child_columns(source: &dyn Source) -> String {
    let name = source.dialect().json_text("c.body", "name");
    format!(
        "c.id, c.household_id, h.household_number, {name}, c.sex, c.age_years, c.stage,
         CAST(c.enrolled_on AS TEXT), CAST(c.last_visit AS TEXT),
         h.village_code, CAST(h.surveyed_on AS TEXT), c.reasons"
    )
}

fn child_row(row: &[Cell]) -> ChildRow {
    let text = |i: usize| row[i].text().unwrap_or_default().to_string();
    ChildRow {
        id: text(0),
        household_id: text(1),
        household_number: text(2),
        name: text(3),
        sex: text(4),
        age_years: row[5].int() as u32,
        stage: coded_label::<Stage>(&row[6]),
        enrolled_on: row[7].date(),
        last_visit: row[8].date(),
    }
}

fn coded_label<C: Coded>(cell: &Cell) -> Label {
    match cell.text().and_then(C::from_code) {
        Some(value) => label(value),
        // A code from a newer build: shown as it is.
        None => {
            let code = cell.text().unwrap_or_default().to_string();
            Label {
                en: code.clone(),
                ur: code.clone(),
                code,
            }
        }
    }
}

/// The out-of-school children of a village, by household number and name.
pub fn children_of_village(
    source: &mut dyn Source,
    village: &str,
    visible: &Visible,
) -> Result<Vec<ChildRow>, ReportError> {
    let places = Places::load(source, Some(village))?;
    Scope::resolve(&places, Some(village), visible)?;
    let sql = format!(
        "SELECT {} FROM households h JOIN children c ON c.household_id = h.id
          WHERE h.village_code = ? AND NOT h.deleted AND h.merged_into IS NULL
            AND NOT c.deleted AND c.out_of_school
          ORDER BY h.household_number, 4",
        child_columns(source)
    );
    let rows = source.rows(&sql, &[Param::Text(village.into())])?;
    Ok(rows.iter().map(|r| child_row(r)).collect())
}

/// A child's lifecycle: the survey row, where the child stands and every visit in order.
pub fn child_story(
    source: &mut dyn Source,
    child_id: &str,
    visible: &Visible,
) -> Result<ChildStory, ReportError> {
    let unknown = || ReportError::UnknownChild(child_id.into());
    let sql = format!(
        "SELECT {} FROM households h JOIN children c ON c.household_id = h.id
          WHERE c.id = ? AND NOT c.deleted",
        child_columns(source)
    );
    let rows = source.rows(&sql, &[Param::Text(child_id.into())])?;
    let row = rows.first().ok_or_else(unknown)?;
    let village_code = row[9].text().unwrap_or_default().to_string();
    let places = Places::load(source, Some(&village_code))?;
    // A child outside the reader's places is answered as unknown: its existence is not shown.
    Scope::resolve(&places, Some(&village_code), visible).map_err(|_| unknown())?;
    let village = places.get(&village_code).ok_or_else(unknown)?.name.clone();

    let reasons = crate::figures::reason_codes(&row[11]).map(label).collect();
    let visits = source
        .rows(
            "SELECT CAST(f.visited_on AS TEXT), f.outcome, f.milestone,
                    CASE WHEN f.dropped_out THEN 0 ELSE 1 END
               FROM follow_ups f WHERE f.child_id = ? AND NOT f.deleted
              ORDER BY f.visited_on, f.id",
            &[Param::Text(child_id.into())],
        )?
        .iter()
        .filter_map(|r| {
            let check = r[1].text() == Some(OutcomeKind::RetentionCheck.code());
            Some(VisitRow {
                visited_on: r[0].date()?,
                outcome: coded_label::<OutcomeKind>(&r[1]),
                milestone: check.then(|| coded_label::<RetentionMilestone>(&r[2])),
                attending: check.then(|| r[3].int() == 1),
            })
        })
        .collect();
    Ok(ChildStory {
        child: child_row(row),
        village,
        surveyed_on: row[10].date().ok_or_else(unknown)?,
        reasons,
        visits,
    })
}
