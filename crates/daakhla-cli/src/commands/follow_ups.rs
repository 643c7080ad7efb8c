use crate::error::CliError;
use crate::output::{Output, table};
use daakhla_domain::Lang;
use daakhla_domain::codes::Coded;
use daakhla_domain::followup::{FollowUp, Outcome};
use daakhla_domain::input::decode_many;
use daakhla_store::Store;

pub fn add(store: &mut Store, text: &str, out: &Output) -> Result<(), CliError> {
    let follow_ups: Vec<FollowUp> = decode_many(text)?;
    let bar = out.progress(
        follow_ups.len(),
        "Saving follow-ups",
        "فالو اپ محفوظ ہو رہے ہیں",
    );
    store.add_follow_ups(&follow_ups, &super::context(), &mut |done| {
        bar.set_position(done as u64)
    })?;
    bar.finish_and_clear();
    let ids: Vec<String> = follow_ups.iter().map(|f| f.id.to_string()).collect();
    out.show(
        &serde_json::json!({ "follow_ups": follow_ups.len(), "ids": ids }),
        || match out.lang {
            Lang::En => format!("Saved {} follow-up(s).", follow_ups.len()),
            Lang::Ur => format!("{} فالو اپ محفوظ ہو گئے۔", follow_ups.len()),
        },
    );
    Ok(())
}

pub fn due(
    store: &Store,
    uc: Option<&str>,
    village: Option<&str>,
    out: &Output,
) -> Result<(), CliError> {
    let due = store.follow_ups_due(uc, village)?;
    out.show(&due, || {
        if due.is_empty() {
            return out
                .say(
                    "No out-of-school child is waiting for a follow-up here.",
                    "یہاں کوئی اسکول سے باہر بچہ فالو اپ کا منتظر نہیں۔",
                )
                .into();
        }
        let rows: Vec<Vec<String>> = due
            .iter()
            .map(|d| {
                let reasons: Vec<&str> = d.reasons.iter().map(|r| r.label(out.lang)).collect();
                vec![
                    format!("{}/{}", d.village_code, d.household_number),
                    d.name.clone(),
                    d.sex.label(out.lang).into(),
                    d.age_years.to_string(),
                    d.stage.label(out.lang).into(),
                    d.last_visit.clone().unwrap_or_else(|| "-".into()),
                    reasons.join(", "),
                    d.child_id.to_string(),
                ]
            })
            .collect();
        let header = [
            out.say("Household", "گھرانہ"),
            out.say("Child", "بچہ"),
            out.say("Sex", "جنس"),
            out.say("Age", "عمر"),
            out.say("Stage", "مرحلہ"),
            out.say("Last visit", "آخری ملاقات"),
            out.say("Reasons", "وجوہات"),
            "Id",
        ];
        format!(
            "{}\n{}",
            table(&header, &rows),
            match out.lang {
                Lang::En => format!("{} children to follow up.", due.len()),
                Lang::Ur => format!("{} بچوں کا فالو اپ باقی ہے۔", due.len()),
            }
        )
    });
    Ok(())
}

pub fn show_child(store: &Store, id: &str, out: &Output) -> Result<(), CliError> {
    let story = store.child_story(super::parse_id(id)?)?;
    out.show(&story, || {
        let child = &story.child;
        let lang = out.lang;
        let age = child.age_on(story.surveyed_on).unwrap_or_default();
        let mut lines = vec![
            format!(
                "{} — {}, {age} {}",
                child.name,
                child.sex.label(lang),
                out.say("years", "سال")
            ),
            format!(
                "{} {}/{} ({})",
                out.say("Household", "گھرانہ"),
                story.village_code,
                story.household_number,
                story.head_name.clone().unwrap_or_default()
            ),
            format!(
                "{}: {}",
                out.say("Stage", "مرحلہ"),
                story.lifecycle.stage.label(lang)
            ),
            String::new(),
            format!(
                "{}  {}: {}",
                story.surveyed_on,
                out.say("Surveyed", "سروے"),
                child.schooling.status().label(lang)
            ),
        ];
        for visit in &story.follow_ups {
            lines.push(format!(
                "{}  {}: {}{}",
                visit.visited_on,
                out.say("Follow-up", "فالو اپ"),
                visit.outcome.kind().label(lang),
                outcome_detail(&visit.outcome, lang)
            ));
        }
        if !story.lifecycle.retention.is_empty() {
            lines.push(String::new());
            lines.push(out.say("Retention checks:", "حاضری کی جانچ:").into());
            for due in &story.lifecycle.retention {
                let done = if due.done {
                    out.say("done", "ہو گئی")
                } else {
                    out.say("due", "باقی")
                };
                lines.push(format!(
                    "  {} — {} ({done})",
                    due.milestone.label(lang),
                    due.due_on
                ));
            }
        }
        lines.join("\n")
    });
    Ok(())
}

fn outcome_detail(outcome: &Outcome, lang: Lang) -> String {
    match outcome {
        Outcome::Enrolled { school, class, .. } => format!(
            " — {}{}",
            school.as_ref().map(|s| s.name.as_str()).unwrap_or_default(),
            class
                .map(|c| format!(", {}", c.label(lang)))
                .unwrap_or_default()
        ),
        Outcome::AdmissionPending { why } => format!(" — {why}"),
        Outcome::RetentionCheck {
            milestone,
            attending_regularly,
            ..
        } => {
            let attending = match (attending_regularly, lang) {
                (true, Lang::En) => "attending",
                (false, Lang::En) => "not attending",
                (true, Lang::Ur) => "حاضر",
                (false, Lang::Ur) => "غیر حاضر",
            };
            format!(" ({}) — {attending}", milestone.label(lang))
        }
        _ => String::new(),
    }
}

pub fn delete(store: &mut Store, id: &str, out: &Output) -> Result<(), CliError> {
    store.delete_follow_up(super::parse_id(id)?)?;
    out.show(&serde_json::json!({ "deleted": id }), || {
        out.say("Deleted the follow-up.", "فالو اپ حذف کر دیا گیا۔")
            .into()
    });
    Ok(())
}
