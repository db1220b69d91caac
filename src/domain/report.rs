//! The federation's portfolio report: for a period and a scope, what advocacy did and
//! what it won — issues by stage, new findings by policy area, submissions and the
//! departments' answers (on time, days to answer, classes, satisfaction), outcomes and
//! what is overdue. Plain rules over facts the store gathered; every number here is
//! tested against a hand-computed fixture.
//!
//! Conventions, stated once so every format says the same:
//! - Departments are judged on the submissions made **in the period**; their answers
//!   count when given by the end of the period (a report on last year does not change
//!   when this year's answers come in).
//! - **On time**: the first answer came on or before the deadline in force (an approved
//!   extension counts). The on-time rate divides by the submissions that can be judged:
//!   answered, or unanswered past their deadline. One still within its deadline is
//!   pending and counts for neither.
//! - **Days to answer**: calendar days from submission to the first answer.
//! - **Class and satisfaction**: of the latest answer by the end of the period.
//! - Submissions of an issue later merged into another still count: the department
//!   received them. Merged duplicates are not counted as issues.
//! - **Overdue**: as of the end of the period (or today, if that is earlier), any
//!   submission without an adequate answer whose deadline in force has passed — the
//!   re-handling round's when the latest answer was found not satisfying.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

/// The longest period a report may cover.
pub const MAX_PERIOD_DAYS: i64 = 366 * 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// Reads a period from two dates as people type them (`2026-01-01`, `2026/1/1`).
    /// Errors are message keys.
    pub fn parse(from: &str, to: &str) -> Result<Period, &'static str> {
        let from = super::finding::parse_date(from).ok_or("report.date_invalid")?;
        let to = super::finding::parse_date(to).ok_or("report.date_invalid")?;
        Period::new(from, to)
    }

    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Period, &'static str> {
        if to < from {
            return Err("report.period_empty");
        }
        if (to - from).num_days() > MAX_PERIOD_DAYS {
            return Err("report.period_too_long");
        }
        Ok(Period { from, to })
    }

    pub fn contains(&self, d: NaiveDate) -> bool {
        self.from <= d && d <= self.to
    }
}

// ---------------------------------------------------------------- facts

/// An issue in scope that existed by the end of the period.
#[derive(Debug, Clone, PartialEq)]
pub struct IssueFact {
    pub id: i64,
    pub title: String,
    pub area_id: i64,
    pub stage: String,
    pub created_on: NaiveDate,
}

/// New findings of one policy area observed in the period.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaFact {
    pub area_id: i64,
    pub findings: i64,
    pub organisations: i64,
}

/// How a period is counted from the monthly finding counts: the whole months it
/// covers (`YYYY-MM`, first and last), and the days at either end outside them, which
/// are counted from the findings themselves (inclusive ranges). A million findings are
/// then never read one by one for a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthSplit {
    pub months: Option<(String, String)>,
    pub days: Vec<(NaiveDate, NaiveDate)>,
}

impl Period {
    pub fn month_split(&self) -> MonthSplit {
        use chrono::{Datelike, Months};
        let first_of = |d: NaiveDate| d.with_day(1).expect("day 1 exists");
        let start = if self.from.day() == 1 {
            self.from
        } else {
            first_of(self.from) + Months::new(1)
        };
        let next = self.to + chrono::Days::new(1);
        let end = if next.day() == 1 {
            next
        } else {
            first_of(self.to)
        };
        if start >= end {
            return MonthSplit {
                months: None,
                days: vec![(self.from, self.to)],
            };
        }
        let mut days = Vec::new();
        if self.from < start {
            days.push((self.from, start.pred_opt().expect("a day before")));
        }
        if end <= self.to {
            days.push((end, self.to));
        }
        let last = end.pred_opt().expect("a day before");
        MonthSplit {
            months: Some((
                start.format("%Y-%m").to_string(),
                last.format("%Y-%m").to_string(),
            )),
            days,
        }
    }
}

