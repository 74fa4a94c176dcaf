//! `ManualClock`: a clock that moves only when told, for tests, scenarios and replays.

use crate::convert;
use crate::error::Failure;

use napi_derive::napi;
use std::sync::Arc;

/// A clock that only moves when told to. Hand it to a casebook to get reproducible
/// times (with sequential ids, byte-identical events in every language).
#[napi(js_name = "NativeManualClock")]
pub struct NativeManualClock {
    pub(crate) inner: Arc<casekit::ManualClock>,
}

#[napi]
impl NativeManualClock {
    /// A clock standing at `start` (RFC 3339).
    #[napi(constructor, catch_unwind)]
    pub fn new(start: String) -> napi::Result<Self, String> {
        let at = convert::timestamp("start", &start).map_err(throw)?;
        Ok(Self { inner: Arc::new(casekit::ManualClock::new(at)) })
    }

    /// Moves the clock to `at` (RFC 3339); it may go backwards.
    #[napi(catch_unwind)]
    pub fn set(&self, at: String) -> napi::Result<(), String> {
        let at = convert::timestamp("at", &at).map_err(throw)?;
        self.inner.set(at);
        Ok(())
    }

    /// Moves the clock forward by `seconds` (fractions allowed, down to microseconds).
    #[napi(catch_unwind)]
    pub fn advance(&self, seconds: f64) -> napi::Result<(), String> {
        // About 290,000 years either way, well inside chrono's range.
        const LIMIT: f64 = 9.0e12;
        if !seconds.is_finite() || seconds.abs() > LIMIT {
            return Err(throw(Failure::validation("seconds", "expected a finite number of seconds")));
        }
        let micros = (seconds * 1e6).round() as i64;
        let now = casekit::Clock::now(&*self.inner);
        let Some(next) = now.checked_add_signed(chrono::Duration::microseconds(micros)) else {
            return Err(throw(Failure::validation("seconds", "moves the clock out of range")));
        };
        self.inner.set(next);
        Ok(())
    }

    /// The clock's time, RFC 3339 with microseconds.
    #[napi(catch_unwind)]
    pub fn now(&self) -> String {
        casekit::event::format_timestamp(&casekit::Clock::now(&*self.inner))
    }
}

/// A synchronous failure, thrown as an `Error` whose `code` is the stable code and whose
/// message is the structured failure (the JavaScript layer decodes it).
pub fn throw(f: Failure) -> napi::Error<String> {
    napi::Error::new(f.code.to_owned(), f.to_json())
}
