//! The access line's own formatter. tracing-subscriber's formatters write each field through a
//! guard that escapes it, and the JSON one parses the span's fields back out of their text to
//! write them again: 11,000 instructions for the one line every answer logs, a seventh of a
//! cached answer. [`Lines`] writes the same bytes directly (the unit tests compare them with the
//! formatter it wraps); any other line, and every line on a terminal (coloured), goes to that
//! formatter.

use std::fmt;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

use super::ACCESS_LOG;

/// A formatter that writes access lines itself and hands every other line to `other`.
pub struct Lines<F, T> {
    other: F,
    timer: T,
    json: bool,
}

impl<F, T> Lines<F, T> {
    /// For lines formatted by `other` as text (`tracing_subscriber`'s `Full` format), with the
    /// timestamps of `timer` (the one `other` uses).
    pub fn text(other: F, timer: T) -> Self {
        Lines { other, timer, json: false }
    }

    /// For lines formatted by `other` as JSON, with the current span and no span list.
    pub fn json(other: F, timer: T) -> Self {
        Lines { other, timer, json: true }
    }
}

impl<S, N, F, T> FormatEvent<S, N> for Lines<F, T>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
    T: FormatTime,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        if meta.target() != ACCESS_LOG || *meta.level() != Level::INFO || writer.has_ansi_escapes() {
            return self.other.format_event(ctx, writer, event);
        }
        let mut time = String::with_capacity(32);
        if self.timer.format_time(&mut Writer::new(&mut time)).is_err() {
            time = "<unknown time>".into();
        }
        if self.json {
            // The span's fields are kept as a JSON object's text.
            let span = event.parent().and_then(|id| ctx.span(id)).or_else(|| ctx.lookup_current());
            let fields = span.as_ref().map(|span| span.extensions());
            let fields = fields.as_ref().and_then(|ext| ext.get::<FormattedFields<N>>());
            let span = span.as_ref().map(|span| (span.metadata().name(), fields.map_or("", |f| f.as_str())));
            return json_line(&mut writer, &time, span, event);
        }
        write!(writer, "{time}  INFO ")?;
        if let Some(scope) = ctx.event_scope() {
            let mut seen = false;
            for span in scope.from_root() {
                writer.write_str(span.metadata().name())?;
                seen = true;
                if let Some(fields) = span.extensions().get::<FormattedFields<N>>() {
                    if !fields.is_empty() {
                        write!(writer, "{{{fields}}}")?;
                    }
                }
                writer.write_char(':')?;
            }
            if seen {
                writer.write_char(' ')?;
            }
        }
        text_line(&mut writer, event)
    }
}

/// The rest of `<time>  INFO request{<span's fields>}: scs_series::access: answered name=value …`
fn text_line(writer: &mut Writer<'_>, event: &Event<'_>) -> fmt::Result {
    writer.write_str(ACCESS_LOG)?;
    writer.write_str(": ")?;
    let mut fields = Fields { writer, first: true, result: Ok(()), json: false };
    event.record(&mut fields);
    fields.result?;
    writer.write_char('\n')
}

/// `{"timestamp":…,"level":"INFO","fields":{…},"target":"scs_series::access","span":{…}}`, where
/// `span` is the current span's name and its fields as a JSON object's text.
fn json_line(
    writer: &mut Writer<'_>,
    time: &str,
    span: Option<(&str, &str)>,
    event: &Event<'_>,
) -> fmt::Result {
    writer.write_str("{\"timestamp\":")?;
    json_string(writer, time)?;
    writer.write_str(",\"level\":\"INFO\",\"fields\":{")?;
    let mut fields = Fields { writer, first: true, result: Ok(()), json: true };
    event.record(&mut fields);
    fields.result?;
    writer.write_str("},\"target\":")?;
    json_string(writer, ACCESS_LOG)?;
    if let Some((name, fields)) = span {
        // The span's fields as they are, with its name added last, as tracing-subscriber
        // writes them.
        writer.write_str(",\"span\":{")?;
        let inner = fields.strip_prefix('{').and_then(|f| f.strip_suffix('}')).unwrap_or_default();
        if !inner.is_empty() {
            writer.write_str(inner)?;
            writer.write_char(',')?;
        }
        writer.write_str("\"name\":")?;
        json_string(writer, name)?;
        writer.write_char('}')?;
    }
    writer.write_str("}\n")
}

/// An event's fields, written as the text format writes them (the message bare, the others
/// `name=value` with `Debug` values, separated by spaces) or as the JSON format does (strings
/// and `Debug` values as JSON strings, numbers and booleans as themselves).
struct Fields<'a, 'w> {
    writer: &'a mut Writer<'w>,
    first: bool,
    result: fmt::Result,
    json: bool,
}

impl Fields<'_, '_> {
    /// Writes one field: its separator, its name (none for the text's message), and its value.
    fn field(&mut self, field: &Field, value: impl FnOnce(&mut Writer<'_>, bool) -> fmt::Result) {
        if self.result.is_err() {
            return;
        }
        let (writer, json) = (&mut *self.writer, self.json);
        let first = std::mem::take(&mut self.first);
        self.result = (|| {
            match (json, first) {
                (true, false) => writer.write_char(',')?,
                (false, false) => writer.write_char(' ')?,
                _ => {}
            }
            if json {
                json_string(writer, field.name())?;
                writer.write_char(':')?;
            } else if field.name() != "message" {
                write!(writer, "{}=", field.name())?;
            }
            value(writer, json)
        })();
    }
}

impl Visit for Fields<'_, '_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.field(
            field,
            |w, json| if json { json_string(w, &format!("{value:?}")) } else { write!(w, "{value:?}") },
        );
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.field(field, |w, json| if json { json_string(w, value) } else { write!(w, "{value:?}") });
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.field(field, |w, _| write!(w, "{value}"));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.field(field, |w, _| write!(w, "{value}"));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.field(field, |w, _| write!(w, "{value}"));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        // JSON as serde_json writes a float: shortest round trip, `null` for what JSON cannot
        // hold; text as `Debug` writes it.
        self.field(field, |w, json| match (json, serde_json::Number::from_f64(value)) {
            (true, Some(number)) => write!(w, "{number}"),
            (true, None) => w.write_str("null"),
            (false, _) => write!(w, "{value:?}"),
        });
    }
}

