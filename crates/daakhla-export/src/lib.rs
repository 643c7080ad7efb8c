//! Exports of every kind of record (households, children, follow-ups, schools, infrastructure
//! needs) for people who work in spreadsheets and maps: CSV (UTF-8 with a byte-order mark, so
//! Excel reads Urdu), XLSX (written here: a zip of a few XML parts) and GeoJSON (households and
//! schools with a GPS fix, as points). One row per record, with column headers and closed-list
//! values as labels in English or Urdu, and place codes resolved to names. The same rows also
//! make the CSV for scripts (`Exporter::for_scripts`, `daakhla export csv`): headers as keys,
//! closed-list values as codes or labels. Every CSV and XLSX cell is formula-safe (`formula`).
//!
//! Records come in as `StoredRecord`s, one at a time, from a device store or the server's
//! data alike; rows go straight out to the writer (XLSX keeps its compressed sheet in memory
//! until the end).

mod csv;
mod formula;
mod geojson;
mod rows;
mod xlsx;

pub use rows::Cell;

use rows::Layout;

use daakhla_domain::geography::PlaceTree;
use daakhla_domain::{Lang, RecordKind, record::StoredRecord};
use std::io::Write;

/// What can be exported: one kind of record per file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExportKind {
    Households,
    Children,
    FollowUps,
    Schools,
    Needs,
}

impl ExportKind {
    pub const ALL: [ExportKind; 5] = [
        ExportKind::Households,
        ExportKind::Children,
        ExportKind::FollowUps,
        ExportKind::Schools,
        ExportKind::Needs,
    ];

    /// As URLs, file names and the command line write it.
    pub fn code(self) -> &'static str {
        match self {
            ExportKind::Households => "households",
            ExportKind::Children => "children",
            ExportKind::FollowUps => "follow-ups",
            ExportKind::Schools => "schools",
            ExportKind::Needs => "needs",
        }
    }

    pub fn parse(code: &str) -> Result<ExportKind, ExportError> {
        ExportKind::ALL
            .into_iter()
            .find(|k| k.code() == code)
            .ok_or_else(|| ExportError::UnknownKind(code.to_string()))
    }

    pub fn record_kind(self) -> RecordKind {
        match self {
            ExportKind::Households => RecordKind::Household,
            ExportKind::Children => RecordKind::Child,
            ExportKind::FollowUps => RecordKind::FollowUp,
            ExportKind::Schools => RecordKind::School,
            ExportKind::Needs => RecordKind::Need,
        }
    }

    /// Households and schools carry a GPS fix; the others are not on a map.
    pub fn has_location(self) -> bool {
        matches!(self, ExportKind::Households | ExportKind::Schools)
    }

    pub fn label(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (ExportKind::Households, Lang::En) => "Households",
            (ExportKind::Households, Lang::Ur) => "گھرانے",
            (ExportKind::Children, Lang::En) => "Children",
            (ExportKind::Children, Lang::Ur) => "بچے",
            (ExportKind::FollowUps, Lang::En) => "Follow-ups",
            (ExportKind::FollowUps, Lang::Ur) => "فالو اپ",
            (ExportKind::Schools, Lang::En) => "Schools",
            (ExportKind::Schools, Lang::Ur) => "اسکول",
            (ExportKind::Needs, Lang::En) => "School needs",
            (ExportKind::Needs, Lang::Ur) => "اسکولوں کی ضروریات",
        }
    }
}

/// A file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Csv,
    Xlsx,
    GeoJson,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Csv, Format::Xlsx, Format::GeoJson];

    /// The file extension, which names the format in URLs and on the command line.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
            Format::GeoJson => "geojson",
        }
    }

    pub fn parse(text: &str) -> Result<Format, ExportError> {
        Format::ALL
            .into_iter()
            .find(|f| f.extension() == text)
            .ok_or_else(|| ExportError::UnknownFormat(text.to_string()))
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format::GeoJson => "application/geo+json",
        }
    }
}

