//! Structured logs: one JSON object per line on stdout, carrying the fields of the spans the
//! event happened in (so every line logged while serving a request has its `request_id`). A
//! span's fields are kept as JSON values from the moment they are recorded, so writing a line
//! copies them and never parses anything.

use std::fmt;

use serde_json::{Map, Number, Value};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, MakeWriter};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::{LookupSpan, Scope};
use tracing_subscriber::util::SubscriberInitExt;

/// Installs the global JSON logger for events at `level` and above.
pub fn init(level: Level) {
    subscriber(level, std::io::stdout).init();
}

/// JSON lines of the events at `level` and above, written to `writer`.
fn subscriber<W>(level: Level, writer: W) -> impl Subscriber + Send + Sync + use<W>
where
    W: for<'writer> MakeWriter<'writer> + Send + Sync + 'static,
{
    let lines = tracing_subscriber::fmt::layer()
        .fmt_fields(KeptFields)
        .event_format(JsonLines)
        .with_writer(writer);
    tracing_subscriber::registry()
        .with(LevelFilter::from_level(level))
        .with(SpanFields)
        .with(lines)
}

/// A span's fields as JSON, in its extensions.
struct Fields(Map<String, Value>);

impl Fields {
    fn insert(&mut self, field: &Field, value: Value) {
        self.0.insert(field.name().to_owned(), value);
    }
}

impl Visit for Fields {
    fn record_f64(&mut self, field: &Field, value: f64) {
        let number = Number::from_f64(value).map_or(Value::Null, Value::Number);
        self.insert(field, number);
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.insert(field, value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.insert(field, value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.insert(field, value.into());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.insert(field, value.into());
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.insert(field, value.to_string().into());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.insert(field, format!("{value:?}").into());
    }
}

/// Keeps each span's fields as [`Fields`] in its extensions, updated as they are recorded.
struct SpanFields;

impl<S> Layer<S> for SpanFields
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attributes: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id) {
            let mut fields = Fields(Map::new());
            attributes.record(&mut fields);
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        if let Some(span) = ctx.span(id)
            && let Some(fields) = span.extensions_mut().get_mut::<Fields>()
        {
            values.record(fields);
        }
    }
}

/// The formatter's own text of span fields, left empty: [`SpanFields`] keeps them.
struct KeptFields;

impl<'writer> FormatFields<'writer> for KeptFields {
    fn format_fields<R: RecordFields>(&self, _: Writer<'writer>, _: R) -> fmt::Result {
        Ok(())
    }
}

/// Formats an event as `{"time","level","target","message",...span fields,...event fields}`.
pub struct JsonLines;

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'writer> FormatFields<'writer> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut line = Fields(Map::new());
        let mut time = String::new();
        SystemTime.format_time(&mut Writer::new(&mut time))?;
        line.0.insert("time".into(), time.into());
        line.0
            .insert("level".into(), event.metadata().level().as_str().into());
        line.0
            .insert("target".into(), event.metadata().target().into());
        // Outermost span first, so an inner span's field wins over an outer one's.
        for span in ctx.event_scope().into_iter().flat_map(Scope::from_root) {
            if let Some(fields) = span.extensions().get::<Fields>() {
                let copied = fields
                    .0
                    .iter()
                    .map(|(key, value)| (key.clone(), value.clone()));
                line.0.extend(copied);
            }
        }
        event.record(&mut line);
        let json = serde_json::to_string(&line.0).map_err(|_| fmt::Error)?;
        writeln!(writer, "{json}")
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

    /// The lines written so far; clones share them.
    #[derive(Clone, Default)]
    pub(crate) struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Captured {
        /// A subscriber formatting like [`super::init`]'s, writing here.
        pub(crate) fn subscriber(&self) -> impl Subscriber + Send + Sync + use<> {
            super::subscriber(Level::INFO, self.clone())
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
    use tracing::field::Empty;

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
    fn span_fields_recorded_later_are_kept_and_an_inner_span_wins() {
        let lines = capture(|| {
            let outer = tracing::info_span!("outer", route = "/outer", trace_id = Empty);
            outer.record("trace_id", "4bf92f35");
            let _entered = outer.enter();
            let inner = tracing::info_span!("inner", route = "/inner");
            inner.in_scope(|| tracing::info!(ratio = 0.5, cached = true, "done"));
        });
        let line = &lines[0];
        assert_eq!(line["trace_id"], "4bf92f35");
        assert_eq!(line["route"], "/inner");
        assert_eq!(
            (line["ratio"].as_f64(), line["cached"].as_bool()),
            (Some(0.5), Some(true))
        );
        assert_eq!(line["message"], "done");
    }

    #[test]
    fn leaves_out_events_below_the_level() {
        assert!(capture(|| tracing::debug!("hidden")).is_empty());
    }
}
