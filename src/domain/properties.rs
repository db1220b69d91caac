//! Property tests (proptest) for the three places where anything a person types or
//! uploads meets a parser: the personal-data guard, the spreadsheet import and the
//! Markdown sanitiser. Each input strategy mixes arbitrary Unicode with fragments
//! chosen to hit the interesting paths (valid ID and card numbers, phone numbers,
//! HTML and Markdown tricks), so the cases are not mostly noise.
//!
//! `PROPTEST_CASES` changes the number of cases per property (256 by default).

use proptest::prelude::*;

use super::import::{self, Lookups, Mapping, Table, Target};
use super::markdown;
use super::pii::{self, PiiKind};

// ---------------------------------------------------------------- the personal-data guard

/// A resident ID with a valid check character, built from 17 random digits.
fn resident_id() -> impl Strategy<Value = String> {
    (
        (1u32..9, proptest::collection::vec(0u32..10, 5)),
        1950u32..2020,
        1u32..13,
        1u32..29,
        0u32..1000,
    )
        .prop_map(|((province, region), y, m, d, seq)| {
            let mut s = province.to_string();
            s.extend(region.iter().map(|d| char::from_digit(*d, 10).unwrap()));
            s.push_str(&format!("{y:04}{m:02}{d:02}{seq:03}"));
            const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
            let sum: u32 = s
                .chars()
                .zip(W)
                .map(|(c, w)| c.to_digit(10).unwrap() * w)
                .sum();
            s.push(b"10X98765432"[(sum % 11) as usize] as char);
            s
        })
}

/// A 16- or 19-digit card number that passes Luhn.
fn bank_card() -> impl Strategy<Value = String> {
    prop_oneof![Just(15usize), Just(18usize)]
        .prop_flat_map(|n| proptest::collection::vec(0u32..10, n))
        .prop_map(|mut digits| {
            digits[0] = 6;
            // The check digit that makes the Luhn sum a multiple of ten.
            let sum: u32 = digits
                .iter()
                .rev()
                .enumerate()
                .map(|(i, d)| {
                    if i % 2 == 0 {
                        let x = d * 2;
                        if x > 9 { x - 9 } else { x }
                    } else {
                        *d
                    }
                })
                .sum();
            digits.push((10 - sum % 10) % 10);
            digits
                .iter()
                .map(|d| char::from_digit(*d, 10).unwrap())
                .collect()
        })
}

fn pii_fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        resident_id(),
        bank_card(),
        "1[3-9][0-9]{9}",
        "1[3-9][0-9] [0-9]{4} [0-9]{4}",
        "1[3-9][0-9]-[0-9]{4}-[0-9]{4}",
        "\\+86 1[3-9][0-9] [0-9]{4} [0-9]{4}",
        "0[1-9][0-9]{1,2}-[0-9]{7,8}",
        "\\(0[0-9]{2,3}\\) ?[0-9]{7,8}",
        "[a-z]{1,8}(\\.[a-z]{1,4})?@[a-z]{1,8}\\.(com|cn|org)",
        "[0-9０-９]{1,3}(号楼|幢|栋)[0-9]{1,2}(单元)?[0-9]{3,4}室",
        "(Room|Flat|Apt\\.) [0-9]{1,4}, (Building|Block) [0-9]{1,3}",
        "[0-9]{1,20}",
        "[0-9Xx \\-()+]{1,24}",
        Just("2026-11-29".to_string()),
        Just("2012-2015".to_string()),
        "[\\p{Han}]{1,6}",
        "[a-zA-Z ,.]{1,12}",
        any::<String>(),
        Just("\u{202E}".to_string()),
        Just("\u{200D}".to_string()),
        Just("\u{0301}".to_string()),
        Just("\0".to_string()),
        Just("０１２３４５６７８９".to_string()),
    ]
}

fn pii_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(pii_fragment(), 0..8).prop_map(|parts| parts.concat()),
        proptest::collection::vec(pii_fragment(), 0..6).prop_map(|parts| parts.join(" ")),
    ]
}

/// Kinds that are a number or an e-mail address someone could use to reach or
/// identify a client.
fn identifying(kind: PiiKind) -> bool {
    !matches!(kind, PiiKind::Address)
}