/// `text` as a JSON string, escaped as serde_json escapes it.
fn json_string(writer: &mut Writer<'_>, text: &str) -> fmt::Result {
    writer.write_char('"')?;
    let mut rest = text;
    // Every byte that needs escaping is ASCII, so it always starts a character.
    while let Some(at) = rest.bytes().position(|b| b == b'"' || b == b'\\' || b < b' ') {
        writer.write_str(&rest[..at])?;
        let c = rest.as_bytes()[at];
        match c {
            b'"' => writer.write_str("\\\"")?,
            b'\\' => writer.write_str("\\\\")?,
            b'\n' => writer.write_str("\\n")?,
            b'\r' => writer.write_str("\\r")?,
            b'\t' => writer.write_str("\\t")?,
            0x08 => writer.write_str("\\b")?,
            0x0c => writer.write_str("\\f")?,
            _ => write!(writer, "\\u{c:04x}")?,
        }
        rest = &rest[at + 1..];
    }
    writer.write_str(rest)?;
    writer.write_char('"')
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::fmt::format::Format;

    use super::super::sink::Sink;

    use super::*;

    /// The same instant for both formatters.
    #[derive(Clone, Copy)]
    struct Fixed;

    impl FormatTime for Fixed {
        fn format_time(&self, w: &mut Writer<'_>) -> fmt::Result {
            w.write_str("2026-11-28T01:58:09.713600Z")
        }
    }

    /// What the server logs, with every field's kind, odd text, and lines of other targets.
    fn log_some_lines() {
        for (id, operation) in
            [("7c1f", Some("Named")), ("mine \"q\"\n\t\u{1b}[31m", Some("we\"ird\\ \u{7}é")), ("-", None)]
        {
            let span = tracing::info_span!("request", id = %id);
            let _entered = span.enter();
            for ms in [0.515, 1.0, 12.0625, f64::NAN] {
                let (method, path) = (axum::http::Method::POST, "/graphql");
                tracing::info!(target: ACCESS_LOG, method = %method, path = %path, operation, status = 200_u16, ms, "answered");
            }
            let nested = tracing::info_span!("nested", kind = "inner", n = 3);
            nested.in_scope(|| tracing::info!(target: ACCESS_LOG, status = 200_u16, "in two spans"));
            tracing::info!(target: ACCESS_LOG, negative = -3_i64, flag = true, debug = ?vec![1, 2], "other kinds");
            tracing::warn!(target: ACCESS_LOG, status = 500_u16, "a warning on the access target");
            tracing::error!(error = %"disk", "internal error while resolving a query");
        }
        tracing::info!(target: ACCESS_LOG, status = 404_u16, "outside any span");
    }

    fn text_of<S: Subscriber + Send + Sync>(subscriber: S, sink: &Sink) -> String {
        tracing::subscriber::with_default(subscriber, log_some_lines);
        sink.text()
    }

    #[test]
    fn text_lines_are_those_of_tracing_subscriber() {
        let theirs = Sink::default();
        let expected = text_of(
            tracing_subscriber::fmt().with_writer(theirs.clone()).with_ansi(false).with_timer(Fixed).finish(),
            &theirs,
        );
        let ours = Sink::default();
        let format = Format::default().with_timer(Fixed).with_ansi(false);
        let actual = text_of(
            tracing_subscriber::fmt()
                .with_writer(ours.clone())
                .with_ansi(false)
                .event_format(Lines::text(format, Fixed))
                .finish(),
            &ours,
        );
        assert!(
            expected.contains("request{id=7c1f}: scs_series::access: answered method=POST path=/graphql operation=\"Named\" status=200 ms=0.515"),
            "{expected}"
        );
        assert_eq!(actual, expected);
    }

    #[test]
    fn json_lines_are_those_of_tracing_subscriber() {
        let theirs = Sink::default();
        let expected = text_of(
            tracing_subscriber::fmt()
                .with_writer(theirs.clone())
                .with_timer(Fixed)
                .json()
                .with_current_span(true)
                .with_span_list(false)
                .finish(),
            &theirs,
        );
        let ours = Sink::default();
        let actual = text_of(
            tracing_subscriber::fmt()
                .with_writer(ours.clone())
                .with_timer(Fixed)
                .json()
                .with_current_span(true)
                .with_span_list(false)
                .map_event_format(|format| Lines::json(format, Fixed))
                .finish(),
            &ours,
        );
        let first: serde_json::Value = serde_json::from_str(expected.lines().next().unwrap_or_default())
            .unwrap_or_else(|e| panic!("JSON: {e}: {expected}"));
        assert_eq!(first["span"]["id"], "7c1f", "{expected}");
        assert_eq!(actual, expected);
    }

    #[test]
    fn a_coloured_line_is_left_to_tracing_subscriber() {
        let ours = Sink::default();
        let format = Format::default().with_timer(Fixed);
        let text = text_of(
            tracing_subscriber::fmt()
                .with_writer(ours.clone())
                .with_ansi(true)
                .event_format(Lines::text(format, Fixed))
                .finish(),
            &ours,
        );
        assert!(text.contains("\u{1b}["), "colours: {text}");
    }
}
