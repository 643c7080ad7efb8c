//! A one-sheet XLSX workbook, written here rather than with a spreadsheet crate: an .xlsx is a
//! zip of a few XML parts. The sheet is deflated as rows arrive (its CRC-32 kept alongside), and
//! the zip is written at the end, when its sizes are known. Text cells are inline strings,
//! numbers are numbers (never formulas: no cell has an `<f>`); text a spreadsheet would read
//! as a formula also carries the quote prefix (style 2), so editing it in Excel keeps it text;
//! the header row is bold and frozen; Urdu sheets read right to left.

use crate::Cell;
use flate2::Compression;
use flate2::write::DeflateEncoder;
use std::io::{self, Write};

/// The most rows a sheet holds, the header included.
const MAX_ROWS: u32 = 1_048_576;

pub(crate) struct XlsxWriter<W: Write> {
    out: W,
    sheet_name: String,
    sheet: DeflateEncoder<Vec<u8>>,
    crc: crc32fast::Hasher,
    plain_len: u64,
    rows: u32,
}

impl<W: Write> XlsxWriter<W> {
    pub fn new(
        out: W,
        sheet_name: &str,
        right_to_left: bool,
        headers: &[&str],
    ) -> Result<XlsxWriter<W>, crate::ExportError> {
        let mut writer = XlsxWriter {
            out,
            sheet_name: sheet_name.to_string(),
            sheet: DeflateEncoder::new(Vec::new(), Compression::default()),
            crc: crc32fast::Hasher::new(),
            plain_len: 0,
            rows: 0,
        };
        let rtl = if right_to_left {
            " rightToLeft=\"1\""
        } else {
            ""
        };
        writer.sheet_text(&format!(
            "{XML_DECLARATION}<worksheet xmlns=\"{MAIN_NS}\"><sheetViews><sheetView workbookViewId=\"0\"{rtl}>\
             <pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>\
             </sheetView></sheetViews><sheetData>"
        ))?;
        let cells: Vec<Cell> = headers.iter().map(|h| Cell::text(*h)).collect();
        writer.row(&cells, true)?;
        Ok(writer)
    }

    pub fn write_row(&mut self, cells: &[Cell]) -> Result<(), crate::ExportError> {
        self.row(cells, false)
    }

    fn row(&mut self, cells: &[Cell], bold: bool) -> Result<(), crate::ExportError> {
        if self.rows >= MAX_ROWS {
            return Err(crate::ExportError::TooManyRows);
        }
        self.rows += 1;
        let r = self.rows;
        let style = if bold { " s=\"1\"" } else { "" };
        let mut xml = format!("<row r=\"{r}\">");
        for (i, cell) in cells.iter().enumerate() {
            let at = format!("{}{r}", column_name(i));
            match cell {
                Cell::Empty => continue,
                Cell::Number(n) if n.is_finite() => {
                    xml.push_str(&format!("<c r=\"{at}\"{style}><v>{n}</v></c>"));
                }
                Cell::Number(_) => continue,
                Cell::Text(text) => {
                    let style = if !bold && crate::formula::is_formula_like(text) {
                        " s=\"2\""
                    } else {
                        style
                    };
                    xml.push_str(&format!(
                        "<c r=\"{at}\"{style} t=\"inlineStr\"><is><t xml:space=\"preserve\">{}</t></is></c>",
                        escape(text)
                    ))
                }
            }
        }
        xml.push_str("</row>");
        self.sheet_text(&xml)?;
        Ok(())
    }

    fn sheet_text(&mut self, text: &str) -> io::Result<()> {
        self.crc.update(text.as_bytes());
        self.plain_len += text.len() as u64;
        self.sheet.write_all(text.as_bytes())
    }

    pub fn finish(mut self) -> io::Result<W> {
        self.sheet_text("</sheetData></worksheet>")?;
        let sheet = Deflated {
            crc: self.crc.clone().finalize(),
            plain_len: self.plain_len,
            bytes: self.sheet.finish()?,
        };
        let workbook = format!(
            "{XML_DECLARATION}<workbook xmlns=\"{MAIN_NS}\" xmlns:r=\"{REL_NS}\"><sheets>\
             <sheet name=\"{}\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>",
            escape(&sheet_name(&self.sheet_name))
        );
        let mut zip = Zip::new(self.out);
        zip.add("[Content_Types].xml", &deflate(CONTENT_TYPES.as_bytes())?)?;
        zip.add("_rels/.rels", &deflate(ROOT_RELS.as_bytes())?)?;
        zip.add("xl/workbook.xml", &deflate(workbook.as_bytes())?)?;
        zip.add(
            "xl/_rels/workbook.xml.rels",
            &deflate(WORKBOOK_RELS.as_bytes())?,
        )?;
        zip.add("xl/styles.xml", &deflate(STYLES.as_bytes())?)?;
        zip.add("xl/worksheets/sheet1.xml", &sheet)?;
        zip.finish()
    }
}

/// `A`, `B`, … `Z`, `AA`, … for a zero-based column.
fn column_name(mut index: usize) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (index % 26) as u8);
        if index < 26 {
            break;
        }
        index = index / 26 - 1;
    }
    name.reverse();
    String::from_utf8(name).expect("ASCII letters")
}

/// Text as XML character data; characters XML 1.0 forbids are left out.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

/// A sheet name as Excel allows it: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect();
    if cleaned.trim().is_empty() {
        "Sheet1".into()
    } else {
        cleaned
    }
}

struct Deflated {
    crc: u32,
    plain_len: u64,
    bytes: Vec<u8>,
}

fn deflate(plain: &[u8]) -> io::Result<Deflated> {
    let mut encoder = DeflateEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(plain)?;
    Ok(Deflated {
        crc: crc32fast::hash(plain),
        plain_len: plain.len() as u64,
        bytes: encoder.finish()?,
    })
}

