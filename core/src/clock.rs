//! Time and identifiers are injected, never read by the domain, so that a scenario
//! replays to byte-identical events in every language.

use chrono::{DateTime, Duration, Utc};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use uuid::Uuid;

/// A UTC timestamp. All times in casekit are UTC.
pub type Timestamp = DateTime<Utc>;

/// Where the engine gets "now" from.
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// Where the engine gets new identifiers from.
pub trait IdGen: Send + Sync {
    /// A new, unique UUID (UUIDv7 in production).
    fn next_id(&self) -> Uuid;
}

/// A clock that only moves when told to: for tests, scenarios and replays.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<Timestamp>,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: Timestamp) -> Self {
        Self { now: Mutex::new(start) }
    }

    /// Moves the clock to `at` (it may go backwards: the caller decides).
    pub fn set(&self, at: Timestamp) {
        *self.lock() = at;
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut now = self.lock();
        *now += by;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Timestamp> {
        // A poisoned lock only means another thread panicked while holding a plain
        // timestamp; the value itself is always valid.
        self.now.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.lock()
    }
}

/// Sequential, readable ids shaped like UUIDv7 (`00000000-0000-7000-8000-000000000001`,
/// `...002`, ...): for tests and conformance scenarios.
#[derive(Debug, Default)]
pub struct SequentialIds {
    next: AtomicU64,
}

impl SequentialIds {
    /// Ids starting at 1.
    pub fn new() -> Self {
        Self::default()
    }

    /// The id `n` this generator hands out as its `n`-th id.
    pub fn nth(n: u64) -> Uuid {
        // version 7 nibble and RFC 4122 variant bits, counter in the low 48 bits.
        Uuid::from_u128((0x7000u128 << 64) | (0x8000u128 << 48) | u128::from(n & 0xFFFF_FFFF_FFFF))
    }
}

impl IdGen for SequentialIds {
    fn next_id(&self) -> Uuid {
        Self::nth(self.next.fetch_add(1, Ordering::Relaxed) + 1)
    }
}

/// The wall clock, truncated to microseconds (the precision every store keeps).
#[cfg(feature = "system")]
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

#[cfg(feature = "system")]
impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let now = Utc::now();
        let micros = now.timestamp_micros();
        DateTime::from_timestamp_micros(micros).unwrap_or(now)
    }
}

/// Random, time-ordered UUIDv7 ids.
#[cfg(feature = "system")]
#[derive(Debug, Default, Clone, Copy)]
pub struct RandomIds;

#[cfg(feature = "system")]
impl IdGen for RandomIds {
    fn next_id(&self) -> Uuid {
        Uuid::now_v7()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequential_ids_look_like_v7() {
        let ids = SequentialIds::new();
        let first = ids.next_id();
        assert_eq!(first.to_string(), "00000000-0000-7000-8000-000000000001");
        assert_eq!(first.get_version_num(), 7);
        assert_eq!(ids.next_id().to_string(), "00000000-0000-7000-8000-000000000002");
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = DateTime::parse_from_rfc3339("2026-01-05T09:00:00Z").map(|t| t.with_timezone(&Utc));
        let start = start.unwrap_or_default();
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(Duration::minutes(5));
        assert_eq!(clock.now(), start + Duration::minutes(5));
    }
}
