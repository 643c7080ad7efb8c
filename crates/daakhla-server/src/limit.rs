//! How often `POST /v1/enrol` may be tried, so that enrolment codes cannot be guessed: a
//! token bucket per client address and one for every address together, in memory (a restart
//! fills them again, which costs a guesser more than it gains).
//!
//! An address may try `PER_ADDRESS_PER_MINUTE` codes a minute (that many at once, then one
//! every few seconds); all addresses together `GLOBAL_PER_MINUTE`. An attempt over either is
//! refused without being tried, and says when to come back. IPv6 addresses count by their /64,
//! the block one machine is given.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Attempts one client address may make a minute.
pub const PER_ADDRESS_PER_MINUTE: u32 = 10;
/// Attempts all addresses together may make a minute: what bounds a guesser with many.
pub const GLOBAL_PER_MINUTE: u32 = 60;
/// Addresses remembered before those whose buckets are full again are forgotten.
const PRUNE_ABOVE: usize = 10_000;

/// Tokens, refilled continuously up to `per_minute`.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn full(per_minute: u32, now: Instant) -> Bucket {
        Bucket {
            tokens: f64::from(per_minute),
            at: now,
        }
    }

    fn refill(&mut self, per_minute: u32, now: Instant) {
        let seconds = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens =
            (self.tokens + seconds * f64::from(per_minute) / 60.0).min(f64::from(per_minute));
        self.at = now;
    }

    /// Whole seconds until one token is there (at least 1 when it is not).
    fn wait(&self, per_minute: u32) -> u64 {
        let missing = (1.0 - self.tokens).max(0.0);
        ((missing * 60.0 / f64::from(per_minute)).ceil() as u64).max(1)
    }
}

struct Buckets {
    global: Bucket,
    by_address: HashMap<IpAddr, Bucket>,
}

/// The limiter the server's enrolments go through.
pub struct Limiter {
    per_address: u32,
    global: u32,
    buckets: Mutex<Buckets>,
}

impl Limiter {
    pub fn new(per_address_per_minute: u32, global_per_minute: u32) -> Limiter {
        Limiter {
            per_address: per_address_per_minute.max(1),
            global: global_per_minute.max(1),
            buckets: Mutex::new(Buckets {
                global: Bucket::full(global_per_minute.max(1), Instant::now()),
                by_address: HashMap::new(),
            }),
        }
    }

    /// The limits `POST /v1/enrol` runs with.
    pub fn enrolments() -> Limiter {
        Limiter::new(PER_ADDRESS_PER_MINUTE, GLOBAL_PER_MINUTE)
    }

    /// Takes one attempt for `client` at `now`, or refuses it with the seconds to wait. A
    /// refused attempt takes nothing: an address over its limit does not use up everyone's.
    pub fn take(&self, client: IpAddr, now: Instant) -> Result<(), u64> {
        let mut buckets = self.buckets.lock().expect("limiter lock");
        let Buckets { global, by_address } = &mut *buckets;
        if by_address.len() > PRUNE_ABOVE {
            let per_address = self.per_address;
            by_address.retain(|_, bucket| {
                bucket.refill(per_address, now);
                bucket.tokens < f64::from(per_address)
            });
        }
        let mine = by_address
            .entry(key(client))
            .or_insert_with(|| Bucket::full(self.per_address, now));
        mine.refill(self.per_address, now);
        global.refill(self.global, now);
        if mine.tokens < 1.0 {
            return Err(mine.wait(self.per_address));
        }
        if global.tokens < 1.0 {
            return Err(global.wait(self.global));
        }
        mine.tokens -= 1.0;
        global.tokens -= 1.0;
        Ok(())
    }
}

