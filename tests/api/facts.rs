//! Spot checks of the seed's facts through the API.

use serde_json::json;

use crate::helpers::{spawn_app, strings};

#[tokio::test]
async fn the_four_2018_interviews_come_in_series_order_with_their_quotes_verbatim() {
    let app = spawn_app().await;
    let data = app
        .data(
            "{ interviews(category: SERIES, year: 2018) { nodes { title quote affiliation person { name } series { name position period } } } }",
            json!({}),
        )
        .await;
    let nodes = data["interviews"]["nodes"].as_array().cloned().unwrap_or_default();
    let names = strings(&data["interviews"]["nodes"], "person/name");
    assert_eq!(names, ["Kaiser Kuo", "Manya Koetse", "Rogier Creemers", "Mirjam Meissner"]);
    let positions: Vec<u64> = nodes.iter().filter_map(|n| n["series"]["position"].as_u64()).collect();
    assert_eq!(positions, [1, 2, 3, 4]);
    let quotes = strings(&data["interviews"]["nodes"], "quote");
    assert_eq!(
        quotes,
        [
            "I think that anxieties about technology are at the very heart of so many of the tensions now between China and the western countries",
            "People say that they actually feel safer because you have these SCS that are punishing those in society, companies and individuals, who do wrong.",
            "In China, morality and governance have always been closely connected. The SCS merely adapts this paternalism for the 21st century market economy.",
            "The government aims to be less visible as a regulator, and instead relies on the [social credit] system to incentivize actors to be self-regulating. In that sense, the SCS is an attempt of creating an 'invisible hand'.",
        ]
    );
    // Titles as published: an en dash in part III, a hyphen in part IV, unknown for I and II.
    assert_eq!(
        strings(&data["interviews"]["nodes"], "title"),
        ["<null>", "<null>", "The Social Credit System – Part III", "The Social Credit System - Part IV"]
    );
    assert_eq!(nodes[0]["series"]["period"], "July / August 2018");
    assert_eq!(nodes[2]["affiliation"], "researcher in the law and governance of China at Leiden University");
}

#[tokio::test]
async fn dates_keep_their_precision() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{
                talk: content(slug: "talk-at-the-library-2019") { date year datePrecision }
                recap: content(slug: "recap-sinica-live-taping") { date year datePrecision }
                webcast: content(slug: "webcast-2020") { date year datePrecision }
                undated: content(slug: "creemers-isnt-what-it-sometimes-seems") { date year datePrecision }
            }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["talk"], json!({ "date": "2019-10-22", "year": 2019, "datePrecision": "DAY" }));
    assert_eq!(data["recap"], json!({ "date": "2018-11", "year": 2018, "datePrecision": "MONTH" }));
    assert_eq!(data["webcast"], json!({ "date": "2020", "year": 2020, "datePrecision": "YEAR" }));
    assert_eq!(data["undated"], json!({ "date": null, "year": null, "datePrecision": null }));
}

#[tokio::test]
async fn unknown_facts_are_null() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{
                webcast: content(slug: "webcast-2020") { url ... on Event { venue address startTime } }
                podcast: content(slug: "sinica-mythbusting-chinas-social-credit-system") {
                    ... on PodcastEpisode { releasedOn recordedOn recordedAt { slug title } host { name } }
                }
                bts: content(slug: "behind-the-scenes-kaiser-kuo") { title url date }
                sunday: content(slug: "nzz-am-sonntag-kaiser-kuo-2018") { url language ... on PressItem { outlet label } }
            }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["webcast"], json!({ "url": null, "venue": null, "address": null, "startTime": null }));
    assert_eq!(data["podcast"]["releasedOn"], json!(null));
    assert_eq!(data["podcast"]["recordedOn"], "2018-10-31");
    assert_eq!(data["podcast"]["host"]["name"], "Kaiser Kuo");
    assert_eq!(
        data["podcast"]["recordedAt"]["title"],
        "The Social Credit System: Orwellian Nightmare or Digital Business as Usual?"
    );
    assert_eq!(data["bts"], json!({ "title": null, "url": null, "date": "2018-11" }));
    assert_eq!(
        data["sunday"],
        json!({ "url": null, "language": "de", "outlet": "NZZ am Sonntag", "label": "Interview with Kaiser Kuo" })
    );
}

