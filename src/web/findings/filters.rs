//! The search and filter parameters of the findings list, shared by the page, the
//! exports and the API: read from the query string into a store query.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::domain::finding::{access, parse_count, parse_date};
use crate::domain::search_text::query_terms;
use crate::store::User;
use crate::store::findings::{Cursor, FindingQuery, FindingSort, Locality};

/// As typed into the search form (every field optional).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FindingFilters {
    /// Words to search for, in Chinese, English or both.
    #[serde(default)]
    pub q: Option<String>,
    /// Policy area id.
    #[serde(default)]
    pub area: Option<String>,
    /// Locality id: that place and everything below it.
    #[serde(default)]
    pub locality: Option<String>,
    /// Observed on or after (YYYY-MM-DD).
    #[serde(default)]
    pub from: Option<String>,
    /// Observed on or before (YYYY-MM-DD).
    #[serde(default)]
    pub to: Option<String>,
    /// Recording organisation id.
    #[serde(default)]
    pub org: Option<String>,
    /// An age the finding concerns.
    #[serde(default)]
    pub age: Option<String>,
    /// `yes` or `no`: linked to an advocacy issue.
    #[serde(default)]
    pub linked: Option<String>,
    /// `yes` or `no`: names an eligibility threshold.
    #[serde(default)]
    pub threshold: Option<String>,
    /// `relevance` (default), `newest` or `oldest`.
    #[serde(default)]
    pub sort: Option<String>,
    /// The `next` cursor of the previous page.
    #[serde(default)]
    pub after: Option<String>,
    /// Page size, 1–100 (default 20).
    #[serde(default)]
    pub limit: Option<String>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn yes_no(v: &Option<String>) -> Result<Option<bool>, ()> {
    match given(v) {
        None => Ok(None),
        Some("yes" | "true" | "1") => Ok(Some(true)),
        Some("no" | "false" | "0") => Ok(Some(false)),
        Some(_) => Err(()),
    }
}

pub fn encode_cursor(c: &Cursor) -> String {
    match c {
        Cursor::Date { observed_on, id } => format!("d{}_{id}", observed_on.format("%Y%m%d")),
        Cursor::Score { score, id } => format!("s{:016x}_{id}", score.to_bits()),
    }
}

pub fn decode_cursor(s: &str) -> Option<Cursor> {
    let (head, id) = s.split_once('_')?;
    let id = id.parse::<i64>().ok()?;
    match head.split_at_checked(1)? {
        ("d", date) => Some(Cursor::Date {
            observed_on: NaiveDate::parse_from_str(date, "%Y%m%d").ok()?,
            id,
        }),
        ("s", bits) => Some(Cursor::Score {
            score: f64::from_bits(u64::from_str_radix(bits, 16).ok()?),
            id,
        }),
        _ => None,
    }
}

/// A filter that could not be read: the parameter and a message key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterProblem {
    pub param: &'static str,
    pub key: &'static str,
}

pub const DEFAULT_PAGE: i64 = 20;

impl FindingFilters {
    pub fn is_text_search(&self) -> bool {
        given(&self.q).is_some()
    }

