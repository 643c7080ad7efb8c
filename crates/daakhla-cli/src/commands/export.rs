//! CSV exports, one kind of record per file. Closed-list values are written as their codes
//! (stable, for scripts) or as labels in English or Urdu (for people).

use crate::cli::{ExportKind, ValuesArg};
use crate::error::CliError;
use daakhla_domain::Lang;
use daakhla_domain::child::{Class, Schooling};
use daakhla_domain::codes::{Coded, ReasonOutOfSchool};
use daakhla_domain::followup::Outcome;
use daakhla_domain::lifecycle::lifecycle;
use daakhla_store::{Store, StoreError};
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

pub fn csv(
    store: &Store,
    kind: ExportKind,
    file: Option<&Path>,
    values: ValuesArg,
) -> Result<(), CliError> {
    let sink: Box<dyn Write> = match file {
        Some(path) => Box::new(
            std::fs::File::create(path).map_err(|source| CliError::Write {
                path: path.into(),
                source,
            })?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let target = file.map_or_else(|| PathBuf::from("-"), Path::to_path_buf);
    let mut writer = csv::Writer::from_writer(sink);
    let write_error = |e: csv::Error| CliError::Write {
        path: target.clone(),
        source: e.into(),
    };
    let v = Values(values);
    let rows = match kind {
        ExportKind::Households => households(store, &v)?,
        ExportKind::Children => children(store, &v)?,
        ExportKind::FollowUps => follow_ups(store, &v)?,
    };
    for row in rows {
        writer.write_record(&row).map_err(write_error)?;
    }
    writer.flush().map_err(|source| CliError::Write {
        path: target.clone(),
        source,
    })?;
    Ok(())
}

struct Values(ValuesArg);

impl Values {
    fn of<T: Coded>(&self, value: T) -> String {
        match self.0 {
            ValuesArg::Codes => value.code(),
            ValuesArg::En => value.label(Lang::En),
            ValuesArg::Ur => value.label(Lang::Ur),
        }
        .to_string()
    }

    fn opt<T: Coded>(&self, value: Option<T>) -> String {
        value.map(|v| self.of(v)).unwrap_or_default()
    }

    fn reasons(&self, reasons: &[ReasonOutOfSchool]) -> String {
        reasons
            .iter()
            .map(|r| self.of(*r))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn text(value: Option<impl ToString>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn class(value: Option<Class>) -> String {
    text(value.map(|c| c.0))
}

type Rows = Vec<Vec<String>>;

fn header(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| n.to_string()).collect()
}

fn households(store: &Store, v: &Values) -> Result<Rows, StoreError> {
    let mut rows = vec![header(&[
        "id",
        "uc_code",
        "village_code",
        "household_number",
        "landmark",
        "consent",
        "latitude",
        "longitude",
        "respondent_name",
        "respondent_relation",
        "respondent_phone",
        "head_name",
        "head_sex",
        "mother_schooling",
        "father_schooling",
        "house_type",
        "members",
        "surveyed_by",
        "surveyed_on",
        "children",
        "out_of_school",
    ])];
    store.for_each_survey(|survey| {
        let h = survey.household;
        rows.push(vec![
            h.id.to_string(),
            h.uc_code,
            h.village_code,
            h.household_number,
            text(h.landmark),
            h.consent.to_string(),
            text(h.gps.map(|g| g.latitude)),
            text(h.gps.map(|g| g.longitude)),
            text(h.respondent_name),
            v.opt(h.respondent_relation),
            text(h.respondent_phone),
            text(h.head_name),
            v.opt(h.head_sex),
            v.opt(h.mother_schooling),
            v.opt(h.father_schooling),
            v.opt(h.house_type),
            text(h.members),
            h.surveyed_by,
            h.surveyed_on.to_string(),
            survey.children.len().to_string(),
            survey
                .children
                .iter()
                .filter(|c| c.is_out_of_school())
                .count()
                .to_string(),
        ]);
        Ok(())
    })?;
    Ok(rows)
}

fn children(store: &Store, v: &Values) -> Result<Rows, StoreError> {
    let mut visits: HashMap<_, Vec<_>> = HashMap::new();
    for follow_up in store.all_follow_ups()? {
        visits
            .entry(follow_up.child_id)
            .or_default()
            .push(follow_up);
    }
    let mut rows = vec![header(&[
        "id",
        "household_id",
        "village_code",
        "household_number",
        "name",
        "sex",
        "age_years",
        "date_of_birth",
        "relation_to_head",
        "father_name",
        "schooling",
        "class",
        "last_class_passed",
        "year_left",
        "reasons_out_of_school",
        "other_reason",
        "willing_to_enrol",
        "stage",
        "enrolled_on",
    ])];
    store.for_each_survey(|survey| {
        let h = &survey.household;
        for child in &survey.children {
            let life = lifecycle(child, visits.get(&child.id).map_or(&[][..], Vec::as_slice));
            let (class_now, last_class, year_left) = match &child.schooling {
                Schooling::Enrolled { class: c, .. } => (class(*c), String::new(), String::new()),
                Schooling::DroppedOut {
                    last_class_passed,
                    year_left,
                } => (String::new(), class(*last_class_passed), text(*year_left)),
                Schooling::NeverEnrolled => Default::default(),
            };
            rows.push(vec![
                child.id.to_string(),
                h.id.to_string(),
                h.village_code.clone(),
                h.household_number.clone(),
                child.name.clone(),
                v.of(child.sex),
                text(child.age_on(h.surveyed_on)),
                text(child.date_of_birth),
                v.opt(child.relation_to_head),
                text(child.father_name.as_deref()),
                v.of(child.schooling.status()),
                class_now,
                last_class,
                year_left,
                v.reasons(&child.reasons_out_of_school),
                text(child.other_reason.as_deref()),
                text(child.willing_to_enrol),
                v.of(life.stage),
                text(life.enrolled_on),
            ]);
        }
        Ok(())
    })?;
    Ok(rows)
}

fn follow_ups(store: &Store, v: &Values) -> Result<Rows, StoreError> {
    let mut rows = vec![header(&[
        "id",
        "child_id",
        "visited_on",
        "visited_by",
        "outcome",
        "school",
        "class",
        "admitted_on",
        "why",
        "milestone",
        "attending_regularly",
        "days_attended_last_week",
        "dropped_out",
        "dropout_reasons",
        "notes",
    ])];
    for f in store.all_follow_ups()? {
        let mut row = vec![
            f.id.to_string(),
            f.child_id.to_string(),
            f.visited_on.to_string(),
            f.visited_by.clone(),
        ];
        row.push(v.of(f.outcome.kind()));
        let empty = || vec![String::new(); 9];
        let mut detail = empty();
        match &f.outcome {
            Outcome::Enrolled {
                school,
                class: c,
                admitted_on,
            } => {
                detail[0] = text(school.as_ref().map(|s| s.name.clone()));
                detail[1] = class(*c);
                detail[2] = text(*admitted_on);
            }
            Outcome::AdmissionPending { why } => detail[3] = why.clone(),
            Outcome::Refused { why } => detail[3] = text(why.as_deref()),
            Outcome::RetentionCheck {
                milestone,
                attending_regularly,
                days_attended_last_week,
                dropped_out,
                dropout_reasons,
            } => {
                detail[4] = v.of(*milestone);
                detail[5] = attending_regularly.to_string();
                detail[6] = text(*days_attended_last_week);
                detail[7] = dropped_out.to_string();
                detail[8] = v.reasons(dropout_reasons);
            }
            Outcome::MovedAway | Outcome::ChildWorking | Outcome::NotFound => {}
        }
        row.extend(detail);
        row.push(text(f.notes.as_deref()));
        rows.push(row);
    }
    Ok(rows)
}

/// Exports for people (`daakhla export <kind>`): labels and headers in the output's language,
/// places by name, as CSV, XLSX or GeoJSON; `kind` none is every kind into a folder.
pub fn records(
    store: &Store,
    kind: Option<daakhla_export::ExportKind>,
    args: &crate::cli::ExportArgs,
    out: &crate::output::Output,
) -> Result<(), CliError> {
    use daakhla_export::{ExportKind as Kind, ExportRequest, Exporter, Format};
    let format = match args.format {
        crate::cli::FormatArg::Csv => Format::Csv,
        crate::cli::FormatArg::Xlsx => Format::Xlsx,
        crate::cli::FormatArg::Geojson => Format::GeoJson,
    };
    let places = store.place_names()?;
    let kinds: Vec<Kind> = match kind {
        Some(kind) => vec![kind],
        None => {
            std::fs::create_dir_all(&args.out).map_err(|source| CliError::Write {
                path: args.out.clone(),
                source,
            })?;
            Kind::ALL
                .into_iter()
                .filter(|k| format != Format::GeoJson || k.has_location())
                .collect()
        }
    };
    let into_folder = kind.is_none();
    let ucs = args.uc.clone().map(|uc| vec![uc]);
    let mut written = Vec::new();
    for kind in kinds {
        let request = ExportRequest {
            kind,
            format,
            lang: out.lang,
            uc: args.uc.clone(),
        };
        let path = if into_folder {
            args.out.join(request.file_name())
        } else {
            args.out.clone()
        };
        request.check(&places)?;
        let file = std::fs::File::create(&path).map_err(|source| CliError::Write {
            path: path.clone(),
            source,
        })?;
        let mut exporter = Exporter::new(request, &places, std::io::BufWriter::new(file))?;
        store.for_each_stored(kind.record_kind(), ucs.as_deref(), |record| {
            exporter.push(&record).map_err(CliError::from)
        })?;
        let (_, exported) = exporter.finish()?;
        written.push(serde_json::json!({
            "kind": kind.code(),
            "path": path.display().to_string(),
            "rows": exported.rows,
            "skipped_without_gps": exported.skipped,
        }));
    }
    out.show(&written, || {
        written
            .iter()
            .map(|w| match out.lang {
                Lang::En => format!(
                    "{}: {} rows → {}",
                    w["kind"].as_str().unwrap_or(""),
                    w["rows"],
                    w["path"].as_str().unwrap_or("")
                ),
                Lang::Ur => format!(
                    "{}: {} قطاریں ← {}",
                    w["kind"].as_str().unwrap_or(""),
                    w["rows"],
                    w["path"].as_str().unwrap_or("")
                ),
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    Ok(())
}
