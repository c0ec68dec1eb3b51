//! Typed settings, read once at start-up from the environment.

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
    /// Log level (`LOG_LEVEL`, default `info`).
    pub log_level: String,
}

const DEFAULT_PORT: u16 = 8080;
const DEFAULT_LOG_LEVEL: &str = "info";
const LOG_LEVELS: [&str; 5] = ["trace", "debug", "info", "warn", "error"];

impl Config {
    /// Reads the settings from the process environment.
    ///
    /// # Errors
    ///
    /// Returns a [`ConfigError`] naming the first variable with an invalid value.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(|name| env::var(name).ok())
    }

    /// Reads the settings through `var`, which looks a variable up by name.
    ///
    /// # Errors
    ///
    /// Returns a [`ConfigError`] naming the first variable with an invalid value.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let port = match var("APP_PORT") {
            None => DEFAULT_PORT,
            Some(raw) => raw
                .trim()
                .parse()
                .map_err(|_| ConfigError::InvalidPort(raw))?,
        };
        let log_level = var("LOG_LEVEL").map_or_else(
            || DEFAULT_LOG_LEVEL.to_owned(),
            |raw| raw.trim().to_lowercase(),
        );
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
        Config::from_vars(|name| {
            vars.iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| (*value).to_owned())
        })
    }

    #[test]
    fn defaults_to_port_8080_and_info() {
        let config = config(&[]).unwrap();
        assert_eq!(config.port, 8080);
        assert_eq!(config.log_level, "info");
    }

    #[test]
    fn reads_port_and_log_level() {
        let config = config(&[("APP_PORT", "9090"), ("LOG_LEVEL", "DEBUG")]).unwrap();
        assert_eq!(config.port, 9090);
        assert_eq!(config.log_level, "debug");
    }

    #[test]
    fn rejects_a_port_that_is_not_a_number() {
        let error = config(&[("APP_PORT", "eighty")]).unwrap_err();
        assert_eq!(error, ConfigError::InvalidPort("eighty".to_owned()));
        assert_eq!(
            error.to_string(),
            r#"APP_PORT must be a port number between 0 and 65535, got "eighty""#
        );
    }

    #[test]
    fn rejects_a_port_out_of_range() {
        let error = config(&[("APP_PORT", "70000")]).unwrap_err();
        assert_eq!(error, ConfigError::InvalidPort("70000".to_owned()));
    }

    #[test]
    fn rejects_an_unknown_log_level() {
        let error = config(&[("LOG_LEVEL", "loud")]).unwrap_err();
        assert_eq!(error, ConfigError::InvalidLogLevel("loud".to_owned()));
        assert!(error.to_string().starts_with("LOG_LEVEL must be one of"));
    }
}
