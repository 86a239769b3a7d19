//! The GraphQL engine's own limit: a plain async-graphql server on the same stack as scs-series
//! (tokio, hyper, axum, async-graphql-axum) over in-memory data, with no store, cache or
//! middleware. It parses, validates and executes every request, so it is the ceiling of an
//! uncached ("cold") GraphQL answer on this stack, between the bare-HTTP limit and scs-series.
//!
//! `cargo run --release --example plain-graphql -- --listen 127.0.0.1:18581 --data FILE` serves
//! only what bench/queries/list.graphql asks for: `interviews(year:, category:)` with
//! `totalCount` and `nodes { title quote person { name } }`. FILE is scs-series' own answer to
//! that query (the benchmark saves it); its nodes are held as year 2018, category SERIES, beside
//! a few interviews of other years and categories so that the arguments filter something. The
//! answer is then byte for byte scs-series' answer, and so is the one to `{ __typename }`.

use std::net::SocketAddr;

use anyhow::Context as _;
use async_graphql::{EmptyMutation, EmptySubscription, Enum, Object, Schema, SimpleObject};
use async_graphql_axum::GraphQL;
use axum::routing::post_service;
use axum::Router;
use serde::Deserialize;

const USAGE: &str = "usage: plain-graphql [--listen ADDR] --data FILE";

#[derive(Enum, Clone, Copy, PartialEq, Eq)]
enum InterviewCategory {
    Series,
    Update,
    BehindTheScenes,
}

#[derive(SimpleObject, Deserialize)]
struct Person {
    name: Option<String>,
}

#[derive(SimpleObject, Deserialize)]
struct Interview {
    title: Option<String>,
    quote: Option<String>,
    person: Option<Person>,
}

/// An interview with what `interviews` filters on.
struct Held {
    year: i32,
    category: InterviewCategory,
    interview: Interview,
}

#[derive(SimpleObject)]
struct InterviewConnection {
    total_count: usize,
    nodes: Vec<&'static Interview>,
}

/// The root, named as scs-series names it (`{ __typename }` answers "Root").
struct Root(&'static [Held]);

#[Object(name = "Root")]
impl Root {
    async fn interviews(&self, year: i32, category: InterviewCategory) -> InterviewConnection {
        let nodes: Vec<_> = (self.0.iter())
            .filter(|held| held.year == year && held.category == category)
            .map(|held| &held.interview)
            .collect();
        InterviewConnection { total_count: nodes.len(), nodes }
    }
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (mut listen, mut data) = (SocketAddr::from(([127, 0, 0, 1], 18581)), None);
    while let Some(flag) = args.next() {
        match (flag.as_str(), args.next()) {
            ("--listen", Some(value)) => listen = value.parse()?,
            ("--data", Some(value)) => {
                data = Some(std::fs::read(&value).with_context(|| format!("--data {value}"))?)
            }
            _ => anyhow::bail!(USAGE),
        }
    }
    let Some(data) = data else { anyhow::bail!(USAGE) };
    let mut answer: serde_json::Value = serde_json::from_slice(&data).context("--data: not JSON")?;
    let nodes = (answer.pointer_mut("/data/interviews/nodes").map(serde_json::Value::take))
        .context("--data: no data.interviews.nodes")?;
    let nodes: Vec<Interview> = serde_json::from_value(nodes).context("--data: nodes")?;
    let other = |year, category, title: &str| Held {
        year,
        category,
        interview: Interview { title: Some(title.to_owned()), quote: None, person: None },
    };
    let mut held = vec![
        other(2019, InterviewCategory::Update, "The 2019 update"),
        other(2018, InterviewCategory::BehindTheScenes, "Behind the scenes"),
        other(2020, InterviewCategory::Update, "The 2020 update"),
    ];
    let series = nodes.into_iter().map(|interview| Held {
        year: 2018,
        category: InterviewCategory::Series,
        interview,
    });
    held.splice(1..1, series);
    // Loaded once and kept to the end: the resolvers hand out plain references, no copies.
    let schema = Schema::new(Root(held.leak()), EmptyMutation, EmptySubscription);
    let app = Router::new().route("/graphql", post_service(GraphQL::new(schema)));
    tokio::runtime::Runtime::new()?.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        println!("plain-graphql: http://{}/graphql", listener.local_addr()?);
        axum::serve(listener, app).await?;
        Ok(())
    })
}
