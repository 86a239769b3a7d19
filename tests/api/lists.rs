//! Every list with and without each filter, filters combined, and bad filters.

use serde_json::{json, Value};

use crate::helpers::{error_code, spawn_app, strings};

/// `(list field, arguments, expected totalCount)`, counted by hand from `seed/`.
const CASES: &[(&str, &str, u64)] = &[
    ("contents", "", 22),
    ("contents", "year: 2018", 17),
    ("contents", "year: 2019", 3),
    ("contents", "year: 2020", 1),
    ("contents", "person: \"manya-koetse\"", 8),
    ("contents", "person: \"rogier-creemers\", year: 2018", 6),
    ("events", "", 3),
    ("events", "year: 2019", 1),
    ("events", "person: \"kaiser-kuo\"", 1),
    ("events", "person: \"kendra-schaefer\", year: 2020", 1),
    ("interviews", "", 9),
    ("interviews", "year: 2018", 7),
    ("interviews", "person: \"rogier-creemers\"", 3),
    ("interviews", "year: 2018, person: \"manya-koetse\"", 2),
    ("interviews", "category: SERIES", 4),
    ("interviews", "category: BEHIND_THE_SCENES, person: \"kaiser-kuo\"", 1),
    ("updates", "", 3),
    ("updates", "year: 2019", 1),
    ("updates", "person: \"kendra-schaefer\"", 1),
    ("updates", "person: \"manya-koetse\", year: 2018", 1),
    ("readings", "", 5),
    ("readings", "year: 2018", 4),
    ("readings", "person: \"rogier-creemers\"", 2),
    ("readings", "person: \"genia-kostka\", year: 2018", 1),
    ("pressItems", "", 2),
    ("pressItems", "person: \"kaiser-kuo\"", 1),
    ("pressItems", "year: 2018, person: \"manya-koetse\"", 1),
    ("podcastEpisodes", "", 1),
    ("podcastEpisodes", "person: \"kaiser-kuo\", year: 2018", 1),
    ("articles", "year: 2018", 1),
    ("factSheets", "", 1),
    ("factSheets", "person: \"kaiser-kuo\"", 0),
    ("people", "", 10),
    ("people", "year: 2020", 2),
    ("people", "year: 2019", 3),
    ("people", "person: \"kaiser-kuo\"", 2),
    ("people", "person: \"rogier-creemers\", year: 2019", 1),
];

#[tokio::test]
async fn every_list_with_each_filter_counts_what_the_seed_holds() {
    let app = spawn_app().await;
    for (field, args, expected) in CASES {
        let args = if args.is_empty() { String::new() } else { format!("({args})") };
        let query = format!("{{ {field}{args} {{ totalCount nodes {{ __typename }} edges {{ cursor }} }} }}");
        let data = app.data(&query, json!({})).await;
        let list = &data[field];
        assert_eq!(list["totalCount"], json!(expected), "{query}");
        let nodes = list["nodes"].as_array().map_or(0, Vec::len) as u64;
        assert_eq!(nodes, (*expected).min(20), "{query}: one page of nodes");
        assert_eq!(list["edges"].as_array().map_or(0, Vec::len) as u64, nodes, "{query}: edges match nodes");
    }
}

#[tokio::test]
async fn filters_keep_only_matching_items() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{ contents(year: 2018, person: "kaiser-kuo") { nodes { slug year people { person { slug } } } } }"#,
            json!({}),
        )
        .await;
    let nodes = data["contents"]["nodes"].as_array().cloned().unwrap_or_default();
    assert_eq!(nodes.len(), 6);
    for n in &nodes {
        assert_eq!(n["year"], 2018, "{n}");
        let people = strings(&n["people"], "person/slug");
        assert!(people.iter().any(|p| p == "kaiser-kuo"), "{n}");
    }
}

