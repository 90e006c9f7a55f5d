//! Parties: their official particulars, and what others may see of them.

use super::case::code_enum;
use super::{Invalid, optional_text};

code_enum!(
    /// A natural person or an organisation.
    PartyKind, "invalid.choice", {
        /// 自然人
        Person => "person",
        /// 法人或其他组织
        Organisation => "organisation",
    }
);

code_enum!(
    /// Sex as printed on the official forms.
    Sex, "invalid.choice", {
        /// 男
        Male => "male",
        /// 女
        Female => "female",
    }
);

/// Characters of a party's access code; with 25 symbols, 10 characters
/// carry 46 bits.
pub const ACCESS_CODE_LEN: usize = 10;

/// Digits of a portal PIN, printed only on the party's own receipt slip.
pub const PIN_LEN: usize = 6;

/// A telephone number: digits only, an optional leading `+`, 7 to 15 digits.
/// Spaces, hyphens, dots and brackets are dropped, full-width forms read as
/// their ASCII ones, and China's country code (`+86`, `0086`) comes off a
/// mainland mobile number, so that `+86 139-1122-5007` and `13911225007`
/// are the same number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    /// Parses a phone number.
    pub fn parse(raw: &str) -> Result<Self, Invalid> {
        let narrow: String = raw.trim().chars().map(super::narrow).collect();
        let plus = narrow.starts_with('+');
        let mut digits = String::new();
        for c in narrow.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '(' | ')' | '+' | '.' => {}
                _ => return Err(Invalid::new("invalid.phone")),
            }
        }
        let national = if plus { digits.strip_prefix("86") } else { digits.strip_prefix("0086") };
        if let Some(mobile) = national.filter(|n| n.len() == 11 && n.starts_with('1')) {
            return Ok(Self(mobile.to_owned()));
        }
        if !(7..=15).contains(&digits.len()) {
            return Err(Invalid::new("invalid.phone"));
        }
        Ok(Self(if plus { format!("+{digits}") } else { digits }))
    }

    /// The normalised number.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last four digits, used with the access code in the portal.
    pub fn last4(&self) -> String {
        let digits: Vec<char> = self.0.chars().filter(char::is_ascii_digit).collect();
        digits[digits.len().saturating_sub(4)..].iter().collect()
    }
}

/// A phone number with its middle hidden: `138****0000`.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() <= 7 {
        return "*".repeat(chars.len().max(4));
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
}

/// An identity number with the birth date and order hidden: the first six
/// and last four characters stay.
pub fn mask_id_number(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 10 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..6].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 10))
}

/// A party's particulars as the official forms ask for them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Particulars {
    /// Person or organisation.
    pub kind: Option<PartyKind>,
    /// Name (required).
    pub name: String,
    /// Sex.
    pub sex: Option<Sex>,
    /// Ethnicity (民族).
    pub ethnicity: Option<String>,
    /// Year of birth.
    pub birth_year: Option<i32>,
    /// Occupation.
    pub occupation: Option<String>,
    /// Telephone.
    pub phone: Option<Phone>,
    /// Address.
    pub address: Option<String>,
    /// Work unit or organisation.
    pub organisation: Option<String>,
    /// Identity document number.
    pub id_number: Option<String>,
}

/// Particulars as submitted.
#[derive(Debug, Clone, Default)]
pub struct ParticularsInput<'a> {
    /// `person` (default) or `organisation`.
    pub kind: Option<&'a str>,
    /// Name.
    pub name: &'a str,
    /// `male` / `female`.
    pub sex: Option<&'a str>,
    /// Ethnicity.
    pub ethnicity: Option<&'a str>,
    /// Birth year.
    pub birth_year: Option<i32>,
    /// Occupation.
    pub occupation: Option<&'a str>,
    /// Phone.
    pub phone: Option<&'a str>,
    /// Address.
    pub address: Option<&'a str>,
    /// Organisation.
    pub organisation: Option<&'a str>,
    /// Identity number.
    pub id_number: Option<&'a str>,
}

fn opt(raw: Option<&str>, max: usize) -> Result<Option<String>, Invalid> {
    raw.map_or(Ok(None), |r| optional_text(r, max))
}

