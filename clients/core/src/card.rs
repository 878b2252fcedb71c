//! Checks on card numbers that every provider taking them shares.

/// The Luhn checksum over ASCII digits: `false` for an empty number or one with
/// anything but digits (spaces included).
pub fn luhn_valid(number: &str) -> bool {
    if number.is_empty() {
        return false;
    }
    let mut sum = 0u32;
    for (i, b) in number.bytes().rev().enumerate() {
        // Anything but an ASCII digit is not a card number (and `b - b'0'` would wrap).
        let Some(d) = b.is_ascii_digit().then(|| b - b'0') else {
            return false;
        };
        let mut d = u32::from(d);
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        // At most 9 per digit: a sum past u32 needs 477 million digits; wrap rather than
        // panic all the same.
        sum = sum.wrapping_add(d);
    }
    sum.is_multiple_of(10)
}
