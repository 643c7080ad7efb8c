use crate::error::CliError;
use crate::output::{Output, table};
use daakhla_domain::Lang;
use daakhla_domain::codes::Coded;
use daakhla_store::{BySex, Store};

pub fn uc(store: &Store, code: &str, out: &Output) -> Result<(), CliError> {
    let report = store.uc_report(code)?;
    out.show(&report, || {
        let s = |en, ur| out.say(en, ur).to_string();
        let name = match out.lang {
            Lang::En => &report.uc_name_en,
            Lang::Ur => &report.uc_name_ur,
        };
        let row = |label: String, n: &BySex| {
            vec![label, n.girls.to_string(), n.boys.to_string(), n.transgender.to_string(), n.total().to_string()]
        };
        let mut rows = vec![
            row(s("Children surveyed (5–16)", "سروے شدہ بچے (5 تا 16)"), &report.children),
            row(s("Out of school when surveyed", "سروے کے وقت اسکول سے باہر"), &report.out_of_school),
        ];
        for (band, n) in &report.out_of_school_by_age {
            rows.push(row(format!("  {}", band.label(out.lang)), n));
        }
        rows.push(row(s("Enrolled after follow-up", "فالو اپ کے بعد داخل"), &report.enrolled));
        rows.push(row(s("Still to follow up", "فالو اپ باقی"), &report.still_to_follow_up));
        rows.push(row(s("Dropped out again", "دوبارہ اسکول چھوڑ دیا"), &report.dropped_out_again));
        let header = [
            "",
            out.say("Girls", "لڑکیاں"),
            out.say("Boys", "لڑکے"),
            out.say("Transgender", "خواجہ سرا"),
            out.say("Total", "کل"),
        ];
        let rate = if report.out_of_school.total() == 0 {
            "-".to_string()
        } else {
            format!("{:.0}%", 100.0 * report.enrolled.total() as f64 / report.out_of_school.total() as f64)
        };
        let mut lines = vec![
            format!("{} — {name} ({})", s("Union council report", "یونین کونسل رپورٹ"), report.uc_code),
            match out.lang {
                Lang::En => format!(
                    "{} households surveyed ({} without consent), {} follow-up visits. Enrolled: {rate} of the out-of-school children found.",
                    report.households, report.households_without_consent, report.follow_ups
                ),
                Lang::Ur => format!(
                    "{} گھرانوں کا سروے ({} بغیر رضامندی)، {} فالو اپ ملاقاتیں۔ داخلہ: اسکول سے باہر پائے گئے بچوں میں سے {rate}۔",
                    report.households, report.households_without_consent, report.follow_ups
                ),
            },
            String::new(),
            table(&header, &rows),
        ];
        if !report.reasons.is_empty() {
            lines.push(String::new());
            lines.push(s("Reasons out of school, most common first:", "اسکول سے باہر ہونے کی وجوہات، زیادہ عام پہلے:"));
            let reason_rows: Vec<Vec<String>> =
                report.reasons.iter().map(|r| row(r.reason.label(out.lang).to_string(), &r.children)).collect();
            lines.push(table(&header, &reason_rows));
        }
        lines.join("\n")
    });
    Ok(())
}