/// A zip archive of deflated entries (no ZIP64: an entry or the archive past 4 GiB is refused).
struct Zip<W: Write> {
    out: W,
    offset: u64,
    central: Vec<u8>,
    entries: u16,
}

/// 1980-01-01 00:00 in MS-DOS form: the file is the same whenever it is made.
const DOS_TIME: u16 = 0;
const DOS_DATE: u16 = (1 << 5) | 1;
const UTF8_NAMES: u16 = 1 << 11;
const DEFLATED: u16 = 8;

impl<W: Write> Zip<W> {
    fn new(out: W) -> Zip<W> {
        Zip {
            out,
            offset: 0,
            central: Vec::new(),
            entries: 0,
        }
    }

    fn add(&mut self, name: &str, entry: &Deflated) -> io::Result<()> {
        let too_big = || io::Error::other("the spreadsheet is over 4 GiB");
        let packed = u32::try_from(entry.bytes.len()).map_err(|_| too_big())?;
        let plain = u32::try_from(entry.plain_len).map_err(|_| too_big())?;
        let offset = u32::try_from(self.offset).map_err(|_| too_big())?;
        let name_len = name.len() as u16;

        let mut local = Vec::with_capacity(30 + name.len());
        put32(&mut local, 0x0403_4b50);
        put16(&mut local, 20);
        put16(&mut local, UTF8_NAMES);
        put16(&mut local, DEFLATED);
        put16(&mut local, DOS_TIME);
        put16(&mut local, DOS_DATE);
        put32(&mut local, entry.crc);
        put32(&mut local, packed);
        put32(&mut local, plain);
        put16(&mut local, name_len);
        put16(&mut local, 0);
        local.extend_from_slice(name.as_bytes());
        self.out.write_all(&local)?;
        self.out.write_all(&entry.bytes)?;

        let c = &mut self.central;
        put32(c, 0x0201_4b50);
        put16(c, 20);
        put16(c, 20);
        put16(c, UTF8_NAMES);
        put16(c, DEFLATED);
        put16(c, DOS_TIME);
        put16(c, DOS_DATE);
        put32(c, entry.crc);
        put32(c, packed);
        put32(c, plain);
        put16(c, name_len);
        put16(c, 0);
        put16(c, 0);
        put16(c, 0);
        put16(c, 0);
        put32(c, 0);
        put32(c, offset);
        c.extend_from_slice(name.as_bytes());

        self.offset += local.len() as u64 + entry.bytes.len() as u64;
        self.entries += 1;
        Ok(())
    }

    fn finish(mut self) -> io::Result<W> {
        let offset = u32::try_from(self.offset)
            .map_err(|_| io::Error::other("the spreadsheet is over 4 GiB"))?;
        self.out.write_all(&self.central)?;
        let mut end = Vec::with_capacity(22);
        put32(&mut end, 0x0605_4b50);
        put16(&mut end, 0);
        put16(&mut end, 0);
        put16(&mut end, self.entries);
        put16(&mut end, self.entries);
        put32(&mut end, self.central.len() as u32);
        put32(&mut end, offset);
        put16(&mut end, 0);
        self.out.write_all(&end)?;
        self.out.flush()?;
        Ok(self.out)
    }
}

fn put16(buf: &mut Vec<u8>, value: u16) {
    buf.extend_from_slice(&value.to_le_bytes());
}

fn put32(buf: &mut Vec<u8>, value: u32) {
    buf.extend_from_slice(&value.to_le_bytes());
}

const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
const MAIN_NS: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL_NS: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

const CONTENT_TYPES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
<Default Extension=\"xml\" ContentType=\"application/xml\"/>\
<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>\
<Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>\
<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>\
</Types>";

const ROOT_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/>\
</Relationships>";

const WORKBOOK_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/>\
<Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>\
</Relationships>";

const STYLES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n\
<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">\
<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font><font><b/><sz val=\"11\"/><name val=\"Calibri\"/></font></fonts>\
<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills>\
<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>\
<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>\
<cellXfs count=\"3\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>\
<xf numFmtId=\"0\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\"/>\
<xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" quotePrefix=\"1\"/></cellXfs>\
<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>\
</styleSheet>";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_named_as_spreadsheets_name_them() {
        let names: Vec<String> = [0, 25, 26, 27, 51, 52, 701, 702]
            .into_iter()
            .map(column_name)
            .collect();
        assert_eq!(names, ["A", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
    }

    #[test]
    fn formula_like_text_is_a_string_with_the_quote_prefix_never_a_formula() {
        use std::io::Read;
        let mut writer = XlsxWriter::new(Vec::new(), "T", false, &["Name"]).unwrap();
        let cells = [Cell::text("=1+1"), Cell::text("Sana"), Cell::Number(-2.0)];
        writer.write_row(&cells).unwrap();
        let deflated = writer.sheet.finish().unwrap();
        let mut sheet = String::new();
        flate2::read::DeflateDecoder::new(&deflated[..])
            .read_to_string(&mut sheet)
            .unwrap();
        assert!(sheet.contains(
            "<c r=\"A2\" s=\"2\" t=\"inlineStr\"><is><t xml:space=\"preserve\">=1+1</t></is></c>"
        ));
        assert!(sheet.contains("<c r=\"B2\" t=\"inlineStr\">"), "{sheet}");
        assert!(sheet.contains("<c r=\"C2\"><v>-2</v></c>"), "{sheet}");
        assert!(!sheet.contains("<f"), "{sheet}");
    }

    #[test]
    fn text_is_escaped_and_control_characters_dropped() {
        assert_eq!(escape("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(sheet_name("Needs: [all]"), "Needs all");
    }
}