proptest! {
    #[test]
    fn the_guard_never_panics_and_reports_char_ranges_inside_the_text(text in pii_text()) {
        let hits = pii::scan(&text);
        let chars = text.chars().count();
        let mut last_end = 0;
        for h in &hits {
            prop_assert!(h.start < h.end && h.end <= text.len());
            prop_assert!(text.is_char_boundary(h.start) && text.is_char_boundary(h.end));
            prop_assert!(h.start >= last_end, "hits overlap: {hits:?}");
            last_end = h.end;
            let (s, e) = h.char_range(&text);
            prop_assert!(s < e && e <= chars);
        }
    }

    #[test]
    fn masking_removes_everything_the_guard_reports(text in pii_text()) {
        let hits = pii::scan(&text);
        let masked = pii::mask_all(&text);
        // One character for one: what was around the hits is where it was.
        prop_assert_eq!(masked.chars().count(), text.chars().count());
        let masked_chars: Vec<char> = masked.chars().collect();
        for h in &hits {
            let (s, e) = h.char_range(&text);
            for c in &masked_chars[s..e] {
                prop_assert!(*c == '*' || c.is_whitespace(), "{:?} left in {:?}", c, masked);
            }
        }
        // And nothing identifying is found in what masking leaves.
        let left: Vec<_> = pii::scan(&masked).into_iter().filter(|h| identifying(h.kind)).collect();
        prop_assert!(left.is_empty(), "{:?} → {:?} still has {:?}", text, masked, left);
    }

    #[test]
    fn masking_is_idempotent(text in pii_text()) {
        let once = pii::mask_all(&text);
        prop_assert_eq!(pii::mask_all(&once), once.clone());
    }

    #[test]
    fn a_valid_id_or_mobile_number_is_always_found(
        before in "[\\p{Han}a-z ，。]{0,6}",
        id in resident_id(),
        mobile in "1[3-9][0-9]{9}",
        after in "[\\p{Han}a-z ，。]{0,6}",
    ) {
        for number in [&id, &mobile] {
            let text = format!("{before}{number}{after}");
            let hits = pii::scan(&text);
            prop_assert!(
                hits.iter().any(|h| text[h.start..h.end].contains(number.as_str())),
                "{} not found in {:?}: {:?}", number, text, hits
            );
            prop_assert!(!pii::mask_all(&text).contains(number.as_str()));
        }
    }
}

// ---------------------------------------------------------------- the spreadsheet import

fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[^\\x00]{0,12}",
        Just(String::new()),
        Just("\"".to_string()),
        Just("\"\"".to_string()),
        Just("a,b".to_string()),
        Just("line\nbreak".to_string()),
        Just("=cmd|' /C calc'!A0".to_string()),
        Just("'; DROP TABLE findings; --".to_string()),
        Just("宁波市/慈溪市".to_string()),
        Just("disability".to_string()),
        Just("2026-10-03".to_string()),
        Just("2026年10月3日".to_string()),
        Just("-1".to_string()),
        Just("99999999999999999999".to_string()),
        Just("1e308".to_string()),
        Just("NaN".to_string()),
        Just("\u{FEFF}".to_string()),
        Just("\0".to_string()),
    ]
}

fn csv_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        // Arbitrary bytes: not CSV at all, broken UTF-8, GBK-looking sequences.
        proptest::collection::vec(any::<u8>(), 0..400),
        // A table of arbitrary cells, quoted or not, with any of the three delimiters.
        (
            proptest::collection::vec(proptest::collection::vec(cell(), 0..7), 0..12),
            prop_oneof![Just(','), Just(';'), Just('\t')],
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(rows, delimiter, quote, bom)| {
                let mut out = String::new();
                if bom {
                    out.push('\u{FEFF}');
                }
                for row in rows {
                    let cells: Vec<String> = row
                        .iter()
                        .map(|c| {
                            if quote {
                                format!("\"{}\"", c.replace('"', "\"\""))
                            } else {
                                c.clone()
                            }
                        })
                        .collect();
                    out.push_str(&cells.join(&delimiter.to_string()));
                    out.push('\n');
                }
                out.into_bytes()
            }),
        // Something that starts like an XLSX (a zip) and is not one.
        proptest::collection::vec(any::<u8>(), 0..200).prop_map(|mut tail| {
            let mut bytes = b"PK\x03\x04".to_vec();
            bytes.append(&mut tail);
            bytes
        }),
    ]
}

