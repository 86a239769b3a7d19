//! The connection loop. It does what `axum::serve` does (HTTP/1.1, upgrades for the WebSocket,
//! the peer's address for the rate limits, graceful shutdown) plus two things it leaves out: a
//! deadline for a request's head (a slowloris that trickles its headers, or a connection held
//! open idle, is closed) and a bound on how long shutdown waits.
//!
//! HTTP/1.1 only: hyper's HTTP/2 has no deadline for a request's head, and the reverse proxy in
//! front (TLS is its job) speaks HTTP/2 to browsers.

use std::future::Future;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt as _;

/// Default deadline for a request's head (request line and headers), and for an idle
/// keep-alive connection's next request.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// How the connections are handled.
#[derive(Debug, Clone, Copy)]
pub struct ServeOptions {
    /// A connection whose next request head has not arrived in full within this is closed.
    pub header_timeout: Duration,
    /// How long shutdown waits for requests in flight before it gives up on them.
    pub shutdown_grace: Duration,
}

impl ServeOptions {
    /// Shutdown waits as long as the longest request can take: no request is cut off by it.
    pub fn new(header_timeout: Duration, request_timeout: Duration) -> Self {
        ServeOptions {
            header_timeout,
            shutdown_grace: request_timeout.saturating_add(Duration::from_secs(1)),
        }
    }
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions::new(DEFAULT_HEADER_TIMEOUT, super::config::DEFAULT_REQUEST_TIMEOUT)
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then stops accepting, lets the
/// requests in flight finish (for at most `options.shutdown_grace`) and returns.
pub async fn serve(
    listener: TcpListener,
    app: impl super::App,
    options: ServeOptions,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = http1::Builder::new();
    // The timer starts when hyper waits for a head, so an idle connection is timed too.
    builder.timer(TokioTimer::new()).header_read_timeout(options.header_timeout);
    // Dropped to tell the connections to finish; each holds a receiver until it is closed.
    let (stop_tx, stop_rx) = watch::channel(());
    let (closed_tx, closed_rx) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    pause_after_accept_error(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Small answers go out at once rather than waiting for Nagle's algorithm.
        let _ = stream.set_nodelay(true);
        let service = app.clone().map_request(move |mut request: axum::http::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request.map(Body::new)
        });
        let connection =
            builder.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service)).with_upgrades();
        let (mut stop, closed) = (stop_rx.clone(), closed_rx.clone());
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => log_end(peer, result),
                _ = stop.changed() => {
                    // Finish the request in flight (an idle connection closes at once).
                    connection.as_mut().graceful_shutdown();
                    log_end(peer, connection.await);
                }
            }
            drop(closed);
        });
    }
    drop(listener);
    drop(stop_tx);
    drop(closed_rx);
    let in_flight = closed_tx.receiver_count();
    if tokio::time::timeout(options.shutdown_grace, closed_tx.closed()).await.is_err() {
        tracing::warn!(
            in_flight,
            "shutdown: requests still running after {:?}; leaving them",
            options.shutdown_grace
        );
    }
}

fn log_end(peer: std::net::SocketAddr, result: Result<(), hyper::Error>) {
    if let Err(e) = result {
        tracing::debug!(%peer, "connection closed: {e}");
    }
}

/// Waits a moment after a failed `accept`. A per-connection error (the peer gave up) needs no
/// wait; running out of file descriptors does, or the loop would spin.
async fn pause_after_accept_error(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(e.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        return;
    }
    tracing::error!("accept failed: {e}; retrying in 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}
