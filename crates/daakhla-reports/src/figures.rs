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
        unplaced_households: 0,
        pending_changes: 0,
    };
    report.unplaced_households = figures.unplaced_households()?;
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

    // One row a child shown in the area: everything about children is added up here.
    let (from, to) = (figures.from_day, figures.to_day);
    let in_range = |day: Option<NaiveDate>| day.is_some_and(|d| from <= d && d <= to);
    let mut enrolled_of_found = BySex::default();
    let mut reasons: HashMap<ReasonOutOfSchool, BySex> = HashMap::new();
    let mut enrolled_on: Vec<(ChildSex, NaiveDate)> = Vec::new();
    let mut checks: Vec<(ChildSex, String)> = Vec::new();
    for row in figures.children()? {
        let Some(sex) = sex_of(&row[1]) else { continue };
        let out_of_school = row[3].int() == 1;
        let enrolled = row[5].date();
        let surveyed = row[6].date();
        if in_range(surveyed) {
            add(&mut report.children, sex, 1);
            if !out_of_school {
                add(&mut report.in_school_at_survey, sex, 1);
            } else {
                add(&mut report.out_of_school, sex, 1);
                let age = row[2].int();
                let band = AGE_BANDS
                    .iter()
                    .position(|&(_, last)| age <= i64::from(last))
                    .unwrap_or(AGE_BANDS.len() - 1);
                add(&mut report.out_of_school_by_age[band].children, sex, 1);
                match row[4].text().unwrap_or_default() {
                    "out_of_school" | "following_up" => add(&mut report.still_to_follow_up, sex, 1),
                    "dropped_out_again" => {
                        add(&mut report.still_to_follow_up, sex, 1);
                        add(&mut report.dropped_out_again, sex, 1);
                    }
                    _ => {}
                }
                let enrolled_by_end = enrolled.is_some_and(|d| d <= to);
                if enrolled_by_end {
                    add(&mut enrolled_of_found, sex, 1);
                }
                for reason in reason_codes(&row[7]) {
                    add(reasons.entry(reason).or_default(), sex, 1);
                }
                add(
                    &mut week_of(&mut weeks, surveyed.unwrap_or(from)).found,
                    sex,
                    1,
                );
                if let Some(tally) = row[0].text().and_then(|c| tally(&mut parts, &scope, c)) {
                    add(&mut tally.out_of_school, sex, 1);
                    if enrolled_by_end {
                        add(&mut tally.enrolled_of_found, sex, 1);
                    }
                }
            }
        }
        if let (true, Some(day)) = (out_of_school && in_range(enrolled), enrolled) {
            add(&mut report.enrolled, sex, 1);
            add(&mut week_of(&mut weeks, day).enrolled, sex, 1);
            if let Some(tally) = row[0].text().and_then(|c| tally(&mut parts, &scope, c)) {
                add(&mut tally.enrolled, sex, 1);
            }
            enrolled_on.push((sex, day));
            checks.push((sex, row[8].text().unwrap_or_default().to_string()));
        }
    }
    report.enrolment_rate = shares(&enrolled_of_found, &report.out_of_school);
    report.increase_over_baseline = shares(&report.enrolled, &report.in_school_at_survey);
    report.retention = retention(&enrolled_on, &checks, as_of);
    report.reasons = ranked(reasons);

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
    from_day: NaiveDate,
    to_day: NaiveDate,
}

impl<'a> Figures<'a> {
    fn new(source: &'a mut dyn Source, scope: &'a Scope, request: &ReportRequest) -> Self {
        let literal = |d: NaiveDate| format!("'{}'", d.format("%Y-%m-%d"));
        Figures {
            source,
            scope,
            from: literal(request.from.unwrap_or(EARLIEST)),
            to: literal(request.to.unwrap_or(LATEST)),
            from_day: request.from.unwrap_or(EARLIEST),
            to_day: request.to.unwrap_or(LATEST),
        }
    }

    /// Runs `sql` with `{area}`, `{part}`, `{from}` and `{to}` filled in, over table alias
    /// `t` (`h` for households, `s` for schools).
    fn run(&mut self, t: &str, sql: &str) -> Result<Vec<Vec<Cell>>, ReportError> {
        let (condition, params) = self.scope.condition(t);
        let sql = sql
            .replace("{area}", &condition)
            .replace("{part}", &self.scope.part_column(t))
            .replace("{from}", &self.from)
            .replace("{to}", &self.to);
        self.source.rows(&sql, &params)
    }

    /// Households in the range that sit in places the geography lacks (`Scope::unplaced`).
    fn unplaced_households(&mut self) -> Result<u64, ReportError> {
        let scope = self.scope;
        let Some((condition, params)) = scope.unplaced_condition() else {
            return Ok(0);
        };
        let sql = format!(
            "SELECT count(*) FROM households h
              WHERE {condition} AND NOT h.deleted AND h.merged_into IS NULL
                AND h.surveyed_on BETWEEN {} AND {}",
            self.from, self.to
        );
        let rows = self.source.rows(&sql, params)?;
        Ok(rows.first().map_or(0, |row| row[0].int() as u64))
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

    /// One row a child shown in the area: part, sex, age, out of school, stage, enrolled on,
    /// surveyed on, reasons, retention (read from one covering index, no join).
    fn children(&mut self) -> Result<Vec<Vec<Cell>>, ReportError> {
        self.run(
            "c",
            "SELECT {part}, c.sex, c.age_years, CASE WHEN c.out_of_school THEN 1 ELSE 0 END,
                    c.stage, CAST(c.enrolled_on AS TEXT), CAST(c.surveyed_on AS TEXT), c.reasons,
                    c.retention
               FROM children c WHERE {area} AND c.shown",
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

/// Retention at each milestone: due from each enrolment date, checked and retained from each
/// child's retention code (`daakhla_domain::lifecycle::retention_code`).
fn retention(
    enrolled_on: &[(ChildSex, NaiveDate)],
    checks: &[(ChildSex, String)],
    as_of: NaiveDate,
) -> Vec<Retention> {
    RetentionMilestone::ALL
        .iter()
        .enumerate()
        .map(|(i, &milestone)| {
            let months = milestone.months();
            let mut due = BySex::default();
            for &(sex, day) in enrolled_on {
                if day
                    .checked_add_months(Months::new(months))
                    .is_some_and(|d| d <= as_of)
                {
                    add(&mut due, sex, 1);
                }
            }
            let (mut checked, mut retained) = (BySex::default(), BySex::default());
            for (sex, code) in checks {
                match code.as_bytes().get(i) {
                    Some(b'r') => {
                        add(&mut checked, *sex, 1);
                        add(&mut retained, *sex, 1);
                    }
                    Some(b'd') => add(&mut checked, *sex, 1),
                    _ => {}
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
fn ranked(counts: HashMap<ReasonOutOfSchool, BySex>) -> Vec<ReasonCount> {
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