impl Particulars {
    /// Checks particulars; `this_year` bounds the birth year. Errors name
    /// each field.
    pub fn parse(input: &ParticularsInput<'_>, this_year: i32) -> Result<Self, Vec<(&'static str, Invalid)>> {
        let mut errors = Vec::new();
        let mut take = |field: &'static str, r: Result<Option<String>, Invalid>| {
            r.map_err(|e| errors.push((field, e))).ok().flatten()
        };
        let name = take("name", super::required_text(input.name, 60).map(Some));
        let ethnicity = take("ethnicity", opt(input.ethnicity, 20));
        let occupation = take("occupation", opt(input.occupation, 60));
        let address = take("address", opt(input.address, 200));
        let organisation = take("organisation", opt(input.organisation, 100));
        let id_number = take("id_number", opt(input.id_number, 30));
        let kind = match input.kind.filter(|k| !k.trim().is_empty()) {
            Some(k) => PartyKind::parse(k).map_err(|e| errors.push(("kind", e))).ok(),
            None => Some(PartyKind::Person),
        };
        let sex = match input.sex.filter(|s| !s.trim().is_empty()) {
            Some(s) => Sex::parse(s).map_err(|e| errors.push(("sex", e))).ok(),
            None => None,
        };
        let phone = match input.phone.filter(|p| !p.trim().is_empty()) {
            Some(p) => Phone::parse(p).map_err(|e| errors.push(("phone", e))).ok(),
            None => None,
        };
        let birth_year = match input.birth_year {
            Some(y) if (1900..=this_year).contains(&y) => Some(y),
            Some(_) => {
                errors.push(("birth_year", Invalid::new("invalid.birth_year").with("max", this_year)));
                None
            }
            None => None,
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            kind,
            name: name.unwrap_or_default(),
            sex,
            ethnicity,
            birth_year,
            occupation,
            phone,
            address,
            organisation,
            id_number,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn phones_are_normalised_and_masked() {
        let p = Phone::parse("138-0013 8000").expect("phone");
        assert_eq!(p.as_str(), "13800138000");
        assert_eq!(p.last4(), "8000");
        assert_eq!(mask_phone(p.as_str()), "138****8000");
        for same in
            ["+86 139-1122-5007", "0086 13911225007", "（139）1122－5007", "１３９１１２２５００７", "139.1122.5007"]
        {
            assert_eq!(Phone::parse(same).map(|p| p.0), Ok("13911225007".into()), "{same}");
        }
        assert_eq!(
            Phone::parse("+44 20 7946 0018").map(|p| p.0),
            Ok("+442079460018".into()),
            "other countries keep theirs"
        );
        assert_eq!(
            Phone::parse("+86 10 6552 9988").map(|p| p.0),
            Ok("+861065529988".into()),
            "a fixed line keeps its code"
        );
        assert!(Phone::parse("12345").is_err());
        assert!(Phone::parse("138x0013800").is_err());
    }

    #[test]
    fn identity_numbers_keep_only_region_and_check_digits() {
        assert_eq!(mask_id_number("11010119600101123X"), "110101********123X");
    }

    #[test]
    fn particulars_name_every_bad_field() {
        let input = ParticularsInput {
            name: "",
            sex: Some("m"),
            birth_year: Some(1850),
            phone: Some("abc"),
            ..Default::default()
        };
        let errors = Particulars::parse(&input, 2026).expect_err("refused");
        let fields: Vec<_> = errors.iter().map(|e| e.0).collect();
        assert_eq!(fields, ["name", "sex", "phone", "birth_year"]);
    }

    proptest! {
        #[test]
        fn a_masked_mobile_shows_only_its_first_three_and_last_four_digits(n in 13_000_000_000u64..19_999_999_999u64) {
            let phone = n.to_string();
            let masked = mask_phone(&phone);
            prop_assert_eq!(masked.len(), 11);
            prop_assert_eq!(&masked[..3], &phone[..3]);
            prop_assert_eq!(&masked[7..], &phone[7..]);
            prop_assert_eq!(&masked[3..7], "****");
        }
    }
}
