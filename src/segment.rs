//! Sentence segmentation for Indonesian and English news pages.
//!
//! Unicode sentence boundaries (UAX #29, from `unicode-segmentation`) do most of
//! the work. On top of them klaim adds what news text needs:
//! - every line break ends a sentence, so headlines, menu items and
//!   "Baca juga" lines without final punctuation stand alone, and a large
//!   input can be cut into chunks at any line boundary;
//! - a period after a title or name abbreviation (Dr., Jl., Kol., Gen., U.S.)
//!   or an initial (J. Doe) does not end a sentence;
//! - a "sentence" longer than [`MAX_SENTENCE_BYTES`] (a run-on line in a broken
//!   dump) is cut at white space so no record grows without bound.

use unicode_segmentation::UnicodeSegmentation;

/// Longest sentence emitted; longer runs are cut at a space near this size.
pub const MAX_SENTENCE_BYTES: usize = 4096;

/// A sentence as byte offsets into the text it was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn text<'a>(&self, source: &'a str) -> &'a str {
        &source[self.start..self.end]
    }
}

/// Abbreviations that stand before a name, number or place, so a period after
/// them never ends a sentence. Sentence-final abbreviations (dll., etc.) are not
/// here: UAX #29 already keeps them inside when a lowercase word follows.
const PREFIX_ABBREVIATIONS: &[&str] = &[
    // Indonesian titles, ranks, addresses
    "jl", "jln", "dr", "drs", "dra", "prof", "ir", "h", "hj", "kol", "kolonel", "letkol", "mayjen",
    "brigjen", "letjen", "jend", "laksma", "laksda", "laksdya", "marsma", "marsda", "kapt", "kompol",
    "akbp", "kombes", "irjen", "ipda", "iptu", "aiptu", "bripka", "sdr", "sdri", "bpk", "yth", "no",
    "kab", "kec", "kel", "prov", "gg", "rt", "rw", "tn", "ny", "nn", "kh", "pt", "tbk", "a.n", "u.p",
    "s.h", "s.e", "s.sos", "s.ip", "m.si", "m.a", "m.h", "ph.d", "s.t", "s.pd", "m.sc",
    // English titles and common prefixes
    "mr", "mrs", "ms", "messrs", "gen", "lt", "col", "maj", "capt", "cmdr", "adm", "sgt", "sen",
    "rep", "gov", "pres", "amb", "st", "mt", "ft", "rev", "hon", "dept", "fig", "vol", "art",
    "para", "sec", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "u.s", "u.n", "u.k", "e.u", "d.c", "e.g", "i.e", "vs", "cf", "approx", "est",
];

fn is_prefix_abbreviation(piece: &str) -> bool {
    let Some(body) = piece.trim_end().strip_suffix('.') else {
        return false;
    };
    let word = body
        .rsplit(|c: char| c.is_whitespace() || matches!(c, '(' | '[' | '"' | '\'' | '\u{201C}' | '/'))
        .next()
        .unwrap_or("");
    if word.is_empty() {
        return false;
    }
    // A single capital letter is an initial: "J. Doe", "Sergey V. Lavrov".
    let mut chars = word.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return c.is_uppercase();
    }
    let lower = word.to_lowercase();
    PREFIX_ABBREVIATIONS.contains(&lower.as_str())
        // dotted acronyms such as "A.S." or "P.B.B." are abbreviations too
        || (lower.len() <= 8 && lower.contains('.') && lower.split('.').all(|p| p.chars().count() == 1))
}

/// Appends the sentences of `text` to `out`, offset by `base` bytes.
pub fn segment_into(text: &str, base: usize, out: &mut Vec<Span>) {
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        segment_line(line, base + line_start, out);
        line_start += line.len();
    }
}

/// The sentences of `text`, as byte spans into it.
pub fn segment(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    segment_into(text, 0, &mut out);
    out
}

