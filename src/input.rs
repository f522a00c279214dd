//! Streaming raw text in bounded chunks.
//!
//! A line break always ends a sentence (see [`crate::segment`]), so a document
//! can be cut at any line boundary and each chunk segmented on its own: memory
//! stays flat however large the input. A line longer than the chunk limit is
//! cut where the segmenter starts its last sentence, so sentences come out
//! whole (failing that, at the last white space or a character boundary).

use std::io::{self, BufRead, Read};

use crate::segment::{segment, MAX_SENTENCE_BYTES};

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
    /// A read error met after part of a chunk was read (a truncated .gz):
    /// the bytes read come out first, the error on the next call.
    failed: Option<io::Error>,
}

impl<R: BufRead> ChunkReader<R> {
    pub fn new(inner: R, target: usize) -> Self {
        ChunkReader { inner, offset: 0, target: target.max(1024), carry: Vec::new(), done: false, failed: None }
    }

    fn next_chunk(&mut self) -> io::Result<Option<Chunk>> {
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        if self.done && self.carry.is_empty() {
            return Ok(None);
        }
        let mut buf = std::mem::take(&mut self.carry);
        while !self.done && buf.len() < self.target {
            let room = (self.target - buf.len()) as u64;
            let n = match (&mut self.inner).take(room).read_until(b'\n', &mut buf) {
                Ok(n) => n,
                Err(e) if !buf.is_empty() => {
                    (self.failed, self.done) = (Some(e), true);
                    break;
                }
                Err(e) => return Err(e),
            };
            if n == 0 {
                self.done = true;
            } else if buf.last() == Some(&b'\n') && buf.len() >= self.target / 2 {
                break;
            }
        }
        if self.offset == 0 {
            // offsets still count the mark
            self.offset = strip_bom(&mut buf);
        }
        if buf.is_empty() {
            return Ok(None);
        }
        if !self.done && buf.last() != Some(&b'\n') {
            // Cut a long line before its last sentence (which may be
            // incomplete), else after the last space, else before an
            // incomplete UTF-8 sequence at the end.
            let cut = match last_sentence_start(&buf) {
                Some(i) => i,
                None => match buf.iter().rposition(|&b| b == b'\n' || b == b' ' || b == b'\t') {
                    Some(i) if i > 0 => i + 1,
                    _ => utf8_safe_end(&buf),
                },
            };
            self.carry = buf.split_off(cut);
        }
        let chunk = decode(&buf, self.offset);
        self.offset += buf.len();
        Ok(Some(chunk))
    }
}

/// The UTF-8 byte-order mark: spreadsheet exports and some Windows tools
/// write one; it is not text.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Removes a leading byte-order mark. Returns how many bytes went.
pub fn strip_bom(buf: &mut Vec<u8>) -> usize {
    if buf.starts_with(BOM) {
        buf.drain(..BOM.len());
        BOM.len()
    } else {
        0
    }
}

/// Where the segmenter starts the last sentence of `buf`, looking only at its
/// tail (sentences are at most [`MAX_SENTENCE_BYTES`] long). `None` when the
/// tail holds a single sentence.
fn last_sentence_start(buf: &[u8]) -> Option<usize> {
    let mut from = buf.len().saturating_sub(4 * MAX_SENTENCE_BYTES);
    while from < buf.len() && buf[from] & 0xC0 == 0x80 {
        from += 1; // start on a character boundary
    }
    let tail = decode(&buf[from..utf8_safe_end(buf)], 0);
    let spans = segment(&tail.text);
    match spans.as_slice() {
        [.., _, last] if last.start > 0 => Some(from + last.start),
        _ => None,
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
    fn bytes_read_before_an_error_come_out_before_it() {
        // a stream that breaks part-way, as a truncated .gz does
        let broken = std::io::Read::chain(&b"Iran menolak.\nDelegasi tiba"[..], FailingRead);
        let mut chunks = ChunkReader::new(std::io::BufReader::new(broken), 1 << 20);
        assert_eq!(chunks.next().unwrap().unwrap().text, "Iran menolak.\nDelegasi tiba");
        assert!(chunks.next().unwrap().is_err());
        assert!(chunks.next().is_none());
    }

    struct FailingRead;
    impl std::io::Read for FailingRead {
        fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
            Err(io::Error::new(io::ErrorKind::UnexpectedEof, "stream cut"))
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
    fn a_long_line_is_cut_between_sentences() {
        // No line break at all: every chunk must still end on a sentence boundary,
        // so segmenting chunk by chunk gives the same sentences as the whole text.
        let line = "Rusia menuntut NATO menghentikan ekspansi ke timur. ".repeat(400);
        let mut sentences = Vec::new();
        for chunk in ChunkReader::new(line.as_bytes(), 1024).map(Result::unwrap) {
            sentences.extend(segment(&chunk.text).iter().map(|s| s.text(&chunk.text).to_string()));
        }
        assert_eq!(sentences.len(), 400);
        assert!(sentences.iter().all(|s| s == "Rusia menuntut NATO menghentikan ekspansi ke timur."), "{sentences:?}");
    }

    #[test]
    fn a_byte_order_mark_is_skipped_but_counted() {
        let chunks: Vec<Chunk> = ChunkReader::new(&b"\xEF\xBB\xBFTalks resume.\n"[..], 1024).map(Result::unwrap).collect();
        assert_eq!((chunks[0].base, chunks[0].text.as_str()), (3, "Talks resume.\n"));
    }

    #[test]
    fn invalid_utf8_is_replaced_byte_for_byte() {
        let c = decode(b"ab\xffcd\xfe\xfe", 10);
        assert_eq!(c.text, "ab\u{1A}cd\u{1A}\u{1A}");
        assert_eq!((c.invalid_bytes, c.first_invalid), (3, Some(12)));
    }
}
