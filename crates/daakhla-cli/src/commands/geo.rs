use crate::cli::LevelArg;
use crate::error::CliError;
use crate::output::{Output, table};
use daakhla_domain::geography::{Geography, Level};
use daakhla_domain::input::decode_one;
use daakhla_store::Store;
use std::path::Path;

pub fn import(store: &mut Store, file: &Path, out: &Output) -> Result<(), CliError> {
    let text = std::fs::read_to_string(file).map_err(|source| CliError::Read {
        path: file.into(),
        source,
    })?;
    let geo: Geography = decode_one(&text)?;
    let written = store.import_geography(&geo, &super::context())?;
    out.show(&serde_json::json!({ "places": written }), || {
        match out.lang {
            daakhla_domain::Lang::En => format!("Imported {written} places."),
            daakhla_domain::Lang::Ur => format!("{written} مقامات درج ہو گئے۔"),
        }
    });
    Ok(())
}

pub fn list(
    store: &Store,
    level: LevelArg,
    parent: Option<&str>,
    out: &Output,
) -> Result<(), CliError> {
    let level = match level {
        LevelArg::Province => Level::Province,
        LevelArg::District => Level::District,
        LevelArg::Tehsil => Level::Tehsil,
        LevelArg::UnionCouncil => Level::UnionCouncil,
        LevelArg::Village => Level::Village,
    };
    let places = store.places(level, parent)?;
    out.show(&places, || {
        if places.is_empty() {
            return out
                .say(
                    "No places at this level yet: import a geography file.",
                    "اس سطح پر ابھی کوئی جگہ نہیں: جغرافیہ کی فائل درج کریں۔",
                )
                .into();
        }
        let rows: Vec<Vec<String>> = places
            .iter()
            .map(|p| {
                let demo = if p.demo {
                    out.say("demo", "نمونہ")
                } else {
                    ""
                };
                vec![
                    p.code.clone(),
                    p.name(out.lang).to_string(),
                    p.parent.clone().unwrap_or_default(),
                    demo.into(),
                ]
            })
            .collect();
        table(
            &[
                out.say("Code", "کوڈ"),
                out.say("Name", "نام"),
                out.say("In", "بالائی"),
                "",
            ],
            &rows,
        )
    });
    Ok(())
}
