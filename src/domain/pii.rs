//! The personal-data guard: finds what would identify a client in free text —
//! PRC resident ID numbers, mobile and landline numbers, e-mail addresses, bank card
//! numbers and street addresses down to building/unit/room — so that a worker can mask
//! it before a finding is saved.
//!
//! Rules are deliberately conservative about ordinary numbers: amounts ("800 yuan"),
//! dates ("2026-11-29"), counts and years are not personal data, and the check digits
//! of ID and card numbers keep random digit strings from being flagged.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    IdNumber,
    Mobile,
    Landline,
    Email,
    BankCard,
    Address,
}

impl PiiKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PiiKind::IdNumber => "id_number",
            PiiKind::Mobile => "mobile",
            PiiKind::Landline => "landline",
            PiiKind::Email => "email",
            PiiKind::BankCard => "bank_card",
            PiiKind::Address => "address",
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            PiiKind::IdNumber => "pii.id_number",
            PiiKind::Mobile => "pii.mobile",
            PiiKind::Landline => "pii.landline",
            PiiKind::Email => "pii.email",
            PiiKind::BankCard => "pii.bank_card",
            PiiKind::Address => "pii.address",
        }
    }
}

/// One piece of personal data found in a text. Offsets are byte offsets into the
/// text (for slicing in Rust); [`PiiHit::char_range`] gives character offsets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PiiHit {
    pub kind: PiiKind,
    pub start: usize,
    pub end: usize,
}

impl PiiHit {
    /// Character (Unicode scalar) offsets, for API clients.
    pub fn char_range(&self, text: &str) -> (usize, usize) {
        let start = text[..self.start].chars().count();
        (start, start + text[self.start..self.end].chars().count())
    }
}

fn re(pattern: &str) -> Regex {
    Regex::new(pattern).expect("valid built-in pattern")
}

// Digit runs are matched whole and checked afterwards, so that "no digit before or
// after" needs no look-around (which the regex crate does not have).
static DIGIT_RUN: LazyLock<Regex> = LazyLock::new(|| re(r"[0-9]+[Xx]?"));
static DIGIT_GROUP: LazyLock<Regex> = LazyLock::new(|| re(r"[0-9]+"));
static SPACED_DIGITS: LazyLock<Regex> =
    LazyLock::new(|| re(r"\+?[0-9][0-9]*(?:[ \-][0-9]+)+|\(0[0-9]{2,3}\)\s?[0-9]{7,8}"));
static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| re(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"));
static ADDRESS_ZH: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"[0-9０-９]+\s*(?:号楼|号|幢|栋|座|楼)\s*[0-9０-９]+\s*(?:单元|门)\s*[0-9０-９]+\s*(?:室|号|房)?|[0-9０-９]+\s*(?:号楼|幢|栋|座)\s*[0-9０-９]+\s*(?:室|号|房)",
    )
});
// The words must not be the end of a longer English word ("classroom": checked in
// `scan`), but may follow a digit or a Chinese character directly ("住Room 3,
// Building 2"), which `\b` would not allow.
static ADDRESS_EN: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:building|bldg\.?|block|blk\.?)\s*[0-9]+\s*,?\s*(?:unit\s*[0-9]+\s*,?\s*)?(?:room|rm\.?|flat|apt\.?|apartment)\s*[0-9]+|(?:room|rm\.?|flat|apt\.?|apartment)\s*[0-9]+\s*,?\s*(?:unit\s*[0-9]+\s*,?\s*)?(?:building|bldg\.?|block|blk\.?)\s*[0-9]+",
    )
});

const ID_WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK: &[u8; 11] = b"10X98765432";

fn valid_date(year: u32, month: u32, day: u32) -> bool {
    chrono::NaiveDate::from_ymd_opt(year as i32, month, day).is_some()
}

fn digits(s: &str) -> Option<Vec<u32>> {
    s.chars().map(|c| c.to_digit(10)).collect()
}

/// An 18-character resident ID: 17 digits, a check character (digit or X) that matches
/// the ISO 7064 MOD 11-2 checksum, a region code and a plausible date of birth.
pub fn is_resident_id_18(s: &str) -> bool {
    if s.len() != 18 || !s.is_ascii() {
        return false;
    }
    let Some(d) = digits(&s[..17]) else {
        return false;
    };
    let sum: u32 = d.iter().zip(ID_WEIGHTS).map(|(a, w)| a * w).sum();
    let expected = ID_CHECK[(sum % 11) as usize];
    let check = s.as_bytes()[17].to_ascii_uppercase();
    let year = d[6] * 1000 + d[7] * 100 + d[8] * 10 + d[9];
    let month = d[10] * 10 + d[11];
    let day = d[12] * 10 + d[13];
    check == expected
        && (1..=8).contains(&d[0])
        && (1900..=2099).contains(&year)
        && valid_date(year, month, day)
}

