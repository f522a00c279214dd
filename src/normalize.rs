//! Text normalisation shared by training and prediction.
//!
//! Scraped news mixes typographic quotes, several dash characters, non-breaking
//! spaces and full-width forms; a model must see one spelling of each.

use unicode_normalization::UnicodeNormalization;

/// Maps one character to its canonical form, or `None` when it stays as is.
fn fold_char(c: char) -> Option<char> {
    Some(match c {
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{00AB}' | '\u{00BB}' | '\u{2033}' => '"',
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '`' | '\u{00B4}' => '\'',
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE58}' | '\u{FE63}' | '\u{FF0D}' => '-',
        '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => ' ',
        '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}' | '\u{00AD}' => return Some('\0'),
        _ => return None,
    })
}

/// NFKC, quote and dash folding, zero-width removal, lower case.
///
/// ASCII input skips the NFKC pass, which is most of the cost.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut push = |c: char| match fold_char(c) {
        Some('\0') => {}
        Some(f) => out.push(f),
        None => out.extend(c.to_lowercase()),
    };
    if text.is_ascii() {
        text.chars().for_each(&mut push);
    } else {
        text.nfkc().for_each(&mut push);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_quotes_dashes_and_case() {
        assert_eq!(normalize("\u{201C}Kami\u{201D} \u{2014} AS"), "\"kami\" - as");
        assert_eq!(normalize("it\u{2019}s"), "it's");
    }

    #[test]
    fn nfkc_and_invisible_characters() {
        assert_eq!(normalize("\u{FF21}\u{FF33}"), "as");
        assert_eq!(normalize("Jeneva\u{00A0}talks\u{200B}"), "jeneva talks");
    }
}
