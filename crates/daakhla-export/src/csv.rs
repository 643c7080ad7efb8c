//! The one CSV writer: UTF-8, fields quoted when they must be, and text that would
//! run as a formula written after an apostrophe (`formula::is_formula_like`), so a spreadsheet
//! reads it as text. For people: a byte-order mark (without it Excel reads Urdu as mojibake)
//! and CRLF line ends. For scripts, as `daakhla export csv` has always written: neither, so
//! line-based tools see no stray `\r`.

use crate::Cell;
use std::io::{self, Write};

pub(crate) struct CsvWriter<W: Write> {
    out: io::BufWriter<W>,
    line_end: &'static [u8],
}

impl<W: Write> CsvWriter<W> {
    pub fn new(out: W, headers: &[&str], for_people: bool) -> io::Result<CsvWriter<W>> {
        let mut writer = CsvWriter {
            out: io::BufWriter::new(out),
            line_end: if for_people { b"\r\n" } else { b"\n" },
        };
        if for_people {
            writer.out.write_all("\u{feff}".as_bytes())?;
        }
        let cells: Vec<Cell> = headers.iter().map(|h| Cell::text(*h)).collect();
        writer.write_row(&cells)?;
        Ok(writer)
    }

    pub fn write_row(&mut self, cells: &[Cell]) -> io::Result<()> {
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                self.out.write_all(b",")?;
            }
            match cell {
                Cell::Empty => {}
                Cell::Number(n) => write!(self.out, "{n}")?,
                Cell::Text(text) => self.write_text(text)?,
            }
        }
        self.out.write_all(self.line_end)
    }

    fn write_text(&mut self, text: &str) -> io::Result<()> {
        let guard = crate::formula::is_formula_like(text);
        if !guard && !text.contains([',', '"', '\r', '\n']) {
            return self.out.write_all(text.as_bytes());
        }
        self.out.write_all(b"\"")?;
        if guard {
            self.out.write_all(b"'")?;
        }
        self.out.write_all(text.replace('"', "\"\"").as_bytes())?;
        self.out.write_all(b"\"")
    }

    pub fn finish(self) -> io::Result<W> {
        self.out.into_inner().map_err(|e| e.into_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(cells: &[Cell]) -> String {
        let mut writer = CsvWriter::new(Vec::new(), &["h"], false).unwrap();
        writer.write_row(cells).unwrap();
        String::from_utf8(writer.finish().unwrap()).unwrap()
    }

    #[test]
    fn formulas_are_written_as_text_whole_and_numbers_as_numbers() {
        let cells = [
            Cell::text("=HYPERLINK(\"http://evil.example\",\"x\")"),
            Cell::text("@SUM(1)"),
            Cell::text(" +1+1"),
            Cell::text("＝1"),
            Cell::Number(-2.5),
            Cell::text("-2+3"),
            Cell::text("Sana"),
        ];
        assert_eq!(
            written(&cells),
            "h\n\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",\"'@SUM(1)\",\"' +1+1\",\
             \"'＝1\",-2.5,\"'-2+3\",Sana\n"
        );
    }
}
