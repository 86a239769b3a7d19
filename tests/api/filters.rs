//! Filters beyond year and person, orders, and facets.

use serde_json::{json, Value};

use crate::helpers::{error_code, spawn_app, strings, TestApp};

const CONTENTS: &str = r#"query($from: String, $to: String, $kinds: [ContentKind!], $language: String,
  $role: Role, $person: String, $orderBy: ContentOrder, $first: Int, $after: String) {
  contents(from: $from, to: $to, kinds: $kinds, language: $language, role: $role, person: $person,
           orderBy: $orderBy, first: $first, after: $after) {
    totalCount nodes { slug } pageInfo { hasNextPage endCursor }
  }
}"#;

async fn slugs(app: &TestApp, variables: Value) -> (u64, Vec<String>) {
    let data = app.data(CONTENTS, variables).await;
    let total = data["contents"]["totalCount"].as_u64().expect("count");
    (total, strings(&data["contents"]["nodes"], "slug"))
}

#[tokio::test]
async fn a_date_range_keeps_items_whose_date_may_fall_in_it() {
    let app = spawn_app().await;
    let (total, got) = slugs(&app, json!({ "from": "2018-11", "to": "2018-11", "first": 100 })).await;
    assert!(got.contains(&"nzz-manya-koetse-2018".to_string()), "a day in the month");
    assert!(got.contains(&"behind-the-scenes-kaiser-kuo".to_string()), "the month itself");
    assert!(got.contains(&"interview-series-part-1-kaiser-kuo".to_string()), "dated only 2018: may be in it");
    assert!(!got.contains(&"sinica-live-taping-2018".to_string()), "2018-10-31 is before");
    assert!(!got.contains(&"creemers-isnt-what-it-sometimes-seems".to_string()), "undated");
    assert_eq!(total, 11);
    assert_eq!(total as usize, got.len());

    let (_, got) = slugs(&app, json!({ "from": "2019-10-22", "first": 100 })).await;
    assert_eq!(
        got,
        [
            "webcast-2020",
            "talk-at-the-library-2019",
            "manya-koetse-pop-songs-for-trustworthiness",
            "rogier-creemers-2019-update"
        ]
    );
    let (_, got) = slugs(&app, json!({ "to": "2018-06", "first": 100 })).await;
    assert!(got.contains(&"creemers-evolving-practice-of-control".to_string()));
    assert!(!got.contains(&"koetse-state-media-cartoons".to_string()), "2018-07 is after");
}

