//! Reading labelled sentences: TSV or CSV with a header row, or JSON Lines.
//!
//! Every record needs `text` and `label`; `lang` and `source` are optional and
//! any other field is ignored. Errors name the file and the 1-based line.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use serde::Deserialize;

use crate::error::{KlaimError, Result};

/// One labelled sentence.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Example {
    pub text: String,
    pub label: String,
    pub lang: Option<String>,
    pub source: Option<String>,
}

/// The layouts LABELS.md allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Tsv,
    Csv,
    JsonLines,
}

impl Format {
    /// From the file name alone (a trailing `.gz` is looked through).
    pub fn from_name(path: &Path) -> Option<Format> {
        let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        if name.ends_with(".jsonl") || name.ends_with(".ndjson") || name.ends_with(".json") {
            Some(Format::JsonLines)
        } else if name.ends_with(".tsv") || name.ends_with(".tab") {
            Some(Format::Tsv)
        } else if name.ends_with(".csv") {
            Some(Format::Csv)
        } else {
            None
        }
    }

    /// From the file name, else from the first line.
    pub fn detect(path: &Path, first_line: &[u8]) -> Format {
        if let Some(format) = Format::from_name(path) {
            format
        } else if first_line.trim_ascii_start().starts_with(b"{") {
            Format::JsonLines
        } else if first_line.contains(&b'\t') {
            Format::Tsv
        } else {
            Format::Csv
        }
    }
}

/// Opens a file for reading, decompressing `.gz` transparently.
pub fn open(path: &Path) -> Result<Box<dyn BufRead + Send>> {
    let file = File::open(path).map_err(|e| KlaimError::io(path, e))?;
    let gz = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    Ok(if gz {
        Box::new(BufReader::with_capacity(1 << 16, flate2::read::MultiGzDecoder::new(file)))
    } else {
        Box::new(BufReader::with_capacity(1 << 16, file))
    })
}

/// Reads every labelled record of `path`. Any bad record is an error: a model
/// trained on silently dropped data is worse than no model.
pub fn read_labelled(path: &Path) -> Result<Vec<Example>> {
    let mut bytes = Vec::new();
    open(path)?.read_to_end(&mut bytes).map_err(|e| KlaimError::io(path, e))?;
    crate::input::strip_bom(&mut bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(KlaimError::Dataset { path: path.into(), message: "the file is empty".into() });
    }
    let first = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let format = Format::detect(path, first);
    let examples = match format {
        Format::JsonLines => read_jsonl(path, &bytes)?,
        Format::Tsv | Format::Csv => read_delimited(path, &bytes, format)?,
    };
    check_label_spelling(path, &examples)?;
    if examples.is_empty() {
        return Err(KlaimError::Dataset { path: path.into(), message: "the file holds no records".into() });
    }
    Ok(examples.into_iter().map(|(_, e)| e).collect())
}

/// Rejects a label that differs from an earlier one only in case ("Demand"
/// beside "demand"): it would silently become a class of its own.
fn check_label_spelling(path: &Path, examples: &[(usize, Example)]) -> Result<()> {
    match case_clash(examples.iter().map(|(_, e)| e.label.as_str())) {
        None => Ok(()),
        Some((first, clash)) => {
            let ((seen_line, seen), (line, ex)) = (&examples[first], &examples[clash]);
            Err(KlaimError::data(
                path,
                *line,
                format!("label `{}` differs from `{}` (line {seen_line}) only in case; labels are case-sensitive", ex.label, seen.label),
            ))
        }
    }
}

/// The first label that differs from an earlier one only in case, as the
/// positions of the earlier spelling and of the clash. Shared by the file
/// reader (which turns positions into line numbers) and the Python `fit`.
pub fn case_clash<'a>(labels: impl IntoIterator<Item = &'a str>) -> Option<(usize, usize)> {
    let mut first: std::collections::HashMap<String, (&str, usize)> = std::collections::HashMap::new();
    for (i, label) in labels.into_iter().enumerate() {
        let (seen, at) = *first.entry(label.to_lowercase()).or_insert((label, i));
        if seen != label {
            return Some((at, i));
        }
    }
    None
}

