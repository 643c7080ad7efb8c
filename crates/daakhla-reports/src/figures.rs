//! A report: a handful of grouped counts from the database, added up here. The SQL only
//! filters and counts; every figure (rates, bands, weeks, retention due, league table) is
//! computed in Rust, so both databases give the same answer.

use crate::ReportError;
use crate::area::{Places, Scope, Visible};
use crate::model::*;
use crate::source::{Cell, Source};
use chrono::{Datelike, Days, Months, NaiveDate};
use daakhla_domain::Lang;
use daakhla_domain::codes::{ChildSex, Coded, NeedCategory, ReasonOutOfSchool, RetentionMilestone};
use std::collections::{BTreeMap, HashMap};

/// Open ends of a date range, as four-digit years both databases read.
const EARLIEST: NaiveDate = NaiveDate::from_ymd_opt(1, 1, 1).unwrap();
const LATEST: NaiveDate = NaiveDate::from_ymd_opt(9999, 12, 31).unwrap();

/// The age bands reports count out-of-school children in.
pub const AGE_BANDS: [(u8, u8); 3] = [(5, 9), (10, 12), (13, 16)];

/// The report of `request`'s area and dates as `visible` allows, with retention counted up
/// to `as_of` (today).
pub fn report(
    source: &mut dyn Source,
    request: &ReportRequest,
    visible: &Visible,
    as_of: NaiveDate,
) -> Result<Report, ReportError> {
    if let (Some(from), Some(to)) = (request.from, request.to)
        && from > to
    {
        return Err(ReportError::EmptyRange { from, to });
    }
    let places = Places::load(source, request.area.as_deref())?;
    let scope = Scope::resolve(&places, request.area.as_deref(), visible)?;
    let mut figures = Figures::new(source, &scope, request);
    let mut report = Report {
        area: scope.area.clone(),
        trail: scope.trail.clone(),
        from: request.from,
        to: request.to,
        as_of,
        households: 0,
        households_without_consent: 0,
        children: BySex::default(),
        in_school_at_survey: BySex::default(),
        out_of_school: BySex::default(),
        out_of_school_by_age: AGE_BANDS
            .iter()
            .map(|&(from_age, to_age)| AgeBandCount {
                from_age,
                to_age,
                children: BySex::default(),
            })
            .collect(),
        enrolled: BySex::default(),
        enrolment_rate: Shares::default(),
        increase_over_baseline: Shares::default(),
        still_to_follow_up: BySex::default(),
        dropped_out_again: BySex::default(),
        retention: Vec::new(),
        reasons: Vec::new(),
        needs: Vec::new(),
        schools: 0,
        schools_improved: 0,
        weekly: Vec::new(),
        parts: Vec::new(),
    };
    let mut parts: BTreeMap<String, PartTally> = scope
        .parts
        .iter()
        .map(|p| (p.code.clone(), PartTally::default()))
        .collect();
    let mut weeks: BTreeMap<NaiveDate, Week> = BTreeMap::new();
    for row in figures.households()? {
        let count = row[2].int() as u64;
        report.households += count;
        if row[1].int() == 0 {
            report.households_without_consent += count;
        }
        if let Some(tally) = row[0].text().and_then(|c| tally(&mut parts, &scope, c)) {
            tally.households += count;
        }
    }

    // part, sex, band, out of school, stage, enrolled by the range's end, count
    let mut enrolled_of_found = BySex::default();
    for row in figures.children()? {
        let Some(sex) = sex_of(&row[1]) else { continue };
        let count = row[6].int() as u64;
        add(&mut report.children, sex, count);
        if row[3].int() == 0 {
            add(&mut report.in_school_at_survey, sex, count);
            continue;
        }
        add(&mut report.out_of_school, sex, count);
        let band = row[2].int();
        if let Some(b) = report
            .out_of_school_by_age
            .iter_mut()
            .find(|b| i64::from(b.from_age) == band)
        {
            add(&mut b.children, sex, count);
        }
        match row[4].text().unwrap_or_default() {
            "out_of_school" | "following_up" => add(&mut report.still_to_follow_up, sex, count),
            "dropped_out_again" => {
                add(&mut report.still_to_follow_up, sex, count);
                add(&mut report.dropped_out_again, sex, count);
            }
            _ => {}
        }
        if row[5].int() == 1 {
            add(&mut enrolled_of_found, sex, count);
        }
        if let Some(tally) = row[0].text().and_then(|c| tally(&mut parts, &scope, c)) {
            add(&mut tally.out_of_school, sex, count);
            if row[5].int() == 1 {
                add(&mut tally.enrolled_of_found, sex, count);
            }
        }
    }
    report.enrolment_rate = shares(&enrolled_of_found, &report.out_of_school);

    // part, sex, enrolled on, count
    let mut enrolled_on: Vec<(ChildSex, NaiveDate, u64)> = Vec::new();
    for row in figures.enrolments()? {
        let (Some(sex), Some(day)) = (sex_of(&row[1]), row[2].date()) else {
            continue;
        };
        let count = row[3].int() as u64;
        add(&mut report.enrolled, sex, count);
        add(&mut week_of(&mut weeks, day).enrolled, sex, count);
        if let Some(tally) = row[0].text().and_then(|c| tally(&mut parts, &scope, c)) {
            add(&mut tally.enrolled, sex, count);
        }
        enrolled_on.push((sex, day, count));
    }
    report.increase_over_baseline = shares(&report.enrolled, &report.in_school_at_survey);

    // sex, surveyed on, count: out-of-school children found each week
    for row in figures.found_by_day()? {
        let (Some(sex), Some(day)) = (sex_of(&row[0]), row[1].date()) else {
            continue;
        };
        add(
            &mut week_of(&mut weeks, day).found,
            sex,
            row[2].int() as u64,
        );
    }

    report.retention = retention(&enrolled_on, figures.retention_checks()?, as_of);
    report.reasons = reasons(figures.reasons()?);

    // part, category, state (resolved in range / open at its end), count
    let mut needs: Vec<NeedCount> = NeedCategory::ALL
        .iter()
        .map(|&c| NeedCount {
            category: label(c),
            open: 0,
            resolved: 0,
        })
        .collect();
    for row in figures.needs()? {
        let count = row[3].int() as u64;
        let Some(entry) = needs
            .iter_mut()
            .find(|n| Some(n.category.code.as_str()) == row[1].text())
        else {
            continue;
        };
        match row[2].text() {
            Some("resolved") => entry.resolved += count,
            Some("open") => {
                entry.open += count;
                if let Some(tally) = row[0].text().and_then(|c| tally(&mut parts, &scope, c)) {
                    tally.needs_open += count;
                }
            }
            _ => {}
        }
    }
    needs.retain(|n| n.open + n.resolved > 0);
    report.needs = needs;

    for row in figures.schools()? {
        report.schools += row[1].int() as u64;
    }
    for row in figures.schools_improved()? {
        let count = row[1].int() as u64;
        report.schools_improved += count;
        if let Some(tally) = row[0].text().and_then(|c| tally(&mut parts, &scope, c)) {
            tally.schools_improved += count;
        }
    }
    for row in figures.needs_resolved_by_day()? {
        if let Some(day) = row[0].date() {
            week_of(&mut weeks, day).needs_resolved += row[1].int() as u64;
        }
    }
    report.weekly = weeks.into_values().collect();

    let mut rows: Vec<PartRow> = scope
        .parts
        .iter()
        .map(|place| {
            let tally = &parts[&place.code];
            PartRow {
                place: place.clone(),
                households: tally.households,
                out_of_school: tally.out_of_school,
                enrolled: tally.enrolled,
                enrolment_rate: shares(&tally.enrolled_of_found, &tally.out_of_school),
                needs_open: tally.needs_open,
                schools_improved: tally.schools_improved,
            }
        })
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(total(&r.out_of_school)));
    report.parts = rows;
    Ok(report)
}

