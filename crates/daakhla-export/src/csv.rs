//! CSV as Excel opens it: UTF-8 with a byte-order mark (without it Excel reads Urdu as
//! mojibake), CRLF line ends, fields quoted when they must be.

use crate::Cell;
use std::io::{self, Write};

pub(crate) struct CsvWriter<W: Write> {
    out: io::BufWriter<W>,
}

impl<W: Write> CsvWriter<W> {
    pub fn new(out: W, headers: &[&str]) -> io::Result<CsvWriter<W>> {
        let mut writer = CsvWriter {
            out: io::BufWriter::new(out),
        };
        writer.out.write_all("\u{feff}".as_bytes())?;
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
        self.out.write_all(b"\r\n")
    }

    fn write_text(&mut self, text: &str) -> io::Result<()> {
        // A name typed as "=..." must stay a name: a spreadsheet would run it as a formula.
        let guard = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
        let quote = guard || text.contains([',', '"', '\r', '\n']);
        if !quote {
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
