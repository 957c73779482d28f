//! Norwegian identity numbers and their mod-11 check digits (spec §7).
//!
//! A national identity number (11 digits) carries two check digits, an organisation number
//! (9 digits) one. Production's party register only knows real numbers; synthetic ones made
//! here at least pass the same checks.

const PERSON_WEIGHTS_1: [u32; 9] = [3, 7, 6, 1, 8, 9, 4, 5, 2];
const PERSON_WEIGHTS_2: [u32; 10] = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
const ORG_WEIGHTS: [u32; 8] = [3, 2, 7, 6, 5, 4, 3, 2];

/// The mod-11 check digit for `digits` under `weights`, or `None` where the remainder makes
/// the number impossible (check digit 10).
fn check_digit(digits: &[u32], weights: &[u32]) -> Option<u32> {
    let sum: u32 = digits.iter().zip(weights).map(|(d, w)| d * w).sum();
    match 11 - sum % 11 {
        11 => Some(0),
        10 => None,
        digit => Some(digit),
    }
}

fn digits_of(text: &str, len: usize) -> Option<Vec<u32>> {
    if text.len() != len {
        return None;
    }
    text.chars().map(|c| c.to_digit(10)).collect()
}

/// Whether `number` is an 11-digit national identity number with valid check digits (the
/// tests check every generated number with it).
#[cfg(test)]
pub(crate) fn is_valid_person_number(number: &str) -> bool {
    let Some(digits) = digits_of(number, 11) else {
        return false;
    };
    check_digit(&digits[..9], &PERSON_WEIGHTS_1) == Some(digits[9])
        && check_digit(&digits[..10], &PERSON_WEIGHTS_2) == Some(digits[10])
}

/// Whether `number` is a 9-digit organisation number with a valid check digit.
#[cfg(test)]
pub(crate) fn is_valid_org_number(number: &str) -> bool {
    let Some(digits) = digits_of(number, 9) else {
        return false;
    };
    check_digit(&digits[..8], &ORG_WEIGHTS) == Some(digits[8])
}

/// Completes an 8-digit organisation number stem with its check digit, or `None` where no
/// check digit exists for that stem.
pub(crate) fn org_number_from_stem(stem: u32) -> Option<String> {
    let text = format!("{stem:08}");
    let digits = digits_of(&text, 8)?;
    let check = check_digit(&digits, &ORG_WEIGHTS)?;
    Some(format!("{text}{check}"))
}

/// Completes a 9-digit national identity number stem (birth date + individual number) with
/// its two check digits, or `None` where none exist for that stem.
pub(crate) fn person_number_from_stem(stem: u64) -> Option<String> {
    let text = format!("{stem:09}");
    let mut digits = digits_of(&text, 9)?;
    digits.push(check_digit(&digits, &PERSON_WEIGHTS_1)?);
    digits.push(check_digit(&digits, &PERSON_WEIGHTS_2)?);
    Some(
        digits
            .iter()
            .map(|d| char::from_digit(*d, 10).unwrap_or('0'))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_spec_example_and_digdirs_org_number() {
        assert!(is_valid_person_number("16035001577"));
        assert!(is_valid_org_number("991825827"));
    }

    #[test]
    fn completes_stems_with_valid_check_digits() {
        let org = org_number_from_stem(99182582).unwrap();
        assert_eq!(org, "991825827");
        let person = person_number_from_stem(160350015).unwrap();
        assert_eq!(person, "16035001577");
    }

    #[test]
    fn rejects_wrong_lengths_letters_and_check_digits() {
        assert!(!is_valid_org_number("99182582"));
        assert!(!is_valid_org_number("99182582a"));
        assert!(!is_valid_org_number("991825828"));
        assert!(!is_valid_person_number("1603500157"));
    }
}