/// A submission of an issue in scope, made by the end of the period.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmissionFact {
    pub id: i64,
    pub issue_id: i64,
    pub department_id: i64,
    pub submitted_on: NaiveDate,
    pub due_on: NaiveDate,
    pub extended_due_on: Option<NaiveDate>,
    pub rehandling_due_on: Option<NaiveDate>,
}

impl SubmissionFact {
    /// The first deadline, or an approved extension's.
    pub fn deadline(&self) -> NaiveDate {
        self.extended_due_on.unwrap_or(self.due_on)
    }
}

/// An answer to one of those submissions, given by the end of the period.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseFact {
    pub submission_id: i64,
    pub round: i64,
    pub responded_on: NaiveDate,
    pub classification: String,
    pub satisfaction: Option<String>,
}

/// A policy parameter that changed in the period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutcomeFact {
    pub parameter_zh: String,
    pub parameter_en: String,
    pub unit: String,
    pub before: Option<f64>,
    pub after: f64,
    pub valid_from: NaiveDate,
    pub beneficiaries: Option<i64>,
    pub issue_id: Option<i64>,
    pub issue_title: Option<String>,
}

/// An issue closed in the period, with its resolution.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClosedFact {
    pub issue_id: i64,
    pub title: String,
    pub resolution: String,
    pub closed_on: NaiveDate,
}

/// Everything the report is computed from, already limited to the scope.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PortfolioFacts {
    pub issues: Vec<IssueFact>,
    pub findings_by_area: Vec<AreaFact>,
    pub submissions: Vec<SubmissionFact>,
    pub responses: Vec<ResponseFact>,
    pub outcomes: Vec<OutcomeFact>,
    pub closed: Vec<ClosedFact>,
}

// ---------------------------------------------------------------- results

/// A department's answers to the submissions made in the period.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DepartmentLine {
    pub department_id: i64,
    pub submissions: usize,
    pub answered: usize,
    pub on_time: usize,
    pub answered_late: usize,
    /// Unanswered past the deadline in force.
    pub overdue: usize,
    /// Unanswered, still within the deadline.
    pub pending: usize,
    /// Median calendar days to the first answer.
    pub median_days: Option<f64>,
    /// Latest answer's class → submissions.
    pub classes: BTreeMap<String, usize>,
    /// Latest answer's satisfaction → submissions (those rated).
    pub satisfaction: BTreeMap<String, usize>,
}

impl DepartmentLine {
    /// On time ÷ submissions that can be judged (answered, or overdue); none when
    /// nothing can be judged yet.
    pub fn on_time_rate(&self) -> Option<f64> {
        let judged = self.answered + self.overdue;
        (judged > 0).then(|| self.on_time as f64 / judged as f64)
    }

    /// Share of the answered submissions whose latest answer has `class`.
    pub fn class_share(&self, class: &str) -> Option<f64> {
        (self.answered > 0)
            .then(|| self.classes.get(class).copied().unwrap_or(0) as f64 / self.answered as f64)
    }
}

/// A submission past its deadline without an adequate answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OverdueItem {
    pub submission_id: i64,
    pub issue_id: i64,
    pub department_id: i64,
    pub submitted_on: NaiveDate,
    /// The deadline in force.
    pub due: NaiveDate,
    pub days_overdue: i64,
    /// In a re-handling round after "not satisfied".
    pub rehandling: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Portfolio {
    pub period: Period,
    /// The day "overdue" is judged on: the end of the period, or today if earlier.
    pub as_of: NaiveDate,
    /// Issues in scope by current stage, in lifecycle order (stages with none left out).
    pub stages: Vec<(String, usize)>,
    pub issues_total: usize,
    pub new_issues: usize,
    /// New findings by policy area (area, findings, organisations), most first.
    pub findings_by_area: Vec<(i64, i64, i64)>,
    pub new_findings: i64,
    pub submissions_made: usize,
    /// Answers given in the period (any round, to any submission).
    pub answers_received: usize,
    /// Classes of the answers given in the period.
    pub answer_classes: BTreeMap<String, usize>,
    /// One line per department with a submission in the period, most submissions first.
    pub departments: Vec<DepartmentLine>,
    /// All departments together.
    pub total: DepartmentLine,
    pub outcomes: Vec<OutcomeFact>,
    pub beneficiaries: i64,
    pub closed: Vec<ClosedFact>,
    pub overdue: Vec<OverdueItem>,
}

