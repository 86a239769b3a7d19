//! Turning the raw TOML tables of one file into domain values, collecting every problem.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use toml::Spanned;

use super::raw::*;
use super::SeedError;
use crate::domain::*;

/// Converts the raw tables of one file, remembering where each problem is.
pub struct FileCtx<'a> {
    file: PathBuf,
    src: &'a str,
    /// Slug of the item being converted, for error messages.
    current: Option<String>,
    /// Where the text being converted starts in the file, when it is one table cut out of it.
    base: usize,
    pub errors: Vec<SeedError>,
    /// Slugs of tables that could not be read at all: references to them are not reported again.
    pub unreadable: Vec<String>,
    /// Slugs of the people in `people.toml`, which is read first.
    people: &'a HashSet<String>,
}

/// Longest quote the seed accepts: a pull quote, not an article.
const MAX_QUOTE_CHARS: usize = 600;

impl<'a> FileCtx<'a> {
    pub fn new(file: &Path, src: &'a str, people: &'a HashSet<String>) -> Self {
        FileCtx {
            file: file.to_path_buf(),
            src,
            current: None,
            base: 0,
            errors: Vec::new(),
            unreadable: Vec::new(),
            people,
        }
    }

    /// Converts a part of the file that starts at byte `base`, naming `item` in its errors.
    pub fn at(&mut self, base: usize, item: Option<String>) {
        self.base = base;
        self.current = item;
    }

    fn line_of(&self, offset: usize) -> usize {
        self.src.get(..offset + self.base).map_or(1, |s| s.bytes().filter(|b| *b == b'\n').count() + 1)
    }

    pub fn error(&mut self, offset: Option<usize>, field: Option<&str>, message: impl Into<String>) {
        self.errors.push(SeedError {
            file: self.file.clone(),
            line: offset.map(|o| self.line_of(o)),
            item: self.current.clone(),
            field: field.map(str::to_string),
            message: message.into(),
        });
    }

    /// Starts an item: later errors name it.
    pub fn begin_item(&mut self, slug: &Spanned<String>) -> Option<Slug> {
        self.current = Some(slug.get_ref().clone());
        self.slug(slug, "slug")
    }

    pub fn slug(&mut self, s: &Spanned<String>, field: &str) -> Option<Slug> {
        match Slug::parse(s.get_ref()) {
            Ok(slug) => Some(slug),
            Err(e) => {
                self.error(Some(s.span().start), Some(field), e.to_string());
                None
            }
        }
    }

    pub fn text(&mut self, s: &Spanned<String>, field: &str) -> String {
        if s.get_ref().trim().is_empty() {
            self.error(Some(s.span().start), Some(field), "must not be empty");
        }
        s.get_ref().clone()
    }

    fn opt_text(&mut self, s: &Option<String>, field: &str) -> Option<String> {
        if let Some(v) = s {
            if v.trim().is_empty() {
                self.error(None, Some(field), "must not be empty (leave the key out when unknown)");
            }
        }
        s.clone()
    }

    pub fn date(&mut self, s: &Option<Spanned<String>>, field: &str) -> Option<PartialDate> {
        let s = s.as_ref()?;
        match s.get_ref().parse() {
            Ok(d) => Some(d),
            Err(e) => {
                self.error(Some(s.span().start), Some(field), format!("{e}"));
                None
            }
        }
    }

    pub fn url(&mut self, s: &Option<Spanned<String>>, field: &str) -> Option<String> {
        let s = s.as_ref()?;
        let v = s.get_ref();
        let ok = (v.starts_with("https://") || v.starts_with("http://"))
            && v.len() > "https://".len()
            && !v.contains(char::is_whitespace);
        if !ok {
            self.error(Some(s.span().start), Some(field), format!("`{v}` is not an http(s) URL"));
        }
        Some(v.clone())
    }

    fn doi(&mut self, s: &Option<Spanned<String>>, field: &str) -> Option<String> {
        let s = s.as_ref()?;
        let v = s.get_ref();
        if !(v.starts_with("10.") && v.contains('/') && !v.contains(char::is_whitespace)) {
            self.error(Some(s.span().start), Some(field), format!("`{v}` is not a DOI (10.xxxx/...)"));
        }
        Some(v.clone())
    }

    fn time(&mut self, s: &Option<Spanned<String>>, field: &str) -> Option<String> {
        let s = s.as_ref()?;
        let v = s.get_ref();
        let ok = v.len() == 5
            && v.as_bytes()[2] == b':'
            && v[..2].parse::<u8>().is_ok_and(|h| h < 24)
            && v[3..].parse::<u8>().is_ok_and(|m| m < 60);
        if !ok {
            self.error(Some(s.span().start), Some(field), format!("`{v}` is not a time (HH:MM)"));
        }
        Some(v.clone())
    }

    pub fn language(&mut self, s: &Option<Spanned<String>>) -> Option<Language> {
        let s = s.as_ref()?;
        match Language::parse(s.get_ref()) {
            Ok(l) => Some(l),
            Err(e) => {
                self.error(Some(s.span().start), Some("language"), e.to_string());
                None
            }
        }
    }

