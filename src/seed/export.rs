//! Writing content back out in the seed format: `scs-series export`, and the form in which
//! editors' changes are checked (see [`super::check`]).
//!
//! Each entity becomes the TOML table an editor would write: its JSON form, without the id (it
//! derives from the slug), with the kind's details beside the common fields, and without the
//! keys that are unknown (`null`) or empty lists, which the seed format leaves out.

use std::cmp::Reverse;
use std::path::Path;

use toml::{Table, Value};

use crate::domain::{Content, Entity, Kind};

/// Where a kind lives in a seed folder: its file, and the key of its `[[table]]`s (`None` for
/// the series page, which is the whole of `series.toml`).
pub fn location(kind: Kind) -> (&'static str, Option<&'static str>) {
    match kind {
        Kind::Event => ("events.toml", Some("event")),
        Kind::Interview => ("interviews.toml", Some("interview")),
        Kind::PressItem => ("press.toml", Some("press_item")),
        Kind::PodcastEpisode => ("podcast.toml", Some("podcast_episode")),
        Kind::Article => ("articles.toml", Some("article")),
        Kind::FactSheet => ("fact_sheets.toml", Some("fact_sheet")),
        Kind::Reading => ("readings.toml", Some("reading")),
        Kind::Update => ("updates.toml", Some("update")),
        Kind::Person => ("people.toml", Some("person")),
        Kind::Series => ("series.toml", None),
    }
}

/// An entity as its seed table.
pub fn table_of(entity: &Entity) -> Table {
    let json = match entity {
        Entity::Item(i) => serde_json::to_value(i),
        Entity::Person(p) => serde_json::to_value(p),
        Entity::Update(u) => serde_json::to_value(u),
        Entity::Series(s) => serde_json::to_value(s),
    };
    let mut table = Table::new();
    // Domain values always serialize to a JSON object.
    if let Ok(serde_json::Value::Object(mut fields)) = json {
        fields.remove("id");
        if let Some(serde_json::Value::Object(details)) = fields.remove("details") {
            fields.extend(details.into_iter().filter(|(k, _)| k != "kind"));
        }
        for (key, value) in fields {
            if let Some(v) = to_toml(value) {
                table.insert(key, v);
            }
        }
    }
    table
}

/// Every entity of `content` as (kind, table), each kind in the order its file lists it:
/// the reading list by position, everything else newest first.
pub fn tables(content: &Content) -> Vec<(Kind, Table)> {
    let mut entities: Vec<Entity> = content.clone().into_entities().collect();
    entities.sort_by_key(|e| {
        let (date, position) = match e {
            Entity::Item(i) => (i.date.map_or(0, |d| d.sort_key()), i.position()),
            Entity::Update(u) => (u32::from(u.year), None),
            _ => (0, None),
        };
        (e.kind(), position.unwrap_or(u16::MAX), Reverse(date), e.slug().clone())
    });
    entities.iter().map(|e| (e.kind(), table_of(e))).collect()
}

/// The seed folder's files (name, text) holding `tables`, every file present even when empty.
pub fn files_of(tables: Vec<(Kind, Table)>) -> Result<Vec<(&'static str, String)>, toml::ser::Error> {
    Kind::ALL
        .into_iter()
        .map(|kind| {
            let (file, key) = location(kind);
            let mut mine = tables.iter().filter(|(k, _)| *k == kind).map(|(_, t)| t.clone());
            let doc = match key {
                Some(key) => {
                    let list: Vec<Value> = mine.map(Value::Table).collect();
                    let mut doc = Table::new();
                    if !list.is_empty() {
                        doc.insert(key.to_string(), Value::Array(list));
                    }
                    doc
                }
                None => mine.next_back().unwrap_or_default(),
            };
            let text = toml::to_string(&doc)?;
            Ok((file, format!("# Written by `scs-series export`.\n\n{text}")))
        })
        .collect()
}

/// `content` as the files of a seed folder.
pub fn files(content: &Content) -> Result<Vec<(&'static str, String)>, toml::ser::Error> {
    files_of(tables(content))
}

/// Writes `content` as a seed folder into `dir` (created when missing). Each file is written
/// to a temporary name and renamed, so a reader never sees half a file.
pub fn write_dir(content: &Content, dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for (name, text) in files(content).map_err(std::io::Error::other)? {
        let part = dir.join(format!(".{name}.part"));
        std::fs::write(&part, text)?;
        std::fs::rename(&part, dir.join(name))?;
    }
    Ok(())
}

/// JSON to TOML, leaving out what the seed format leaves out: `null`s and empty lists.
fn to_toml(value: serde_json::Value) -> Option<Value> {
    use serde_json::Value as J;
    Some(match value {
        J::Null => return None,
        J::Bool(b) => Value::Boolean(b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Float(n.as_f64()?),
        },
        J::String(s) => Value::String(s),
        J::Array(items) if items.is_empty() => return None,
        J::Array(items) => Value::Array(items.into_iter().filter_map(to_toml).collect()),
        J::Object(fields) => {
            Value::Table(fields.into_iter().filter_map(|(k, v)| Some((k, to_toml(v)?))).collect())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_round_trips_through_export() -> anyhow::Result<()> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("seed");
        let seed = super::super::load(&dir).map_err(|e| anyhow::anyhow!("{e}"))?;
        let out = tempfile::tempdir()?;
        write_dir(&seed.content, out.path())?;
        let again = super::super::load(out.path()).map_err(|e| anyhow::anyhow!("{e}"))?;
        assert_eq!(again.content, seed.content);
        assert_eq!(super::super::check(&seed.content).map_err(|e| anyhow::anyhow!("{e}"))?, seed.content);
        Ok(())
    }

    /// A file of several parts (see `parts`) reads as the same content, and a problem in a later
    /// part, or a table there that cannot be read, names the file's own line.
    #[test]
    fn a_file_read_in_parts_gives_the_same_content_and_lines() -> anyhow::Result<()> {
        use crate::seed::generate::{self, Shape};
        let content = generate::content(Shape { items: 8_000, people: 100, seed: 3 })?;
        let files = files(&content)?;
        let interviews = content.items.iter().filter(|i| i.kind() == Kind::Interview).count();
        assert!(interviews > 2 * super::super::parts::TABLES_PER_PART, "{interviews} interviews");
        let texts: Vec<(&str, &str)> = files.iter().map(|(name, text)| (*name, text.as_str())).collect();
        let seed = super::super::parse_texts(&texts).map_err(|e| anyhow::anyhow!("{e}"))?;
        assert_eq!(seed.content, content);

        let (_, text) =
            files.iter().find(|(name, _)| *name == "interviews.toml").ok_or(anyhow::anyhow!("file"))?;
        let dates: Vec<(usize, &str)> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| l.starts_with("date = "))
            .map(|(n, l)| (n + 1, l))
            .collect();
        let (bad_date, typo) = (dates[interviews - 10], dates[interviews - 5]);
        let broken = text
            .lines()
            .enumerate()
            .map(|(n, l)| match n + 1 {
                n if n == bad_date.0 => "date = \"2019-13\"".to_string(),
                n if n == typo.0 => "dat = \"2019\"".to_string(),
                _ => l.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n");
        let texts: Vec<(&str, &str)> = texts
            .into_iter()
            .map(|(name, t)| (name, if name == "interviews.toml" { &broken } else { t }))
            .collect();
        let errors = super::super::parse_texts(&texts).err().ok_or(anyhow::anyhow!("accepted"))?.0;
        let lines: Vec<Option<usize>> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [Some(bad_date.0), Some(typo.0)], "{errors:?}");
        Ok(())
    }
}
