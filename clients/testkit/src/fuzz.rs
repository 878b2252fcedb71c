//! Seeded, bounded fuzzing for parsers of outside bytes: mutations of valid samples
//! (flips, insertions, deletions, truncations, splices of interesting bytes) and random
//! text. Deterministic: the same seed gives the same inputs, so a failure names its
//! case and reproduces.

/// Bytes that break parsers more often than random ones do.
const INTERESTING: &[&[u8]] = &[
    b"\0",
    b"\xff",
    b"\xc3",
    b"\xf0\x9f\x92",
    b"-",
    b"+",
    b"9999999999999999999999",
    b"18446744073709551615",
    b"-9223372036854775809",
    b"1e309",
    b"\"",
    b"\\u0000",
    b"\\ud800",
    b"{",
    b"[",
    b"]",
    b"}",
    b"null",
    b".",
    b"%",
    b"%zz",
    b"=",
    b"&",
    b"?",
    b"#",
    b" ",
];

/// A mutation of `sample`: one to four edits.
pub fn mutate(rng: &mut fastrand::Rng, sample: &[u8]) -> Vec<u8> {
    let mut out = sample.to_vec();
    for _ in 0..rng.usize(1..=4) {
        let at = rng.usize(0..=out.len());
        match rng.u8(0..6) {
            0 if !out.is_empty() => {
                let i = rng.usize(0..out.len());
                out[i] ^= 1 << rng.u8(0..8);
            }
            1 => {
                let piece = INTERESTING[rng.usize(0..INTERESTING.len())];
                out.splice(at..at, piece.iter().copied());
            }
            2 if at < out.len() => {
                let end = rng.usize(at..=out.len());
                out.drain(at..end);
            }
            3 => out.truncate(at),
            4 if !out.is_empty() => {
                let i = rng.usize(0..out.len());
                out[i] = rng.u8(..);
            }
            _ => {
                let len = rng.usize(0..8);
                let start = rng.usize(0..=out.len().saturating_sub(len));
                let copied: Vec<u8> = out.iter().skip(start).take(len).copied().collect();
                out.splice(at..at, copied);
            }
        }
    }
    out
}

/// Random text of up to `max` characters drawn from `alphabet` and now and then any
/// character.
pub fn text(rng: &mut fastrand::Rng, alphabet: &str, max: usize) -> String {
    let chars: Vec<char> = alphabet.chars().collect();
    (0..rng.usize(0..=max))
        .map(|_| match rng.u8(0..16) {
            0 => rng.char(..),
            _ => chars
                .get(rng.usize(0..chars.len().max(1)))
                .copied()
                .unwrap_or('x'),
        })
        .collect()
}

/// Runs `check` on `count` mutations of each sample and on `count` random texts; a
/// panic in `check` names the input.
pub fn run(seed: u64, count: usize, samples: &[&[u8]], mut check: impl FnMut(&[u8])) {
    let mut rng = fastrand::Rng::with_seed(seed);
    for sample in samples {
        check(sample);
        for _ in 0..count {
            let input = mutate(&mut rng, sample);
            check(&input);
        }
    }
    for _ in 0..count {
        let input = text(&mut rng, "{}[]\":,0123456789abcdef.-", 64);
        check(input.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_inputs() {
        let collect = |seed| {
            let mut seen = Vec::new();
            run(seed, 50, &[b"{\"a\":1}"], |input| seen.push(input.to_vec()));
            seen
        };
        assert_eq!(collect(1), collect(1));
        assert_ne!(collect(1), collect(2));
        assert_eq!(collect(1).len(), 1 + 50 + 50);
    }
}
