//! The log: tracing's subscriber, writing to stderr through a writer that batches the access log.
//!
//! Every answered request logs one line (target [`ACCESS_LOG`]). Written one at a time, each
//! line is a `write` to stderr under its lock, and two workers writing at once wait for each
//! other: a seventh of a cached answer's CPU. So access lines gather in memory and go out
//! together, once [`BATCH_BYTES`] have gathered or [`BATCH_INTERVAL`] has passed. Every other
//! line (start-up, warnings, errors) is written at once, after the access lines before it, so
//! the log keeps its order.

mod access;
mod clock;
#[cfg(test)]
pub(crate) mod sink;

use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tracing::Metadata;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::EnvFilter;

use crate::cli::LogFormat;

/// The target of the one line per answered request.
pub const ACCESS_LOG: &str = "scs_series::access";
/// Gathered access lines are written once they reach this size...
const BATCH_BYTES: usize = 32 * 1024;
/// ...or once this has passed, whichever comes first.
const BATCH_INTERVAL: Duration = Duration::from_millis(100);

/// Installs the global subscriber: `RUST_LOG`'s filter (default `info,tantivy=warn`), text or
/// JSON lines on stderr. Keep the returned [`Flush`] until the program ends: dropping it writes
/// what is still gathered.
pub fn init(format: LogFormat) -> Flush {
    // tantivy reports every index commit at info: only its warnings are worth a line.
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,tantivy=warn"));
    // Colours only for a person at a terminal: in a file or a log collector they are escape
    // codes, and writing them cost the per-request line time.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let writer = LogWriter::new(std::io::stderr());
    // `access::Lines` writes access lines in the default layout itself: a change here to what a
    // line shows (thread names, file and line, span lists) must be made there too.
    let timer = clock::Clock;
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer.clone())
        .with_ansi(ansi)
        .with_timer(timer);
    match format {
        LogFormat::Text => logs.map_event_format(|format| access::Lines::text(format, timer)).init(),
        LogFormat::Json => logs
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .map_event_format(|format| access::Lines::json(format, timer))
            .init(),
    }
    let flusher = writer.clone();
    let spawned = std::thread::Builder::new().name("log-flush".into()).spawn(move || loop {
        std::thread::sleep(BATCH_INTERVAL);
        flusher.flush();
    });
    if let Err(e) = spawned {
        // Without the thread, batches still go out when full and at exit; say so.
        tracing::warn!("no log flushing thread ({e}): access lines are written in 32 KiB batches");
    }
    // A panic's message goes straight to stderr: the lines that led up to it go first.
    let before = writer.clone();
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        before.flush_before_panic();
        report(info);
    }));
    Flush(writer)
}

/// Writes the gathered access lines when dropped (see [`init`]).
#[must_use = "the gathered log lines are written when this is dropped"]
pub struct Flush(LogWriter<std::io::Stderr>);

impl Drop for Flush {
    fn drop(&mut self) {
        self.0.flush();
    }
}

/// The writer the subscriber formats lines into (see the module's doc).
pub struct LogWriter<W> {
    shared: Arc<Shared<W>>,
}

impl<W> Clone for LogWriter<W> {
    fn clone(&self) -> Self {
        LogWriter { shared: self.shared.clone() }
    }
}

struct Shared<W> {
    /// Access lines not yet written.
    gathered: Mutex<Vec<u8>>,
    /// Taken before `gathered` by whoever writes, so batches go out in order. The spare
    /// buffer is swapped with `gathered` to write it out without holding that lock.
    output: Mutex<(W, Vec<u8>)>,
}

impl<W: Write> LogWriter<W> {
    pub fn new(output: W) -> Self {
        let shared = Shared {
            gathered: Mutex::new(Vec::with_capacity(BATCH_BYTES)),
            output: Mutex::new((output, Vec::with_capacity(BATCH_BYTES))),
        };
        LogWriter { shared: Arc::new(shared) }
    }

    /// Writes the gathered lines.
    pub fn flush(&self) {
        if lock(&self.shared.gathered).is_empty() {
            return;
        }
        let mut output = lock(&self.shared.output);
        self.write_gathered(&mut output);
    }

    /// [`Self::flush`] for a panic's hook: it waits for another thread's write, but not for
    /// this thread's own (a panic while writing would wait for itself).
    fn flush_before_panic(&self) {
        if !WRITING.get() {
            let mut output = lock(&self.shared.output);
            self.write_gathered(&mut output);
        }
    }