/// A warning for each label with fewer than three examples, in label order:
/// a label seen once or twice is more often a typo than a class. Shared by
/// `klaim train` and Python's `fit`.
pub fn rare_label_warnings<'a>(labels: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for label in labels {
        *counts.entry(label).or_default() += 1;
    }
    counts
        .into_iter()
        .filter(|&(_, n)| n < 3)
        .map(|(label, n)| format!("label `{label}` has only {n} example(s); a typo? It becomes a class of its own"))
        .collect()
}

/// Reads several files into one list, in order.
pub fn read_all<P: AsRef<Path>>(paths: &[P]) -> Result<Vec<Example>> {
    let mut all = Vec::new();
    for p in paths {
        all.extend(read_labelled(p.as_ref())?);
    }
    Ok(all)
}

#[derive(Deserialize)]
struct JsonRecord {
    text: Option<serde_json::Value>,
    label: Option<serde_json::Value>,
    lang: Option<String>,
    source: Option<String>,
}

/// `place` says where `bytes` sit ("the line", "the `text` field").
fn utf8<'a>(path: &Path, line: usize, bytes: &'a [u8], place: &str) -> Result<&'a str> {
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        KlaimError::data(
            path,
            line,
            format!(
                "invalid UTF-8 (byte 0x{:02X} at offset {at} of {place}); klaim reads UTF-8 only: save the file as UTF-8 (in Excel, \"CSV UTF-8\")",
                bytes[at]
            ),
        )
    })
}

fn field(path: &Path, line: usize, name: &str, value: Option<String>) -> Result<String> {
    match value {
        Some(v) if !v.trim().is_empty() => Ok(v.trim().to_string()),
        Some(_) => Err(KlaimError::data(path, line, format!("the record has an empty `{name}`"))),
        None => Err(KlaimError::data(path, line, format!("the record has no `{name}` field"))),
    }
}

/// The records of a file, each with its 1-based line number.
type Lined = Vec<(usize, Example)>;

fn read_jsonl(path: &Path, bytes: &[u8]) -> Result<Lined> {
    let mut out = Vec::new();
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let line = i + 1;
        let text = utf8(path, line, raw, "the line")?;
        if text.trim().is_empty() {
            continue;
        }
        let rec: JsonRecord = serde_json::from_str(text)
            .map_err(|e| KlaimError::data(path, line, format!("not a JSON object: {e}")))?;
        let as_string = |v: Option<serde_json::Value>| match v {
            Some(serde_json::Value::String(s)) => Some(s),
            Some(serde_json::Value::Null) | None => None,
            Some(other) => Some(other.to_string()),
        };
        out.push((line, Example {
            text: field(path, line, "text", as_string(rec.text))?,
            label: field(path, line, "label", as_string(rec.label))?,
            lang: rec.lang,
            source: rec.source,
        }));
    }
    Ok(out)
}

/// The separator of a CSV file: a comma, or the semicolon that Excel writes
/// in locales with a decimal comma (Indonesian among them), or a tab in a
/// file named `.csv`; whichever splits the header into `text` and `label`.
fn sniff_delimiter(first_line: &[u8]) -> u8 {
    let names = |d: u8| -> Vec<Vec<u8>> {
        let unquote = |f: &[u8]| -> Vec<u8> { f.iter().filter(|&&b| b != b'"').copied().collect() };
        first_line.split(|&b| b == d).map(|f| unquote(f.trim_ascii()).to_ascii_lowercase()).collect()
    };
    [b',', b';', b'\t']
        .into_iter()
        .find(|&d| {
            let names = names(d);
            names.iter().any(|n| n == b"text") && names.iter().any(|n| n == b"label")
        })
        .unwrap_or(b',')
}

