//! The evidence summary of an advocacy issue, computed from its linked findings: how
//! many findings, workers, organisations and districts; people affected; the date span
//! and a count per month; ages; the thresholds named; each figure's spread; and the gap
//! between paired figures (a cost and the allowance meant to cover it).
//!
//! Small cells: any breakdown cell counting fewer than [`SMALL_CELL`] findings is shown
//! as "fewer than 3" to people outside the recording organisations and in exports, so
//! that a district with one case cannot identify a family. The summary keeps exact
//! counts; [`Cell::shown`] decides what a reader sees.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use serde::Serialize;

/// What the summary needs of one linked finding.
#[derive(Debug, Clone)]
pub struct EvidenceItem {
    pub org_id: i64,
    pub recorded_by: i64,
    /// The locality path, `/city/district/street/community/`.
    pub locality_path: String,
    pub observed_on: NaiveDate,
    pub people_affected: i64,
    pub age_min: Option<i64>,
    pub age_max: Option<i64>,
    /// (benefit, kind, value)
    pub threshold: Option<(String, String, String)>,
    /// (name, amount, unit)
    pub figures: Vec<(String, f64, String)>,
}

/// Cells below this count are suppressed for outsiders and in exports. The default (configurable: `GROUNDSWELL_SMALL_CELL`).
pub const SMALL_CELL: usize = 3;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FigureStats {
    pub name: String,
    pub unit: String,
    pub count: usize,
    pub median: f64,
    pub min: f64,
    pub max: f64,
}

/// The gap between two figures named in the same findings, in the same unit:
/// `larger` − `smaller` (by median), over the findings that name both.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FigureGap {
    pub larger: String,
    pub smaller: String,
    pub unit: String,
    pub count: usize,
    pub median_gap: f64,
    pub min_gap: f64,
    pub max_gap: f64,
}

/// Age bands for the age distribution.
pub const AGE_BANDS: [(i64, i64, &str); 6] = [
    (0, 5, "0–5"),
    (6, 13, "6–13"),
    (14, 17, "14–17"),
    (18, 44, "18–44"),
    (45, 59, "45–59"),
    (60, 200, "60+"),
];

#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct EvidenceSummary {
    pub findings: usize,
    pub workers: usize,
    pub organisations: usize,
    pub districts: usize,
    pub people_affected: i64,
    pub first_observed: Option<NaiveDate>,
    pub last_observed: Option<NaiveDate>,
    /// "2026-03" → findings observed that month.
    pub per_month: BTreeMap<String, usize>,
    /// Findings whose ages overlap each band (a finding may count in several).
    pub per_age_band: Vec<(String, usize)>,
    /// District id → findings.
    pub per_district: BTreeMap<i64, usize>,
    /// "benefit · kind · value" → findings.
    pub thresholds: Vec<(String, String, String, usize)>,
    pub figures: Vec<FigureStats>,
    pub gaps: Vec<FigureGap>,
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    let n = values.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// The district of a locality path: its second level (`/1/5/23/` → 5), if it has one.
pub fn district_of(path: &str) -> Option<i64> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .nth(1)
        .and_then(|s| s.parse().ok())
}