#[tokio::test]
async fn contents_are_newest_first() {
    let app = spawn_app().await;
    let data = app.data("{ contents(first: 100) { nodes { date slug } } }", json!({})).await;
    let dates = strings(&data["contents"]["nodes"], "date");
    // Items of the same date keep their page order.
    let november: Vec<String> = strings(&data["contents"]["nodes"], "slug")
        .into_iter()
        .zip(&dates)
        .filter(|(_, d)| *d == "2018-11")
        .map(|(s, _)| s)
        .collect();
    assert_eq!(
        november,
        [
            "sinica-mythbusting-chinas-social-credit-system",
            "behind-the-scenes-manya-koetse",
            "behind-the-scenes-rogier-creemers",
            "behind-the-scenes-kaiser-kuo",
            "recap-sinica-live-taping",
        ]
    );
    assert_eq!(dates.first().map(String::as_str), Some("2020"));
    assert_eq!(dates.get(1).map(String::as_str), Some("2019-10-22"));
    // The one undated item (reading 2) comes last.
    assert_eq!(dates.last().map(String::as_str), Some("<null>"));
    let known: Vec<&String> = dates.iter().filter(|d| *d != "<null>").collect();
    let mut sorted = known.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    // Lexicographic order of ISO dates equals chronological order except that "2018" sorts
    // before "2018-11" in both; newest first reverses it.
    assert_eq!(known, sorted);
}

#[tokio::test]
async fn an_empty_year_is_an_empty_list_not_an_error() {
    let app = spawn_app().await;
    let data = app.data("{ events(year: 2017) { totalCount nodes { slug } pageInfo { hasNextPage hasPreviousPage startCursor } } }", json!({})).await;
    assert_eq!(
        data["events"],
        json!({ "totalCount": 0, "nodes": [], "pageInfo": { "hasNextPage": false, "hasPreviousPage": false, "startCursor": null } })
    );
}

#[tokio::test]
async fn an_unknown_person_is_not_found() {
    let app = spawn_app().await;
    for list in ["contents", "events", "interviews", "readings", "updates", "people"] {
        let body =
            app.query(&format!(r#"{{ {list}(person: "nobody-here") {{ totalCount }} }}"#), json!({})).await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{list}: {body}");
        assert!(body["errors"][0]["message"].as_str().unwrap_or_default().contains("nobody-here"));
        assert_eq!(body["data"], Value::Null, "{list}: no partial data");
    }
}

#[tokio::test]
async fn a_year_that_is_not_a_year_is_bad_input() {
    let app = spawn_app().await;
    for year in ["-1", "0", "99999"] {
        let body = app.query(&format!("{{ contents(year: {year}) {{ totalCount }} }}"), json!({})).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "year {year}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["argument"], "year");
    }
    let body = app.query(r#"{ contents(year: "2018") { totalCount } }"#, json!({})).await;
    assert!(body["errors"].is_array(), "a string year is a validation error: {body}");
}

#[tokio::test]
async fn a_persons_reverse_relations_take_the_same_filters() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{ person(slug: "manya-koetse") {
                name
                contents { totalCount }
                interviews { totalCount }
                events { totalCount }
                readings { totalCount }
                pressItems { totalCount }
                y2019: contents(year: 2019) { totalCount nodes { slug } }
                withKuo: contents(person: "kaiser-kuo") { totalCount nodes { slug } }
                firstTwo: contents(first: 2) { nodes { slug } pageInfo { hasNextPage } }
            } }"#,
            json!({}),
        )
        .await;
    let p = &data["person"];
    assert_eq!(p["name"], "Manya Koetse");
    assert_eq!(p["contents"]["totalCount"], 8);
    assert_eq!(p["interviews"]["totalCount"], 3);
    assert_eq!(p["events"]["totalCount"], 1);
    assert_eq!(p["readings"]["totalCount"], 1);
    assert_eq!(p["pressItems"]["totalCount"], 1);
    assert_eq!(strings(&p["y2019"]["nodes"], "slug"), ["manya-koetse-pop-songs-for-trustworthiness"]);
    let mut with_kuo = strings(&p["withKuo"]["nodes"], "slug");
    with_kuo.sort();
    assert_eq!(
        with_kuo,
        [
            "recap-sinica-live-taping",
            "sinica-live-taping-2018",
            "sinica-mythbusting-chinas-social-credit-system"
        ]
    );
    assert_eq!(p["withKuo"]["totalCount"], 3);
    assert_eq!(p["firstTwo"]["pageInfo"]["hasNextPage"], true);
}
