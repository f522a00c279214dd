//! Page furniture: bylines, datelines, navigation, related links, share and
//! comment prompts, copyright lines, photo credits, image-file fragments.
//!
//! Rules, not a model: furniture on news portals is formulaic, the rules are
//! cheap, and their precision and recall are measured against hand-labelled
//! pages in `tests/segmentation.rs`. They lean towards keeping text: a missed
//! furniture line costs a stray `other`, a dropped article sentence loses a claim.

use std::sync::OnceLock;

use regex::bytes::{RegexSet, RegexSetBuilder};

const PATTERNS: &[&str] = &[
    // related-article links and their lists
    r"^(baca|lihat|simak|cek|tonton)\s+(juga|pula|berita|artikel|selengkapnya|video|informasi)\b",
    r"^(berita|artikel|topik|video)\s+(terkait|terpopuler|terkini|lainnya|pilihan|rekomendasi)\b",
    r"^(related|read more|read also|read next|more from|recommended|most read|popular|trending|see also|watch)\b",
    // bylines, credits
    r"^(penulis|editor|reporter|pewarta|redaktur|kontributor|sumber|fotografer|penyunting|writer|author|reporting by|editing by|writing by|compiled by|photo|photograph|image|credit|foto|video|ilustrasi|caption)\s*[:/|]",
    r"^by\s+[A-Z][\w.'-]+(\s+[A-Z][\w.'-]+){0,3}(\s*[,|]\s*[\w .]+)?$",
    r"^\(?(antara foto|antara|foto|reuters|afp|ap|getty images|epa|anadolu)\s*/[^.]{0,80}\)?$",
    // rights
    r"copyright|©|all rights reserved|hak cipta|dilindungi undang-undang",
    // widgets, prompts, navigation
    r"^(loading|memuat)\W*$",
    r"^(advertisement|iklan|ads|sponsored|scroll to continue|scroll untuk melanjutkan|lanjutkan membaca|continue reading)\b",
    r"^(bagikan|share|tweet|tulis komentar|beri komentar|komentar|comments?|kirim komentar|follow|ikuti|subscribe|berlangganan|download|unduh)\b",
    r"(google news|klik di sini|click here|whatsapp channel|saluran whatsapp|newsletter|sign up|log ?in untuk)",
    r"^(halaman|page|hal\.)\s*([:\d]|selanjutnya|berikutnya)",
    r"^(next|prev|previous|selanjutnya|sebelumnya|berikutnya)(\s+page|\s+halaman)?\W*$",
    r"^(tags?|topik|kata kunci|keywords?|label)\s*:",
    r"^(home|beranda|index|indeks)\s*(>|\||»|/)",
    r"\s(>|»)\s.*\s(>|»)\s",
    r"^a\s*a\s*a$",
    r"(^read/|rendering in [\d.]+ seconds)",
    // image files and URLs
    r"\.(jpe?g|png|webp|gif)\b|:quality\(|:format\(|https?://|www\.",
    // standalone dates and times
    r"^(senin|selasa|rabu|kamis|jumat|jum'at|sabtu|minggu|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\s*,?\s*\d{1,2}\s+\w+\s+\d{4}\W*(\d{1,2}[:.]\d{2})?\W*(wib|wita|wit|gmt|utc)?\W*$",
    r"^(\d{1,2}\s+\w+\s+\d{4}|\w+\s+\d{1,2},\s+\d{4})\W*(\d{1,2}[:.]\d{2})?\s*(wib|wita|wit|gmt|utc|am|pm|a\.m\.|p\.m\.)?\W*$",
    r"^(updated|published|posted|diperbarui|diterbitkan|dipublikasikan)\b.{0,40}\d",
    r"^\d{1,2}[:.]\d{2}\s*(wib|wita|wit|gmt|utc)?$",
    r"^(jan|feb|mar|apr|may|mei|jun|jul|aug|agu|sep|oct|okt|nov|dec|des)[a-z]*\.?\s+\d{1,2},\s+\d{4}",
    r"^(monday|tuesday|wednesday|thursday|friday|saturday|sunday),\s+\w+\s+\d{1,2},\s+\d{4}",
    // navigation items standing alone on a line
    r"^(home|beranda|internasional|nasional|dunia|world|americas|asia|europe|africa|middle east|news|berita|terkini|terbaru|terpopuler|politik|ekonomi|bisnis|olahraga|sports?|tekno|lifestyle|hiburan|opini|video|foto|live report|my news|sign in|sign up|log ?in|register|daftar|masuk|english|français|español|skip to (main )?content|toggle navigation|language:?|facebook|twitter|x|whatsapp|telegram|linkedin|instagram|email|e-mail|print|cetak|salin link|copy link|share this (page|article|story)|muat lebih banyak|load more|rekomendasi( lain)?|related( information| content| topics)?|privacy policy|kebijakan privasi|pedoman media siber|tentang kami|about us|contact us|kontak|redaksi|read next|suggested topics:?|press releases|press conferences|main points|terms of use|syarat dan ketentuan|menu|search|cari|close|tutup|live|trending)\W*$",
    r"^back to\b",
    r"^(\(end\)|\(selesai\)|\(habis\))$",
    r"^\(?[a-z]{2,4}(/[a-z]{2,4})+\)?$|^\([a-z]{2,4}\)$",
    r"^#\w+(\s+#\w+)*$",
    r"^a\s*-\s*a\s*\+$",
    r"^halaman\s+\d+\s+dari\s+\d+|^halaman selanjutnya|^page \d+ of \d+",
    r"^\d+$",
    r"^[a-z]{1,4}/\d+$",
    r"^\d[\d,.]*(st|nd|rd|th) meeting",
    r"^(oleh|by)\s*:",
    r"zoom-in|lihat foto|file photo|un photo/|/reuters|reuters/|antara foto|\(antara/|\(afp/|\(ap/",
    r"this is not an official record|for media information only|market data delayed|see the full list of|opens new tab|licensing rights|trust principles|reporting by|editing by|welcome to the",
];

