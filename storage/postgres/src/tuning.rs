//! [`PostgresTuning`]: the connection options a caller gave, checked, for bindings that
//! take them one by one and must refuse them for stores they do not apply to.

use crate::PostgresOptions;
use std::fmt;
use std::time::Duration;

/// Some of [`PostgresOptions`]' fields (besides the schema), each `None` when not
/// given: [`PostgresTuning::apply`] sets the given ones, after [`PostgresTuning::check`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PostgresTuning {
    /// [`PostgresOptions::pool_size`]; 1 to [`PostgresTuning::MAX_POOL_SIZE`].
    pub pool_size: Option<usize>,
    /// [`PostgresOptions::connect_timeout`]; more than zero, at most a day.
    pub connect_timeout: Option<Duration>,
    /// [`PostgresOptions::checkout_timeout`]; more than zero, at most a day.
    pub checkout_timeout: Option<Duration>,
    /// [`PostgresOptions::tls_root_certificates`]: PEM certificates.
    pub tls_root_certificates: Option<Vec<Vec<u8>>>,
}

/// One of [`PostgresTuning`]'s options, for an error that names it in the caller's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostgresOption {
    /// `pool_size`.
    PoolSize,
    /// `connect_timeout`.
    ConnectTimeout,
    /// `checkout_timeout`.
    CheckoutTimeout,
    /// `tls_root_certificates`; with the index of the certificate at fault, if one is.
    TlsRootCertificates(Option<usize>),
}

/// An option out of its range: which, and what it expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PostgresTuningError {
    /// The option.
    pub option: PostgresOption,
    /// What it takes, for the message ("1 to 1024").
    pub expected: String,
}

impl fmt::Display for PostgresTuningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: expected {}", self.option, self.expected)
    }
}

impl std::error::Error for PostgresTuningError {}

impl PostgresTuning {
    /// The largest pool accepted (PostgreSQL's own default `max_connections` is 100).
    pub const MAX_POOL_SIZE: usize = 1024;
    /// The longest timeout accepted: a day.
    pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

    /// The first option given (in the order of the fields), if any: the one to name
    /// when they do not apply (a SQLite store).
    pub fn first_given(&self) -> Option<PostgresOption> {
        [
            (PostgresOption::PoolSize, self.pool_size.is_some()),
            (PostgresOption::ConnectTimeout, self.connect_timeout.is_some()),
            (PostgresOption::CheckoutTimeout, self.checkout_timeout.is_some()),
            (PostgresOption::TlsRootCertificates(None), self.tls_root_certificates.is_some()),
        ]
        .into_iter()
        .find_map(|(option, given)| given.then_some(option))
    }

    /// Refuses the first option out of its range. A certificate is only looked at for
    /// its PEM armour here; the connection parses it (and names it if it does not parse).
    pub fn check(&self) -> Result<(), PostgresTuningError> {
        let out = |option, expected: String| Err(PostgresTuningError { option, expected });
        if self.pool_size.is_some_and(|n| n == 0 || n > Self::MAX_POOL_SIZE) {
            return out(PostgresOption::PoolSize, format!("1 to {}", Self::MAX_POOL_SIZE));
        }
        let timeout = |t: Option<Duration>| t.is_some_and(|t| t.is_zero() || t > Self::MAX_TIMEOUT);
        let range = format!("more than 0 s, at most {} s", Self::MAX_TIMEOUT.as_secs());
        if timeout(self.connect_timeout) {
            return out(PostgresOption::ConnectTimeout, range);
        }
        if timeout(self.checkout_timeout) {
            return out(PostgresOption::CheckoutTimeout, range);
        }
        let armour: &[u8] = b"-----BEGIN CERTIFICATE-----";
        for (i, pem) in self.tls_root_certificates.iter().flatten().enumerate() {
            if !pem.windows(armour.len()).any(|w| w == armour) {
                return out(PostgresOption::TlsRootCertificates(Some(i)), "a PEM certificate".into());
            }
        }
        Ok(())
    }

    /// `options` with the given options set (call [`PostgresTuning::check`] first:
    /// this takes them as they are).
    pub fn apply(self, mut options: PostgresOptions) -> PostgresOptions {
        if let Some(v) = self.pool_size {
            options.pool_size = v;
        }
        if let Some(v) = self.connect_timeout {
            options.connect_timeout = v;
        }
        if let Some(v) = self.checkout_timeout {
            options.checkout_timeout = v;
        }
        if let Some(v) = self.tls_root_certificates {
            options.tls_root_certificates = v;
        }
        options
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_options_are_checked_named_and_applied() {
        let none = PostgresTuning::default();
        assert_eq!(none.first_given(), None);
        assert_eq!(none.check(), Ok(()));
        assert_eq!(none.clone().apply(PostgresOptions::default()), PostgresOptions::default());

        let pem = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n".to_vec();
        let some = PostgresTuning {
            checkout_timeout: Some(Duration::from_secs(2)),
            tls_root_certificates: Some(vec![pem.clone()]),
            ..PostgresTuning::default()
        };
        assert_eq!(some.first_given(), Some(PostgresOption::CheckoutTimeout));
        assert_eq!(some.check(), Ok(()));
        let applied = some.apply(PostgresOptions::default());
        assert_eq!(applied.checkout_timeout, Duration::from_secs(2));
        assert_eq!(applied.tls_root_certificates, vec![pem.clone()]);
        assert_eq!(applied.pool_size, PostgresOptions::default().pool_size);

        let day = PostgresTuning::MAX_TIMEOUT;
        for (bad, option) in [
            (PostgresTuning { pool_size: Some(0), ..none.clone() }, PostgresOption::PoolSize),
            (PostgresTuning { pool_size: Some(1025), ..none.clone() }, PostgresOption::PoolSize),
            (PostgresTuning { connect_timeout: Some(Duration::ZERO), ..none.clone() }, PostgresOption::ConnectTimeout),
            (
                PostgresTuning { checkout_timeout: Some(day + Duration::from_secs(1)), ..none.clone() },
                PostgresOption::CheckoutTimeout,
            ),
            (
                PostgresTuning { tls_root_certificates: Some(vec![pem.clone(), b"not pem".to_vec()]), ..none.clone() },
                PostgresOption::TlsRootCertificates(Some(1)),
            ),
        ] {
            assert_eq!(bad.check().map_err(|e| e.option), Err(option));
        }
        let edge = PostgresTuning {
            pool_size: Some(PostgresTuning::MAX_POOL_SIZE),
            connect_timeout: Some(day),
            checkout_timeout: Some(Duration::from_millis(1)),
            ..none
        };
        assert_eq!(edge.check(), Ok(()));
    }
}
