//! Slowing repeated failed logins, per account and per address.
//!
//! Failures older than [`WINDOW`] are forgotten. After a few free failures each further
//! attempt must wait an exponentially growing delay after the last failure, capped at
//! [`MAX_DELAY`]: guessing is slowed to a crawl, yet nobody can lock a victim out for
//! longer than the cap. Attempts refused for waiting are not counted as failures, so an
//! attacker cannot push the wait further out.

use chrono::{DateTime, Duration, Utc};

/// How far back failures count.
pub const WINDOW: Duration = Duration::minutes(15);
/// The longest anyone is asked to wait.
pub const MAX_DELAY: Duration = Duration::minutes(5);
/// Failures allowed on one account before attempts are slowed.
pub const FREE_FAILURES_PER_ACCOUNT: i64 = 5;
/// Failures allowed from one address (a shared office) before attempts are slowed.
pub const FREE_FAILURES_PER_ADDRESS: i64 = 20;

/// Recent failures for one key (an e-mail address or a client address).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecentFailures {
    pub count: i64,
    pub last_at: Option<DateTime<Utc>>,
}

fn delay_after(failures: i64, free: i64) -> Duration {
    if failures < free {
        return Duration::zero();
    }
    let exponent = (failures - free).min(16) as u32;
    let seconds = 2i64.pow(exponent);
    Duration::seconds(seconds).min(MAX_DELAY)
}

fn wait_for(recent: RecentFailures, free: i64, now: DateTime<Utc>) -> Duration {
    match recent.last_at {
        None => Duration::zero(),
        Some(last) => {
            let until = last + delay_after(recent.count, free);
            (until - now).max(Duration::zero())
        }
    }
}

/// How long the caller must still wait before a login attempt is checked at all.
/// `None` means: go ahead.
pub fn required_wait(
    account: RecentFailures,
    address: RecentFailures,
    now: DateTime<Utc>,
) -> Option<Duration> {
    let wait = wait_for(account, FREE_FAILURES_PER_ACCOUNT, now).max(wait_for(
        address,
        FREE_FAILURES_PER_ADDRESS,
        now,
    ));
    (wait > Duration::zero()).then_some(wait)
}

/// Whole seconds to show a person, rounded up so that "0 seconds" never appears.
pub fn seconds_to_show(wait: Duration) -> i64 {
    (wait.num_milliseconds() + 999) / 1000
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    fn failures(count: i64, last: i64) -> RecentFailures {
        RecentFailures {
            count,
            last_at: Some(at(last)),
        }
    }

    #[test]
    fn the_first_failures_cost_nothing() {
        let none = RecentFailures::default();
        assert_eq!(required_wait(failures(4, 0), none, at(0)), None);
    }

    #[test]
    fn each_further_failure_doubles_the_wait() {
        let none = RecentFailures::default();
        assert_eq!(
            required_wait(failures(5, 0), none, at(0)),
            Some(Duration::seconds(1))
        );
        assert_eq!(
            required_wait(failures(8, 0), none, at(0)),
            Some(Duration::seconds(8))
        );
        // Once the delay has passed the next attempt is allowed.
        assert_eq!(required_wait(failures(8, 0), none, at(8)), None);
    }

    #[test]
    fn nobody_waits_longer_than_the_cap() {
        let none = RecentFailures::default();
        let wait = required_wait(failures(10_000, 0), none, at(0)).unwrap();
        assert_eq!(wait, MAX_DELAY);
        assert_eq!(required_wait(failures(10_000, 0), none, at(300)), None);
    }

    #[test]
    fn an_address_gets_more_free_failures_than_an_account() {
        let none = RecentFailures::default();
        assert_eq!(required_wait(none, failures(19, 0), at(0)), None);
        assert_eq!(
            required_wait(none, failures(20, 0), at(0)),
            Some(Duration::seconds(1))
        );
    }

    #[test]
    fn the_longer_of_the_two_waits_applies() {
        let wait = required_wait(failures(7, 0), failures(22, 0), at(1)).unwrap();
        assert_eq!(wait, Duration::seconds(3));
    }

    #[test]
    fn waits_are_shown_rounded_up() {
        assert_eq!(seconds_to_show(Duration::milliseconds(1)), 1);
        assert_eq!(seconds_to_show(Duration::seconds(4)), 4);
    }
}
