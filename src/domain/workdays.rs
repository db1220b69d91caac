//! Reply deadlines: a department's reply period counted from the day a proposal was
//! submitted, in months, calendar days or working days. Working days follow China's
//! official holiday calendar, which has public holidays *and* make-up working days that
//! move weekends (a Sunday worked before the Spring Festival). Years the calendar does
//! not cover fall back to calendar days, and the result says so.
//!
//! A deadline that falls on a rest day moves to the next working day, as periods do in
//! Chinese administrative law (期间届满的最后一日是法定节假日的，以节假日后的第一日为
//! 期间届满的日期).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

/// What the calendar says about a date that is not an ordinary weekday or weekend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    /// A public holiday (or a rest day of the holiday arrangement).
    Holiday,
    /// A Saturday or Sunday that is worked to make up for a bridged holiday.
    MakeUpWorkday,
}

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::MakeUpWorkday => "workday",
        }
    }

    pub fn parse(s: &str) -> Option<DayKind> {
        match s {
            "holiday" => Some(DayKind::Holiday),
            "workday" => Some(DayKind::MakeUpWorkday),
            _ => None,
        }
    }
}

/// The State Council's arrangements (国务院办公厅关于部分节假日安排的通知): for each year,
/// the rest days `(from, to)` and the make-up working days.
type Arrangement = (
    i32,
    &'static [((u32, u32), (u32, u32))],
    &'static [(u32, u32)],
);

const OFFICIAL: &[Arrangement] = &[
    (
        2025,
        &[
            ((1, 1), (1, 1)),   // New Year
            ((1, 28), (2, 4)),  // Spring Festival
            ((4, 4), (4, 6)),   // Qingming
            ((5, 1), (5, 5)),   // Labour Day
            ((5, 31), (6, 2)),  // Dragon Boat
            ((10, 1), (10, 8)), // National Day and Mid-Autumn
        ],
        &[(1, 26), (2, 8), (4, 27), (9, 28), (10, 11)],
    ),
    (
        2026,
        &[
            ((1, 1), (1, 3)),   // New Year
            ((2, 15), (2, 23)), // Spring Festival
            ((4, 4), (4, 6)),   // Qingming
            ((5, 1), (5, 5)),   // Labour Day
            ((6, 19), (6, 21)), // Dragon Boat
            ((9, 25), (9, 27)), // Mid-Autumn
            ((10, 1), (10, 7)), // National Day
        ],
        &[(1, 4), (2, 14), (2, 28), (5, 9), (9, 20), (10, 10)],
    ),
];

/// Holidays and make-up working days, for the years it covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HolidayCalendar {
    days: BTreeMap<NaiveDate, DayKind>,
    years: BTreeSet<i32>,
}

impl HolidayCalendar {
    /// The official calendar for 2025 and 2026, as shipped (admins edit it from there).
    pub fn official() -> HolidayCalendar {
        let mut cal = HolidayCalendar::default();
        for (year, rest, workdays) in OFFICIAL {
            cal.years.insert(*year);
            for ((fm, fd), (tm, td)) in *rest {
                let mut d = NaiveDate::from_ymd_opt(*year, *fm, *fd).expect("valid date");
                let to = NaiveDate::from_ymd_opt(*year, *tm, *td).expect("valid date");
                while d <= to {
                    cal.days.insert(d, DayKind::Holiday);
                    d = d.succ_opt().expect("in range");
                }
            }
            for (m, d) in *workdays {
                let date = NaiveDate::from_ymd_opt(*year, *m, *d).expect("valid date");
                cal.days.insert(date, DayKind::MakeUpWorkday);
            }
        }
        cal
    }

    /// A calendar from stored entries; `years` are the years it claims to cover fully.
    pub fn from_entries(
        entries: impl IntoIterator<Item = (NaiveDate, DayKind)>,
        years: impl IntoIterator<Item = i32>,
    ) -> HolidayCalendar {
        HolidayCalendar {
            days: entries.into_iter().collect(),
            years: years.into_iter().collect(),
        }
    }

    pub fn entries(&self) -> impl Iterator<Item = (NaiveDate, DayKind)> + '_ {
        self.days.iter().map(|(d, k)| (*d, *k))
    }

    pub fn years(&self) -> impl Iterator<Item = i32> + '_ {
        self.years.iter().copied()
    }

    pub fn covers(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// Whether government offices work on `date`; `None` when the calendar does not
    /// cover its year.
    pub fn is_working_day(&self, date: NaiveDate) -> Option<bool> {
        if !self.covers(date.year()) {
            return None;
        }
        Some(match self.days.get(&date) {
            Some(DayKind::Holiday) => false,
            Some(DayKind::MakeUpWorkday) => true,
            None => !matches!(date.weekday(), Weekday::Sat | Weekday::Sun),
        })
    }
}

