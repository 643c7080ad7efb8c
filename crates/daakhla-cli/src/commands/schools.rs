use crate::error::CliError;
use crate::output::{Output, table};
use daakhla_domain::Lang;
use daakhla_domain::codes::Coded;
use daakhla_domain::input::decode_many;
use daakhla_domain::school::{InfrastructureNeed, School};
use daakhla_store::Store;

pub fn save_schools(store: &mut Store, text: &str, out: &Output) -> Result<(), CliError> {
    let schools: Vec<School> = decode_many(text)?;
    store.save_schools(&schools, &super::context(), &mut |_| {})?;
    let ids: Vec<String> = schools.iter().map(|s| s.id.to_string()).collect();
    out.show(
        &serde_json::json!({ "schools": schools.len(), "ids": ids }),
        || match out.lang {
            Lang::En => format!("Saved {} school(s).", schools.len()),
            Lang::Ur => format!("{} اسکول محفوظ ہو گئے۔", schools.len()),
        },
    );
    Ok(())
}

pub fn save_needs(store: &mut Store, text: &str, out: &Output) -> Result<(), CliError> {
    let needs: Vec<InfrastructureNeed> = decode_many(text)?;
    store.save_needs(&needs, &super::context(), &mut |_| {})?;
    let ids: Vec<String> = needs.iter().map(|n| n.id.to_string()).collect();
    out.show(
        &serde_json::json!({ "needs": needs.len(), "ids": ids }),
        || match out.lang {
            Lang::En => format!("Saved {} school need(s).", needs.len()),
            Lang::Ur => format!("اسکول کی {} ضروریات محفوظ ہو گئیں۔", needs.len()),
        },
    );
    Ok(())
}

pub fn list_schools(store: &Store, uc: Option<&str>, out: &Output) -> Result<(), CliError> {
    let schools = store.schools(uc)?;
    out.show(&schools, || {
        if schools.is_empty() {
            return out
                .say(
                    "No school is recorded here yet.",
                    "یہاں ابھی کوئی اسکول درج نہیں۔",
                )
                .into();
        }
        let rows: Vec<Vec<String>> = schools
            .iter()
            .map(|s| {
                vec![
                    s.name.clone(),
                    s.emis_code.clone().unwrap_or_else(|| "-".into()),
                    s.level.label(out.lang).into(),
                    s.gender.label(out.lang).into(),
                    if s.functional {
                        out.say("open", "فعال").into()
                    } else {
                        out.say("closed", "بند").into()
                    },
                    s.id.to_string(),
                ]
            })
            .collect();
        let header = [
            out.say("School", "اسکول"),
            "EMIS",
            out.say("Level", "سطح"),
            out.say("For", "برائے"),
            out.say("State", "حالت"),
            "Id",
        ];
        table(&header, &rows)
    });
    Ok(())
}

pub fn list_needs(store: &Store, uc: Option<&str>, out: &Output) -> Result<(), CliError> {
    let needs = store.needs(uc)?;
    out.show(&needs, || {
        if needs.is_empty() {
            return out
                .say(
                    "No school need is recorded here yet.",
                    "یہاں ابھی اسکول کی کوئی ضرورت درج نہیں۔",
                )
                .into();
        }
        let rows: Vec<Vec<String>> = needs
            .iter()
            .map(|n| {
                vec![
                    n.category.label(out.lang).into(),
                    n.severity.label(out.lang).into(),
                    n.status().label(out.lang).into(),
                    n.identified_on.to_string(),
                    n.school_id.to_string(),
                    n.id.to_string(),
                ]
            })
            .collect();
        let header = [
            out.say("Need", "ضرورت"),
            out.say("Severity", "شدت"),
            out.say("Status", "صورتحال"),
            out.say("Identified", "نشاندہی"),
            out.say("School", "اسکول"),
            "Id",
        ];
        table(&header, &rows)
    });
    Ok(())
}