    pub fn position(&mut self, s: &Spanned<i64>, field: &str) -> u16 {
        match u16::try_from(*s.get_ref()) {
            Ok(p) if p >= 1 => p,
            _ => {
                self.error(Some(s.span().start), Some(field), "must be a positive whole number");
                0
            }
        }
    }

    pub fn image(&mut self, raw: &Option<RawImage>, field: &str) -> Option<Image> {
        let raw = raw.as_ref()?;
        Some(Image {
            caption: raw.caption.clone(),
            caption_corrected: raw.caption_corrected.clone(),
            alt: raw.alt.clone(),
            credit: raw.credit.clone(),
            creator: raw.creator.clone(),
            source: raw.source.clone(),
            licence: raw.licence.clone(),
            url: self.url(&raw.url, &format!("{field}.url")),
        })
    }

    fn role(&mut self, s: &Spanned<String>) -> Option<Role> {
        let role = match s.get_ref().as_str() {
            "speaker" => Role::Speaker,
            "host" => Role::Host,
            "guest" => Role::Guest,
            "interviewee" => Role::Interviewee,
            "interviewer" => Role::Interviewer,
            "author" => Role::Author,
            other => {
                self.error(
                    Some(s.span().start),
                    Some("people.role"),
                    format!(
                        "unknown role `{other}` (speaker, host, guest, interviewee, interviewer, author)"
                    ),
                );
                return None;
            }
        };
        Some(role)
    }

    /// Converts the fields every content item shares; `details` is built by the caller.
    pub fn item(&mut self, kind: Kind, c: Common<'_>, details: Details) -> Option<Item> {
        let slug = self.begin_item(c.slug);
        let title = c.title.map(|t| self.text(t, "title"));
        let people = c
            .people
            .iter()
            .filter_map(|p| {
                let person = self.slug(&p.person, "people.person");
                if person.is_some() && !self.people.contains(p.person.get_ref()) {
                    let message = format!("unknown person `{}`", p.person.get_ref());
                    self.error(Some(p.person.span().start), Some("people.person"), message);
                }
                let role = self.role(&p.role);
                Some(Participation { person: person?, role: role?, affiliations: p.affiliations.clone() })
            })
            .collect();
        let item = Item {
            id: slug.as_ref().map(|s| entity_id(kind, s)).unwrap_or_default(),
            slug: slug?,
            title,
            dek: self.opt_text(c.dek, "dek"),
            summary: self.opt_text(c.summary, "summary"),
            date: self.date(c.date, "date"),
            url: self.url(c.url, "url"),
            language: self.language(c.language),
            image: self.image(c.image, "image"),
            people,
            note: c.note.clone(),
            details,
        };
        Some(item)
    }

    pub fn event(&mut self, raw: &Spanned<RawEvent>) -> Option<Item> {
        let r = raw.get_ref();
        self.current = Some(r.slug.get_ref().clone());
        let format = match r.format.get_ref().as_str() {
            "webcast" => EventFormat::Webcast,
            "talk" => EventFormat::Talk,
            "live-taping" => EventFormat::LiveTaping,
            other => {
                self.error(
                    Some(r.format.span().start),
                    Some("format"),
                    format!("unknown event format `{other}` (webcast, talk, live-taping)"),
                );
                EventFormat::Talk
            }
        };
        let details = Details::Event(EventDetails {
            format,
            event_series: r.event_series.clone(),
            start_time: self.time(&r.start_time, "start_time"),
            end_time: self.time(&r.end_time, "end_time"),
            venue: r.venue.clone(),
            address: r.address.clone(),
            city: r.city.clone(),
        });
        self.item(Kind::Event, r.common(), details)
    }

    pub fn interview(&mut self, raw: &Spanned<RawInterview>) -> Option<Item> {
        let r = raw.get_ref();
        self.current = Some(r.slug.get_ref().clone());
        let category = match r.category.get_ref().as_str() {
            "series" => InterviewCategory::Series,
            "update" => InterviewCategory::Update,
            "behind-the-scenes" => InterviewCategory::BehindTheScenes,
            other => {
                self.error(
                    Some(r.category.span().start),
                    Some("category"),
                    format!("unknown interview category `{other}` (series, update, behind-the-scenes)"),
                );
                InterviewCategory::Update
            }
        };
        if let Some(q) = &r.quote {
            if q.trim().is_empty() || q.chars().count() > MAX_QUOTE_CHARS {
                self.error(None, Some("quote"), format!("must be 1 to {MAX_QUOTE_CHARS} characters"));
            }
        }
        let series = r.series.as_ref().map(|s| SeriesMembership {
            name: s.name.clone(),
            position: self.position(&s.position, "series.position"),
            period: s.period.clone(),
            url: self.url(&s.url, "series.url"),
        });
        let details = Details::Interview(InterviewDetails { category, quote: r.quote.clone(), series });
        self.item(Kind::Interview, r.common(), details)
    }