pub fn summarise(items: &[EvidenceItem]) -> EvidenceSummary {
    let mut s = EvidenceSummary {
        findings: items.len(),
        ..Default::default()
    };
    let workers: BTreeSet<i64> = items.iter().map(|i| i.recorded_by).collect();
    let orgs: BTreeSet<i64> = items.iter().map(|i| i.org_id).collect();
    s.workers = workers.len();
    s.organisations = orgs.len();
    for i in items {
        if let Some(d) = district_of(&i.locality_path) {
            *s.per_district.entry(d).or_default() += 1;
        }
        s.people_affected += i.people_affected;
        s.first_observed = Some(
            s.first_observed
                .map_or(i.observed_on, |d| d.min(i.observed_on)),
        );
        s.last_observed = Some(
            s.last_observed
                .map_or(i.observed_on, |d| d.max(i.observed_on)),
        );
        *s.per_month
            .entry(i.observed_on.format("%Y-%m").to_string())
            .or_default() += 1;
    }
    s.districts = s.per_district.len();
    s.per_age_band = AGE_BANDS
        .iter()
        .map(|(lo, hi, label)| {
            let n = items
                .iter()
                .filter(|i| match (i.age_min, i.age_max) {
                    (Some(a), Some(b)) => a <= *hi && b >= *lo,
                    _ => false,
                })
                .count();
            (label.to_string(), n)
        })
        .collect();

    let mut thresholds: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for i in items {
        if let Some(t) = &i.threshold {
            *thresholds.entry(t.clone()).or_default() += 1;
        }
    }
    let mut th: Vec<_> = thresholds
        .into_iter()
        .map(|((b, k, v), n)| (b, k, v, n))
        .collect();
    th.sort_by(|a, b| b.3.cmp(&a.3).then(a.0.cmp(&b.0)));
    s.thresholds = th;

    // Figures grouped by (name, unit), names compared case-insensitively.
    let mut by_name: BTreeMap<(String, String), (String, Vec<f64>)> = BTreeMap::new();
    for i in items {
        for (name, amount, unit) in &i.figures {
            let key = (name.trim().to_lowercase(), unit.trim().to_lowercase());
            by_name
                .entry(key)
                .or_insert_with(|| (name.trim().to_string(), Vec::new()))
                .1
                .push(*amount);
        }
    }
    let mut medians: BTreeMap<(String, String), f64> = BTreeMap::new();
    for ((key_name, key_unit), (name, mut values)) in by_name {
        let m = median(&mut values);
        medians.insert((key_name.clone(), key_unit.clone()), m);
        s.figures.push(FigureStats {
            name,
            unit: items
                .iter()
                .flat_map(|i| i.figures.iter())
                .find(|f| {
                    f.2.trim().to_lowercase() == key_unit && f.0.trim().to_lowercase() == key_name
                })
                .map(|f| f.2.trim().to_string())
                .unwrap_or(key_unit),
            count: values.len(),
            median: m,
            min: values.first().copied().unwrap_or(0.0),
            max: values.last().copied().unwrap_or(0.0),
        });
    }
    s.figures
        .sort_by(|a, b| b.count.cmp(&a.count).then(a.name.cmp(&b.name)));

    // Pairs named in the same finding, same unit.
    let mut pairs: BTreeMap<(String, String, String), Vec<f64>> = BTreeMap::new();
    let mut display: BTreeMap<String, String> = BTreeMap::new();
    for i in items {
        for (a_name, a_amount, a_unit) in &i.figures {
            for (b_name, b_amount, b_unit) in &i.figures {
                let (ak, bk, unit) = (
                    a_name.trim().to_lowercase(),
                    b_name.trim().to_lowercase(),
                    a_unit.trim().to_lowercase(),
                );
                if ak >= bk || unit != b_unit.trim().to_lowercase() {
                    continue;
                }
                display.insert(ak.clone(), a_name.trim().to_string());
                display.insert(bk.clone(), b_name.trim().to_string());
                // Orient by the overall medians: larger minus smaller.
                let ma = medians
                    .get(&(ak.clone(), unit.clone()))
                    .copied()
                    .unwrap_or(*a_amount);
                let mb = medians
                    .get(&(bk.clone(), unit.clone()))
                    .copied()
                    .unwrap_or(*b_amount);
                let (large, small, gap) = if ma >= mb {
                    (ak.clone(), bk.clone(), a_amount - b_amount)
                } else {
                    (bk.clone(), ak.clone(), b_amount - a_amount)
                };
                pairs.entry((large, small, unit)).or_default().push(gap);
            }
        }
    }
    for ((large, small, unit), mut gaps) in pairs {
        let m = median(&mut gaps);
        s.gaps.push(FigureGap {
            larger: display.get(&large).cloned().unwrap_or(large),
            smaller: display.get(&small).cloned().unwrap_or(small),
            unit: s
                .figures
                .iter()
                .find(|f| f.unit.to_lowercase() == unit)
                .map(|f| f.unit.clone())
                .unwrap_or(unit),
            count: gaps.len(),
            median_gap: m,
            min_gap: gaps.first().copied().unwrap_or(0.0),
            max_gap: gaps.last().copied().unwrap_or(0.0),
        });
    }
    s.gaps.sort_by_key(|g| std::cmp::Reverse(g.count));
    s
}

/// A count as a reader may see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    Exact(usize),
    /// Fewer than the threshold (but more than none).
    Few,
}

/// How counts are shown to one reader: exactly to insiders (the reader belongs to every
/// organisation behind the findings, or is an admin); cells under `threshold` as "fewer
/// than" to everyone else and in every export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Suppression {
    pub threshold: usize,
    pub insider: bool,
}

impl Suppression {
    /// For exports: always suppressed, whoever asks.
    pub fn for_export(threshold: usize) -> Suppression {
        Suppression {
            threshold,
            insider: false,
        }
    }

