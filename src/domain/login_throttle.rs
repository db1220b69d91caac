//! Slowing repeated failed logins, per account and per address.
//!
//! Failures older than [`WINDOW`] are forgotten. After a few free failures each further
//! attempt must wait an exponentially growing delay after the last failure, capped at
//! [`MAX_DELAY`]: guessing is slowed to a crawl, yet nobody can lock a victim out for
//! longer than the cap. Attempts refused for waiting are not counted as failures, so an
//! attacker cannot push the wait further out.
//!
//! An attacker who keeps failing could still keep an account waiting, cap after cap.
//! So the account's failures do not slow attempts from a [known address]: one the
//! account signed in from successfully within [`KNOWN_FOR`]. From there only that
//! address's own failures count. The victim at their usual office or home signs in at
//! once while someone elsewhere hammers their account; an attacker cannot make their
//! own address known without the password. (From a new address the victim waits at
//! most [`MAX_DELAY`].)
//!
//! [known address]: Attempt::from_known_address

use chrono::{DateTime, Duration, Utc};

/// How far back failures count.
pub const WINDOW: Duration = Duration::minutes(15);
/// The longest anyone is asked to wait.
pub const MAX_DELAY: Duration = Duration::minutes(5);
/// Failures allowed on one account before attempts are slowed.
pub const FREE_FAILURES_PER_ACCOUNT: i64 = 5;
/// Failures allowed from one address (a shared office) before attempts are slowed.
pub const FREE_FAILURES_PER_ADDRESS: i64 = 20;
/// How long an address the account signed in from stays known.
pub const KNOWN_FOR: Duration = Duration::days(30);

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

/// What is known about a login attempt before its password is checked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Attempt {
    /// Recent failures for the e-mail address typed, from anywhere.
    pub account: RecentFailures,
    /// Recent failures from the client's address, for any account.
    pub address: RecentFailures,
    /// The account signed in successfully from this address within [`KNOWN_FOR`].
    pub from_known_address: bool,
}

/// How long the caller must still wait before a login attempt is checked at all.
/// `None` means: go ahead.
pub fn required_wait(attempt: Attempt, now: DateTime<Utc>) -> Option<Duration> {
    let account = if attempt.from_known_address {
        Duration::zero()
    } else {
        wait_for(attempt.account, FREE_FAILURES_PER_ACCOUNT, now)
    };
    let wait = account.max(wait_for(attempt.address, FREE_FAILURES_PER_ADDRESS, now));
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

    fn required_wait(
        account: RecentFailures,
        address: RecentFailures,
        now: DateTime<Utc>,
    ) -> Option<Duration> {
        super::required_wait(
            Attempt {
                account,
                address,
                from_known_address: false,
            },
            now,
        )
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
    fn an_accounts_failures_do_not_slow_its_known_addresses() {
        let hammered = failures(10_000, 0);
        let from_home = Attempt {
            account: hammered,
            address: RecentFailures::default(),
            from_known_address: true,
        };
        assert_eq!(super::required_wait(from_home, at(0)), None);
        // Elsewhere the account is slowed, for no longer than the cap.
        let elsewhere = Attempt {
            from_known_address: false,
            ..from_home
        };
        assert_eq!(super::required_wait(elsewhere, at(0)), Some(MAX_DELAY));
        // A known address's own failures still count.
        let guessing_at_home = Attempt {
            address: failures(25, 0),
            ..from_home
        };
        assert_eq!(
            super::required_wait(guessing_at_home, at(0)),
            Some(Duration::seconds(32))
        );
    }

    #[test]
    fn waits_are_shown_rounded_up() {
        assert_eq!(seconds_to_show(Duration::milliseconds(1)), 1);
        assert_eq!(seconds_to_show(Duration::seconds(4)), 4);
    }
}
