//! Readiness: each enabled dependency answers a cheap probe within a short timeout.

use std::collections::BTreeMap;
use std::error::Error;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::task::JoinSet;

/// How long a probe may take before its dependency counts as unavailable.
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// What a probe reports when its dependency does not answer: wrap the driver's error in a
/// [`ProbeFailure`] to give its [`Reason`]; anything else is classified from its sources.
pub type ProbeError = Box<dyn Error + Send + Sync>;

/// The fixed reasons `/readyz` gives for a failing check; the driver's message goes to the log
/// only, so no address, exception name or driver text reaches a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    ConnectionRefused,
    Timeout,
    AuthenticationFailed,
    TlsHandshakeFailed,
    MigrationsPending,
    Unavailable,
}

impl Reason {
    /// The reason as `/readyz` shows it after `error: `.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ConnectionRefused => "connection refused",
            Self::Timeout => "timeout",
            Self::AuthenticationFailed => "authentication failed",
            Self::TlsHandshakeFailed => "tls handshake failed",
            Self::MigrationsPending => "migrations pending",
            Self::Unavailable => "unavailable",
        }
    }

    /// The reason `error` gives, or the one its I/O cause implies.
    #[must_use]
    pub fn of(error: &(dyn Error + 'static)) -> Self {
        let mut cause = Some(error);
        while let Some(current) = cause {
            if let Some(failure) = current.downcast_ref::<ProbeFailure>() {
                return failure.reason;
            }
            if let Some(io) = current.downcast_ref::<std::io::Error>() {
                return match io.kind() {
                    std::io::ErrorKind::ConnectionRefused => Self::ConnectionRefused,
                    std::io::ErrorKind::TimedOut => Self::Timeout,
                    _ => Self::Unavailable,
                };
            }
            cause = current.source();
        }
        Self::Unavailable
    }
}

/// A probe's failure with the reason it was classified as.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", reason.as_str())]
pub struct ProbeFailure {
    /// What `/readyz` says.
    pub reason: Reason,
    /// The driver's error, for the log.
    pub source: ProbeError,
}

impl ProbeFailure {
    /// `source`, classified as `reason`.
    #[must_use]
    pub fn boxed(reason: Reason, source: impl Into<ProbeError>) -> ProbeError {
        Box::new(Self {
            reason,
            source: source.into(),
        })
    }
}

/// A probe's pending answer.
pub type ProbeFuture<'a> = Pin<Box<dyn Future<Output = Result<(), ProbeError>> + Send + 'a>>;

/// A dependency the service cannot serve without.
pub trait Probe: Send + Sync + 'static {
    /// The check's name in `/readyz` (`database`, `cache`, `broker`).
    fn name(&self) -> &'static str;

    /// Asks the dependency for a trivial answer.
    fn check(&self) -> ProbeFuture<'_>;
}

/// The outcome of one readiness check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Whether every check passed and the service is not shutting down.
    pub ready: bool,
    /// Each check's name with `ok` or `error: <reason>`.
    pub checks: BTreeMap<&'static str, String>,
}

/// The probes of every enabled dependency, and whether the service is shutting down.
pub struct Readiness {
    probes: Vec<Arc<dyn Probe>>,
    timeout: Duration,
    shutting_down: AtomicBool,
}

impl Readiness {
    /// Readiness over `probes`, each allowed [`PROBE_TIMEOUT`].
    #[must_use]
    pub fn new(probes: Vec<Arc<dyn Probe>>) -> Self {
        Self::with_timeout(probes, PROBE_TIMEOUT)
    }

    /// Readiness over `probes`, each allowed `timeout`.
    #[must_use]
    pub fn with_timeout(probes: Vec<Arc<dyn Probe>>, timeout: Duration) -> Self {
        Self {
            probes,
            timeout,
            shutting_down: AtomicBool::new(false),
        }
    }

    /// From now on the service reports itself unready, without asking its dependencies.
    pub fn begin_shutdown(&self) {
        self.shutting_down.store(true, Ordering::Relaxed);
    }

    /// Runs every probe concurrently.
    pub async fn check(&self) -> Report {
        if self.shutting_down.load(Ordering::Relaxed) {
            let checks = self
                .probes
                .iter()
                .map(|probe| (probe.name(), failed(Reason::Unavailable)))
                .collect();
            return Report {
                ready: false,
                checks,
            };
        }
        let mut running = JoinSet::new();
        for probe in &self.probes {
            let probe = Arc::clone(probe);
            let timeout = self.timeout;
            running.spawn(async move {
                let outcome = match tokio::time::timeout(timeout, probe.check()).await {
                    Ok(Ok(())) => "ok".to_owned(),
                    Ok(Err(error)) => {
                        tracing::warn!(check = probe.name(), %error, "readiness probe failed");
                        failed(Reason::of(error.as_ref()))
                    }
                    Err(_) => failed(Reason::Timeout),
                };
                (probe.name(), outcome)
            });
        }
        let checks: BTreeMap<_, _> = running.join_all().await.into_iter().collect();
        let ready = checks.values().all(|outcome| outcome == "ok");
        Report { ready, checks }
    }
}

fn failed(reason: Reason) -> String {
    format!("error: {}", reason.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(&'static str, Option<&'static str>);

    impl Probe for Fixed {
        fn name(&self) -> &'static str {
            self.0
        }

        fn check(&self) -> ProbeFuture<'_> {
            Box::pin(async move {
                self.1.map_or(Ok(()), |message| {
                    Err(ProbeFailure::boxed(Reason::ConnectionRefused, message))
                })
            })
        }
    }

    struct Silent;

    impl Probe for Silent {
        fn name(&self) -> &'static str {
            "silent"
        }

        fn check(&self) -> ProbeFuture<'_> {
            Box::pin(std::future::pending())
        }
    }

    fn outcome(report: &Report, name: &str) -> String {
        report.checks[name].clone()
    }

    #[tokio::test]
    async fn ready_with_no_dependencies() {
        let report = Readiness::new(Vec::new()).check().await;
        assert!(report.ready);
        assert!(report.checks.is_empty());
    }

    #[tokio::test]
    async fn one_failing_probe_makes_the_service_unready_and_is_named() {
        let readiness = Readiness::new(vec![
            Arc::new(Fixed("database", None)),
            Arc::new(Fixed("cache", Some("127.0.0.1:6379: os error 111"))),
        ]);
        let report = readiness.check().await;
        assert!(!report.ready);
        assert_eq!(outcome(&report, "database"), "ok");
        assert_eq!(outcome(&report, "cache"), "error: connection refused");
    }

    #[tokio::test]
    async fn a_probe_that_does_not_answer_times_out() {
        let readiness = Readiness::with_timeout(vec![Arc::new(Silent)], Duration::from_millis(10));
        let report = readiness.check().await;
        assert!(!report.ready);
        assert_eq!(outcome(&report, "silent"), "error: timeout");
    }

    #[tokio::test]
    async fn shutting_down_is_unready_at_once() {
        let readiness = Readiness::new(vec![Arc::new(Silent)]);
        readiness.begin_shutdown();
        let report = readiness.check().await;
        assert!(!report.ready);
        assert_eq!(outcome(&report, "silent"), "error: unavailable");
    }
}
