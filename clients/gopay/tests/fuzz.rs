//! Seeded fuzzing of what GoPay's clients read from outside: notification URLs (the
//! payment id) and card data typed by a payer. No input panics.

use payspec_gopay::notification::payment_id;
use payspec_gopay::{CardData, luhn_valid};

#[test]
fn notification_urls_never_panic_and_give_one_clean_id() {
    let samples: [&[u8]; 3] = [
        b"https://shop.example/gopay/notify?id=3000006529",
        b"id=3000006529&parent_id=3000006500",
        b"/notify?id=3000006529",
    ];
    payspec_testkit::fuzz::run(0x90a1, 4_000, &samples, |input| {
        let text = String::from_utf8_lossy(input);
        if let Ok(id) = payment_id(&text) {
            assert!(
                !id.trim().is_empty() && id.len() <= 128 && !id.contains('/'),
                "{text}"
            );
        }
    });
}

#[test]
fn card_data_never_panics() {
    let mut rng = fastrand::Rng::with_seed(0x90a2);
    for _ in 0..5_000 {
        let field = |rng: &mut fastrand::Rng| payspec_testkit::fuzz::text(rng, "0123456789 -/", 24);
        let (pan, month, year, cvv) = (
            field(&mut rng),
            field(&mut rng),
            field(&mut rng),
            field(&mut rng),
        );
        if let Ok(card) = CardData::new(&pan, &month, &year, &cvv) {
            let digits: String = pan.chars().filter(char::is_ascii_digit).collect();
            assert!(luhn_valid(&digits), "{pan:?}");
            assert_eq!(card.last4(), &digits[digits.len() - 4..]);
        }
    }
}