/// How long a department has to answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyPeriod {
    Months(u32),
    CalendarDays(u32),
    WorkingDays(u32),
}

impl ReplyPeriod {
    /// The default: three months.
    pub const DEFAULT: ReplyPeriod = ReplyPeriod::Months(3);

    /// "months", "calendar_days" or "working_days" with a count.
    pub fn parse(unit: &str, count: u32) -> Option<ReplyPeriod> {
        if count == 0 || count > 400 {
            return None;
        }
        match unit {
            "months" if count <= 12 => Some(ReplyPeriod::Months(count)),
            "calendar_days" => Some(ReplyPeriod::CalendarDays(count)),
            "working_days" => Some(ReplyPeriod::WorkingDays(count)),
            _ => None,
        }
    }

    pub fn unit(self) -> &'static str {
        match self {
            ReplyPeriod::Months(_) => "months",
            ReplyPeriod::CalendarDays(_) => "calendar_days",
            ReplyPeriod::WorkingDays(_) => "working_days",
        }
    }

    pub fn count(self) -> u32 {
        match self {
            ReplyPeriod::Months(n) | ReplyPeriod::CalendarDays(n) | ReplyPeriod::WorkingDays(n) => {
                n
            }
        }
    }
}

/// A computed deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub date: NaiveDate,
    /// The calendar did not cover a year the count ran through: working days were
    /// counted as calendar days and rest days were not skipped. Shown as a warning.
    pub calendar_missing: bool,
}

/// The reply deadline for a proposal submitted on `submitted`.
pub fn due_date(submitted: NaiveDate, period: ReplyPeriod, cal: &HolidayCalendar) -> Due {
    match period {
        ReplyPeriod::WorkingDays(n) => add_working_days(submitted, n, cal),
        ReplyPeriod::CalendarDays(n) => {
            roll_to_working_day(submitted + Days::new(u64::from(n)), cal)
        }
        ReplyPeriod::Months(n) => {
            let end = submitted
                .checked_add_months(Months::new(n))
                .expect("dates in range");
            roll_to_working_day(end, cal)
        }
    }
}

/// `n` working days after `start` (the start day itself not counted).
pub fn add_working_days(start: NaiveDate, n: u32, cal: &HolidayCalendar) -> Due {
    let mut d = start;
    let mut left = n;
    while left > 0 {
        d = d.succ_opt().expect("in range");
        match cal.is_working_day(d) {
            Some(true) => left -= 1,
            Some(false) => {}
            // Not covered: say so and count the rest as calendar days.
            None => {
                return Due {
                    date: d + Days::new(u64::from(left - 1)),
                    calendar_missing: true,
                };
            }
        }
    }
    Due {
        date: d,
        calendar_missing: false,
    }
}

/// A deadline on a rest day moves to the next working day.
pub fn roll_to_working_day(date: NaiveDate, cal: &HolidayCalendar) -> Due {
    let mut d = date;
    loop {
        match cal.is_working_day(d) {
            Some(true) => {
                return Due {
                    date: d,
                    calendar_missing: false,
                };
            }
            Some(false) => d = d.succ_opt().expect("in range"),
            None => {
                return Due {
                    date,
                    calendar_missing: true,
                };
            }
        }
    }
}

/// Extensions may not take a deadline more than this many months past submission,
/// unless an admin overrides.
pub const MAX_TOTAL_MONTHS: u32 = 6;

/// Why an extension was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtensionRefused {
    /// The new date is not after the current deadline.
    NotLater,
    /// More than [`MAX_TOTAL_MONTHS`] after submission, without an admin's override.
    PastLimit,
}

/// Checks an extension to `new_due`.
pub fn check_extension(
    submitted: NaiveDate,
    current_due: NaiveDate,
    new_due: NaiveDate,
    admin_override: bool,
) -> Result<(), ExtensionRefused> {
    if new_due <= current_due {
        return Err(ExtensionRefused::NotLater);
    }
    let limit = submitted
        .checked_add_months(Months::new(MAX_TOTAL_MONTHS))
        .expect("dates in range");
    if new_due > limit && !admin_override {
        return Err(ExtensionRefused::PastLimit);
    }
    Ok(())
}

/// Where a submission stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DueState {
    Answered,
    /// Due in this many days (0: today).
    Open {
        days_left: i64,
    },
    /// No answer the day after the deadline.
    Overdue {
        days: i64,
    },
    /// Still no answer `long_after` days after the deadline.
    LongOverdue {
        days: i64,
    },
}