/// A short piece of text starting in lower case, with no final punctuation,
/// is a tag or a menu item ("laut china selatan", "nelayan Rote").
fn is_lowercase_fragment(s: &str) -> bool {
    s.chars().next().is_some_and(char::is_lowercase)
        && s.split_whitespace().count() <= 4
        && !s.ends_with(['.', '!', '?', '"', '\u{201D}', ',', ';'])
}

fn rules() -> &'static RegexSet {
    static RULES: OnceLock<RegexSet> = OnceLock::new();
    RULES.get_or_init(|| {
        // ASCII classes and case folding: furniture words are ASCII, and the
        // Unicode versions push the regex engine off its fast DFA path.
        RegexSetBuilder::new(PATTERNS)
            .case_insensitive(true)
            .unicode(false)
            .dfa_size_limit(16 << 20)
            .build()
            .expect("boilerplate patterns are valid")
    })
}

/// Whether a sentence is page furniture rather than article text.
pub fn is_boilerplate(sentence: &str) -> bool {
    let s = sentence.trim();
    if s.is_empty() {
        return true;
    }
    // Long sentences with several words are article text even if they mention
    // a photo or a site; furniture is short.
    if s.split_whitespace().count() > 30 {
        return false;
    }
    rules().is_match(s.as_bytes()) || is_lowercase_fragment(s)
}

/// Headings that open a list of links to other articles.
fn opens_link_list(s: &str) -> bool {
    static HEADINGS: OnceLock<RegexSet> = OnceLock::new();
    HEADINGS
        .get_or_init(|| {
            RegexSetBuilder::new([
                r"^(baca )?(berita|artikel|topik) (terkait|lainnya|terpopuler|pilihan)",
                r"^baca (juga|berita)",
                r"^(related|read next|more from|most read|recommended|rekomendasi)",
            ])
            .case_insensitive(true)
            .unicode(false)
            .build()
            .expect("heading patterns are valid")
        })
        .is_match(s.trim().as_bytes())
}

/// A line that can be a link in a list: short, with no sentence-final punctuation.
fn looks_like_link(s: &str) -> bool {
    let s = s.trim();
    let words = s.split_whitespace().count();
    (2..=16).contains(&words) && !s.ends_with(['.', '!', '?', '"', '\u{201D}', ',', ';'])
}

/// Flags the furniture among a page's sentences, in order. Besides
/// [`is_boilerplate`] on each sentence, the headlines listed under a
/// "Berita Terkait" / "Related" heading are furniture too, up to the first
/// sentence that does not look like a link.
pub fn flag_sentences<S: AsRef<str>>(sentences: &[S]) -> Vec<bool> {
    let mut in_list = false;
    sentences
        .iter()
        .map(|s| {
            let s = s.as_ref();
            let flagged = is_boilerplate(s) || (in_list && looks_like_link(s));
            if opens_link_list(s) {
                in_list = true;
            } else if !flagged {
                in_list = false;
            }
            flagged
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_furniture() {
        for s in [
            "Baca Juga: Harga Minyak Dunia Naik Tajam",
            "Copyright © 2024 SINDOnews.com",
            "All Rights Reserved",
            "Kamis, 23 Desember 2021 - 00:46 WIB",
            "loading...",
            "Foto/The Times of Israel",
            "A A A",
            "Halaman :",
            "Penulis: Budi Santoso | Editor: Rina",
            ":quality(30):format(webp)/foto/bank/originals/putin.jpg)",
            "Tags: ASEAN, Myanmar",
            "Simak berita lainnya di Google News",
        ] {
            assert!(is_boilerplate(s), "{s}");
        }
    }

    #[test]
    fn headlines_under_a_related_heading_are_furniture() {
        let page = [
            "Menlu Bertemu Mitranya di Hanoi",
            "Pertemuan itu membahas batas laut.",
            "Berita Terkait",
            "Harga Cabai Naik Jelang Lebaran",
            "Timnas Menang Tipis atas Vietnam",
            "Presiden meminta kedua pihak menahan diri.",
        ];
        assert_eq!(flag_sentences(&page), [false, false, true, true, true, false]);
    }

    #[test]
    fn keeps_article_sentences() {
        for s in [
            "Bulan Depan Rusia, AS dan NATO Duduk Satu Meja",
            "MOSKOW - Negosiator dari Rusia dan Amerika Serikat akan duduk satu meja.",
            "Menteri Luar Negeri Rusia Sergei Lavrov.",
            "Sekutu NATO menolak tuntutan itu.",
            "The talks will resume in Geneva on Monday, officials said.",
            "Presiden memperingatkan bahwa sanksi akan diperluas, kata juru bicara.",
        ] {
            assert!(!is_boilerplate(s), "{s}");
        }
    }
}
