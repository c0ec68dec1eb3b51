//! Structured logs: one JSON object per line on stdout, carrying the fields of the spans the
//! event happened in (so every line logged while serving a request has its `request_id`).

use std::fmt;

use serde_json::{Map, Value};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::{JsonFields, Writer};
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::{LookupSpan, Scope};

/// Installs the global JSON logger for events at `level` and above.
pub fn init(level: Level) {
    tracing_subscriber::fmt()
        .with_max_level(level)
        .fmt_fields(JsonFields::new())
        .event_format(JsonLines)
        .init();
}

/// Formats an event as `{"time","level","target","message",...span fields,...event fields}`.
pub struct JsonLines;

impl<S> FormatEvent<S, JsonFields> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, JsonFields>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut line = Map::new();
        let mut time = String::new();
        SystemTime.format_time(&mut Writer::new(&mut time))?;
        line.insert("time".into(), time.into());
        line.insert("level".into(), event.metadata().level().as_str().into());
        line.insert("target".into(), event.metadata().target().into());
        // Outermost span first, so an inner span's field wins over an outer one's.
        for span in ctx.event_scope().into_iter().flat_map(Scope::from_root) {
            if let Some(fields) = span.extensions().get::<FormattedFields<JsonFields>>() {
                line.extend(parse_object(&fields.fields));
            }
        }
        let mut fields = String::new();
        ctx.format_fields(Writer::new(&mut fields), event)?;
        line.extend(parse_object(&fields));
        let json = serde_json::to_string(&line).map_err(|_| fmt::Error)?;
        writeln!(writer, "{json}")
    }
}

/// The fields [`JsonFields`] wrote; an empty map for a span without fields.
fn parse_object(fields: &str) -> Map<String, Value> {
    match serde_json::from_str(fields) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    }
}

/// A JSON logger writing into memory, for tests that assert on log lines.
#[cfg(test)]
pub(crate) mod capture {
    use std::io;
    use std::sync::{Arc, Mutex};

    use serde_json::Value;
    use tracing::{Level, Subscriber};
    use tracing_subscriber::fmt::MakeWriter;
    use tracing_subscriber::fmt::format::JsonFields;

    use super::JsonLines;

    /// The lines written so far; clones share them.
    #[derive(Clone, Default)]
    pub(crate) struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Captured {
        /// A subscriber formatting like [`super::init`]'s, writing here.
        pub(crate) fn subscriber(&self) -> impl Subscriber + Send + Sync + use<> {
            tracing_subscriber::fmt()
                .with_max_level(Level::INFO)
                .fmt_fields(JsonFields::new())
                .event_format(JsonLines)
                .with_writer(self.clone())
                .finish()
        }

        /// Every line written, parsed.
        pub(crate) fn lines(&self) -> Vec<Value> {
            let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
            text.lines()
                .map(|line| serde_json::from_str(line).unwrap())
                .collect()
        }
    }

    impl io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Captured {
        type Writer = Self;

        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::capture::Captured;
    use super::*;

    fn capture(log: impl FnOnce()) -> Vec<Value> {
        let output = Captured::default();
        tracing::subscriber::with_default(output.subscriber(), log);
        output.lines()
    }

    #[test]
    fn writes_one_json_object_per_event_with_the_span_fields() {
        let lines = capture(|| {
            let span = tracing::info_span!("request", request_id = "abc", route = "/healthz");
            span.in_scope(|| tracing::info!(status = 200, "request"));
        });
        assert_eq!(lines.len(), 1);
        let line = &lines[0];
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["message"], "request");
        assert_eq!(line["request_id"], "abc");
        assert_eq!(line["route"], "/healthz");
        assert_eq!(line["status"], 200);
        assert!(line["time"].as_str().unwrap().ends_with('Z'));
    }

    #[test]
    fn leaves_out_events_below_the_level() {
        assert!(capture(|| tracing::debug!("hidden")).is_empty());
    }
}
