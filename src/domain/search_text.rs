//! Turning text into search terms, the same way for documents and queries, so that
//! search behaves identically on SQLite (FTS5) and PostgreSQL (tsvector).
//!
//! - Chinese (Han) runs become overlapping character pairs: 补贴 → [补贴],
//!   自闭症 → [自闭, 闭症]. A two-character query is then one exact term, and a
//!   longer one the pairs it contains — no dictionary that might cut 社会工作者 one
//!   way in a document and 社会工作 another in a query.
//! - Latin words are lower-cased and stemmed (Snowball English): subsidies → subsidi,
//!   so subsidy and subsidies meet. Numbers are kept as they are.
//! - Terms are written in ASCII (Han pairs as `u` + hex code points) so that both
//!   databases' tokenisers read them as single words.

use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};

static ENGLISH: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FFFF)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Run {
    Han(Vec<char>),
    Word(String),
}

fn runs(text: &str) -> Vec<Run> {
    let mut out = Vec::new();
    let mut han: Vec<char> = Vec::new();
    let mut word = String::new();
    let flush_han = |han: &mut Vec<char>, out: &mut Vec<Run>| {
        if !han.is_empty() {
            out.push(Run::Han(std::mem::take(han)));
        }
    };
    let flush_word = |word: &mut String, out: &mut Vec<Run>| {
        if !word.is_empty() {
            out.push(Run::Word(std::mem::take(word)));
        }
    };
    for c in text.chars() {
        if is_han(c) {
            flush_word(&mut word, &mut out);
            han.push(c);
        } else if c.is_alphanumeric() {
            flush_han(&mut han, &mut out);
            word.extend(c.to_lowercase());
        } else {
            flush_han(&mut han, &mut out);
            flush_word(&mut word, &mut out);
        }
    }
    flush_han(&mut han, &mut out);
    flush_word(&mut word, &mut out);
    out
}

/// The index form of a Han string (one or two characters).
fn han_term(chars: &[char]) -> String {
    let mut s = String::from("u");
    for c in chars {
        s.push_str(&format!("{:05x}", *c as u32));
    }
    s
}

/// The index form of a latin word or number.
fn word_term(word: &str) -> String {
    let stemmed = if word.chars().all(|c| c.is_ascii_digit()) {
        word.to_string()
    } else {
        ENGLISH.stem(word).into_owned()
    };
    if stemmed.is_ascii() {
        stemmed
    } else {
        // Accented and other scripts' words: hex, so no tokeniser splits them.
        let mut s = String::from("x");
        for c in stemmed.chars() {
            s.push_str(&format!("{:05x}", c as u32));
        }
        s
    }
}

fn han_pairs(chars: &[char]) -> Vec<String> {
    if chars.len() == 1 {
        vec![han_term(chars)]
    } else {
        chars.windows(2).map(han_term).collect()
    }
}

/// The terms to index for a document, space-separated (stored in the search column).
pub fn document_terms(text: &str) -> String {
    let mut terms: Vec<String> = Vec::new();
    for run in runs(text) {
        match run {
            Run::Han(chars) => terms.extend(han_pairs(&chars)),
            Run::Word(w) => terms.push(word_term(&w)),
        }
    }
    terms.join(" ")
}

/// One query term. A single Han character is matched as a prefix of a pair (the index
/// holds pairs only), so 残 finds 残疾 but not 伤残.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryTerm {
    pub term: String,
    pub prefix: bool,
}