/// The tally of the part a row's union council or village code belongs to.
fn tally<'a>(
    parts: &'a mut BTreeMap<String, PartTally>,
    scope: &Scope,
    code: &str,
) -> Option<&'a mut PartTally> {
    scope.part(code).and_then(|p| parts.get_mut(p))
}

/// The week (from Monday) `day` falls in.
fn week_of(weeks: &mut BTreeMap<NaiveDate, Week>, day: NaiveDate) -> &mut Week {
    let monday = day - Days::new(day.weekday().num_days_from_monday().into());
    weeks.entry(monday).or_insert_with(|| Week {
        starts_on: monday,
        found: BySex::default(),
        enrolled: BySex::default(),
        needs_resolved: 0,
    })
}

#[derive(Default)]
struct PartTally {
    households: u64,
    out_of_school: BySex,
    enrolled_of_found: BySex,
    enrolled: BySex,
    needs_open: u64,
    schools_improved: u64,
}

/// The report's queries over one area and date range.
struct Figures<'a> {
    source: &'a mut dyn Source,
    scope: &'a Scope,
    /// The range's ends as SQL date literals (made from dates, so safe to inline); they
    /// compare as dates in PostgreSQL and as ISO text in SQLite.
    from: String,
    to: String,
}

/// Rows shown: neither deleted nor merged into another household.
const SHOWN: &str = "NOT h.deleted AND h.merged_into IS NULL AND NOT c.deleted";

impl<'a> Figures<'a> {
    fn new(source: &'a mut dyn Source, scope: &'a Scope, request: &ReportRequest) -> Self {
        let literal = |d: NaiveDate| format!("'{}'", d.format("%Y-%m-%d"));
        Figures {
            source,
            scope,
            from: literal(request.from.unwrap_or(EARLIEST)),
            to: literal(request.to.unwrap_or(LATEST)),
        }
    }