    pub fn shown(&self, count: usize) -> Cell {
        if !self.insider && count > 0 && count < self.threshold {
            Cell::Few
        } else {
            Cell::Exact(count)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn item(
        org: i64,
        worker: i64,
        path: &str,
        date: &str,
        people: i64,
        ages: (i64, i64),
        figures: &[(&str, f64)],
    ) -> EvidenceItem {
        EvidenceItem {
            org_id: org,
            recorded_by: worker,
            locality_path: path.into(),
            observed_on: d(date),
            people_affected: people,
            age_min: Some(ages.0),
            age_max: Some(ages.1),
            threshold: Some(("health-education subsidy".into(), "age".into(), "14".into())),
            figures: figures
                .iter()
                .map(|(n, a)| (n.to_string(), *a, "yuan/month".to_string()))
                .collect(),
        }
    }

    /// A fixture computed by hand: five findings, three stations, four workers, three
    /// districts.
    fn fixture() -> Vec<EvidenceItem> {
        vec![
            item(
                1,
                10,
                "/1/2/3/4/",
                "2026-01-05",
                1,
                (14, 14),
                &[("one-to-one cost", 4500.0), ("allowance", 800.0)],
            ),
            item(
                1,
                11,
                "/1/2/5/",
                "2026-01-20",
                2,
                (14, 15),
                &[("one-to-one cost", 5000.0), ("allowance", 800.0)],
            ),
            item(
                2,
                20,
                "/1/6/7/",
                "2026-02-11",
                1,
                (13, 16),
                &[("One-to-one cost", 4000.0)],
            ),
            item(
                3,
                30,
                "/1/8/",
                "2026-03-01",
                3,
                (6, 9),
                &[("allowance", 2000.0), ("one-to-one cost", 6000.0)],
            ),
            item(3, 30, "/1/8/9/", "2026-03-30", 1, (14, 14), &[]),
        ]
    }

    #[test]
    fn counts_and_spans_match_the_hand_computed_fixture() {
        let s = summarise(&fixture());
        assert_eq!(
            (s.findings, s.workers, s.organisations, s.districts),
            (5, 4, 3, 3)
        );
        assert_eq!(s.people_affected, 8);
        assert_eq!(
            (s.first_observed, s.last_observed),
            (Some(d("2026-01-05")), Some(d("2026-03-30")))
        );
        assert_eq!(s.per_month.get("2026-01"), Some(&2));
        assert_eq!(s.per_month.get("2026-02"), Some(&1));
        assert_eq!(s.per_month.get("2026-03"), Some(&2));
        assert_eq!(s.per_district.get(&2), Some(&2));
        assert_eq!(s.per_district.get(&8), Some(&2));
        let bands: BTreeMap<String, usize> = s.per_age_band.iter().cloned().collect();
        assert_eq!(bands["14–17"], 4);
        assert_eq!(bands["6–13"], 2, "13–16 and 6–9 overlap 6–13");
        assert_eq!(bands["0–5"], 0);
        assert_eq!(
            s.thresholds,
            vec![(
                "health-education subsidy".into(),
                "age".into(),
                "14".into(),
                5
            )]
        );
    }

    #[test]
    fn figures_have_counts_medians_and_ranges() {
        let s = summarise(&fixture());
        let cost = s
            .figures
            .iter()
            .find(|f| f.name.to_lowercase() == "one-to-one cost")
            .unwrap();
        assert_eq!(
            (cost.count, cost.median, cost.min, cost.max),
            (4, 4750.0, 4000.0, 6000.0)
        );
        let allowance = s.figures.iter().find(|f| f.name == "allowance").unwrap();
        assert_eq!(
            (
                allowance.count,
                allowance.median,
                allowance.min,
                allowance.max
            ),
            (3, 800.0, 800.0, 2000.0)
        );
    }

    #[test]
    fn paired_figures_give_the_gap_cost_minus_allowance() {
        let s = summarise(&fixture());
        assert_eq!(s.gaps.len(), 1);
        let g = &s.gaps[0];
        assert_eq!(g.larger.to_lowercase(), "one-to-one cost");
        assert_eq!(g.smaller, "allowance");
        // Gaps 3700, 4200, 4000 → median 4000.
        assert_eq!(
            (g.count, g.median_gap, g.min_gap, g.max_gap),
            (3, 4000.0, 3700.0, 4200.0)
        );
    }

    #[test]
    fn small_cells_are_suppressed_for_outsiders_only() {
        let outsider = Suppression::for_export(SMALL_CELL);
        let insider = Suppression {
            threshold: SMALL_CELL,
            insider: true,
        };
        assert_eq!(outsider.shown(1), Cell::Few);
        assert_eq!(outsider.shown(2), Cell::Few);
        assert_eq!(outsider.shown(3), Cell::Exact(3));
        assert_eq!(outsider.shown(0), Cell::Exact(0));
        assert_eq!(insider.shown(1), Cell::Exact(1));
        let stricter = Suppression::for_export(5);
        assert_eq!(stricter.shown(4), Cell::Few);
        assert_eq!(stricter.shown(5), Cell::Exact(5));
    }

    #[test]
    fn an_empty_issue_has_an_empty_summary() {
        let s = summarise(&[]);
        assert_eq!(s.findings, 0);
        assert!(s.first_observed.is_none() && s.gaps.is_empty());
    }
}