/// Why an export could not be made. Each reads as a sentence in English or Urdu.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(
        "there is no export of \"{0}\": choose households, children, follow-ups, schools or needs"
    )]
    UnknownKind(String),
    #[error("there is no export format \"{0}\": choose csv, xlsx or geojson")]
    UnknownFormat(String),
    #[error("there is no language \"{0}\": choose en or ur")]
    UnknownLang(String),
    #[error("there is no union council with code {0}")]
    UnknownPlace(String),
    #[error("{} have no GPS fix to put on a map: GeoJSON is for households and schools", .0.label(Lang::En))]
    NotOnAMap(ExportKind),
    #[error("a {found} record came where {expected} were being exported")]
    WrongKind {
        expected: &'static str,
        found: &'static str,
    },
    #[error("record {id} could not be read: {why}")]
    Unreadable { id: String, why: String },
    #[error("a spreadsheet holds at most 1,048,575 rows; export one union council at a time")]
    TooManyRows,
    #[error("the export could not be written: {0}")]
    Write(#[from] std::io::Error),
}

impl ExportError {
    pub fn message(&self, lang: Lang) -> String {
        if lang == Lang::En {
            return self.to_string();
        }
        match self {
            ExportError::UnknownKind(k) => format!(
                "\"{k}\" کی کوئی ایکسپورٹ نہیں: households، children، follow-ups، schools یا needs چنیں"
            ),
            ExportError::UnknownFormat(f) => {
                format!("\"{f}\" کوئی فارمیٹ نہیں: csv، xlsx یا geojson چنیں")
            }
            ExportError::UnknownLang(l) => format!("\"{l}\" کوئی زبان نہیں: en یا ur چنیں"),
            ExportError::UnknownPlace(code) => format!("کوڈ {code} کی کوئی یونین کونسل نہیں"),
            ExportError::NotOnAMap(kind) => format!(
                "{} کا جی پی ایس نہیں ہوتا: GeoJSON صرف گھرانوں اور اسکولوں کے لیے ہے",
                kind.label(Lang::Ur)
            ),
            ExportError::WrongKind { expected, found } => {
                format!("{expected} کی ایکسپورٹ میں {found} کا ریکارڈ آ گیا")
            }
            ExportError::Unreadable { id, why } => format!("ریکارڈ {id} پڑھا نہیں جا سکا: {why}"),
            ExportError::TooManyRows => {
                "ایک اسپریڈ شیٹ میں زیادہ سے زیادہ 1,048,575 قطاریں آتی ہیں: ایک وقت میں ایک یونین کونسل ایکسپورٹ کریں".into()
            }
            ExportError::Write(e) => format!("ایکسپورٹ لکھی نہیں جا سکی: {e}"),
        }
    }
}

/// What to export: a kind, a format, a language, and optionally one union council.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRequest {
    pub kind: ExportKind,
    pub format: Format,
    pub lang: Lang,
    pub uc: Option<String>,
}

impl ExportRequest {
    /// Checks the request against the places known: GeoJSON only for what has a location, a
    /// union council only if it is one.
    pub fn check(&self, places: &PlaceTree) -> Result<(), ExportError> {
        if self.format == Format::GeoJson && !self.kind.has_location() {
            return Err(ExportError::NotOnAMap(self.kind));
        }
        if let Some(uc) = &self.uc
            && !places.is_union_council(uc)
        {
            return Err(ExportError::UnknownPlace(uc.clone()));
        }
        Ok(())
    }

    /// A file name for the export, such as `children-UC-T1.xlsx`.
    pub fn file_name(&self) -> String {
        match &self.uc {
            Some(uc) => format!("{}-{uc}.{}", self.kind.code(), self.format.extension()),
            None => format!("{}.{}", self.kind.code(), self.format.extension()),
        }
    }
}

/// Parses a language code as URLs and the command line give it.
pub fn parse_lang(code: &str) -> Result<Lang, ExportError> {
    match code {
        "en" => Ok(Lang::En),
        "ur" => Ok(Lang::Ur),
        other => Err(ExportError::UnknownLang(other.to_string())),
    }
}

/// How a CSV for scripts writes closed-list values: as their stable codes, or as labels in a
/// language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Values {
    Codes,
    Labels(Lang),
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exported {
    /// Rows (features, for GeoJSON) written, not counting the header.
    pub rows: usize,
    /// Records left out: in GeoJSON, those without a GPS fix.
    pub skipped: usize,
}

enum Sink<W: Write> {
    Csv(csv::CsvWriter<W>),
    Xlsx(Box<xlsx::XlsxWriter<W>>),
    GeoJson(geojson::GeoJsonWriter<W>),
}

/// Writes one export, a record at a time.
pub struct Exporter<'a, W: Write> {
    request: ExportRequest,
    layout: Layout,
    places: &'a PlaceTree,
    rosters: rows::Rosters,
    sink: Sink<W>,
    exported: Exported,
}

