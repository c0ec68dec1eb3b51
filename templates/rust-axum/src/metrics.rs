//! Prometheus metrics: the OpenTelemetry HTTP server histogram, in Prometheus naming.
//!
//! Each [`Metrics`] owns its recorder instead of installing a global one, so tests can build
//! as many applications as they like in one process.

use std::sync::Arc;
use std::time::Duration;

use metrics::{Unit, describe_histogram, gauge, histogram, with_local_recorder};
use metrics_exporter_prometheus::{
    BuildError, Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};

/// The request-duration histogram's name.
pub const REQUEST_DURATION: &str = "http_server_request_duration_seconds";

/// OpenTelemetry's recommended boundaries for `http.server.request.duration`, in seconds.
const BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// The service's metrics and their Prometheus rendering.
#[derive(Clone)]
pub struct Metrics {
    recorder: Arc<PrometheusRecorder>,
    handle: PrometheusHandle,
}

impl Metrics {
    /// A recorder that renders [`REQUEST_DURATION`] as a histogram.
    ///
    /// # Errors
    ///
    /// Returns the exporter's error if the bucket boundaries are refused.
    pub fn new() -> Result<Self, BuildError> {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(REQUEST_DURATION.to_owned()), &BUCKETS)?
            .build_recorder();
        with_local_recorder(&recorder, || {
            describe_histogram!(
                REQUEST_DURATION,
                Unit::Seconds,
                "Duration of HTTP server requests."
            );
        });
        let handle = recorder.handle();
        Ok(Self {
            recorder: Arc::new(recorder),
            handle,
        })
    }

    /// Records one served request; `route` is the matched route template.
    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        with_local_recorder(self.recorder.as_ref(), || {
            histogram!(
                REQUEST_DURATION,
                "http_request_method" => method.to_owned(),
                "http_route" => route.to_owned(),
                "http_response_status_code" => status.to_string(),
            )
            .record(elapsed.as_secs_f64());
        });
    }

    /// Sets the unlabelled gauge `name` to `value`.
    pub fn set_gauge(&self, name: &'static str, value: f64) {
        with_local_recorder(self.recorder.as_ref(), || gauge!(name).set(value));
    }

    /// Every metric in the Prometheus text exposition format.
    #[must_use]
    pub fn render(&self) -> String {
        self.handle.render()
    }

    /// Folds recent observations into the totals, bounding memory between scrapes; call it
    /// periodically.
    pub fn run_upkeep(&self) {
        self.handle.run_upkeep();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_request_histogram_with_its_labels() {
        let metrics = Metrics::new().unwrap();
        metrics.observe_request("GET", "/api/v1/orders/{id}", 200, Duration::from_millis(30));

        let text = metrics.render();

        assert!(text.contains(&format!("# TYPE {REQUEST_DURATION} histogram")));
        let count = text
            .lines()
            .find(|line| line.starts_with(&format!("{REQUEST_DURATION}_count")))
            .unwrap();
        for label in [
            r#"http_request_method="GET""#,
            r#"http_route="/api/v1/orders/{id}""#,
            r#"http_response_status_code="200""#,
        ] {
            assert!(count.contains(label), "{count} lacks {label}");
        }
        assert!(count.ends_with(" 1"));
        assert!(text.contains(r#"le="0.05"} 1"#));
    }

    #[test]
    fn each_instance_counts_on_its_own() {
        let first = Metrics::new().unwrap();
        first.observe_request("GET", "/a", 200, Duration::from_millis(1));
        assert!(!Metrics::new().unwrap().render().contains("http_route"));
    }
}
