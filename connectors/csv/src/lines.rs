//! Counting physical lines the way users see them in an editor: `\r\n`, `\n` and a lone
//! `\r` (classic Mac exports) each end one line, also when a `\r\n` pair is split between
//! two reads.

/// Line breaks in `bytes`, `prev` being the byte before them: every `\r`, and every `\n`
/// not preceded by `\r`.
pub(crate) fn count_breaks(bytes: &[u8], prev: &mut u8) -> u64 {
    let (Some(&first), Some(&last)) = (bytes.first(), bytes.last()) else {
        return 0;
    };
    // One branch-free pass the compiler vectorizes; the exact pairing of `\r\n` is only
    // needed when a slice holds both (a multi-line quoted value in a CRLF file).
    let (mut cr, mut lf) = (0u64, 0u64);
    // Byte-wide counters over chunks that cannot overflow them keep the SIMD lanes full.
    for chunk in bytes.chunks(255) {
        let (mut c, mut l) = (0u8, 0u8);
        for &b in chunk {
            c += u8::from(b == b'\r');
            l += u8::from(b == b'\n');
        }
        cr += u64::from(c);
        lf += u64::from(l);
    }
    let n = if cr == 0 {
        // Only the `\n` completing a `\r\n` split across two slices is not a new break.
        lf - u64::from(*prev == b'\r' && first == b'\n')
    } else if lf == 0 {
        cr
    } else {
        let mut n = 0u64;
        let mut p = *prev;
        for &b in bytes {
            n += u64::from(b == b'\r') + u64::from(b == b'\n' && p != b'\r');
            p = b;
        }
        n
    };
    *prev = last;
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaks_are_counted_across_buffer_boundaries() {
        let mut p = 0;
        assert_eq!(count_breaks(b"a\r", &mut p), 1);
        assert_eq!(count_breaks(b"\nb\n", &mut p), 1);
        assert_eq!(count_breaks(b"", &mut p), 0);
        assert_eq!(count_breaks(b"\r\r\n\n", &mut p), 3);
    }

    #[test]
    fn break_counting_does_not_depend_on_how_the_input_is_sliced() {
        // Naive reference: CRLF, LF and CR each end one line.
        fn naive(bytes: &[u8]) -> u64 {
            let text = String::from_utf8_lossy(bytes)
                .replace("\r\n", "\n")
                .replace('\r', "\n");
            text.matches('\n').count() as u64
        }
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        for _ in 0..500 {
            let bytes: Vec<u8> = (0..40)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    [b'\r', b'\n', b'a'][(state % 3) as usize]
                })
                .collect();
            let cut = (state % 41) as usize;
            let (a, b) = bytes.split_at(cut);
            let mut prev = 0;
            let sliced = count_breaks(a, &mut prev) + count_breaks(b, &mut prev);
            assert_eq!(sliced, naive(&bytes), "{bytes:?} cut at {cut}");
        }
    }
}