#[tokio::test]
async fn the_page_and_its_images_carry_their_credits() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{
                series { title subtitle publisher url intro heroImage { caption captionCorrected credit creator licence source }
                         updates { year title items { slug } } }
                talk: content(slug: "talk-at-the-library-2019") { image { caption credit creator licence } }
                sheet: content(slug: "condensed-key-take-aways") {
                    date ... on FactSheet { linkText attachment { fileName mediaType sizeLabel byteSize } }
                }
            }"#,
            json!({}),
        )
        .await;
    let s = &data["series"];
    assert_eq!(s["title"], "China's Social Credit System");
    assert_eq!(s["subtitle"], "A closer look on a highly contested topic");
    assert_eq!(s["publisher"], "Asia Society Switzerland");
    assert_eq!(s["url"], "https://asiasociety.org/switzerland/chinas-social-credit-system");
    let intro = s["intro"].as_str().unwrap_or_default();
    assert!(intro.starts_with("Transparent citizens, police state, totalitarian rule:"), "{intro}");
    assert!(intro.ends_with("by the end of November 2018."), "{intro}");
    assert_eq!(
        s["heroImage"],
        json!({ "caption": "Soliders Patrol", "captionCorrected": "Soldiers Patrol",
                "credit": "© Tauno Tõhk / Flickr / CC BY-SA 2.0", "creator": "Tauno Tõhk",
                "licence": "CC BY-SA 2.0", "source": "Flickr" })
    );
    let years: Vec<u64> =
        s["updates"].as_array().into_iter().flatten().filter_map(|u| u["year"].as_u64()).collect();
    assert_eq!(years, [2020, 2019, 2018]);
    assert_eq!(strings(&s["updates"][0]["items"], "slug"), ["webcast-2020"]);
    assert_eq!(s["updates"][2]["items"].as_array().map(Vec::len), Some(13));
    assert_eq!(
        data["talk"]["image"],
        json!({ "caption": "Shenzen", "credit": "Shenzen, Volker Leister / unsplash", "creator": "Volker Leister", "licence": null })
    );
    assert_eq!(data["sheet"]["date"], "2018-10");
    assert_eq!(
        data["sheet"]["attachment"],
        json!({ "fileName": "5 Things We Misunderstood About Chinas Social Credit System_Asia Society Switzerland.pdf",
                "mediaType": "application/pdf", "sizeLabel": "282.9 KB", "byteSize": null })
    );
}

#[tokio::test]
async fn readings_keep_the_page_order_and_their_publication_facts() {
    let app = spawn_app().await;
    let data = app
        .data(
            "{ readings { nodes { position title language date venue doi writtenOn authors { name } otherVersions { venue date doi citation } } } }",
            json!({}),
        )
        .await;
    let nodes = data["readings"]["nodes"].as_array().cloned().unwrap_or_default();
    let positions: Vec<u64> = nodes.iter().filter_map(|n| n["position"].as_u64()).collect();
    assert_eq!(positions, [1, 2, 3, 4, 5]);
    assert_eq!(nodes[0]["doi"], "10.2139/ssrn.3175792");
    assert_eq!(nodes[0]["date"], "2018-05-22");
    assert_eq!(nodes[0]["writtenOn"], "2018-05-09");
    assert_eq!(nodes[1]["date"], json!(null));
    assert_eq!(nodes[2]["authors"], json!([{ "name": "Genia Kostka" }]));
    assert_eq!(
        nodes[2]["otherVersions"],
        json!([{ "venue": "New Media & Society", "date": "2019", "doi": "10.1177/1461444819826402",
                 "citation": "New Media & Society 21(7):1565–1593" }])
    );
    assert_eq!(nodes[4]["language"], "de");
    assert_eq!(nodes[4]["title"], "Errichtet China eine Big-Data-Diktatur? Nein.");
}

#[tokio::test]
async fn affiliations_belong_to_the_item() {
    let app = spawn_app().await;
    let data = app
        .data(
            r#"{ person(slug: "rogier-creemers") {
                affiliations
                interviews { nodes { slug people(role: INTERVIEWEE) { affiliations role } } }
            } }"#,
            json!({}),
        )
        .await;
    let by_slug = |slug: &str| {
        data["person"]["interviews"]["nodes"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|n| n["slug"] == slug)
            .map(|n| n["people"][0].clone())
    };
    assert_eq!(
        by_slug("rogier-creemers-2019-update"),
        Some(json!({ "affiliations": ["China law scholar", "China Analyst"], "role": "INTERVIEWEE" }))
    );
    assert_eq!(
        by_slug("interview-series-part-3-rogier-creemers"),
        Some(
            json!({ "affiliations": ["researcher in the law and governance of China at Leiden University"], "role": "INTERVIEWEE" })
        )
    );
}