fn table() -> impl Strategy<Value = Table> {
    (
        proptest::collection::vec(cell(), 0..8),
        proptest::collection::vec(proptest::collection::vec(cell(), 0..10), 1..8),
    )
        .prop_map(|(headers, mut rows)| {
            let width = headers.len();
            for r in &mut rows {
                r.resize(width.max(r.len()), String::new());
            }
            Table {
                headers,
                rows,
                encoding: "utf-8".into(),
            }
        })
}

fn mapping() -> impl Strategy<Value = Mapping> {
    proptest::collection::hash_map(
        prop_oneof![
            Just(Target::Narrative),
            Just(Target::PolicyArea),
            Just(Target::Locality),
            Just(Target::ObservedOn),
            Just(Target::PeopleAffected),
            Just(Target::AgeMin),
            Just(Target::AgeMax),
            Just(Target::ExternalId),
            Just(Target::Tags),
        ],
        0usize..12,
        0..9,
    )
}

proptest! {
    #[test]
    fn reading_any_file_never_panics(bytes in csv_bytes()) {
        match import::read_table(&bytes) {
            Ok(t) => {
                // Every row is at least as wide as the header, so a mapped column is
                // always there to read.
                for r in &t.rows {
                    prop_assert!(r.len() >= t.headers.len());
                }
                prop_assert!(t.rows.len() <= import::MAX_ROWS);
                let _ = import::guess_mapping(&t.headers);
            }
            Err(e) => prop_assert!(e.message_key().starts_with("import.")),
        }
    }

    #[test]
    fn every_problem_is_reported_against_its_own_row(t in table(), m in mapping()) {
        let areas = vec![(1, vec!["disability".to_string(), "残疾".to_string()])];
        let localities = vec![
            (10, vec!["慈溪市".to_string(), "宁波市/慈溪市".to_string()]),
            (11, vec!["慈溪市".to_string()]),
        ];
        let lookups = Lookups {
            areas: &areas,
            localities: &localities,
            default_area: None,
            default_locality: Some(10),
        };
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        for index in 0..t.rows.len() {
            let (input, problems) = import::row_input(&t, index, &m, &lookups);
            for p in &problems {
                prop_assert_eq!(p.row, index + 2);
                prop_assert!(p.key.contains('.'));
            }
            // What is left goes to the same validation as the form, which answers
            // with field problems, never a panic.
            let _ = super::finding::validate(&input, today);
        }
    }
}

// ---------------------------------------------------------------- the Markdown sanitiser

fn markdown_fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[a-z 中文]{0,8}",
        Just("<script>alert(1)</script>".to_string()),
        Just("<ScRiPt>".to_string()),
        Just("</script>".to_string()),
        Just("<img src=x onerror=alert(1)>".to_string()),
        Just("<svg onload=alert(1)>".to_string()),
        Just("\"><img src=x onerror=alert(1)>".to_string()),
        Just("' onmouseover='alert(1)".to_string()),
        Just("<a href=\"javascript:alert(1)\">x</a>".to_string()),
        Just("<a href=\"jav&#x09;ascript:alert(1)\">x</a>".to_string()),
        Just("<a href=\"&#106;avascript:alert(1)\">x</a>".to_string()),
        Just("[x](javascript:alert(1))".to_string()),
        Just("[x](JaVaScRiPt:alert(1))".to_string()),
        Just("[x]( javascript:alert(1) )".to_string()),
        Just("[x](data:text/html;base64,PHNjcmlwdD4=)".to_string()),
        Just("[x](vbscript:msgbox)".to_string()),
        Just("[r]: javascript:alert(1)\n\n[y][r]".to_string()),
        Just("<javascript:alert(1)>".to_string()),
        Just("[ok](https://example.org/a?b=c&d=\"e\")".to_string()),
        Just("<p style=\"x\" onclick=\"alert(1)\">".to_string()),
        Just("<iframe src=//evil>".to_string()),
        Just("<!-- <script> -->".to_string()),
        Just("<![CDATA[<script>]]>".to_string()),
        Just("`<script>`".to_string()),
        Just("```\n<script>\n```".to_string()),
        Just("<".to_string()),
        Just(">".to_string()),
        Just("\"".to_string()),
        Just("&".to_string()),
        Just("*".to_string()),
        Just("[".to_string()),
        Just("](".to_string()),
        Just(")".to_string()),
        Just("\n\n".to_string()),
        Just("> ".to_string()),
        Just("- ".to_string()),
        Just("\0".to_string()),
        Just("\u{202E}".to_string()),
    ]
}