    /// The store query for `viewer`, or what could not be read.
    pub fn to_query(
        &self,
        viewer: &User,
        localities: &[Locality],
    ) -> Result<FindingQuery, Vec<FilterProblem>> {
        let mut problems = Vec::new();
        let mut bad =
            |param: &'static str, key: &'static str| problems.push(FilterProblem { param, key });
        let id = |v: &Option<String>| given(v).map(|s| s.parse::<i64>());

        let policy_area_id = match id(&self.area) {
            Some(Ok(v)) => Some(v),
            Some(Err(_)) => {
                bad("area", "filters.invalid");
                None
            }
            None => None,
        };
        let locality_path = match id(&self.locality) {
            Some(Ok(v)) => match localities.iter().find(|l| l.id == v) {
                Some(l) => Some(l.path.clone()),
                None => {
                    bad("locality", "filters.invalid");
                    None
                }
            },
            Some(Err(_)) => {
                bad("locality", "filters.invalid");
                None
            }
            None => None,
        };
        let mut date = |param: &'static str, v: &Option<String>| match given(v) {
            Some(s) => match parse_date(s) {
                Some(d) => Some(d),
                None => {
                    bad(param, "filters.date_invalid");
                    None
                }
            },
            None => None,
        };
        let observed_from = date("from", &self.from);
        let observed_to = date("to", &self.to);
        let org_id = match id(&self.org) {
            Some(Ok(v)) => Some(v),
            Some(Err(_)) => {
                bad("org", "filters.invalid");
                None
            }
            None => None,
        };
        let age = match given(&self.age) {
            Some(s) => match parse_count(s) {
                Some(a) if (0..=120).contains(&a) => Some(a),
                _ => {
                    bad("age", "filters.age_invalid");
                    None
                }
            },
            None => None,
        };
        let linked = yes_no(&self.linked).unwrap_or_else(|_| {
            bad("linked", "filters.invalid");
            None
        });
        let has_threshold = yes_no(&self.threshold).unwrap_or_else(|_| {
            bad("threshold", "filters.invalid");
            None
        });
        let sort = match given(&self.sort) {
            None | Some("relevance") => FindingSort::Relevance,
            Some("newest") => FindingSort::Newest,
            Some("oldest") => FindingSort::Oldest,
            Some(_) => {
                bad("sort", "filters.invalid");
                FindingSort::Relevance
            }
        };
        let after = match given(&self.after) {
            Some(s) => match decode_cursor(s) {
                Some(c) => Some(c),
                None => {
                    bad("after", "filters.invalid");
                    None
                }
            },
            None => None,
        };
        let limit = match given(&self.limit) {
            Some(s) => match s.parse::<i64>() {
                Ok(n) if (1..=100).contains(&n) => n,
                _ => {
                    bad("limit", "filters.invalid");
                    DEFAULT_PAGE
                }
            },
            None => DEFAULT_PAGE,
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(FindingQuery {
            terms: given(&self.q).map(query_terms).unwrap_or_default(),
            policy_area_id,
            locality_path,
            observed_from,
            observed_to,
            org_id,
            visible_org: access::visible_org(viewer.role, viewer.org_id),
            age,
            linked,
            has_threshold,
            sort,
            after,
            limit,
        })
    }

    /// The query string for these filters with another cursor (for "next page" links
    /// and exports).
    pub fn query_string(&self, after: Option<&str>) -> String {
        let mut pairs = url::form_urlencoded::Serializer::new(String::new());
        let fields: [(&str, &Option<String>); 11] = [
            ("q", &self.q),
            ("area", &self.area),
            ("locality", &self.locality),
            ("from", &self.from),
            ("to", &self.to),
            ("org", &self.org),
            ("age", &self.age),
            ("linked", &self.linked),
            ("threshold", &self.threshold),
            ("sort", &self.sort),
            ("limit", &self.limit),
        ];
        for (name, value) in fields {
            if let Some(v) = given(value) {
                pairs.append_pair(name, v);
            }
        }
        if let Some(a) = after {
            pairs.append_pair("after", a);
        }
        pairs.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_survive_the_round_trip_exactly() {
        for c in [
            Cursor::Date {
                observed_on: NaiveDate::from_ymd_opt(2026, 11, 29).unwrap(),
                id: 42,
            },
            Cursor::Score {
                score: -0.000_001_234_567_891_2,
                id: 7,
            },
            Cursor::Score { score: 12.5, id: 1 },
        ] {
            assert_eq!(decode_cursor(&encode_cursor(&c)), Some(c));
        }
        for bad in ["", "x1_2", "d2026_1", "s12_x", "d20261340_1"] {
            assert_eq!(decode_cursor(bad), None, "{bad}");
        }
    }
}