/// The stages in lifecycle order.
pub const STAGES: [&str; 7] = [
    "identified",
    "drafting",
    "review",
    "submitted",
    "responded",
    "implementing",
    "closed",
];

fn median(mut v: Vec<f64>) -> Option<f64> {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    match v.len() {
        0 => None,
        n if n % 2 == 1 => Some(v[n / 2]),
        n => Some((v[n / 2 - 1] + v[n / 2]) / 2.0),
    }
}

/// Computes the report. `today` decides "overdue" when the period reaches past it.
pub fn portfolio(facts: &PortfolioFacts, period: Period, today: NaiveDate) -> Portfolio {
    let as_of = period.to.min(today);
    // Answers per submission, oldest first, as of the end of the period.
    let mut answers: BTreeMap<i64, Vec<&ResponseFact>> = BTreeMap::new();
    for r in facts
        .responses
        .iter()
        .filter(|r| r.responded_on <= period.to)
    {
        answers.entry(r.submission_id).or_default().push(r);
    }
    for list in answers.values_mut() {
        list.sort_by_key(|r| (r.responded_on, r.round));
    }

    let mut stage_counts: BTreeMap<&str, usize> = BTreeMap::new();
    for i in &facts.issues {
        *stage_counts.entry(i.stage.as_str()).or_default() += 1;
    }
    let stages = STAGES
        .iter()
        .filter_map(|s| stage_counts.get(s).map(|n| (s.to_string(), *n)))
        .collect();

    let mut findings_by_area: Vec<(i64, i64, i64)> = facts
        .findings_by_area
        .iter()
        .filter(|a| a.findings > 0)
        .map(|a| (a.area_id, a.findings, a.organisations))
        .collect();
    findings_by_area.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));

    let mut lines: BTreeMap<i64, (DepartmentLine, Vec<f64>)> = BTreeMap::new();
    let mut total = (DepartmentLine::default(), Vec::new());
    let mut submissions_made = 0;
    for s in facts
        .submissions
        .iter()
        .filter(|s| period.contains(s.submitted_on))
    {
        submissions_made += 1;
        let own = answers.get(&s.id).map(Vec::as_slice).unwrap_or(&[]);
        for (line, days) in [
            lines.entry(s.department_id).or_insert_with(|| {
                (
                    DepartmentLine {
                        department_id: s.department_id,
                        ..DepartmentLine::default()
                    },
                    Vec::new(),
                )
            }),
            &mut total,
        ] {
            line.submissions += 1;
            match (own.first(), own.last()) {
                (Some(first), Some(latest)) => {
                    line.answered += 1;
                    if first.responded_on <= s.deadline() {
                        line.on_time += 1;
                    } else {
                        line.answered_late += 1;
                    }
                    days.push((first.responded_on - s.submitted_on).num_days() as f64);
                    *line
                        .classes
                        .entry(latest.classification.clone())
                        .or_default() += 1;
                    if let Some(sat) = &latest.satisfaction {
                        *line.satisfaction.entry(sat.clone()).or_default() += 1;
                    }
                }
                _ if s.deadline() < as_of => line.overdue += 1,
                _ => line.pending += 1,
            }
        }
    }
    let finish = |(mut line, days): (DepartmentLine, Vec<f64>)| {
        line.median_days = median(days);
        line
    };
    let mut departments: Vec<DepartmentLine> = lines.into_values().map(finish).collect();
    departments.sort_by(|a, b| {
        b.submissions
            .cmp(&a.submissions)
            .then(a.department_id.cmp(&b.department_id))
    });
    let total = finish(total);

    let in_period: Vec<&ResponseFact> = facts
        .responses
        .iter()
        .filter(|r| period.contains(r.responded_on))
        .collect();
    let mut answer_classes: BTreeMap<String, usize> = BTreeMap::new();
    for r in &in_period {
        *answer_classes.entry(r.classification.clone()).or_default() += 1;
    }

    // Overdue as of `as_of`: judged on the answers given by then.
    let mut overdue: Vec<OverdueItem> = Vec::new();
    for s in facts.submissions.iter().filter(|s| s.submitted_on <= as_of) {
        let latest = answers
            .get(&s.id)
            .and_then(|l| l.iter().rev().find(|r| r.responded_on <= as_of));
        let (due, rehandling) = match latest {
            None => (s.deadline(), false),
            Some(r) if r.satisfaction.as_deref() == Some("not_satisfied") => {
                match s.rehandling_due_on {
                    Some(d) => (d, true),
                    None => continue,
                }
            }
            Some(_) => continue,
        };
        if due < as_of {
            overdue.push(OverdueItem {
                submission_id: s.id,
                issue_id: s.issue_id,
                department_id: s.department_id,
                submitted_on: s.submitted_on,
                due,
                days_overdue: (as_of - due).num_days(),
                rehandling,
            });
        }
    }
    overdue.sort_by(|a, b| {
        b.days_overdue
            .cmp(&a.days_overdue)
            .then(a.submission_id.cmp(&b.submission_id))
    });

    let mut outcomes: Vec<OutcomeFact> = facts
        .outcomes
        .iter()
        .filter(|o| period.contains(o.valid_from))
        .cloned()
        .collect();
    outcomes.sort_by_key(|a| a.valid_from);
    let mut closed: Vec<ClosedFact> = facts
        .closed
        .iter()
        .filter(|c| period.contains(c.closed_on))
        .cloned()
        .collect();
    closed.sort_by(|a, b| {
        a.closed_on
            .cmp(&b.closed_on)
            .then(a.issue_id.cmp(&b.issue_id))
    });

    Portfolio {
        period,
        as_of,
        stages,
        issues_total: facts.issues.len(),
        new_issues: facts
            .issues
            .iter()
            .filter(|i| period.contains(i.created_on))
            .count(),
        new_findings: findings_by_area.iter().map(|a| a.1).sum(),
        findings_by_area,
        submissions_made,
        answers_received: in_period.len(),
        answer_classes,
        departments,
        total,
        beneficiaries: outcomes.iter().filter_map(|o| o.beneficiaries).sum(),
        outcomes,
        closed,
        overdue,
    }
}