pub fn due_state(due: NaiveDate, today: NaiveDate, answered: bool, long_after: i64) -> DueState {
    if answered {
        return DueState::Answered;
    }
    let late = (today - due).num_days();
    if late <= 0 {
        DueState::Open { days_left: -late }
    } else if late > long_after {
        DueState::LongOverdue { days: late }
    } else {
        DueState::Overdue { days: late }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_official_calendar_knows_holidays_and_make_up_days() {
        let cal = HolidayCalendar::official();
        // 2025 Spring Festival: 28 Jan – 4 Feb off; Sunday 26 Jan and Saturday 8 Feb worked.
        assert_eq!(cal.is_working_day(d(2025, 1, 27)), Some(true));
        assert_eq!(cal.is_working_day(d(2025, 1, 28)), Some(false));
        assert_eq!(cal.is_working_day(d(2025, 2, 4)), Some(false));
        assert_eq!(cal.is_working_day(d(2025, 2, 5)), Some(true));
        assert_eq!(
            cal.is_working_day(d(2025, 1, 26)),
            Some(true),
            "a Sunday worked"
        );
        assert_eq!(
            cal.is_working_day(d(2025, 2, 8)),
            Some(true),
            "a Saturday worked"
        );
        assert_eq!(
            cal.is_working_day(d(2025, 2, 9)),
            Some(false),
            "an ordinary Sunday"
        );
        // 2025 National Day and Mid-Autumn together: 1–8 Oct, 28 Sep and 11 Oct worked.
        assert_eq!(cal.is_working_day(d(2025, 10, 8)), Some(false));
        assert_eq!(cal.is_working_day(d(2025, 9, 28)), Some(true));
        assert_eq!(cal.is_working_day(d(2025, 10, 11)), Some(true));
        // 2026: New Year 1–3 Jan with Sunday 4 Jan worked; Spring Festival 15–23 Feb with
        // 14 and 28 Feb worked; National Day 1–7 Oct with 20 Sep and 10 Oct worked.
        assert_eq!(cal.is_working_day(d(2026, 1, 2)), Some(false));
        assert_eq!(cal.is_working_day(d(2026, 1, 4)), Some(true));
        assert_eq!(cal.is_working_day(d(2026, 2, 14)), Some(true));
        assert_eq!(cal.is_working_day(d(2026, 2, 23)), Some(false));
        assert_eq!(cal.is_working_day(d(2026, 2, 28)), Some(true));
        assert_eq!(cal.is_working_day(d(2026, 5, 9)), Some(true));
        assert_eq!(cal.is_working_day(d(2026, 6, 19)), Some(false));
        assert_eq!(cal.is_working_day(d(2026, 9, 20)), Some(true));
        assert_eq!(cal.is_working_day(d(2026, 10, 10)), Some(true));
        // An ordinary weekday and weekend.
        assert_eq!(cal.is_working_day(d(2026, 11, 27)), Some(true));
        assert_eq!(cal.is_working_day(d(2026, 11, 28)), Some(false));
        // Not covered.
        assert_eq!(cal.is_working_day(d(2027, 3, 1)), None);
    }

    #[test]
    fn working_days_skip_holidays_and_count_make_up_days() {
        let cal = HolidayCalendar::official();
        // Submitted Friday 24 Jan 2025: Sun 26 Jan (worked) is day 1, Mon 27 day 2, then
        // the festival; Wed 5 Feb is day 3 … Sat 8 Feb (worked) is day 6.
        assert_eq!(
            add_working_days(d(2025, 1, 24), 1, &cal).date,
            d(2025, 1, 26)
        );
        assert_eq!(
            add_working_days(d(2025, 1, 24), 3, &cal).date,
            d(2025, 2, 5)
        );
        assert_eq!(
            add_working_days(d(2025, 1, 24), 6, &cal).date,
            d(2025, 2, 8)
        );
        assert_eq!(
            add_working_days(d(2025, 1, 24), 7, &cal).date,
            d(2025, 2, 10)
        );
        // 15 working days from 25 Sep 2025 run through National Day (1–8 Oct off, 28 Sep
        // and 11 Oct worked): 26, 28, 29, 30 Sep, 9, 10, 11, 13–17, 20–22 Oct.
        assert_eq!(
            add_working_days(d(2025, 9, 25), 15, &cal).date,
            d(2025, 10, 22)
        );
        // Across the new year of the 2026 calendar: 31 Dec 2025 + 1 = 2 Jan? No: 1–3 Jan
        // 2026 are off and Sunday 4 Jan is worked.
        assert_eq!(
            add_working_days(d(2025, 12, 31), 1, &cal).date,
            d(2026, 1, 4)
        );
        assert!(!add_working_days(d(2025, 12, 31), 1, &cal).calendar_missing);
    }

    #[test]
    fn months_end_on_a_working_day() {
        let cal = HolidayCalendar::official();
        // Three months from 1 Jul 2025 is 1 Oct, in the holiday: the 9th is the next
        // working day.
        let due = due_date(d(2025, 7, 1), ReplyPeriod::Months(3), &cal);
        assert_eq!(
            due,
            Due {
                date: d(2025, 10, 9),
                calendar_missing: false
            }
        );
        // From 30 Nov 2025: 28 Feb 2026 is a Saturday worked, so it stands.
        assert_eq!(
            due_date(d(2025, 11, 30), ReplyPeriod::Months(3), &cal).date,
            d(2026, 2, 28)
        );
        // From 31 Aug 2026: 30 Nov (month end clamps) is a Monday.
        assert_eq!(
            due_date(d(2026, 8, 31), ReplyPeriod::Months(3), &cal).date,
            d(2026, 11, 30)
        );
        // Calendar days landing on a Sunday roll to Monday.
        assert_eq!(
            due_date(d(2026, 3, 1), ReplyPeriod::CalendarDays(7), &cal).date,
            d(2026, 3, 9)
        );
    }

    #[test]
    fn an_uncovered_year_falls_back_to_calendar_days_and_says_so() {
        let cal = HolidayCalendar::official();
        let due = due_date(d(2026, 12, 20), ReplyPeriod::WorkingDays(20), &cal);
        assert!(due.calendar_missing);
        // 20 Dec 2026 (Sunday): 21–31 Dec hold 9 working days; the other 11 are counted
        // as calendar days into 2027.
        assert_eq!(due.date, d(2027, 1, 11));
        let due = due_date(d(2026, 11, 1), ReplyPeriod::Months(3), &cal);
        assert_eq!(
            due,
            Due {
                date: d(2027, 2, 1),
                calendar_missing: true
            }
        );
        // A calendar an admin extends to 2027 counts it.
        let mut entries: Vec<_> = cal.entries().collect();
        entries.push((d(2027, 1, 1), DayKind::Holiday));
        let extended = HolidayCalendar::from_entries(entries, [2025, 2026, 2027]);
        assert!(
            !due_date(d(2026, 12, 20), ReplyPeriod::WorkingDays(20), &extended).calendar_missing
        );
    }

    #[test]
    fn extensions_are_limited_to_six_months_unless_an_admin_overrides() {
        let s = d(2026, 1, 5);
        assert_eq!(
            check_extension(s, d(2026, 4, 7), d(2026, 6, 1), false),
            Ok(())
        );
        assert_eq!(
            check_extension(s, d(2026, 4, 7), d(2026, 7, 5), false),
            Ok(())
        );
        assert_eq!(
            check_extension(s, d(2026, 4, 7), d(2026, 7, 6), false),
            Err(ExtensionRefused::PastLimit)
        );
        assert_eq!(
            check_extension(s, d(2026, 4, 7), d(2026, 7, 6), true),
            Ok(())
        );
        assert_eq!(
            check_extension(s, d(2026, 4, 7), d(2026, 4, 7), true),
            Err(ExtensionRefused::NotLater)
        );
    }

    #[test]
    fn overdue_starts_the_day_after_the_deadline() {
        let due = d(2026, 3, 31);
        assert_eq!(
            due_state(due, d(2026, 3, 17), false, 30),
            DueState::Open { days_left: 14 }
        );
        assert_eq!(
            due_state(due, due, false, 30),
            DueState::Open { days_left: 0 }
        );
        assert_eq!(
            due_state(due, d(2026, 4, 1), false, 30),
            DueState::Overdue { days: 1 }
        );
        assert_eq!(
            due_state(due, d(2026, 4, 30), false, 30),
            DueState::Overdue { days: 30 }
        );
        assert_eq!(
            due_state(due, d(2026, 5, 1), false, 30),
            DueState::LongOverdue { days: 31 }
        );
        assert_eq!(due_state(due, d(2026, 5, 1), true, 30), DueState::Answered);
    }

    #[test]
    fn periods_parse_within_bounds() {
        assert_eq!(
            ReplyPeriod::parse("months", 3),
            Some(ReplyPeriod::Months(3))
        );
        assert_eq!(
            ReplyPeriod::parse("working_days", 60),
            Some(ReplyPeriod::WorkingDays(60))
        );
        assert_eq!(ReplyPeriod::parse("months", 0), None);
        assert_eq!(ReplyPeriod::parse("months", 13), None);
        assert_eq!(ReplyPeriod::parse("weeks", 3), None);
    }
}
