use crate::error::CliError;
use crate::output::{Output, table};
use daakhla_domain::Lang;
use daakhla_reports::{BySex, Label, Report, ReportRequest, Shares, Visible};
use daakhla_store::Store;

/// A place's figures (the device sees all it holds), as a table or `--json`.
pub fn show(store: &Store, request: &ReportRequest, out: &Output) -> Result<(), CliError> {
    let today = super::context().today;
    let report = daakhla_reports::report(
        &mut daakhla_reports::SqliteSource(store.connection()),
        request,
        &Visible::All,
        today,
    )?;
    out.show(&report, || text(&report, out));
    Ok(())
}

fn text(report: &Report, out: &Output) -> String {
    let s = |en, ur| out.say(en, ur).to_string();
    let pick = |label: &Label| match out.lang {
        Lang::En => label.en.clone(),
        Lang::Ur => label.ur.clone(),
    };
    let total = |n: &BySex| n.girls + n.boys + n.transgender;
    let row = |label: String, n: &BySex| {
        vec![
            label,
            n.girls.to_string(),
            n.boys.to_string(),
            n.transgender.to_string(),
            total(n).to_string(),
        ]
    };
    let percent = |p: Option<f64>| p.map_or("-".to_string(), |p| format!("{p:.0}%"));
    let shares = |label: String, sh: &Shares| {
        vec![
            label,
            percent(sh.girls),
            percent(sh.boys),
            String::new(),
            percent(sh.all),
        ]
    };
    let title = match &report.area {
        Some(place) => format!(
            "{} ({})",
            match out.lang {
                Lang::En => &place.name_en,
                Lang::Ur => &place.name_ur,
            },
            place.code
        ),
        None => s("Everywhere", "تمام علاقے"),
    };
    let mut rows = vec![
        row(
            s("Children surveyed (5–16)", "سروے شدہ بچے (5 تا 16)"),
            &report.children,
        ),
        row(
            s("In school when surveyed", "سروے کے وقت اسکول میں"),
            &report.in_school_at_survey,
        ),
        row(
            s("Out of school when surveyed", "سروے کے وقت اسکول سے باہر"),
            &report.out_of_school,
        ),
    ];
    for band in &report.out_of_school_by_age {
        let label = match out.lang {
            Lang::En => format!("  {}–{} years", band.from_age, band.to_age),
            Lang::Ur => format!("  {} تا {} سال", band.from_age, band.to_age),
        };
        rows.push(row(label, &band.children));
    }
    rows.push(row(
        s("Enrolled after follow-up", "فالو اپ کے بعد داخل"),
        &report.enrolled,
    ));
    rows.push(shares(
        s("  share of those found", "  پائے گئے بچوں میں حصہ"),
        &report.enrolment_rate,
    ));
    rows.push(shares(
        s("  increase over baseline", "  ابتدائی داخلے پر اضافہ"),
        &report.increase_over_baseline,
    ));
    rows.push(row(
        s("Still to follow up", "فالو اپ باقی"),
        &report.still_to_follow_up,
    ));
    rows.push(row(
        s("Dropped out again", "دوبارہ اسکول چھوڑ دیا"),
        &report.dropped_out_again,
    ));
    for r in &report.retention {
        let label = match out.lang {
            Lang::En => format!("Retained at {} months (of checked)", r.months),
            Lang::Ur => format!("{} ماہ بعد اسکول میں (جانچے گئے میں سے)", r.months),
        };
        rows.push(shares(label, &r.rate));
    }
    let header = [
        "",
        out.say("Girls", "لڑکیاں"),
        out.say("Boys", "لڑکے"),
        out.say("Transgender", "خواجہ سرا"),
        out.say("Total", "کل"),
    ];
    let mut lines = vec![
        title,
        match out.lang {
            Lang::En => format!(
                "{} households surveyed ({} without consent). Schools: {}, improved: {}.",
                report.households,
                report.households_without_consent,
                report.schools,
                report.schools_improved
            ),
            Lang::Ur => format!(
                "{} گھرانوں کا سروے ({} بغیر رضامندی)۔ اسکول: {}، بہتر ہوئے: {}۔",
                report.households,
                report.households_without_consent,
                report.schools,
                report.schools_improved
            ),
        },
        String::new(),
        table(&header, &rows),
    ];
    if !report.reasons.is_empty() {
        lines.push(String::new());
        lines.push(s(
            "Reasons out of school, most common first:",
            "اسکول سے باہر ہونے کی وجوہات، زیادہ عام پہلے:",
        ));
        let reason_rows: Vec<Vec<String>> = report
            .reasons
            .iter()
            .map(|r| row(pick(&r.reason), &r.children))
            .collect();
        lines.push(table(&header, &reason_rows));
    }
    if !report.needs.is_empty() {
        lines.push(String::new());
        let need_header = [
            "",
            out.say("Open", "زیر التوا"),
            out.say("Resolved", "حل شدہ"),
        ];
        let need_rows: Vec<Vec<String>> = report
            .needs
            .iter()
            .map(|n| {
                vec![
                    pick(&n.category),
                    n.open.to_string(),
                    n.resolved.to_string(),
                ]
            })
            .collect();
        lines.push(s("School needs:", "اسکولوں کی ضروریات:"));
        lines.push(table(&need_header, &need_rows));
    }
    lines.join("\n")
}