fn markdown_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(markdown_fragment(), 0..12).prop_map(|parts| parts.concat())
}

/// The tags in `html` with their attributes: (name, [(attribute, decoded value)]).
/// Text never holds a raw `<` after ammonia, so every `<` opens a tag.
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let close = after.find('>').unwrap_or(after.len());
        let inside = &after[..close];
        rest = &after[close.min(after.len())..];
        let inside = inside.trim_start_matches('/');
        let name: String = inside
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let mut attrs = Vec::new();
        let mut a = &inside[name.len()..];
        while let Some(eq) = a.find('=') {
            let attr = a[..eq].trim().to_ascii_lowercase();
            let value_start = &a[eq + 1..];
            let (value, next) = match value_start.strip_prefix('"') {
                Some(v) => {
                    let end = v.find('"').unwrap_or(v.len());
                    (&v[..end], &v[(end + 1).min(v.len())..])
                }
                None => {
                    let end = value_start.find(' ').unwrap_or(value_start.len());
                    (&value_start[..end], &value_start[end..])
                }
            };
            let decoded = value
                .replace("&quot;", "\"")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&amp;", "&");
            attrs.push((attr, decoded));
            a = next;
        }
        out.push((name, attrs));
    }
    out
}

const ALLOWED_TAGS: [&str; 14] = [
    "p",
    "br",
    "em",
    "strong",
    "del",
    "ul",
    "ol",
    "li",
    "blockquote",
    "code",
    "pre",
    "a",
    "h3",
    "h4",
];

proptest! {
    #[test]
    fn sanitised_markdown_never_carries_script_handlers_or_dangerous_urls(text in markdown_text()) {
        let html = markdown::render(&text);
        let lower = html.to_ascii_lowercase();
        prop_assert!(!lower.contains("<script"), "{:?} → {}", text, html);
        for (name, attrs) in tags(&html) {
            prop_assert!(ALLOWED_TAGS.contains(&name.as_str()), "<{}> from {:?} → {}", name, text, html);
            for (attr, value) in attrs {
                prop_assert!(attr == "href" || attr == "rel", "{}= on <{}> from {:?} → {}", attr, name, text, html);
                prop_assert!(!attr.starts_with("on"));
                if attr == "href" {
                    let squeezed: String = value
                        .chars()
                        .filter(|c| !c.is_whitespace() && !c.is_control())
                        .collect::<String>()
                        .to_ascii_lowercase();
                    let scheme = squeezed.split_once(':').map(|(s, _)| s.to_string());
                    // What a browser takes for a scheme (RFC 3986); anything else before a
                    // colon makes a relative address.
                    let is_scheme = |s: &String| {
                        s.starts_with(|c: char| c.is_ascii_alphabetic())
                            && s.chars().all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
                    };
                    if let Some(scheme) = scheme.filter(is_scheme) {
                        prop_assert!(
                            ["http", "https", "mailto"].contains(&scheme.as_str()),
                            "href {:?} from {:?} → {}", value, text, html
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn sanitising_is_idempotent(text in markdown_text()) {
        let html = markdown::render(&text);
        prop_assert_eq!(markdown::sanitise(&html), html);
    }

    #[test]
    fn plain_text_survives_rendering(words in "[a-z中文]{1,20}") {
        prop_assert!(markdown::render(&words).contains(&words));
    }
}