/// One department's submissions of a period, as the dashboards read them from each
/// submission's answer summary (see [`league`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub department_id: i64,
    pub submissions: usize,
    pub answered: usize,
    pub on_time: usize,
    pub overdue: usize,
}

/// The same department lines as [`portfolio`] computes, from per-department tallies,
/// the distribution of days to the first answer (department, days, submissions) and
/// the latest answers' (department, class, satisfaction, submissions) — what a
/// dashboard can read in a few grouped, indexed queries however many submissions there
/// are. Most submissions first.
pub fn league(
    tallies: &[Tally],
    answer_days: &[(i64, i64, i64)],
    latest: &[(i64, String, Option<String>, i64)],
) -> (Vec<DepartmentLine>, DepartmentLine) {
    let mut lines: BTreeMap<i64, (DepartmentLine, Vec<f64>)> = BTreeMap::new();
    let mut total = (DepartmentLine::default(), Vec::new());
    for t in tallies {
        let line = DepartmentLine {
            department_id: t.department_id,
            submissions: t.submissions,
            answered: t.answered,
            on_time: t.on_time,
            answered_late: t.answered - t.on_time,
            overdue: t.overdue,
            pending: t.submissions - t.answered - t.overdue,
            ..DepartmentLine::default()
        };
        total.0.submissions += line.submissions;
        total.0.answered += line.answered;
        total.0.on_time += line.on_time;
        total.0.answered_late += line.answered_late;
        total.0.overdue += line.overdue;
        total.0.pending += line.pending;
        lines.insert(t.department_id, (line, Vec::new()));
    }
    for (dept, days, n) in answer_days {
        let many = std::iter::repeat_n(*days as f64, (*n).max(0) as usize);
        total.1.extend(many.clone());
        if let Some((_, v)) = lines.get_mut(dept) {
            v.extend(many);
        }
    }
    for (dept, class, sat, n) in latest {
        let n = (*n).max(0) as usize;
        for line in [lines.get_mut(dept).map(|(l, _)| l), Some(&mut total.0)]
            .into_iter()
            .flatten()
        {
            *line.classes.entry(class.clone()).or_default() += n;
            if let Some(s) = sat {
                *line.satisfaction.entry(s.clone()).or_default() += n;
            }
        }
    }
    let finish = |(mut line, days): (DepartmentLine, Vec<f64>)| {
        line.median_days = median(days);
        line
    };
    let mut out: Vec<DepartmentLine> = lines.into_values().map(finish).collect();
    out.sort_by(|a, b| {
        b.submissions
            .cmp(&a.submissions)
            .then(a.department_id.cmp(&b.department_id))
    });
    (out, finish(total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn sub(id: i64, dept: i64, on: &str, due: &str) -> SubmissionFact {
        SubmissionFact {
            id,
            issue_id: 100 + id,
            department_id: dept,
            submitted_on: d(on),
            due_on: d(due),
            extended_due_on: None,
            rehandling_due_on: None,
        }
    }

    fn ans(sub: i64, on: &str, class: &str, sat: Option<&str>) -> ResponseFact {
        ResponseFact {
            submission_id: sub,
            round: 1,
            responded_on: d(on),
            classification: class.into(),
            satisfaction: sat.map(String::from),
        }
    }

    #[test]
    fn a_period_must_run_forwards_and_not_forever() {
        assert!(Period::parse("2026-01-01", "2026-12-31").is_ok());
        assert_eq!(
            Period::parse("2026/1/1", "2026/1/1").unwrap().from,
            d("2026-01-01")
        );
        assert_eq!(
            Period::parse("2026-02-01", "2026-01-31"),
            Err("report.period_empty")
        );
        assert_eq!(
            Period::parse("soon", "2026-01-31"),
            Err("report.date_invalid")
        );
        assert_eq!(
            Period::parse("2000-01-01", "2026-01-31"),
            Err("report.period_too_long")
        );
    }

    /// The fixture, computed by hand. Period: 2026 Q1 (1 Jan – 31 Mar), today 15 Apr.
    ///
    /// Department 1 (education bureau):
    /// - s1 submitted 5 Jan, due 5 Apr, answered B on 5 Apr.
    /// - s2 submitted 10 Jan, due 10 Feb, answered A on 11 Feb (a day late: late), 32
    ///   days; satisfied.
    /// - s3 submitted 1 Mar, due 20 Mar, no answer: overdue on 31 Mar (11 days).
    ///
    /// But the report ends on 31 Mar, so s1's answer of 5 Apr does not count: s1 is
    /// unanswered with a deadline (5 Apr) after the end: pending.
    ///
    /// Department 2 (civil affairs):
    /// - s4 submitted 2 Feb, due 2 May, answered C on 1 Mar (27 days), not satisfied,
    ///   re-handling due 28 Mar and no second answer: overdue in re-handling, 3 days.
    /// - s5 submitted 20 Dec 2025 (before the period), due 20 Jan, never answered:
    ///   not in the department lines, but overdue (70 days as of 31 Mar).
    /// - s6 submitted 5 Mar, due 5 Jun, extended to 30 Jun, answered B on 30 Mar with
    ///   an answer in the period; on time.
    #[test]
    fn the_portfolio_matches_the_hand_computed_fixture() {
        let mut s6 = sub(6, 2, "2026-03-05", "2026-06-05");
        s6.extended_due_on = Some(d("2026-06-30"));
        let mut s4 = sub(4, 2, "2026-02-02", "2026-05-02");
        s4.rehandling_due_on = Some(d("2026-03-28"));
        let facts = PortfolioFacts {
            issues: vec![
                IssueFact {
                    id: 1,
                    title: "Age 14".into(),
                    area_id: 1,
                    stage: "submitted".into(),
                    created_on: d("2025-11-01"),
                },
                IssueFact {
                    id: 2,
                    title: "Allowance".into(),
                    area_id: 1,
                    stage: "closed".into(),
                    created_on: d("2026-01-15"),
                },
                IssueFact {
                    id: 3,
                    title: "Respite".into(),
                    area_id: 2,
                    stage: "submitted".into(),
                    created_on: d("2026-02-01"),
                },
            ],
            findings_by_area: vec![
                AreaFact {
                    area_id: 1,
                    findings: 12,
                    organisations: 3,
                },
                AreaFact {
                    area_id: 2,
                    findings: 30,
                    organisations: 4,
                },
            ],
            submissions: vec![
                sub(1, 1, "2026-01-05", "2026-04-05"),
                sub(2, 1, "2026-01-10", "2026-02-10"),
                sub(3, 1, "2026-03-01", "2026-03-20"),
                s4,
                sub(5, 2, "2025-12-20", "2026-01-20"),
                s6,
            ],
            responses: vec![
                ans(1, "2026-04-05", "B", None),
                ans(2, "2026-02-11", "A", Some("satisfied")),
                ans(4, "2026-03-01", "C", Some("not_satisfied")),
                ans(6, "2026-03-30", "B", None),
            ],
            outcomes: vec![OutcomeFact {
                parameter_zh: "自闭症康复补贴".into(),
                parameter_en: "Autism rehabilitation allowance".into(),
                unit: "元/月".into(),
                before: Some(800.0),
                after: 2000.0,
                valid_from: d("2026-03-01"),
                beneficiaries: Some(1200),
                issue_id: Some(2),
                issue_title: Some("Allowance".into()),
            }],
            closed: vec![ClosedFact {
                issue_id: 2,
                title: "Allowance".into(),
                resolution: "achieved".into(),
                closed_on: d("2026-03-20"),
            }],
        };
        let p = portfolio(
            &facts,
            Period::parse("2026-01-01", "2026-03-31").unwrap(),
            d("2026-04-15"),
        );
        assert_eq!(p.as_of, d("2026-03-31"));
        assert_eq!(
            p.stages,
            vec![("submitted".into(), 2), ("closed".into(), 1)]
        );
        assert_eq!((p.issues_total, p.new_issues), (3, 2));
        assert_eq!(p.findings_by_area, vec![(2, 30, 4), (1, 12, 3)]);
        assert_eq!(p.new_findings, 42);
        assert_eq!(p.submissions_made, 5);
        // Answers given in Q1: s2 (A), s4 (C), s6 (B); s1's came in April.
        assert_eq!(p.answers_received, 3);
        assert_eq!(
            p.answer_classes,
            BTreeMap::from([("A".into(), 1), ("B".into(), 1), ("C".into(), 1)])
        );

        let edu = &p.departments.iter().find(|l| l.department_id == 1).unwrap();
        assert_eq!(edu.submissions, 3);
        assert_eq!((edu.answered, edu.on_time, edu.answered_late), (1, 0, 1));
        assert_eq!((edu.overdue, edu.pending), (1, 1));
        assert_eq!(edu.median_days, Some(32.0));
        assert_eq!(edu.on_time_rate(), Some(0.0));
        assert_eq!(edu.class_share("A"), Some(1.0));
        assert_eq!(edu.satisfaction, BTreeMap::from([("satisfied".into(), 1)]));

        let civil = &p.departments.iter().find(|l| l.department_id == 2).unwrap();
        // s5 was submitted before the period: not in the line.
        assert_eq!(civil.submissions, 2);
        assert_eq!((civil.answered, civil.on_time, civil.overdue), (2, 2, 0));
        // 27 days (s4) and 25 days (s6): median 26.
        assert_eq!(civil.median_days, Some(26.0));
        assert_eq!(civil.on_time_rate(), Some(1.0));
        assert_eq!(civil.class_share("B"), Some(0.5));
        assert_eq!(
            civil.satisfaction,
            BTreeMap::from([("not_satisfied".into(), 1)])
        );

        assert_eq!(p.total.submissions, 5);
        assert_eq!((p.total.answered, p.total.on_time), (3, 2));
        assert_eq!(p.total.on_time_rate(), Some(0.5));
        // 32, 27, 25 → 27.
        assert_eq!(p.total.median_days, Some(27.0));

        // Overdue on 31 Mar: s5 (70 days), s3 (11), s4 in re-handling (3). s1 is not:
        // its deadline is 5 Apr.
        let overdue: Vec<(i64, i64, bool)> = p
            .overdue
            .iter()
            .map(|o| (o.submission_id, o.days_overdue, o.rehandling))
            .collect();
        assert_eq!(overdue, vec![(5, 70, false), (3, 11, false), (4, 3, true)]);
        assert_eq!(p.outcomes.len(), 1);
        assert_eq!(p.beneficiaries, 1200);
        assert_eq!(p.closed.len(), 1);
    }

    /// A period still running judges "overdue" today, not at its end; an answer on
    /// the due date is on time, one the day after late.
    #[test]
    fn a_running_period_is_judged_today() {
        let facts = PortfolioFacts {
            submissions: vec![
                sub(1, 1, "2026-01-05", "2026-02-05"),
                sub(2, 1, "2026-01-05", "2026-02-05"),
                sub(3, 1, "2026-03-01", "2026-04-01"),
            ],
            responses: vec![
                ans(1, "2026-02-05", "A", None),
                ans(2, "2026-02-06", "A", None),
            ],
            ..PortfolioFacts::default()
        };
        let p = portfolio(
            &facts,
            Period::parse("2026-01-01", "2026-12-31").unwrap(),
            d("2026-03-20"),
        );
        assert_eq!(p.as_of, d("2026-03-20"));
        assert_eq!((p.total.on_time, p.total.answered_late), (1, 1));
        assert_eq!((p.total.overdue, p.total.pending), (0, 1));
        assert!(p.overdue.is_empty());
        assert_eq!(p.total.on_time_rate(), Some(0.5));
    }

    #[test]
    fn a_period_is_counted_by_whole_months_and_the_days_around_them() {
        let split = |a: &str, b: &str| Period::parse(a, b).unwrap().month_split();
        assert_eq!(
            split("2026-01-01", "2026-12-31"),
            MonthSplit {
                months: Some(("2026-01".into(), "2026-12".into())),
                days: vec![]
            }
        );
        assert_eq!(
            split("2025-12-02", "2026-12-01"),
            MonthSplit {
                months: Some(("2026-01".into(), "2026-11".into())),
                days: vec![
                    (d("2025-12-02"), d("2025-12-31")),
                    (d("2026-12-01"), d("2026-12-01"))
                ]
            }
        );
        // Within one month, or across two without a whole one: days only.
        assert_eq!(
            split("2026-02-10", "2026-02-20").days,
            vec![(d("2026-02-10"), d("2026-02-20"))]
        );
        assert_eq!(split("2026-02-10", "2026-03-05").months, None);
        // February of a leap year and its last day.
        assert_eq!(
            split("2028-02-01", "2028-02-29").months,
            Some(("2028-02".into(), "2028-02".into()))
        );
    }

    #[test]
    fn an_empty_scope_gives_an_empty_report_not_an_error() {
        let p = portfolio(
            &PortfolioFacts::default(),
            Period::parse("2026-01-01", "2026-01-31").unwrap(),
            d("2026-02-01"),
        );
        assert_eq!(p.total.on_time_rate(), None);
        assert_eq!(p.total.median_days, None);
        assert!(p.departments.is_empty() && p.stages.is_empty());
    }
}
