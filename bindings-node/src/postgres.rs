//! The PostgreSQL store's connection options (crate `casekit-postgres`), as
//! `OpenOptions` gives them: `poolSize`, `connectTimeoutMs`, `checkoutTimeoutMs`,
//! `tlsRootCertificates`.

use crate::convert::whole;
use crate::error::Failure;
use casekit_postgres::{FollowOption, FollowOptions, PostgresOption, PostgresTuning};
use serde_json::Value;
use std::time::Duration;

/// The options as the JavaScript layer sends them (snake_case, any JSON value),
/// checked by [`tuning`].
#[derive(Default)]
pub struct Given<'a> {
    pub pool_size: Option<&'a Value>,
    pub connect_timeout_ms: Option<&'a Value>,
    pub checkout_timeout_ms: Option<&'a Value>,
    pub tls_root_certificates: Option<&'a Value>,
}

/// The name of a PostgreSQL option in errors (the snake_case of `OpenOptions`' own).
pub fn option_name(option: PostgresOption) -> String {
    match option {
        PostgresOption::PoolSize => "pool_size".into(),
        PostgresOption::ConnectTimeout => "connect_timeout_ms".into(),
        PostgresOption::CheckoutTimeout => "checkout_timeout_ms".into(),
        PostgresOption::TlsRootCertificates(None) => "tls_root_certificates".into(),
        PostgresOption::TlsRootCertificates(Some(i)) => format!("tls_root_certificates[{i}]"),
    }
}

/// Checks the options given (types and ranges), naming the first that is wrong.
pub fn tuning(given: &Given<'_>) -> Result<PostgresTuning, Failure> {
    let max_ms = u64::try_from(PostgresTuning::MAX_TIMEOUT.as_millis()).unwrap_or(u64::MAX);
    let certificates = match given.tls_root_certificates {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Value::String(pem) => Ok(pem.as_bytes().to_vec()),
                    _ => Err(Failure::validation(
                        option_name(PostgresOption::TlsRootCertificates(Some(i))),
                        "expected a PEM certificate (a string or a Buffer)",
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(_) => {
            return Err(Failure::validation("tls_root_certificates", "expected an array of PEM certificates"));
        }
    };
    let tuning = PostgresTuning {
        pool_size: whole(
            &option_name(PostgresOption::PoolSize),
            given.pool_size,
            PostgresTuning::MAX_POOL_SIZE as u64,
        )?
        .map(|n| usize::try_from(n).unwrap_or(PostgresTuning::MAX_POOL_SIZE)),
        connect_timeout: whole(&option_name(PostgresOption::ConnectTimeout), given.connect_timeout_ms, max_ms)?
            .map(Duration::from_millis),
        checkout_timeout: whole(&option_name(PostgresOption::CheckoutTimeout), given.checkout_timeout_ms, max_ms)?
            .map(Duration::from_millis),
        tls_root_certificates: certificates,
    };
    tuning.check().map_err(|e| Failure::validation(option_name(e.option), format!("expected {}", e.expected)))?;
    Ok(tuning)
}

/// `followLog`'s options (`{after_position?, batch_size?, poll_interval_ms?}` JSON),
/// checked (types here, ranges by [`FollowOptions::check`]), naming the first that is
/// wrong.
pub fn follow_options(json: &str) -> Result<FollowOptions, Failure> {
    let given: serde_json::Map<String, Value> = crate::convert::parse("options", json)?;
    let mut options = FollowOptions::default();
    let max_ms = u64::try_from(FollowOptions::MAX_INTERVAL.as_millis()).unwrap_or(u64::MAX);
    for (name, value) in &given {
        let value = Some(value);
        match name.as_str() {
            "after_position" => options.after_position = whole(name, value, u64::MAX)?.unwrap_or(0),
            "batch_size" => {
                if let Some(n) = whole(name, value, FollowOptions::MAX_BATCH_SIZE as u64)? {
                    options.batch_size = usize::try_from(n).unwrap_or(FollowOptions::MAX_BATCH_SIZE);
                }
            }
            "poll_interval_ms" => {
                if let Some(ms) = whole(name, value, max_ms)? {
                    options.poll_interval = Duration::from_millis(ms);
                }
            }
            _ => return Err(Failure::validation(name, "no such option")),
        }
    }
    options.check().map_err(|e| {
        let field = match e.option {
            FollowOption::BatchSize => "batch_size",
            FollowOption::PollInterval => "poll_interval_ms",
            FollowOption::ReconnectDelay => "reconnect_delay",
        };
        Failure::validation(field, format!("expected {}", e.expected))
    })?;
    Ok(options)
}