/// The terms of a query; a document must contain all of them.
pub fn query_terms(query: &str) -> Vec<QueryTerm> {
    let mut out: Vec<QueryTerm> = Vec::new();
    for run in runs(query) {
        let terms = match run {
            Run::Han(chars) if chars.len() == 1 => vec![QueryTerm {
                term: han_term(&chars),
                prefix: true,
            }],
            Run::Han(chars) => han_pairs(&chars)
                .into_iter()
                .map(|term| QueryTerm {
                    term,
                    prefix: false,
                })
                .collect(),
            Run::Word(w) => vec![QueryTerm {
                term: word_term(&w),
                prefix: false,
            }],
        };
        for t in terms {
            if !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out
}

/// BM25-style relevance of a document (its index terms, space-separated) to the query:
/// term frequency with saturation and length normalisation, summed over the query
/// terms. Every document ranked here matches all terms, so their rarity (IDF) would
/// weigh all of them alike and is left out. Computed in Rust so that both databases
/// rank identically.
pub fn relevance(doc_terms: &str, query: &[QueryTerm], avg_len: f64) -> f64 {
    const K1: f64 = 1.2;
    const B: f64 = 0.75;
    let terms: Vec<&str> = doc_terms.split(' ').filter(|t| !t.is_empty()).collect();
    let len = terms.len().max(1) as f64;
    let norm = K1 * (1.0 - B + B * len / avg_len.max(1.0));
    query
        .iter()
        .map(|q| {
            let tf = terms
                .iter()
                .filter(|t| {
                    if q.prefix {
                        t.starts_with(&q.term)
                    } else {
                        **t == q.term
                    }
                })
                .count() as f64;
            tf * (K1 + 1.0) / (tf + norm)
        })
        .sum()
}

/// The pieces of a query to mark in displayed text: Han runs as they are typed, latin
/// words by their stem (so "subsidy" marks "subsidies" too).
pub fn highlight_ranges(text: &str, query: &str) -> Vec<(usize, usize)> {
    let mut han_needles: Vec<String> = Vec::new();
    let mut stems: Vec<String> = Vec::new();
    for run in runs(query) {
        match run {
            Run::Han(chars) => han_needles.push(chars.into_iter().collect()),
            Run::Word(w) => stems.push(word_term(&w)),
        }
    }
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for needle in &han_needles {
        for (i, _) in text.match_indices(needle.as_str()) {
            ranges.push((i, i + needle.len()));
        }
    }
    if !stems.is_empty() {
        // Walk the latin words of the text with their byte positions.
        let mut start: Option<usize> = None;
        let check = |s: usize, e: usize, ranges: &mut Vec<(usize, usize)>| {
            let word: String = text[s..e].to_lowercase();
            if stems.contains(&word_term(&word)) {
                ranges.push((s, e));
            }
        };
        for (i, c) in text.char_indices() {
            let in_word = c.is_alphanumeric() && !is_han(c);
            match (in_word, start) {
                (true, None) => start = Some(i),
                (false, Some(s)) => {
                    check(s, i, &mut ranges);
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            check(s, text.len(), &mut ranges);
        }
    }
    ranges.sort();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.0 <= last.1 => last.1 = last.1.max(r.1),
            _ => merged.push(r),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contains_all(doc: &str, query: &str) -> bool {
        let terms = document_terms(doc);
        let doc_terms: Vec<&str> = terms.split(' ').collect();
        query_terms(query).iter().all(|q| {
            if q.prefix {
                doc_terms.iter().any(|t| t.starts_with(&q.term))
            } else {
                doc_terms.contains(&q.term.as_str())
            }
        })
    }

    #[test]
    fn two_character_chinese_queries_match_inside_longer_words() {
        let doc = "自闭症儿童满14岁后不再享受健康教育补贴";
        assert!(contains_all(doc, "补贴"));
        assert!(contains_all(doc, "自闭"));
        assert!(contains_all(doc, "自闭症"));
        assert!(contains_all(doc, "教育补贴"));
        assert!(!contains_all(doc, "薪酬"));
        assert!(!contains_all(doc, "补助"));
    }

    #[test]
    fn dictionary_cuts_do_not_matter() {
        assert!(contains_all("社会工作者陈女士", "社会工作"));
        assert!(contains_all("社会工作者陈女士", "工作者"));
    }

    #[test]
    fn english_inflections_meet() {
        assert!(contains_all("The subsidies stop at age 14.", "subsidy"));
        assert!(contains_all("The subsidy stopped.", "Subsidies"));
        assert!(contains_all(
            "rehabilitation allowance",
            "allowances rehabilitate"
        ));
        assert!(!contains_all("rehabilitation allowance", "pension"));
    }

    #[test]
    fn mixed_text_and_numbers() {
        let doc = "Autism 自闭症 rehabilitation allowance 800 元/月";
        assert!(!contains_all(doc, "autism 补贴"));
        assert!(contains_all(doc, "autism 自闭"));
        assert!(contains_all(doc, "800"));
    }

    #[test]
    fn a_single_han_character_is_a_prefix() {
        let q = query_terms("残");
        assert_eq!(q.len(), 1);
        assert!(q[0].prefix);
        assert!(contains_all("残疾人联合会", "残"));
    }

    #[test]
    fn terms_are_plain_ascii_words() {
        let terms = document_terms("补贴 café Subsidies 14");
        for t in terms.split(' ') {
            assert!(t.chars().all(|c| c.is_ascii_alphanumeric()), "{t}");
        }
        assert_eq!(terms.split(' ').count(), 4);
    }

    #[test]
    fn more_mentions_in_a_shorter_text_rank_higher() {
        let q = query_terms("subsidy");
        let once = document_terms(
            "the subsidy stopped when he turned fourteen and the school refused him",
        );
        let thrice = document_terms("subsidy gap: the subsidy stops, no subsidy after 14");
        assert!(relevance(&thrice, &q, 10.0) > relevance(&once, &q, 10.0));
        let short = document_terms("subsidy stops");
        let long = document_terms("subsidy stops and many other words follow here to make it long");
        assert!(relevance(&short, &q, 8.0) > relevance(&long, &q, 8.0));
        assert_eq!(relevance(&document_terms("nothing relevant"), &q, 8.0), 0.0);
    }

    #[test]
    fn highlights_mark_what_matched() {
        let text = "Subsidies stop; 补贴停止。";
        let marks: Vec<&str> = highlight_ranges(text, "subsidy 补贴")
            .into_iter()
            .map(|(s, e)| &text[s..e])
            .collect();
        assert_eq!(marks, vec!["Subsidies", "补贴"]);
    }
}