    pub fn press_item(&mut self, raw: &Spanned<RawPressItem>) -> Option<Item> {
        let r = raw.get_ref();
        self.current = Some(r.slug.get_ref().clone());
        let details = Details::PressItem(PressDetails {
            label: r.label.clone(),
            outlet: self.text(&r.outlet, "outlet"),
        });
        self.item(Kind::PressItem, r.common(), details)
    }

    pub fn podcast_episode(&mut self, raw: &Spanned<RawPodcastEpisode>) -> Option<Item> {
        let r = raw.get_ref();
        self.current = Some(r.slug.get_ref().clone());
        let details = Details::PodcastEpisode(PodcastDetails {
            show: self.text(&r.show, "show"),
            recorded_on: self.date(&r.recorded_on, "recorded_on"),
            released_on: self.date(&r.released_on, "released_on"),
            recorded_at: r.recorded_at.as_ref().and_then(|s| self.slug(s, "recorded_at")),
            feed_url: self.url(&r.feed_url, "feed_url"),
        });
        self.item(Kind::PodcastEpisode, r.common(), details)
    }

    pub fn article(&mut self, raw: &Spanned<RawArticle>) -> Option<Item> {
        let r = raw.get_ref();
        self.current = Some(r.slug.get_ref().clone());
        let details = Details::Article(ArticleDetails {
            rubric: r.rubric.clone(),
            about: r.about.as_ref().and_then(|s| self.slug(s, "about")),
        });
        self.item(Kind::Article, r.common(), details)
    }

    pub fn fact_sheet(&mut self, raw: &Spanned<RawFactSheet>) -> Option<Item> {
        let r = raw.get_ref();
        self.current = Some(r.slug.get_ref().clone());
        let attachment = r.attachment.as_ref().map(|a| Attachment {
            file_name: self.text(&a.file_name, "attachment.file_name"),
            media_type: self.text(&a.media_type, "attachment.media_type"),
            size_label: a.size_label.clone(),
            byte_size: a.byte_size,
            url: self.url(&a.url, "attachment.url"),
        });
        let details = Details::FactSheet(FactSheetDetails { link_text: r.link_text.clone(), attachment });
        self.item(Kind::FactSheet, r.common(), details)
    }

    pub fn reading(&mut self, raw: &Spanned<RawReading>) -> Option<Item> {
        let r = raw.get_ref();
        self.current = Some(r.slug.get_ref().clone());
        let other_versions = r
            .other_versions
            .iter()
            .map(|p| Publication {
                venue: p.venue.clone(),
                date: self.date(&p.date, "other_versions.date"),
                citation: p.citation.clone(),
                url: self.url(&p.url, "other_versions.url"),
                doi: self.doi(&p.doi, "other_versions.doi"),
            })
            .collect();
        let details = Details::Reading(ReadingDetails {
            position: self.position(&r.position, "position"),
            venue: r.venue.clone(),
            doi: self.doi(&r.doi, "doi"),
            written_on: self.date(&r.written_on, "written_on"),
            other_versions,
        });
        self.item(Kind::Reading, r.common(), details)
    }

    pub fn person(&mut self, raw: &Spanned<RawPerson>) -> Option<Person> {
        let r = raw.get_ref();
        let slug = self.begin_item(&r.slug);
        let name = self.text(&r.name, "name");
        let slug = slug?;
        Some(Person {
            id: entity_id(Kind::Person, &slug),
            slug,
            name,
            affiliations: r.affiliations.clone(),
            note: r.note.clone(),
        })
    }

    pub fn update(&mut self, raw: &Spanned<RawUpdate>) -> Option<Update> {
        let r = raw.get_ref();
        let slug = self.begin_item(&r.slug);
        let title = self.text(&r.title, "title");
        let year = match u16::try_from(*r.year.get_ref()) {
            Ok(y) if (1000..=9999).contains(&y) => y,
            _ => {
                self.error(Some(r.year.span().start), Some("year"), "must be a four-digit year");
                0
            }
        };
        let items: Vec<Option<Slug>> = r.items.iter().map(|s| self.slug(s, "items")).collect();
        let slug = slug?;
        Some(Update {
            id: entity_id(Kind::Update, &slug),
            slug,
            year,
            title,
            intro: r.intro.clone(),
            items: items.into_iter().collect::<Option<Vec<_>>>()?,
        })
    }

    pub fn series(&mut self, r: &SeriesFile) -> Option<Series> {
        let slug = self.begin_item(&r.slug);
        let title = self.text(&r.title, "title");
        let url = self.url(&r.url, "url");
        let hero_image = self.image(&r.hero_image, "hero_image");
        let slug = slug?;
        Some(Series {
            id: entity_id(Kind::Series, &slug),
            slug,
            title,
            subtitle: r.subtitle.clone(),
            publisher: r.publisher.clone(),
            url,
            intro: r.intro.clone(),
            hero_image,
        })
    }
}
