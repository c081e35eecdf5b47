//! The byte stream the parser reads: the raw file for UTF-8 input, or the file transcoded to
//! UTF-8 on the fly for every other encoding.
//!
//! UTF-8 files are passed through untouched (no copy, no decoder): validation happens per
//! record instead, so an invalid row becomes a reject rather than silently mangled text.
//! Other encodings stream through an [`encoding_rs::Decoder`] with a fixed-size input buffer,
//! so memory never grows with the file.

use encoding_rs::{CoderResult, Decoder, Encoding};
use std::fs::File;
use std::io::{self, Read};

/// Size of the raw input buffer in front of a decoder.
const RAW_BUFFER: usize = 64 * 1024;

/// A readable UTF-8 (or presumed UTF-8) byte stream over a file, counting raw file bytes.
pub(crate) struct Source {
    file: File,
    /// Raw file bytes read so far, BOM included, for progress reporting.
    raw_read: u64,
    /// `None` for UTF-8 input, which needs no transcoding.
    transcoder: Option<Transcoder>,
}

/// The decoding half of a [`Source`] for non-UTF-8 input.
struct Transcoder {
    decoder: Decoder,
    raw: Box<[u8]>,
    pos: usize,
    len: usize,
    /// The file has no more bytes.
    raw_eof: bool,
    /// The decoder has been told about the end of input; calling it again would panic.
    finished: bool,
}

impl Source {
    /// A stream over `file`, whose read position must already be past any BOM; `consumed` is
    /// how many raw bytes precede that position. `encoding` UTF-8 means no transcoding.
    pub(crate) fn new(file: File, consumed: u64, encoding: &'static Encoding) -> Self {
        let transcoder = (encoding != encoding_rs::UTF_8).then(|| Transcoder {
            decoder: encoding.new_decoder_without_bom_handling(),
            raw: vec![0; RAW_BUFFER].into_boxed_slice(),
            pos: 0,
            len: 0,
            raw_eof: false,
            finished: false,
        });
        Source {
            file,
            raw_read: consumed,
            transcoder,
        }
    }

    /// Raw file bytes read so far.
    pub(crate) fn raw_read(&self) -> u64 {
        self.raw_read
    }

    /// Fill `out` with the next UTF-8 (or presumed UTF-8) bytes; `Ok(0)` only at the end.
    ///
    /// `out` must have room for at least 4 bytes, the longest UTF-8 character.
    pub(crate) fn read_utf8(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let Some(t) = self.transcoder.as_mut() else {
            let n = read_retrying(&mut self.file, out)?;
            self.raw_read += n as u64;
            return Ok(n);
        };
        if out.len() < 4 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "output buffer too small",
            ));
        }
        loop {
            if t.finished {
                return Ok(0);
            }
            if t.pos == t.len && !t.raw_eof {
                let n = read_retrying(&mut self.file, &mut t.raw)?;
                self.raw_read += n as u64;
                t.pos = 0;
                t.len = n;
                t.raw_eof = n == 0;
            }
            let input = t.raw.get(t.pos..t.len).unwrap_or_default();
            let last = t.raw_eof;
            let (result, read, written, _replaced) = t.decoder.decode_to_utf8(input, out, last);
            t.pos += read;
            if last && result == CoderResult::InputEmpty {
                t.finished = true;
            }
            if written > 0 {
                return Ok(written);
            }
        }
    }
}

/// `Read::read`, retried on `Interrupted`.
pub(crate) fn read_retrying(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

/// Read until `buf` is full or the end of input; returns how many bytes were read.
pub(crate) fn read_full(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while let Some(rest) = buf.get_mut(filled..) {
        if rest.is_empty() {
            break;
        }
        let n = read_retrying(reader, rest)?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    Ok(filled)
}

/// Decode a bounded sample of the file's start to UTF-8 for delimiter sniffing. `complete`
/// says whether the sample is the whole file (so a trailing partial character is malformed
/// rather than cut off).
pub(crate) fn decode_sample(encoding: &'static Encoding, bytes: &[u8], complete: bool) -> Vec<u8> {
    if encoding == encoding_rs::UTF_8 {
        return bytes.to_vec();
    }
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let cap = decoder
        .max_utf8_buffer_length(bytes.len())
        .unwrap_or(bytes.len() * 3 + 16)
        .max(4);
    let mut out = vec![0; cap];
    let (_, _, written, _) = decoder.decode_to_utf8(bytes, &mut out, complete);
    out.truncate(written);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Seek, SeekFrom, Write};

    fn source_over(bytes: &[u8], encoding: &'static Encoding) -> Source {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(bytes).unwrap();
        file.seek(SeekFrom::Start(0)).unwrap();
        Source::new(file, 0, encoding)
    }

    fn drain(src: &mut Source, chunk: usize) -> Vec<u8> {
        let mut all = Vec::new();
        let mut buf = vec![0; chunk];
        loop {
            let n = src.read_utf8(&mut buf).unwrap();
            if n == 0 {
                return all;
            }
            all.extend_from_slice(&buf[..n]);
        }
    }

    #[test]
    fn transcodes_windows_1252_in_small_chunks_and_counts_raw_bytes() {
        let raw: Vec<u8> = b"caf\xe9 \x80 \xfc".repeat(10_000);
        let mut src = source_over(&raw, encoding_rs::WINDOWS_1252);
        let text = String::from_utf8(drain(&mut src, 7)).unwrap();
        assert_eq!(text, "café € ü".repeat(10_000));
        assert_eq!(src.raw_read(), raw.len() as u64);
        // Reading past the end stays at the end instead of touching a finished decoder.
        assert_eq!(src.read_utf8(&mut [0; 16]).unwrap(), 0);
    }

    #[test]
    fn utf16_odd_trailing_byte_becomes_a_replacement_character() {
        let mut src = source_over(b"a\0b\0c", encoding_rs::UTF_16LE);
        assert_eq!(
            String::from_utf8(drain(&mut src, 64)).unwrap(),
            "ab\u{fffd}"
        );
    }

    #[test]
    fn utf8_passes_through_untouched() {
        let raw = b"a,\xff\n";
        let mut src = source_over(raw, encoding_rs::UTF_8);
        assert_eq!(drain(&mut src, 2), raw.to_vec());
    }
}
