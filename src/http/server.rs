//! The connection loop. It does what `axum::serve` does (HTTP/1 and HTTP/2, upgrades for the
//! WebSocket, the peer's address for the rate limits, graceful shutdown) plus two things it
//! leaves out: a deadline for a request's head (a slowloris that trickles its headers, or a
//! connection held open idle, is closed) and a bound on how long shutdown waits.

use std::future::Future;
use std::time::Duration;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
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

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            shutdown_grace: super::config::DEFAULT_REQUEST_TIMEOUT + Duration::from_secs(1),
        }
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting, lets the
/// requests in flight finish (for at most `options.shutdown_grace`) and returns.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    options: ServeOptions,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(options.header_timeout);
    // The CONNECT protocol carries WebSockets over HTTP/2.
    builder.http2().timer(TokioTimer::new()).enable_connect_protocol();
    let connections = GracefulShutdown::new();
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
        let service = router.clone().map_request(move |mut request: axum::http::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            request.map(Body::new)
        });
        let (builder, watcher) = (builder.clone(), connections.watcher());
        tokio::spawn(async move {
            // hyper times the request head, but not the wait for a new connection's first byte
            // (which tells HTTP/1 from HTTP/2).
            let first_byte = tokio::time::timeout(options.header_timeout, stream.peek(&mut [0; 1])).await;
            if !matches!(first_byte, Ok(Ok(1))) {
                return;
            }
            let connection = builder
                .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service));
            if let Err(e) = watcher.watch(connection).await {
                tracing::debug!(%peer, "connection closed: {e}");
            }
        });
    }
    drop(listener);
    let in_flight = connections.count();
    if tokio::time::timeout(options.shutdown_grace, connections.shutdown()).await.is_err() {
        tracing::warn!(
            in_flight,
            "shutdown: requests still running after {:?}; leaving them",
            options.shutdown_grace
        );
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
