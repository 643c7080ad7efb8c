//! Printing for people (in their language) or for scripts (`--json`).

use crate::cli::{Global, LangArg};
use crate::error::CliError;
use daakhla_domain::Lang;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

/// A person reads this many problems; a script asks for `--json` and gets them all.
const MAX_ERROR_LINES: usize = 25;

pub struct Output {
    pub lang: Lang,
    pub json: bool,
}

impl Output {
    pub fn new(global: &Global) -> Self {
        let lang = match global.lang {
            Some(LangArg::En) => Lang::En,
            Some(LangArg::Ur) => Lang::Ur,
            None => ["DAAKHLA_LANG", "LC_ALL", "LANG"]
                .iter()
                .filter_map(|var| std::env::var(var).ok())
                .find_map(|value| Lang::from_locale(&value))
                .unwrap_or_default(),
        };
        Self {
            lang,
            json: global.json,
        }
    }

    /// English or Urdu, whichever the user reads.
    pub fn say<'a>(&self, en: &'a str, ur: &'a str) -> &'a str {
        match self.lang {
            Lang::En => en,
            Lang::Ur => ur,
        }
    }

    /// Prints `value` as JSON with `--json`, else the lines `human` writes.
    pub fn show<T: Serialize>(&self, value: &T, human: impl FnOnce() -> String) {
        if self.json {
            println!(
                "{}",
                serde_json::to_string_pretty(value).expect("results serialise")
            );
        } else {
            println!("{}", human());
        }
    }

    pub fn error(&self, error: &CliError) {
        if self.json {
            let body = serde_json::json!({
                "error": error.message(Lang::En),
                "error_ur": error.message(Lang::Ur),
                "exit_code": error.exit_code(),
                "violations": error.violations(),
            });
            eprintln!(
                "{}",
                serde_json::to_string_pretty(&body).expect("errors serialise")
            );
        } else {
            let heading = self.say("Error:", "خرابی:");
            let message = error.message(self.lang);
            let lines: Vec<&str> = message.lines().collect();
            eprintln!("{heading}");
            for line in lines.iter().take(MAX_ERROR_LINES) {
                eprintln!("{line}");
            }
            if lines.len() > MAX_ERROR_LINES {
                let more = lines.len() - MAX_ERROR_LINES;
                match self.lang {
                    Lang::En => eprintln!("... and {more} more (--json lists them all)"),
                    Lang::Ur => eprintln!("... اور {more} مزید (--json سب دکھاتا ہے)"),
                }
            }
        }
    }

    /// A progress bar on standard error for work of `total` steps; hidden where nobody
    /// watches (not a terminal) and for small jobs.
    pub fn progress(&self, total: usize, en: &'static str, ur: &'static str) -> ProgressBar {
        if total < 100 {
            return ProgressBar::hidden();
        }
        let bar = ProgressBar::new(total as u64);
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({eta})")
                .expect("template is valid")
                .progress_chars("=> "),
        );
        bar.set_message(self.say(en, ur).to_string());
        bar
    }
}

/// Left-aligned columns for terminal tables.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|row| row[i].chars().count())
                .chain([header[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<&str>| {
        cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell}{}", " ".repeat(width - cell.chars().count())))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let mut out = vec![line(header.to_vec())];
    out.extend(
        rows.iter()
            .map(|row| line(row.iter().map(String::as_str).collect())),
    );
    out.join("\n")
}