fn read_delimited(path: &Path, bytes: &[u8], format: Format) -> Result<Lined> {
    // the csv reader skips blank lines before the header; so does the sniffer
    let first_line = bytes.split(|&b| b == b'\n').find(|l| !l.trim_ascii().is_empty()).unwrap_or_default();
    let (delimiter, kind) = match format {
        Format::Tsv => (b'\t', "TSV"),
        _ => (sniff_delimiter(first_line), "CSV"),
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        // Tab-separated files carry quotes inside sentences; only comma and
        // semicolon files use quoting.
        .quoting(delimiter != b'\t')
        .from_reader(bytes);
    let headers = reader
        .byte_headers()
        .map_err(|e| KlaimError::data(path, 1, format!("cannot read the header row: {e}")))?
        .clone();
    let normalised: Vec<Vec<u8>> = headers.iter().map(|h| h.trim_ascii().to_ascii_lowercase()).collect();
    let column = |name: &str| normalised.iter().position(|h| h == name.as_bytes());
    let missing = |name: &str| {
        let shown = String::from_utf8_lossy(&first_line[..first_line.len().min(80)]);
        KlaimError::data(
            path,
            1,
            format!(
                "the {kind} header `{}` has no `{name}` column (a header row naming `text` and `label` is required, separated by commas, semicolons or tabs)",
                shown.trim_end()
            ),
        )
    };
    for (i, name) in normalised.iter().enumerate() {
        let read = ["text", "label", "lang", "source"].iter().any(|r| r.as_bytes() == name.as_slice());
        if read && normalised[..i].contains(name) {
            let name = String::from_utf8_lossy(name);
            return Err(KlaimError::data(path, 1, format!("the header names the `{name}` column twice")));
        }
    }
    let text_col = column("text").ok_or_else(|| missing("text"))?;
    let label_col = column("label").ok_or_else(|| missing("label"))?;
    let (lang_col, source_col) = (column("lang"), column("source"));

    // Line numbers are counted from byte offsets: the csv crate's own count
    // is one short in files with CRLF line ends (Excel, Python's csv module).
    let (mut counted_to, mut line) = (0usize, 1usize);
    let mut line_at = |mut byte: usize| {
        // A record's position may point at the line end before it.
        while byte < bytes.len() && matches!(bytes[byte], b'\r' | b'\n') {
            byte += 1;
        }
        line += bytes[counted_to..byte].iter().filter(|&&b| b == b'\n').count();
        counted_to = byte;
        line
    };
    let mut out = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        let start = reader.position().byte() as usize;
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(KlaimError::data(path, line_at(start), format!("malformed {kind} record: {e}"))),
        }
        if record.iter().all(|f| f.trim_ascii().is_empty()) {
            continue;
        }
        let line = line_at(record.position().map_or(start, |p| p.byte() as usize));
        // `cat a.csv b.csv` of two Excel files leaves b's byte-order mark before its header;
        // only a row whose label reads `label` is worth the full comparison
        let unmarked = |f: &[u8]| f.strip_prefix(crate::input::BOM).unwrap_or(f).trim_ascii().to_ascii_lowercase();
        let label_is_header = record.get(label_col).is_some_and(|f| f.trim_ascii().eq_ignore_ascii_case(b"label"));
        if label_is_header && record.iter().map(unmarked).eq(normalised.iter().cloned()) {
            return Err(KlaimError::data(path, line, "this row repeats the header (two files pasted together?)"));
        }
        if record.len() != headers.len() {
            let hint = match delimiter {
                b',' => " (a comma inside an unquoted text?)",
                b';' => " (a semicolon inside an unquoted text?)",
                _ => " (a tab inside the text?)",
            };
            return Err(KlaimError::data(
                path,
                line,
                format!("{} fields, but the header has {}{hint}", record.len(), headers.len()),
            ));
        }
        let get = |col: Option<usize>| -> Result<Option<String>> {
            match col.and_then(|c| Some((c, record.get(c)?))) {
                Some((c, b)) => {
                    let place = format!("the `{}` field", String::from_utf8_lossy(&normalised[c]));
                    Ok(Some(utf8(path, line, b, &place)?.to_string()))
                }
                None => Ok(None),
            }
        };
        out.push((line, Example {
            text: field(path, line, "text", get(Some(text_col))?)?,
            label: field(path, line, "label", get(Some(label_col))?)?,
            lang: get(lang_col)?.filter(|s| !s.is_empty()),
            source: get(source_col)?.filter(|s| !s.is_empty()),
        }));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(name: &str, content: &[u8]) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::File::create(&path).unwrap().write_all(content).unwrap();
        (dir, path)
    }

    #[test]
    fn reads_all_three_formats() {
        let (_d, p) = file("a.tsv", b"text\tlabel\tlang\nKami menolak \"usul\" itu.\tdenial\tid\n");
        let ex = read_labelled(&p).unwrap();
        assert_eq!(ex[0].text, "Kami menolak \"usul\" itu.");
        assert_eq!(ex[0].lang.as_deref(), Some("id"));
        let (_d, p) = file("a.csv", b"label,text\ndemand,\"Stop, now.\"\n");
        assert_eq!(read_labelled(&p).unwrap()[0].text, "Stop, now.");
        let (_d, p) = file("bom.csv", b"\xEF\xBB\xBFtext,label\nTalks resume.,procedural\n");
        assert_eq!(read_labelled(&p).unwrap()[0].text, "Talks resume.");
        let (_d, p) = file("a.jsonl", b"{\"text\": \"Talks resume.\", \"label\": \"procedural\"}\n\n");
        assert_eq!(read_labelled(&p).unwrap()[0].label, "procedural");
    }

    #[test]
    fn reads_csv_as_excel_saves_it() {
        // Excel in an Indonesian locale: semicolons, a BOM, CRLF, quotes around texts holding the separator
        let excel = "\u{feff}\"text\";\"label\"\r\n\"Jakarta menolak; tegas.\";denial\r\nDelegasi tiba, Senin.;procedural\r\n";
        let (_d, p) = file("excel.csv", excel.as_bytes());
        let ex = read_labelled(&p).unwrap();
        assert_eq!((ex[0].text.as_str(), ex[1].label.as_str()), ("Jakarta menolak; tegas.", "procedural"));
        let (_d, p) = file("tabs.csv", b"\ntext\tlabel\n\"Kami menolak,\" ujarnya.\tdenial\nTalks resume.\tprocedural\n");
        let ex = read_labelled(&p).unwrap();
        assert_eq!((ex[0].text.as_str(), ex[1].label.as_str()), ("\"Kami menolak,\" ujarnya.", "procedural"));
        let (_d, p) = file("notes.csv", b"text,notes,label,notes\nTalks resume.,a,procedural,b\n");
        assert_eq!(read_labelled(&p).unwrap()[0].label, "procedural");
    }

    #[test]
    fn bad_files_are_errors_naming_file_line_and_problem() {
        let cases: &[(&str, &[u8], &str)] = &[
            ("bad.jsonl", b"{\"text\": \"a\", \"label\": \"other\"}\n{\"label\": \"other\"}\n", "bad.jsonl:2: the record has no `text` field"),
            ("bad.tsv", b"sentence\tlabel\nx\tother\n", "bad.tsv:1: the TSV header `sentence\tlabel` has no `text` column"),
            ("bad.csv", b"text,label\nok,other\n\xff\xfe,other\n", "bad.csv:3: invalid UTF-8"),
            ("empty.csv", b"\n", "empty.csv: the file is empty"),
            ("comma.csv", b"text,label\nRussia, in a statement, demands talks.,demand\n", "comma.csv:2: 4 fields, but the header has 2"),
            ("crlf.csv", b"text,label\r\nTalks resume.,procedural\r\nIran denies it.,denial\r\n,warning\r\n", "crlf.csv:4: the record has an empty `text`"),
            ("case.jsonl", b"{\"text\": \"a\", \"label\": \"demand\"}\n{\"text\": \"b\", \"label\": \"Demand\"}\n", "case.jsonl:2: label `Demand` differs from `demand` (line 1)"),
            ("blank.tsv", b"text\tlabel\n\tother\n", "blank.tsv:2: the record has an empty `text`"),
            // two exports pasted together, the second with its own byte-order mark
            ("twice.csv", b"text,label\nTalks resume.,procedural\n\xEF\xBB\xBFtext,label\nIran denies it.,denial\n", "twice.csv:3: this row repeats the header"),
            ("dup.csv", b"text,label,label\nTalks resume.,procedural,other\n", "dup.csv:1: the header names the `label` column twice"),
            ("other.csv", b"kalimat|label\nx|other\n", "other.csv:1: the CSV header `kalimat|label` has no `text` column"),
            // Excel's "CSV (Comma delimited)" is Windows-1252: a curly quote is byte 0x93
            ("cp1252.csv", b"text,label\nok,other\nx\x93y\x94,other\n", "cp1252.csv:3: invalid UTF-8 (byte 0x93 at offset 1 of the `text` field); klaim reads UTF-8 only: save the file as UTF-8 (in Excel, \"CSV UTF-8\")"),
        ];
        for (name, content, expected) in cases {
            let (_d, p) = file(name, content);
            let msg = read_labelled(&p).unwrap_err().to_string();
            assert!(msg.contains(expected), "{name}: {msg}");
        }
    }
}
