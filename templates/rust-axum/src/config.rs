//! Typed settings, read once at start-up from the environment.

use std::collections::HashMap;
use std::env;

/// Why the environment does not describe a runnable service.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("APP_PORT must be a port number between 0 and 65535, got {0:?}")]
    InvalidPort(String),
    #[error("LOG_LEVEL must be one of trace, debug, info, warn, error; got {0:?}")]
    InvalidLogLevel(String),
}

/// Every setting the service reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// HTTP port to listen on (`APP_PORT`, default 8080); 0 picks a free port.
    pub port: u16,
    /// Log filter level (`LOG_LEVEL`, default `info`).
    pub log_level: String,
}

const LOG_LEVELS: [&str; 5] = ["trace", "debug", "info", "warn", "error"];

impl Config {
    /// Reads the settings from the process environment.
    ///
    /// # Errors
    ///
    /// Returns a [`ConfigError`] naming the first variable with an invalid value.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| env::var(name).ok())
    }

    /// Reads the settings from a map, as if it were the environment (for tests and tools).
    ///
    /// # Errors
    ///
    /// Returns a [`ConfigError`] naming the first variable with an invalid value.
    pub fn from_map<S: std::hash::BuildHasher>(
        vars: &HashMap<String, String, S>,
    ) -> Result<Self, ConfigError> {
        Self::from_lookup(|name| vars.get(name).cloned())
    }

    fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let port = match lookup("APP_PORT") {
            None => 8080,
            Some(raw) => raw.trim().parse().map_err(|_| ConfigError::InvalidPort(raw))?,
        };
        let log_level =
            lookup("LOG_LEVEL").map_or_else(|| "info".to_owned(), |raw| raw.trim().to_lowercase());
        if !LOG_LEVELS.contains(&log_level.as_str()) {
            return Err(ConfigError::InvalidLogLevel(log_level));
        }
        Ok(Self { port, log_level })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_map(&map)
    }

    #[test]
    fn defaults_to_port_8080_and_info() {
        assert_eq!(
            config(&[]),
            Ok(Config {
                port: 8080,
                log_level: "info".to_owned()
            })
        );
    }

    #[test]
    fn reads_the_environment() {
        let read = config(&[("APP_PORT", "9090"), ("LOG_LEVEL", "DEBUG")]).unwrap();
        assert_eq!(
            read,
            Config {
                port: 9090,
                log_level: "debug".to_owned()
            }
        );
    }

    #[test]
    fn rejects_a_port_that_is_not_a_number() {
        let error = config(&[("APP_PORT", "eighty")]).unwrap_err();
        assert_eq!(error, ConfigError::InvalidPort("eighty".to_owned()));
        assert!(error.to_string().contains("APP_PORT"));
    }

    #[test]
    fn rejects_a_port_out_of_range() {
        assert!(matches!(
            config(&[("APP_PORT", "70000")]),
            Err(ConfigError::InvalidPort(_))
        ));
    }

    #[test]
    fn rejects_an_unknown_log_level() {
        let error = config(&[("LOG_LEVEL", "loud")]).unwrap_err();
        assert!(error.to_string().contains("LOG_LEVEL"));
    }
}