/// An IPv4 address as it is; an IPv6 one by its /64 (an IPv4-mapped one as IPv4).
fn key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = v6.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{CODE_ALPHABET, CODE_LENGTH};
    use std::time::Duration;

    fn address(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_address_gets_its_burst_then_one_every_six_seconds_and_others_are_not_held_up() {
        let limiter = Limiter::new(10, 60);
        let start = Instant::now();
        let phone = address("192.168.1.20");
        for _ in 0..10 {
            assert_eq!(limiter.take(phone, start), Ok(()));
        }
        assert_eq!(
            limiter.take(phone, start),
            Err(6),
            "one token comes back in 6 s"
        );
        assert_eq!(
            limiter.take(phone, start + Duration::from_secs(3)),
            Err(3),
            "refused attempts take nothing, and the wait shrinks"
        );
        assert_eq!(limiter.take(address("192.168.1.21"), start), Ok(()));
        assert_eq!(limiter.take(phone, start + Duration::from_secs(6)), Ok(()));
        assert_eq!(limiter.take(phone, start + Duration::from_secs(6)), Err(6));
        // A minute idle fills the bucket again, no higher than its size.
        let later = start + Duration::from_secs(600);
        for _ in 0..10 {
            assert_eq!(limiter.take(phone, later), Ok(()));
        }
        assert!(limiter.take(phone, later).is_err());
    }

    #[test]
    fn every_address_together_gets_the_global_limit() {
        let limiter = Limiter::new(10, 60);
        let start = Instant::now();
        for n in 0..60 {
            let client = address(&format!("10.0.{}.{}", n / 10, n % 10));
            assert_eq!(limiter.take(client, start), Ok(()), "attempt {n}");
        }
        assert_eq!(
            limiter.take(address("10.9.9.9"), start),
            Err(1),
            "a new address waits for the global bucket: one token a second"
        );
        assert_eq!(
            limiter.take(address("10.9.9.9"), start + Duration::from_secs(1)),
            Ok(())
        );
    }

    #[test]
    fn ipv6_counts_by_its_64_and_mapped_ipv4_as_ipv4() {
        let limiter = Limiter::new(2, 60);
        let now = Instant::now();
        assert!(limiter.take(address("2001:db8:1:2::1"), now).is_ok());
        assert!(limiter.take(address("2001:db8:1:2:ffff::9"), now).is_ok());
        assert!(limiter.take(address("2001:db8:1:2::77"), now).is_err());
        assert!(limiter.take(address("2001:db8:1:3::1"), now).is_ok());
        assert!(limiter.take(address("10.1.1.1"), now).is_ok());
        assert!(limiter.take(address("::ffff:10.1.1.1"), now).is_ok());
        assert!(limiter.take(address("10.1.1.1"), now).is_err());
    }

    #[test]
    fn many_addresses_are_forgotten_once_their_buckets_are_full_again() {
        let limiter = Limiter::new(10, 1_000_000);
        let start = Instant::now();
        for n in 0..=PRUNE_ABOVE as u32 {
            limiter.take(IpAddr::from(n.to_be_bytes()), start).unwrap();
        }
        limiter
            .take(address("10.0.0.1"), start + Duration::from_secs(120))
            .unwrap();
        assert_eq!(limiter.buckets.lock().unwrap().by_address.len(), 1);
    }

    /// Expected years to guess one of `live` codes at the global limit: a code space of
    /// `alphabet^length`, of which `live` are valid, is searched half-way on average.
    fn expected_years_to_guess(live: u64) -> f64 {
        let space = (CODE_ALPHABET.len() as f64).powi(CODE_LENGTH as i32);
        let attempts = space / (2.0 * live as f64);
        let per_year = f64::from(GLOBAL_PER_MINUTE) * 60.0 * 24.0 * 365.25;
        attempts / per_year
    }

    #[test]
    fn guessing_a_live_code_takes_far_longer_than_a_thousand_years() {
        assert_eq!((CODE_ALPHABET.len(), CODE_LENGTH), (31, 12));
        // 31^12 = 787,662,783,788,549,761 codes; 60 a minute is 31,557,600 a year.
        let years = expected_years_to_guess(10_000);
        assert!(years > 1_000.0, "{years} years");
        assert!((years - 1.248e6).abs() < 1e3, "{years} years");
        // And within one code's 72 hours, the chance that any of 10,000 live codes falls.
        let tries = f64::from(GLOBAL_PER_MINUTE) * 60.0 * 72.0;
        let space = (CODE_ALPHABET.len() as f64).powi(CODE_LENGTH as i32);
        assert!(tries * 10_000.0 / space < 1e-5);
    }
}