    fn gather(&self, line: &[u8]) {
        let full = {
            let mut gathered = lock(&self.shared.gathered);
            gathered.extend_from_slice(line);
            gathered.len() >= BATCH_BYTES
        };
        if full {
            self.flush();
        }
    }

    fn write_now(&self, line: &[u8]) {
        let mut output = lock(&self.shared.output);
        self.write_gathered(&mut output);
        // A log that cannot be written has nowhere to report it.
        WRITING.set(true);
        let _ = output.0.write_all(line);
        WRITING.set(false);
    }

    fn write_gathered(&self, output: &mut (W, Vec<u8>)) {
        let (out, spare) = output;
        std::mem::swap(&mut *lock(&self.shared.gathered), spare);
        if !spare.is_empty() {
            WRITING.set(true);
            let _ = out.write_all(spare);
            let _ = out.flush();
            WRITING.set(false);
            spare.clear();
        }
    }
}

thread_local! {
    /// Whether this thread is writing to the output (see [`LogWriter::flush_before_panic`]).
    static WRITING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while a buffer was held leaves bytes, never a broken invariant: carry on.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One line's writer: gathered for an access line, written at once for any other.
pub struct Line<'a, W: Write> {
    writer: &'a LogWriter<W>,
    gathered: bool,
}

impl<W: Write> Write for Line<'_, W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.gathered {
            self.writer.gather(bytes);
        } else {
            self.writer.write_now(bytes);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a, W: Write + 'a> MakeWriter<'a> for LogWriter<W> {
    type Writer = Line<'a, W>;

    fn make_writer(&'a self) -> Line<'a, W> {
        Line { writer: self, gathered: false }
    }

    fn make_writer_for(&'a self, meta: &Metadata<'_>) -> Line<'a, W> {
        Line { writer: self, gathered: meta.target() == ACCESS_LOG }
    }
}

#[cfg(test)]
mod tests {
    use super::sink::Sink;
    use super::*;

    fn line(writer: &LogWriter<Sink>, access: bool, text: &str) {
        let mut line = Line { writer, gathered: access };
        line.write_all(text.as_bytes()).expect("a line is always taken");
    }

    #[test]
    fn access_lines_wait_and_other_lines_go_out_at_once_in_order() {
        let sink = Sink::default();
        let writer = LogWriter::new(sink.clone());
        line(&writer, true, "a1\n");
        line(&writer, true, "a2\n");
        assert_eq!(sink.text(), "", "access lines are gathered");
        line(&writer, false, "warn\n");
        assert_eq!(sink.text(), "a1\na2\nwarn\n", "the gathered lines first");
        line(&writer, true, "a3\n");
        writer.flush();
        assert_eq!(sink.text(), "a1\na2\nwarn\na3\n");
        writer.flush();
        assert_eq!(sink.text(), "a1\na2\nwarn\na3\n", "nothing is written twice");
    }

    #[test]
    fn a_panic_writes_what_is_gathered_unless_its_thread_was_writing() {
        let sink = Sink::default();
        let writer = LogWriter::new(sink.clone());
        line(&writer, true, "a1\n");
        WRITING.set(true);
        writer.flush_before_panic();
        assert_eq!(sink.text(), "", "a thread that panics while writing does not wait for itself");
        WRITING.set(false);
        writer.flush_before_panic();
        assert_eq!(sink.text(), "a1\n");
    }

    #[test]
    fn a_full_batch_is_written_without_waiting() {
        let sink = Sink::default();
        let writer = LogWriter::new(sink.clone());
        let text = "x".repeat(99) + "\n";
        let lines = BATCH_BYTES / text.len() + 1;
        for _ in 0..lines - 1 {
            line(&writer, true, &text);
        }
        assert_eq!(sink.text(), "");
        line(&writer, true, &text);
        assert_eq!(sink.text().len(), lines * text.len());
    }

    #[test]
    fn only_the_access_target_is_gathered() {
        let sink = Sink::default();
        let writer = LogWriter::new(sink.clone());
        let subscriber = tracing_subscriber::fmt().with_writer(writer.clone()).with_ansi(false).finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(target: ACCESS_LOG, status = 200, "answered");
            assert_eq!(sink.text(), "");
            tracing::info!("something else");
        });
        let text = sink.text();
        let (answered, other) = (text.find("answered"), text.find("something else"));
        assert!(answered.is_some() && answered < other, "{text}");
    }
}
