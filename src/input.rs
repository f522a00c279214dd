//! Streaming raw text in bounded chunks.
//!
//! A line break always ends a sentence (see [`crate::segment`]), so a document
//! can be cut at any line boundary and each chunk segmented on its own: memory
//! stays flat however large the input. A line longer than the chunk limit is
//! cut at its last white space (or, failing that, at a character boundary).

use std::io::{self, BufRead, Read};

/// Stands in for each invalid UTF-8 byte.
pub const SUBSTITUTE: char = '\u{1A}';

/// A piece of a document, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// Byte offset of `text` in the source.
    pub base: usize,
    /// The text; each invalid UTF-8 byte is replaced by one U+001A SUBSTITUTE
    /// (the ASCII control character meant for this), so that byte offsets into
    /// `text` stay offsets into the source. U+FFFD would take three bytes, and
    /// a visible mark such as `?` would end sentences.
    pub text: String,
    /// How many bytes were invalid UTF-8, and where the first one was.
    pub invalid_bytes: usize,
    pub first_invalid: Option<usize>,
}

/// Decodes bytes, replacing each invalid byte by U+001A (see [`Chunk::text`]).
pub fn decode(bytes: &[u8], base: usize) -> Chunk {
    let mut text = String::with_capacity(bytes.len());
    let (mut invalid_bytes, mut first_invalid) = (0, None);
    for piece in bytes.utf8_chunks() {
        text.push_str(piece.valid());
        if !piece.invalid().is_empty() {
            first_invalid.get_or_insert(base + text.len());
            invalid_bytes += piece.invalid().len();
            text.extend(std::iter::repeat_n(SUBSTITUTE, piece.invalid().len()));
        }
    }
    Chunk { base, text, invalid_bytes, first_invalid }
}

/// Reads a stream as a sequence of chunks of about `target` bytes.
pub struct ChunkReader<R> {
    inner: R,
    offset: usize,
    target: usize,
    carry: Vec<u8>,
    done: bool,
}

impl<R: BufRead> ChunkReader<R> {
    pub fn new(inner: R, target: usize) -> Self {
        ChunkReader { inner, offset: 0, target: target.max(1024), carry: Vec::new(), done: false }
    }

    fn next_chunk(&mut self) -> io::Result<Option<Chunk>> {
        if self.done && self.carry.is_empty() {
            return Ok(None);
        }
        let mut buf = std::mem::take(&mut self.carry);
        while !self.done && buf.len() < self.target {
            let room = (self.target - buf.len()) as u64;
            let n = (&mut self.inner).take(room).read_until(b'\n', &mut buf)?;
            if n == 0 {
                self.done = true;
            } else if buf.last() == Some(&b'\n') && buf.len() >= self.target / 2 {
                break;
            }
        }
        if buf.is_empty() {
            return Ok(None);
        }
        if !self.done && buf.last() != Some(&b'\n') {
            // Cut a long line: after the last line break or space, else before
            // an incomplete UTF-8 sequence at the end.
            let cut = match buf.iter().rposition(|&b| b == b'\n' || b == b' ' || b == b'\t') {
                Some(i) if i > 0 => i + 1,
                _ => utf8_safe_end(&buf),
            };
            self.carry = buf.split_off(cut);
        }
        let chunk = decode(&buf, self.offset);
        self.offset += buf.len();
        Ok(Some(chunk))
    }
}

/// The longest prefix of `buf` that does not end inside a UTF-8 sequence.
fn utf8_safe_end(buf: &[u8]) -> usize {
    let len = buf.len();
    for back in 1..=3.min(len) {
        let b = buf[len - back];
        if b & 0xC0 != 0x80 {
            // a lead byte: is its sequence complete?
            let need = if b >= 0xF0 { 4 } else if b >= 0xE0 { 3 } else if b >= 0xC0 { 2 } else { 1 };
            return if need > back { len - back } else { len };
        }
    }
    len
}

impl<R: BufRead> Iterator for ChunkReader<R> {
    type Item = io::Result<Chunk>;
    fn next(&mut self) -> Option<Self::Item> {
        match self.next_chunk() {
            Ok(Some(c)) => Some(Ok(c)),
            Ok(None) => None,
            Err(e) => {
                self.done = true;
                self.carry.clear();
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_the_input_exactly() {
        let text = "Baris satu.\nBaris dua panjang sekali.\n".repeat(500);
        let chunks: Vec<Chunk> = ChunkReader::new(text.as_bytes(), 2048).map(Result::unwrap).collect();
        assert!(chunks.len() > 5);
        let joined: String = chunks.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(joined, text);
        for c in &chunks {
            assert_eq!(&text[c.base..c.base + c.text.len()], c.text);
            assert!(c.text.ends_with('\n'));
        }
    }

    #[test]
    fn long_lines_are_cut_at_spaces_and_utf8_boundaries() {
        let line = "kata ü ".repeat(2000);
        let chunks: Vec<Chunk> = ChunkReader::new(line.as_bytes(), 1024).map(Result::unwrap).collect();
        assert!(chunks.iter().all(|c| c.text.len() <= 1024));
        assert_eq!(chunks.iter().map(|c| c.text.as_str()).collect::<String>(), line);
        let solid = "ü".repeat(3000);
        let chunks: Vec<Chunk> = ChunkReader::new(solid.as_bytes(), 1025).map(Result::unwrap).collect();
        assert_eq!(chunks.iter().map(|c| c.text.as_str()).collect::<String>(), solid);
    }

    #[test]
    fn invalid_utf8_is_replaced_byte_for_byte() {
        let c = decode(b"ab\xffcd\xfe\xfe", 10);
        assert_eq!(c.text, "ab\u{1A}cd\u{1A}\u{1A}");
        assert_eq!((c.invalid_bytes, c.first_invalid), (3, Some(12)));
    }
}