fn segment_line(line: &str, base: usize, out: &mut Vec<Span>) {
    let mut start: Option<usize> = None;
    let mut last_piece = "";
    for (idx, piece) in line.split_sentence_bound_indices() {
        match start {
            None => start = Some(idx),
            Some(s) => {
                if !is_prefix_abbreviation(last_piece) {
                    push_trimmed(line, s, idx, base, out);
                    start = Some(idx);
                }
            }
        }
        last_piece = piece;
    }
    if let Some(s) = start {
        push_trimmed(line, s, line.len(), base, out);
    }
}

fn push_trimmed(line: &str, start: usize, end: usize, base: usize, out: &mut Vec<Span>) {
    let raw = &line[start..end];
    let lead = raw.len() - raw.trim_start().len();
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return;
    }
    let mut s = start + lead;
    let e = s + trimmed.len();
    while e - s > MAX_SENTENCE_BYTES {
        let cut = cut_point(&line[s..e]);
        out.push(Span { start: base + s, end: base + s + line[s..s + cut].trim_end().len() });
        s += cut;
        s += line[s..e].len() - line[s..e].trim_start().len();
    }
    if s < e {
        out.push(Span { start: base + s, end: base + e });
    }
}

/// Where to cut an over-long run: the last space before the limit, else the
/// last char boundary before it.
fn cut_point(text: &str) -> usize {
    let mut limit = MAX_SENTENCE_BYTES;
    while !text.is_char_boundary(limit) {
        limit -= 1;
    }
    match text[..limit].rfind(char::is_whitespace) {
        Some(i) if i > MAX_SENTENCE_BYTES / 2 => i + 1,
        _ => limit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sentences(text: &str) -> Vec<&str> {
        segment(text).iter().map(|s| s.text(text)).collect()
    }

    #[test]
    fn lines_without_punctuation_are_sentences() {
        let text = "Bulan Depan Rusia dan AS Bertemu\nKamis, 23 Desember 2021 - 00:46 WIB\nloading...\n";
        assert_eq!(
            sentences(text),
            ["Bulan Depan Rusia dan AS Bertemu", "Kamis, 23 Desember 2021 - 00:46 WIB", "loading..."]
        );
    }

    #[test]
    fn abbreviations_initials_numbers_and_dates_do_not_split() {
        let text = "Dr. Siti bertemu Kol. Budi di Jl. Merdeka No. 5 pada 10/1/2022 pukul 00:46 WIB. \
                    Nilainya Rp1,2 T atau 100.000 unit, naik 3.5 persen. Gen. J. Smith met U.S. officials.";
        assert_eq!(
            sentences(text),
            [
                "Dr. Siti bertemu Kol. Budi di Jl. Merdeka No. 5 pada 10/1/2022 pukul 00:46 WIB.",
                "Nilainya Rp1,2 T atau 100.000 unit, naik 3.5 persen.",
                "Gen. J. Smith met U.S. officials.",
            ]
        );
    }

    #[test]
    fn quotations_split_into_their_sentences() {
        let text = "\u{201C}Kami tidak ingin perang. Tetapi kami siap,\u{201D} katanya. \"We will talk.\" She left.";
        assert_eq!(
            sentences(text),
            [
                "\u{201C}Kami tidak ingin perang.",
                "Tetapi kami siap,\u{201D} katanya.",
                "\"We will talk.\"",
                "She left.",
            ]
        );
    }

    #[test]
    fn spans_point_into_the_source() {
        let text = "  Satu. Dua!\r\n\r\nTiga?";
        let spans = segment(text);
        assert_eq!(spans.len(), 3);
        assert_eq!(&text[spans[2].start..spans[2].end], "Tiga?");
    }

    #[test]
    fn overlong_runs_are_cut_at_spaces() {
        let text = "kata ".repeat(3000);
        let spans = segment(&text);
        assert!(spans.len() >= 3);
        assert!(spans.iter().all(|s| s.end - s.start <= MAX_SENTENCE_BYTES));
        let joined: String = spans.iter().map(|s| s.text(&text)).collect::<Vec<_>>().join(" ");
        assert_eq!(joined, text.trim_end());
    }
}