impl<'a, W: Write> Exporter<'a, W> {
    /// Checks the request and writes the header.
    pub fn new(
        request: ExportRequest,
        places: &'a PlaceTree,
        out: W,
    ) -> Result<Exporter<'a, W>, ExportError> {
        let layout = Layout::People(request.lang);
        Exporter::start(request, layout, places, out)
    }

    /// A CSV for scripts (`daakhla export csv`): the columns it has always had, headed by their
    /// keys, closed-list values as `values` says, yes/no as `true`/`false`, classes as numbers,
    /// places as codes, no byte-order mark. Formula-safe like every CSV. Households count
    /// their rosters: pass each child to `count_child` before the households.
    pub fn for_scripts(
        kind: ExportKind,
        values: Values,
        places: &'a PlaceTree,
        out: W,
    ) -> Result<Exporter<'a, W>, ExportError> {
        let lang = match values {
            Values::Labels(lang) => lang,
            Values::Codes => Lang::En,
        };
        let request = ExportRequest {
            kind,
            format: Format::Csv,
            lang,
            uc: None,
        };
        Exporter::start(request, Layout::Scripts(values), places, out)
    }

    fn start(
        request: ExportRequest,
        layout: Layout,
        places: &'a PlaceTree,
        out: W,
    ) -> Result<Exporter<'a, W>, ExportError> {
        request.check(places)?;
        let headers: Vec<&str> = rows::columns(request.kind, layout)
            .map(|c| c.header(layout))
            .collect();
        let for_people = matches!(layout, Layout::People(_));
        let sink = match request.format {
            Format::Csv => Sink::Csv(csv::CsvWriter::new(out, &headers, for_people)?),
            Format::Xlsx => Sink::Xlsx(Box::new(xlsx::XlsxWriter::new(
                out,
                request.kind.label(request.lang),
                request.lang.is_right_to_left(),
                &headers,
            )?)),
            Format::GeoJson => Sink::GeoJson(geojson::GeoJsonWriter::new(out)?),
        };
        Ok(Exporter {
            request,
            layout,
            places,
            rosters: rows::Rosters::default(),
            sink,
            exported: Exported {
                rows: 0,
                skipped: 0,
            },
        })
    }

    /// Writes one record's row.
    pub fn push(&mut self, record: &StoredRecord) -> Result<(), ExportError> {
        let expected = self.request.kind.record_kind();
        if record.kind != expected {
            return Err(ExportError::WrongKind {
                expected: expected.code(),
                found: record.kind.code(),
            });
        }
        let row = rows::row(
            self.request.kind,
            record,
            self.layout,
            self.places,
            &self.rosters,
        )?;
        match &mut self.sink {
            Sink::Csv(w) => w.write_row(&row.cells)?,
            Sink::Xlsx(w) => w.write_row(&row.cells)?,
            Sink::GeoJson(w) => {
                let Some(point) = row.point else {
                    self.exported.skipped += 1;
                    return Ok(());
                };
                let keys = rows::columns(self.request.kind, self.layout).map(|c| c.key);
                w.write_feature(point, keys.zip(&row.cells))?;
            }
        }
        self.exported.rows += 1;
        Ok(())
    }

    /// Counts a child on its household's roster, for the `children` and `out_of_school`
    /// columns of households for scripts.
    pub fn count_child(&mut self, child: &StoredRecord) -> Result<(), ExportError> {
        if child.kind != RecordKind::Child {
            return Err(ExportError::WrongKind {
                expected: RecordKind::Child.code(),
                found: child.kind.code(),
            });
        }
        self.rosters.add(child)
    }

    /// Writes every record of an iterator.
    pub fn push_all(
        &mut self,
        records: impl IntoIterator<Item = StoredRecord>,
    ) -> Result<(), ExportError> {
        records.into_iter().try_for_each(|r| self.push(&r))
    }

    /// Ends the file and returns the writer.
    pub fn finish(self) -> Result<(W, Exported), ExportError> {
        let out = match self.sink {
            Sink::Csv(w) => w.finish()?,
            Sink::Xlsx(w) => w.finish()?,
            Sink::GeoJson(w) => w.finish()?,
        };
        Ok((out, self.exported))
    }
}

/// Exports `records` into `out` in one call.
pub fn export<W: Write>(
    request: ExportRequest,
    places: &PlaceTree,
    records: impl IntoIterator<Item = StoredRecord>,
    out: W,
) -> Result<(W, Exported), ExportError> {
    let mut exporter = Exporter::new(request, places, out)?;
    exporter.push_all(records)?;
    exporter.finish()
}