#[tokio::test]
async fn kinds_language_and_role_filter_every_content_list() {
    let app = spawn_app().await;
    let (total, _) = slugs(&app, json!({ "kinds": ["READING", "FACT_SHEET"] })).await;
    assert_eq!(total, 6);
    let (total, got) = slugs(&app, json!({ "language": "de" })).await;
    assert_eq!(total, 3);
    assert_eq!(got, ["nzz-am-sonntag-kaiser-kuo-2018", "nzz-manya-koetse-2018", "hernig-big-data-diktatur"]);
    let (total, _) = slugs(&app, json!({ "person": "kaiser-kuo" })).await;
    assert_eq!(total, 6);
    let (total, got) = slugs(&app, json!({ "person": "kaiser-kuo", "role": "INTERVIEWEE" })).await;
    assert_eq!(total, 3, "{got:?}");
    let (total, _) = slugs(&app, json!({ "role": "HOST" })).await;
    assert_eq!(total, 3, "anyone hosting");

    // The same arguments on a kind's list and on a person's lists.
    let data = app
        .data(
            r#"{ interviews(role: INTERVIEWER) { totalCount }
                 person(slug: "manya-koetse") { contents(role: GUEST, from: "2018-11") { totalCount } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["interviews"]["totalCount"], 2);
    assert_eq!(
        data["person"]["contents"]["totalCount"], 2,
        "the podcast and the recap; the taping was 2018-10-31"
    );
}

#[tokio::test]
async fn every_order_is_stable_and_pages_without_overlap() {
    let app = spawn_app().await;
    for order in ["DATE_DESC", "DATE_ASC", "TITLE", "POSITION"] {
        let (total, all) = slugs(&app, json!({ "orderBy": order, "first": 100 })).await;
        assert_eq!(all.len() as u64, total);
        let mut paged = Vec::new();
        let mut after: Option<String> = None;
        loop {
            let data = app.data(CONTENTS, json!({ "orderBy": order, "first": 4, "after": after })).await;
            paged.extend(strings(&data["contents"]["nodes"], "slug"));
            if data["contents"]["pageInfo"]["hasNextPage"] == false {
                break;
            }
            after = data["contents"]["pageInfo"]["endCursor"].as_str().map(str::to_string);
        }
        assert_eq!(paged, all, "{order}: pages add up to the whole list");
    }

    let (_, asc) = slugs(&app, json!({ "orderBy": "DATE_ASC", "first": 100 })).await;
    assert_eq!(
        asc.first().map(String::as_str),
        Some("interview-series-part-1-kaiser-kuo"),
        "2018, part 1 first"
    );
    assert_eq!(
        &asc[..4],
        [
            "interview-series-part-1-kaiser-kuo",
            "interview-series-part-2-manya-koetse",
            "interview-series-part-3-rogier-creemers",
            "interview-series-part-4-mirjam-meissner"
        ],
        "ties by position"
    );
    assert_eq!(asc.last().map(String::as_str), Some("creemers-isnt-what-it-sometimes-seems"), "undated last");

    let data = app
        .data(r#"{ readings(orderBy: TITLE) { nodes { title } } interviews(orderBy: TITLE) { nodes { title } } }"#, json!({}))
        .await;
    let titles = strings(&data["readings"]["nodes"], "title");
    let mut sorted = titles.clone();
    sorted.sort_by_key(|t| t.to_lowercase());
    assert_eq!(titles, sorted, "readings by title");
    let interviews = strings(&data["interviews"]["nodes"], "title");
    assert_eq!(interviews.last().map(String::as_str), Some("<null>"), "untitled last: {interviews:?}");

    let data = app.data(r#"{ readings(orderBy: DATE_DESC, first: 2) { nodes { slug } } }"#, json!({})).await;
    assert_eq!(
        strings(&data["readings"]["nodes"], "slug"),
        ["hernig-big-data-diktatur", "kostka-public-opinion"]
    );
}

#[tokio::test]
async fn sorted_orders_page_backwards_and_between_cursors() {
    let app = spawn_app().await;
    let query = r#"query($order: ContentOrder, $first: Int, $last: Int, $after: String, $before: String) {
      contents(orderBy: $order, first: $first, last: $last, after: $after, before: $before) {
        nodes { slug } edges { cursor } pageInfo { hasNextPage hasPreviousPage } } }"#;
    for order in ["TITLE", "DATE_ASC", "POSITION", "DATE_DESC"] {
        let all = app.data(query, json!({ "order": order, "first": 100 })).await;
        let slugs = strings(&all["contents"]["nodes"], "slug");
        let cursor = |i: usize| all["contents"]["edges"][i]["cursor"].clone();

        let back = app.data(query, json!({ "order": order, "last": 2, "before": cursor(3) })).await;
        assert_eq!(strings(&back["contents"]["nodes"], "slug"), slugs[1..3], "{order}");
        assert_eq!(back["contents"]["pageInfo"], json!({ "hasNextPage": true, "hasPreviousPage": true }));

        let between =
            app.data(query, json!({ "order": order, "after": cursor(2), "before": cursor(6) })).await;
        assert_eq!(strings(&between["contents"]["nodes"], "slug"), slugs[3..6], "{order}");

        // Nothing lies between a cursor and itself, or between crossed cursors: an empty page.
        for (after, before) in [(3, 3), (6, 2)] {
            let body = app
                .query(query, json!({ "order": order, "after": cursor(after), "before": cursor(before) }))
                .await;
            assert!(body.get("errors").is_none(), "{order}: {body:#}");
            assert_eq!(body["data"]["contents"]["nodes"], json!([]), "{order}");
        }
    }
    // The server still answers.
    app.data("{ series { title } }", json!({})).await;
}

#[tokio::test]
async fn bad_filters_are_refused_with_the_argument_named() {
    let app = spawn_app().await;
    let first_page = app.data(CONTENTS, json!({ "orderBy": "TITLE", "first": 2 })).await;
    let title_cursor = first_page["contents"]["pageInfo"]["endCursor"].clone();
    for (variables, argument) in [
        (json!({ "from": "2018-13" }), "from"),
        (json!({ "to": "yesterday" }), "to"),
        (json!({ "from": "2019", "to": "2018" }), "to"),
        (json!({ "language": "klingon" }), "language"),
        (json!({ "orderBy": "DATE_DESC", "after": title_cursor }), "after"),
    ] {
        let body = app.query(CONTENTS, variables.clone()).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{variables}: {body:#}");
        assert_eq!(body["errors"][0]["extensions"]["argument"], argument, "{variables}");
    }
    let body = app.query(CONTENTS, json!({ "person": "nobody", "role": "HOST" })).await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    let body = app.query(CONTENTS, json!({ "role": "JUGGLER" })).await;
    assert_eq!(error_code(&body), "GRAPHQL_VALIDATION_FAILED", "an enum outside the schema");
}

#[tokio::test]
async fn facets_count_years_kinds_and_people() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{ facets { totalCount undatedCount years { year count kinds { kind count } }
                         kinds { kind count } people { person { slug } count } } }"#,
            json!({}),
        )
        .await;
    let facets = &data["facets"];
    assert_eq!(facets["totalCount"], 22);
    assert_eq!(facets["undatedCount"], 1);
    let years: Vec<(i64, i64)> = facets["years"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|y| (y["year"].as_i64().unwrap_or(0), y["count"].as_i64().unwrap_or(0)))
        .collect();
    assert_eq!(years, [(2020, 1), (2019, 3), (2018, 17)]);
    let y2019 = &facets["years"][1]["kinds"];
    assert_eq!(y2019, &json!([{ "kind": "EVENT", "count": 1 }, { "kind": "INTERVIEW", "count": 2 }]));
    let people = &facets["people"];
    assert_eq!(people[0]["person"]["slug"], "manya-koetse", "most items first");
    assert_eq!(people[0]["count"], 8);

    // The counts agree with the lists they stand for.
    let data = app
        .data(
            r#"{ facets(kinds: [INTERVIEW], person: "rogier-creemers") { totalCount years { year count } }
                 interviews(person: "rogier-creemers") { totalCount }
                 y2018: interviews(person: "rogier-creemers", year: 2018) { totalCount }
                 f2018: facets(year: 2018) { totalCount people { person { slug } count } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["facets"]["totalCount"], data["interviews"]["totalCount"]);
    assert_eq!(data["facets"]["years"][1]["count"], data["y2018"]["totalCount"]);
    assert_eq!(data["f2018"]["totalCount"], 17);
    let body = app.query(r#"{ facets(person: "nobody") { totalCount } }"#, json!({})).await;
    assert_eq!(error_code(&body), "NOT_FOUND");
}