/// A 15-digit resident ID (issued before 1999): region code and a YYMMDD birth date.
pub fn is_resident_id_15(s: &str) -> bool {
    if s.len() != 15 {
        return false;
    }
    let Some(d) = digits(s) else { return false };
    let year = 1900 + d[6] * 10 + d[7];
    let month = d[8] * 10 + d[9];
    let day = d[10] * 10 + d[11];
    (1..=8).contains(&d[0]) && valid_date(year, month, day)
}

/// The Luhn checksum used by bank cards.
pub fn luhn_valid(s: &str) -> bool {
    let Some(d) = digits(s) else { return false };
    let sum: u32 = d
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            if i % 2 == 1 {
                let y = x * 2;
                if y > 9 { y - 9 } else { y }
            } else {
                x
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn is_mobile(d: &str) -> bool {
    d.len() == 11 && d.starts_with('1') && matches!(d.as_bytes()[1], b'3'..=b'9')
}

fn is_landline(d: &str) -> bool {
    // Area code 0xx or 0xxx, then 7–8 digits: 10 to 12 digits in all.
    d.starts_with('0') && !d.starts_with("00") && (10..=12).contains(&d.len())
}

fn is_bank_card(d: &str) -> bool {
    (16..=19).contains(&d.len()) && !d.starts_with('0') && luhn_valid(d)
}

/// Classifies a run of digits (separators removed).
fn classify_digits(d: &str) -> Option<PiiKind> {
    if is_resident_id_18(d) || is_resident_id_15(d) {
        Some(PiiKind::IdNumber)
    } else if is_bank_card(d) {
        Some(PiiKind::BankCard)
    } else if is_mobile(d) || (d.len() == 13 && d.starts_with("86") && is_mobile(&d[2..])) {
        Some(PiiKind::Mobile)
    } else if is_landline(d) {
        Some(PiiKind::Landline)
    } else {
        None
    }
}

fn is_digit_byte(b: Option<&u8>) -> bool {
    b.is_some_and(|b| b.is_ascii_digit())
}

/// All personal data in `text`, in order, without overlaps.
pub fn scan(text: &str) -> Vec<PiiHit> {
    let bytes = text.as_bytes();
    let mut hits: Vec<PiiHit> = Vec::new();
    let mut push = |kind, start, end| hits.push(PiiHit { kind, start, end });

    for m in EMAIL.find_iter(text) {
        push(PiiKind::Email, m.start(), m.end());
    }
    for m in ADDRESS_ZH.find_iter(text) {
        push(PiiKind::Address, m.start(), m.end());
    }
    for m in ADDRESS_EN.find_iter(text) {
        let before = text[..m.start()].chars().next_back();
        if !before.is_some_and(|c| c.is_ascii_alphabetic()) {
            push(PiiKind::Address, m.start(), m.end());
        }
    }
    // Numbers written with spaces or hyphens: 138-1234-5678, 0574-8765 4321,
    // 6222 0212 3456 7890 123, +86 138 1234 5678.
    for m in SPACED_DIGITS.find_iter(text) {
        // "(010)12345678" running on into more digits is not that number.
        if is_digit_byte(bytes.get(m.end())) {
            continue;
        }
        let joined: String = m.as_str().chars().filter(char::is_ascii_digit).collect();
        // A date (2026-11-29) or a range (2012-2015) is not a number anyone dials.
        if let Some(kind) = classify_digits(&joined) {
            push(kind, m.start(), m.end());
            continue;
        }
        // Groups that are not one number together may hold one or more: "130 0000
        // 0000 110105…" is a mobile number, then an ID. The longest run of two or more
        // groups from the left that is a number, then on after it.
        let groups: Vec<(usize, usize)> = DIGIT_GROUP
            .find_iter(m.as_str())
            .map(|g| (m.start() + g.start(), m.start() + g.end()))
            .collect();
        let mut i = 0;
        while i < groups.len() {
            let found = (i + 1..groups.len()).rev().find_map(|j| {
                let joined: String = text[groups[i].0..groups[j].1]
                    .chars()
                    .filter(char::is_ascii_digit)
                    .collect();
                classify_digits(&joined).map(|kind| (kind, j))
            });
            match found {
                Some((kind, j)) => {
                    push(kind, groups[i].0, groups[j].1);
                    i = j + 1;
                }
                None => i += 1,
            }
        }
    }
    for m in DIGIT_RUN.find_iter(text) {
        // An X ends an ID, so digits may follow it ("…976X1000…" is two IDs).
        let ends_in_x = m.as_str().ends_with(['X', 'x']);
        if is_digit_byte(m.start().checked_sub(1).and_then(|i| bytes.get(i)))
            || (!ends_in_x && is_digit_byte(bytes.get(m.end())))
        {
            continue;
        }
        if let Some(kind) = classify_digits(m.as_str()) {
            push(kind, m.start(), m.end());
        } else if let Some(number) = m.as_str().strip_suffix(['X', 'x'])
            && let Some(kind) = classify_digits(number)
        {
            // "…0005x": the x was a letter after the number, not its check character.
            push(kind, m.start(), m.end() - 1);
        }
    }

    // Earliest first; of overlapping hits keep the longer (an ID inside an e-mail, a
    // mobile number inside a spaced bank card number…), stretched over the end of any
    // hit that only partly overlaps it ("138 1234 5678a@b.cn"), so that masking
    // leaves no piece of either.
    hits.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
    let mut out: Vec<PiiHit> = Vec::new();
    for h in hits {
        match out.last_mut() {
            Some(last) if h.start < last.end => last.end = last.end.max(h.end),
            _ => out.push(h),
        }
    }
    out
}

/// The text with the hit replaced by asterisks, one per character.
pub fn mask(text: &str, hit: &PiiHit) -> String {
    let masked: String = text[hit.start..hit.end]
        .chars()
        .map(|c| if c.is_whitespace() { c } else { '*' })
        .collect();
    format!("{}{}{}", &text[..hit.start], masked, &text[hit.end..])
}

/// The text with every hit masked, until none is left: in digits run together
/// ("(010)2000000202611…") masking one number can make the digits after it stand
/// alone as another, which is masked too. Each round masks at least one character
/// that was not masked, so this ends.
pub fn mask_all(text: &str) -> String {
    let mut out = text.to_string();
    loop {
        let hits = scan(&out);
        if hits.is_empty() {
            return out;
        }
        // From the end, so that earlier offsets stay valid.
        for hit in hits.iter().rev() {
            out = mask(&out, hit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(PiiKind, String)> {
        scan(text)
            .into_iter()
            .map(|h| (h.kind, text[h.start..h.end].to_string()))
            .collect()
    }

    #[test]
    fn a_number_written_next_to_another_is_still_found() {
        // Found by the property tests: the spaced mobile number and the ID after it
        // were read as one long run of groups that is neither, so the mobile number
        // was not reported (and only showed up once the ID had been masked).
        let text = "130 0000 0000 100000195001010005";
        assert_eq!(
            kinds(text),
            vec![
                (PiiKind::Mobile, "130 0000 0000".to_string()),
                (PiiKind::IdNumber, "100000195001010005".to_string())
            ]
        );
        assert_eq!(mask_all(text), "*** **** **** ******************");
        // An ID with a letter x after it; a mobile number run into an e-mail address.
        assert_eq!(
            kinds("100000195001010005x"),
            vec![(PiiKind::IdNumber, "100000195001010005".to_string())]
        );
        assert_eq!(mask_all("130 0000 0000a@a.com"), "*** **** ***********");
        // An English address right after a number or a Chinese character.
        assert_eq!(
            kinds("住Room 3, Building 2"),
            vec![(PiiKind::Address, "Room 3, Building 2".to_string())]
        );
        assert!(kinds("classroom 3, building 2").is_empty());
        // Two IDs written together, the first ending in X.
        assert_eq!(kinds("47288319890712976X100000195001010005").len(), 2);
    }

    // 11010519491231002X is the widely published sample ID with a valid check character.
    const VALID_ID: &str = "11010519491231002X";

    #[test]
    fn a_resident_id_with_a_valid_check_digit_is_found() {
        assert!(is_resident_id_18(VALID_ID));
        assert!(is_resident_id_18(&VALID_ID.to_lowercase()));
        let text = format!("孩子的身份证号是{VALID_ID}，家住慈溪。");
        assert_eq!(
            kinds(&text),
            vec![(PiiKind::IdNumber, VALID_ID.to_string())]
        );
    }

    #[test]
    fn an_id_with_a_wrong_check_digit_or_date_is_not_an_id() {
        assert!(!is_resident_id_18("110105194912310021"));
        assert!(!is_resident_id_18("110105194913310027"), "month 13");
        assert!(kinds("编号110105194912310021").is_empty());
    }

    #[test]
    fn fifteen_digit_ids_need_a_real_birth_date() {
        assert!(is_resident_id_15("110105491231002"));
        assert!(!is_resident_id_15("110105491331002"));
        assert_eq!(kinds("旧证 110105491231002")[0].0, PiiKind::IdNumber);
    }

    #[test]
    fn mobile_numbers_in_their_common_forms() {
        for (text, found) in [
            ("联系电话13812345678", "13812345678"),
            ("call 138-1234-5678 today", "138-1234-5678"),
            ("tel 138 1234 5678.", "138 1234 5678"),
            ("+86 138 1234 5678", "+86 138 1234 5678"),
            ("8613812345678", "8613812345678"),
        ] {
            assert_eq!(
                kinds(text),
                vec![(PiiKind::Mobile, found.to_string())],
                "{text}"
            );
        }
    }

    #[test]
    fn landlines_with_area_codes() {
        for (text, found) in [
            ("电话0574-87654321", "0574-87654321"),
            ("(0574) 87654321", "(0574) 87654321"),
            ("057487654321", "057487654321"),
            ("010-1234-5678", "010-1234-5678"),
        ] {
            assert_eq!(
                kinds(text),
                vec![(PiiKind::Landline, found.to_string())],
                "{text}"
            );
        }
    }

    #[test]
    fn e_mail_addresses() {
        assert_eq!(
            kinds("写信给 ye.family@example.com 即可"),
            vec![(PiiKind::Email, "ye.family@example.com".into())]
        );
    }

    #[test]
    fn bank_cards_must_pass_luhn() {
        assert!(luhn_valid("6222021234567890128"));
        assert_eq!(
            kinds("卡号6222021234567890128"),
            vec![(PiiKind::BankCard, "6222021234567890128".into())]
        );
        assert_eq!(
            kinds("card 6222 0212 3456 7890 128"),
            vec![(PiiKind::BankCard, "6222 0212 3456 7890 128".into())]
        );
        assert!(kinds("卡号6222021234567890127").is_empty(), "fails Luhn");
    }

    #[test]
    fn street_addresses_down_to_the_room() {
        for text in [
            "住在3号楼2单元401",
            "住在3号楼2单元401室",
            "12幢3单元502室",
            "5栋1102室",
            "Building 3, Unit 2, Room 401",
            "Room 401, Block 7",
        ] {
            let found = kinds(text);
            assert_eq!(found.len(), 1, "{text}: {found:?}");
            assert_eq!(found[0].0, PiiKind::Address, "{text}");
        }
    }

    #[test]
    fn ordinary_numbers_are_not_personal_data() {
        for text in [
            "康复补贴每月800元，一对一康复费用约4500元/月。",
            "The allowance rose from 800 to 2,000 yuan per month in 2014.",
            "Observed on 2026-11-29; 20 children from 6 stations in 4 districts.",
            "14岁以后不再享受补贴，2012-2015年间共3263名社工。",
            "Case 20150715 reviewed; budget 1234567890 fen.",
            "共有 1094 名社工和 2169 名助理社工",
            "Room for improvement: building trust takes 3 months.",
            "1号线地铁到3号门",
        ] {
            assert!(
                scan(text).is_empty(),
                "false positive in {text}: {:?}",
                kinds(text)
            );
        }
    }

    #[test]
    fn several_hits_come_out_in_order_without_overlap() {
        let text = format!("母亲13812345678，身份证{VALID_ID}，住3号楼2单元401。");
        let found: Vec<PiiKind> = scan(&text).into_iter().map(|h| h.kind).collect();
        assert_eq!(
            found,
            vec![PiiKind::Mobile, PiiKind::IdNumber, PiiKind::Address]
        );
    }

    #[test]
    fn masking_replaces_each_character() {
        let text = format!("身份证{VALID_ID}。");
        let hit = &scan(&text)[0];
        assert_eq!(mask(&text, hit), "身份证******************。");
        let all = mask_all("电话13812345678，邮箱a@b.cn");
        assert_eq!(all, "电话***********，邮箱******");
        assert!(scan(&all).is_empty());
    }

    #[test]
    fn character_offsets_count_characters_not_bytes() {
        let text = "电话13812345678";
        let hit = &scan(text)[0];
        assert_eq!(hit.char_range(text), (2, 13));
    }
}
