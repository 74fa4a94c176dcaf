//! [`SqliteTuning`]: the options a caller gave, checked, for bindings that take them
//! one by one (keyword arguments, an options object, a record of optionals) and must
//! refuse them for stores they do not apply to.

use crate::SqliteOptions;
use std::fmt;
use std::time::Duration;

/// Some of [`SqliteOptions`]' fields (besides `synchronous`), each `None` when not
/// given: [`SqliteTuning::apply`] sets the given ones, after [`SqliteTuning::check`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SqliteTuning {
    /// [`SqliteOptions::busy_timeout`]; at most [`SqliteTuning::MAX_BUSY_TIMEOUT`].
    pub busy_timeout: Option<Duration>,
    /// [`SqliteOptions::readers`]; at most [`SqliteTuning::MAX_READERS`].
    pub readers: Option<usize>,
    /// [`SqliteOptions::cache_size_kib`]; at least 1.
    pub cache_size_kib: Option<u32>,
    /// [`SqliteOptions::checkpoint_pages`].
    pub checkpoint_pages: Option<u32>,
    /// [`SqliteOptions::range_walk_budget`].
    pub range_walk_budget: Option<u32>,
}

/// One of [`SqliteTuning`]'s options, for an error that names it in the caller's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SqliteOption {
    /// `busy_timeout`.
    BusyTimeout,
    /// `readers`.
    Readers,
    /// `cache_size_kib`.
    CacheSizeKib,
    /// `checkpoint_pages`.
    CheckpointPages,
    /// `range_walk_budget`.
    RangeWalkBudget,
}

/// An option out of its range: which, and what it expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqliteTuningError {
    /// The option.
    pub option: SqliteOption,
    /// What it takes, for the message ("0 to 64").
    pub expected: String,
}

impl fmt::Display for SqliteTuningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: expected {}", self.option, self.expected)
    }
}

impl std::error::Error for SqliteTuningError {}

impl SqliteTuning {
    /// The most reader connections accepted: each is a file handle and a page cache,
    /// and reads rarely gain beyond the cores there are.
    pub const MAX_READERS: usize = 64;
    /// The longest busy timeout accepted: a day.
    pub const MAX_BUSY_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

    /// The first option given (in the order of the fields), if any: the one to name
    /// when they do not apply (another store, an in-memory database).
    pub fn first_given(&self) -> Option<SqliteOption> {
        [
            (SqliteOption::BusyTimeout, self.busy_timeout.is_some()),
            (SqliteOption::Readers, self.readers.is_some()),
            (SqliteOption::CacheSizeKib, self.cache_size_kib.is_some()),
            (SqliteOption::CheckpointPages, self.checkpoint_pages.is_some()),
            (SqliteOption::RangeWalkBudget, self.range_walk_budget.is_some()),
        ]
        .into_iter()
        .find_map(|(option, given)| given.then_some(option))
    }

    /// Refuses the first option out of its range.
    pub fn check(&self) -> Result<(), SqliteTuningError> {
        let out = |option, expected: String| Err(SqliteTuningError { option, expected });
        if self.busy_timeout.is_some_and(|t| t > Self::MAX_BUSY_TIMEOUT) {
            return out(SqliteOption::BusyTimeout, format!("at most {} s", Self::MAX_BUSY_TIMEOUT.as_secs()));
        }
        if self.readers.is_some_and(|n| n > Self::MAX_READERS) {
            return out(SqliteOption::Readers, format!("0 to {}", Self::MAX_READERS));
        }
        if self.cache_size_kib == Some(0) {
            return out(SqliteOption::CacheSizeKib, "at least 1 KiB".into());
        }
        Ok(())
    }

    /// `options` with the given options set (call [`SqliteTuning::check`] first: this
    /// takes them as they are).
    pub fn apply(&self, mut options: SqliteOptions) -> SqliteOptions {
        if let Some(v) = self.busy_timeout {
            options.busy_timeout = v;
        }
        if let Some(v) = self.readers {
            options.readers = v;
        }
        if let Some(v) = self.cache_size_kib {
            options.cache_size_kib = v;
        }
        if let Some(v) = self.checkpoint_pages {
            options.checkpoint_pages = v;
        }
        if let Some(v) = self.range_walk_budget {
            options.range_walk_budget = v;
        }
        options
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_options_are_checked_named_and_applied() {
        let none = SqliteTuning::default();
        assert_eq!(none.first_given(), None);
        assert_eq!(none.check(), Ok(()));
        assert_eq!(none.apply(SqliteOptions::default()), SqliteOptions::default());

        let some = SqliteTuning { cache_size_kib: Some(512), checkpoint_pages: Some(0), ..SqliteTuning::default() };
        assert_eq!(some.first_given(), Some(SqliteOption::CacheSizeKib));
        assert_eq!(some.check(), Ok(()));
        let applied = some.apply(SqliteOptions::default());
        assert_eq!((applied.cache_size_kib, applied.checkpoint_pages), (512, 0));
        assert_eq!(applied.readers, SqliteOptions::default().readers);

        for (bad, option) in [
            (SqliteTuning { busy_timeout: Some(Duration::from_secs(86_401)), ..none }, SqliteOption::BusyTimeout),
            (SqliteTuning { readers: Some(65), ..none }, SqliteOption::Readers),
            (SqliteTuning { cache_size_kib: Some(0), ..none }, SqliteOption::CacheSizeKib),
        ] {
            assert_eq!(bad.check().map_err(|e| e.option), Err(option));
        }
        let edge = SqliteTuning {
            busy_timeout: Some(SqliteTuning::MAX_BUSY_TIMEOUT),
            readers: Some(SqliteTuning::MAX_READERS),
            cache_size_kib: Some(1),
            ..none
        };
        assert_eq!(edge.check(), Ok(()));
    }
}
