//! How an emulator is started: address, ports, state file, latency profile, faults, auth.

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use crate::clock::Clock;
use crate::faults::FaultSpec;

/// Everything [`crate::start`] needs. `EmulatorConfig::default()` is an HTTPS emulator on
/// 127.0.0.1 with a free port, no state file, the `instant` profile, no faults, any token.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    pub bind: IpAddr,
    /// HTTPS port; 0 picks a free one.
    pub port: u16,
    /// An extra plain-HTTP listener (for curl; the Azure SDKs refuse bearer tokens over HTTP).
    /// `Some(0)` picks a free port.
    pub http_port: Option<u16>,
    /// Where the whole cloud is persisted (JSON, atomic writes). `None`: memory only.
    pub state_file: Option<PathBuf>,
    pub profile: Profile,
    pub faults: FaultSpec,
    /// Accept only bearer tokens this emulator issued (and unexpired).
    pub strict_auth: bool,
    /// GET answers 404 for this long after a create (ARM's eventual consistency). Also
    /// settable through the fault spec (`visibility:500ms`).
    pub visibility_delay: Option<Duration>,
    /// The clock; tests pass [`Clock::manual`] to finish operations without waiting.
    pub clock: Clock,
    /// Keep at most this many entries in the request log (oldest dropped first).
    pub request_log_capacity: usize,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            http_port: None,
            state_file: None,
            profile: Profile::Instant,
            faults: FaultSpec::default(),
            strict_auth: false,
            visibility_delay: None,
            clock: Clock::system(),
            request_log_capacity: 100_000,
        }
    }
}

/// How long long-running operations take.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Profile {
    /// Every operation completes at once, but long-running types still answer 201/202 and are
    /// polled through the same endpoints (the first poll says `Succeeded`).
    #[default]
    Instant,
    /// The durations seen in Azure, per type (APIM Developer tens of minutes...).
    Realistic,
    /// Realistic durations multiplied by the factor (`scaled:0.01`).
    Scaled(f64),
}

impl Profile {
    /// The factor applied to realistic durations.
    pub fn factor(&self) -> f64 {
        match self {
            Profile::Instant => 0.0,
            Profile::Realistic => 1.0,
            Profile::Scaled(f) => *f,
        }
    }

    /// A realistic duration in seconds, scaled by the profile.
    pub fn scale(&self, realistic_secs: f64) -> Duration {
        let secs = (realistic_secs * self.factor()).max(0.0);
        if secs.is_finite() {
            Duration::from_secs_f64(secs)
        } else {
            Duration::ZERO
        }
    }
}

impl FromStr for Profile {
    type Err = EmulatorError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        match lower.as_str() {
            "instant" => Ok(Profile::Instant),
            "realistic" => Ok(Profile::Realistic),
            _ => {
                let bad = || {
                    EmulatorError::Config(format!(
                        "unknown profile `{s}`: expected instant, realistic or scaled:FACTOR (e.g. scaled:0.01)"
                    ))
                };
                let f = lower.strip_prefix("scaled:").ok_or_else(bad)?;
                let f: f64 = f.parse().map_err(|_| bad())?;
                if !f.is_finite() || f < 0.0 {
                    return Err(bad());
                }
                Ok(Profile::Scaled(f))
            }
        }
    }
}

impl std::fmt::Display for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Profile::Instant => write!(f, "instant"),
            Profile::Realistic => write!(f, "realistic"),
            Profile::Scaled(x) => write!(f, "scaled:{x}"),
        }
    }
}

/// Why the emulator could not start, or a configuration value is wrong.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("invalid emulator configuration: {0}")]
    Config(String),
    #[error("invalid fault spec: {0}")]
    FaultSpec(String),
    #[error("could not bind {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("could not make the TLS certificate: {0}")]
    Certificate(String),
    #[error("state file {path}: {message}")]
    State { path: PathBuf, message: String },
    #[error("emulator runtime: {0}")]
    Runtime(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_parse() {
        assert_eq!("instant".parse::<Profile>().unwrap(), Profile::Instant);
        assert_eq!("Realistic".parse::<Profile>().unwrap(), Profile::Realistic);
        assert_eq!(
            "scaled:0.01".parse::<Profile>().unwrap(),
            Profile::Scaled(0.01)
        );
        assert!("scaled:x".parse::<Profile>().is_err());
        assert!("scaled:-1".parse::<Profile>().is_err());
        assert!("fast".parse::<Profile>().is_err());
    }

    #[test]
    fn scale_multiplies() {
        assert_eq!(Profile::Scaled(0.5).scale(10.0), Duration::from_secs(5));
        assert_eq!(Profile::Instant.scale(600.0), Duration::ZERO);
    }
}
