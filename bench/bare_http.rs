//! The bare-HTTP limit: the same stack as scs-series (tokio, hyper, axum) answering
//! `POST /graphql` with fixed response bytes, with no GraphQL, store or middleware. No GraphQL
//! server on this stack can be faster, so it is the ceiling the benchmark measures against.
//!
//! `cargo run --release --example bare-http -- --listen 127.0.0.1:18580 --response FILE`
//! answers every POST with the bytes of FILE (the benchmark saves scs-series' own answer to
//! the query there), after reading the whole request body as a real server must.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::http::header;
use axum::routing::post;
use axum::Router;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (mut listen, mut response) = (SocketAddr::from(([127, 0, 0, 1], 18580)), None);
    while let Some(flag) = args.next() {
        match (flag.as_str(), args.next()) {
            ("--listen", Some(value)) => listen = value.parse()?,
            ("--response", Some(value)) => response = Some(std::fs::read(value)?),
            _ => anyhow::bail!("usage: bare-http [--listen ADDR] --response FILE"),
        }
    }
    let Some(response) = response else { anyhow::bail!("usage: bare-http [--listen ADDR] --response FILE") };
    let response: Arc<[u8]> = response.into();
    let app = Router::new().route(
        "/graphql",
        post(move |body: Bytes| {
            let response = response.clone();
            async move {
                // The body is read in full (the extractor) and then dropped.
                drop(body);
                ([(header::CONTENT_TYPE, "application/json")], Bytes::copy_from_slice(&response))
            }
        }),
    );
    tokio::runtime::Runtime::new()?.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        println!("bare-http: http://{}/graphql", listener.local_addr()?);
        axum::serve(listener, app).await?;
        Ok(())
    })
}