    /// Runs `sql` with `{area}`, `{part}`, `{from}` and `{to}` filled in, over table alias
    /// `t` (`h` for households, `s` for schools).
    fn run(&mut self, t: &str, sql: &str) -> Result<Vec<Vec<Cell>>, ReportError> {
        let (condition, params) = self.scope.condition(t);
        let sql = sql
            .replace("{area}", &condition)
            .replace("{part}", &self.scope.part_column(t))
            .replace("{shown}", SHOWN)
            .replace("{from}", &self.from)
            .replace("{to}", &self.to);
        self.source.rows(&sql, &params)
    }

    /// part, consent, count.
    fn households(&mut self) -> Result<Vec<Vec<Cell>>, ReportError> {
        self.run(
            "h",
            "SELECT {part}, CASE WHEN h.consent THEN 1 ELSE 0 END, count(*) FROM households h
              WHERE {area} AND NOT h.deleted AND h.merged_into IS NULL
                AND h.surveyed_on BETWEEN {from} AND {to}
              GROUP BY 1, 2",
        )
    }

    /// part, sex, age band, out of school, stage, enrolled by the range's end, count.
    fn children(&mut self) -> Result<Vec<Vec<Cell>>, ReportError> {
        self.run(
            "h",
            "SELECT {part}, c.sex,
                    CASE WHEN c.age_years <= 9 THEN 5 WHEN c.age_years <= 12 THEN 10 ELSE 13 END,
                    CASE WHEN c.out_of_school THEN 1 ELSE 0 END, c.stage,
                    CASE WHEN c.enrolled_on <= {to} THEN 1 ELSE 0 END, count(*)
               FROM households h JOIN children c ON c.household_id = h.id
              WHERE {area} AND {shown} AND h.surveyed_on BETWEEN {from} AND {to}
              GROUP BY 1, 2, 3, 4, 5, 6",
        )
    }

    /// part, sex, enrolled on, count.
    fn enrolments(&mut self) -> Result<Vec<Vec<Cell>>, ReportError> {
        self.run(
            "h",
            "SELECT {part}, c.sex, CAST(c.enrolled_on AS TEXT), count(*)
               FROM households h JOIN children c ON c.household_id = h.id
              WHERE {area} AND {shown} AND c.out_of_school
                AND c.enrolled_on BETWEEN {from} AND {to}
              GROUP BY 1, 2, 3",
        )
    }

    /// sex, surveyed on, out-of-school children found.
    fn found_by_day(&mut self) -> Result<Vec<Vec<Cell>>, ReportError> {
        self.run(
            "h",
            "SELECT c.sex, CAST(h.surveyed_on AS TEXT), count(*)
               FROM households h JOIN children c ON c.household_id = h.id
              WHERE {area} AND {shown} AND c.out_of_school
                AND h.surveyed_on BETWEEN {from} AND {to}
              GROUP BY 1, 2",
        )
    }

    /// reasons (codes joined by commas), sex, count.
    fn reasons(&mut self) -> Result<Vec<Vec<Cell>>, ReportError> {
        self.run(
            "h",
            "SELECT c.reasons, c.sex, count(*)
               FROM households h JOIN children c ON c.household_id = h.id
              WHERE {area} AND {shown} AND c.out_of_school
                AND h.surveyed_on BETWEEN {from} AND {to}
              GROUP BY 1, 2",
        )
    }

    /// sex, milestone, children checked, children checked and still in school.
    fn retention_checks(&mut self) -> Result<Vec<Vec<Cell>>, ReportError> {
        self.run(
            "h",
            "SELECT c.sex, f.milestone, count(DISTINCT c.id),
                    count(DISTINCT CASE WHEN f.dropped_out THEN NULL ELSE c.id END)
               FROM households h JOIN children c ON c.household_id = h.id
                    JOIN follow_ups f ON f.child_id = c.id
              WHERE {area} AND {shown} AND c.out_of_school AND NOT f.deleted
                AND f.outcome = 'retention_check' AND f.visited_on >= c.enrolled_on
                AND c.enrolled_on BETWEEN {from} AND {to}
              GROUP BY 1, 2",
        )
    }

    /// part, category, `resolved` (in the range) or `open` (at its end), count.
    fn needs(&mut self) -> Result<Vec<Vec<Cell>>, ReportError> {
        self.run(
            "s",
            "SELECT {part}, n.category,
                    CASE WHEN n.resolved_on BETWEEN {from} AND {to} THEN 'resolved'
                         WHEN n.resolved_on IS NULL OR n.resolved_on > {to} THEN 'open'
                         ELSE 'earlier' END,
                    count(*)
               FROM schools s JOIN needs n ON n.school_id = s.id
              WHERE {area} AND n.identified_on <= {to}
              GROUP BY 1, 2, 3",
        )
    }

