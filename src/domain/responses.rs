//! A department's answer: its classification under the scheme the federation uses, the
//! proposer's satisfaction, and what follows from them (a re-handling round when not
//! satisfied; a check when a B-class commitment falls due).

use chrono::{Months, NaiveDate};

/// The classification schemes an admin can choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    /// A — solved or adopted; B — being solved or planned; C — kept for reference or
    /// not feasible now. The default.
    Abc,
    /// The national four classes: A — solved or basically solved; B — being solved or
    /// planned; C — to be solved when conditions allow; D — kept for reference.
    Abcd,
}

impl Scheme {
    pub fn parse(s: &str) -> Option<Scheme> {
        match s {
            "abc" => Some(Scheme::Abc),
            "abcd" => Some(Scheme::Abcd),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Abc => "abc",
            Scheme::Abcd => "abcd",
        }
    }

    pub fn classes(self) -> &'static [&'static str] {
        match self {
            Scheme::Abc => &["A", "B", "C"],
            Scheme::Abcd => &["A", "B", "C", "D"],
        }
    }

    /// Message key describing a class under this scheme.
    pub fn class_key(self, class: &str) -> &'static str {
        match (self, class) {
            (_, "A") => "responses.class_a",
            (_, "B") => "responses.class_b",
            (Scheme::Abc, "C") => "responses.class_c_abc",
            (Scheme::Abcd, "C") => "responses.class_c_abcd",
            _ => "responses.class_d",
        }
    }

    pub fn accepts(self, class: &str) -> bool {
        self.classes().contains(&class)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Satisfaction {
    Satisfied,
    BasicallySatisfied,
    NotSatisfied,
}

impl Satisfaction {
    pub const ALL: [Satisfaction; 3] = [
        Satisfaction::Satisfied,
        Satisfaction::BasicallySatisfied,
        Satisfaction::NotSatisfied,
    ];

    pub fn parse(s: &str) -> Option<Satisfaction> {
        Satisfaction::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Satisfaction::Satisfied => "satisfied",
            Satisfaction::BasicallySatisfied => "basically_satisfied",
            Satisfaction::NotSatisfied => "not_satisfied",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Satisfaction::Satisfied => "responses.satisfied",
            Satisfaction::BasicallySatisfied => "responses.basically_satisfied",
            Satisfaction::NotSatisfied => "responses.not_satisfied",
        }
    }
}

/// A re-handling round gets this long by default.
pub const REHANDLING_MONTHS: u32 = 1;

/// The deadline of the re-handling round opened by "not satisfied" on `on`.
pub fn rehandling_due(on: NaiveDate) -> NaiveDate {
    on.checked_add_months(Months::new(REHANDLING_MONTHS))
        .expect("dates in range")
}

/// Why a response was refused; message keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseProblem {
    BeforeSubmission,
    InFuture,
    ClassNotInScheme,
    SummaryMissing,
}

impl ResponseProblem {
    pub fn key(self) -> &'static str {
        match self {
            ResponseProblem::BeforeSubmission => "responses.before_submission",
            ResponseProblem::InFuture => "responses.in_future",
            ResponseProblem::ClassNotInScheme => "responses.class_invalid",
            ResponseProblem::SummaryMissing => "responses.summary_missing",
        }
    }
}

/// Checks a response against its submission and the scheme.
pub fn check_response(
    submitted_on: NaiveDate,
    responded_on: NaiveDate,
    today: NaiveDate,
    scheme: Scheme,
    class: &str,
    summary: &str,
) -> Vec<ResponseProblem> {
    let mut out = Vec::new();
    if responded_on < submitted_on {
        out.push(ResponseProblem::BeforeSubmission);
    }
    if responded_on > today {
        out.push(ResponseProblem::InFuture);
    }
    if !scheme.accepts(class) {
        out.push(ResponseProblem::ClassNotInScheme);
    }
    if summary.trim().is_empty() {
        out.push(ResponseProblem::SummaryMissing);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn schemes_know_their_classes() {
        assert!(Scheme::Abc.accepts("C"));
        assert!(!Scheme::Abc.accepts("D"));
        assert!(Scheme::Abcd.accepts("D"));
        assert!(!Scheme::Abcd.accepts("E"));
        assert_ne!(Scheme::Abc.class_key("C"), Scheme::Abcd.class_key("C"));
        assert_eq!(Scheme::parse("abcd"), Some(Scheme::Abcd));
    }

    #[test]
    fn a_response_cannot_come_before_its_submission() {
        let p = check_response(
            d(2026, 5, 1),
            d(2026, 4, 30),
            d(2026, 11, 1),
            Scheme::Abc,
            "A",
            "ok",
        );
        assert_eq!(p, vec![ResponseProblem::BeforeSubmission]);
        let p = check_response(
            d(2026, 5, 1),
            d(2026, 5, 1),
            d(2026, 11, 1),
            Scheme::Abc,
            "D",
            " ",
        );
        assert_eq!(
            p,
            vec![
                ResponseProblem::ClassNotInScheme,
                ResponseProblem::SummaryMissing
            ]
        );
        let p = check_response(
            d(2026, 5, 1),
            d(2026, 12, 1),
            d(2026, 11, 1),
            Scheme::Abcd,
            "D",
            "x",
        );
        assert_eq!(p, vec![ResponseProblem::InFuture]);
        assert!(
            check_response(
                d(2026, 5, 1),
                d(2026, 6, 1),
                d(2026, 11, 1),
                Scheme::Abcd,
                "D",
                "x"
            )
            .is_empty()
        );
    }

    #[test]
    fn not_satisfied_opens_a_month_of_re_handling() {
        assert_eq!(rehandling_due(d(2026, 1, 31)), d(2026, 2, 28));
        assert_eq!(rehandling_due(d(2026, 6, 10)), d(2026, 7, 10));
    }
}