    /// part, schools.
    fn schools(&mut self) -> Result<Vec<Vec<Cell>>, ReportError> {
        self.run(
            "s",
            "SELECT {part}, count(*) FROM schools s WHERE {area} GROUP BY 1",
        )
    }

    /// part, schools with a need resolved in the range.
    fn schools_improved(&mut self) -> Result<Vec<Vec<Cell>>, ReportError> {
        self.run(
            "s",
            "SELECT {part}, count(DISTINCT s.id) FROM schools s JOIN needs n ON n.school_id = s.id
              WHERE {area} AND n.resolved_on BETWEEN {from} AND {to} GROUP BY 1",
        )
    }

    /// resolved on, needs.
    fn needs_resolved_by_day(&mut self) -> Result<Vec<Vec<Cell>>, ReportError> {
        self.run(
            "s",
            "SELECT CAST(n.resolved_on AS TEXT), count(*) FROM schools s JOIN needs n ON n.school_id = s.id
              WHERE {area} AND n.resolved_on BETWEEN {from} AND {to} GROUP BY 1",
        )
    }
}

/// A child's reasons out of school, from their codes joined by commas (unknown ones left out).
pub(crate) fn reason_codes(cell: &Cell) -> impl Iterator<Item = ReasonOutOfSchool> + '_ {
    cell.text()
        .unwrap_or_default()
        .split(',')
        .filter_map(ReasonOutOfSchool::from_code)
}

fn sex_of(cell: &Cell) -> Option<ChildSex> {
    cell.text().and_then(ChildSex::from_code)
}

fn add(counts: &mut BySex, sex: ChildSex, n: u64) {
    match sex {
        ChildSex::Girl => counts.girls += n,
        ChildSex::Boy => counts.boys += n,
        ChildSex::Transgender => counts.transgender += n,
    }
}

pub(crate) fn total(counts: &BySex) -> u64 {
    counts.girls + counts.boys + counts.transgender
}

/// `part` as a percentage of `whole`, one decimal, for girls, boys and all.
pub(crate) fn shares(part: &BySex, whole: &BySex) -> Shares {
    let percent = |p: u64, w: u64| (w > 0).then(|| (p as f64 * 1000.0 / w as f64).round() / 10.0);
    Shares {
        girls: percent(part.girls, whole.girls),
        boys: percent(part.boys, whole.boys),
        all: percent(total(part), total(whole)),
    }
}

pub(crate) fn label<C: Coded>(value: C) -> Label {
    Label {
        code: value.code().into(),
        en: value.label(Lang::En).into(),
        ur: value.label(Lang::Ur).into(),
    }
}

/// Retention at each milestone: due from each enrolment date, checked and retained from the
/// checks (rows: sex, milestone, checked, retained).
fn retention(
    enrolled_on: &[(ChildSex, NaiveDate, u64)],
    checks: Vec<Vec<Cell>>,
    as_of: NaiveDate,
) -> Vec<Retention> {
    RetentionMilestone::ALL
        .iter()
        .map(|&milestone| {
            let months = milestone.months();
            let mut due = BySex::default();
            for &(sex, day, count) in enrolled_on {
                if day
                    .checked_add_months(Months::new(months))
                    .is_some_and(|d| d <= as_of)
                {
                    add(&mut due, sex, count);
                }
            }
            let (mut checked, mut retained) = (BySex::default(), BySex::default());
            for row in &checks {
                let Some(sex) = sex_of(&row[0]) else { continue };
                if row[1].text() == Some(milestone.code()) {
                    add(&mut checked, sex, row[2].int() as u64);
                    add(&mut retained, sex, row[3].int() as u64);
                }
            }
            Retention {
                months,
                due,
                checked,
                retained,
                rate: shares(&retained, &checked),
            }
        })
        .collect()
}

/// Reasons out of school, most common first; ties in the order of the closed list.
fn reasons(rows: Vec<Vec<Cell>>) -> Vec<ReasonCount> {
    let mut counts: HashMap<ReasonOutOfSchool, BySex> = HashMap::new();
    for row in rows {
        let Some(sex) = sex_of(&row[1]) else { continue };
        for reason in reason_codes(&row[0]) {
            add(counts.entry(reason).or_default(), sex, row[2].int() as u64);
        }
    }
    let mut ranked: Vec<(ReasonOutOfSchool, BySex)> = counts.into_iter().collect();
    ranked.sort_by_key(|(reason, children)| (std::cmp::Reverse(total(children)), *reason));
    ranked
        .into_iter()
        .map(|(reason, children)| ReasonCount {
            reason: label(reason),
            children,
        })
        .collect()
}
