//! `check-store`: an fsck for the store. Every entity, index key, version and change-log entry
//! is checked against the others, and the content against the seed's rules.

use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;

use super::{bad_key, be_u64, records, Change, ChangeOp, IndexTree, Store, StoreError};
use crate::domain::{Content, Kind};

/// What a check found.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CheckReport {
    pub entities: usize,
    pub index_keys: usize,
    pub changes: usize,
    pub audit_entries: usize,
    pub revision: u64,
    /// Every inconsistency, in words; empty for a sound store.
    pub problems: Vec<String>,
}

impl Store {
    /// Checks the whole store; reads only.
    pub fn check(&self) -> Result<CheckReport, StoreError> {
        let mut report =
            CheckReport { revision: self.revision()?, audit_entries: self.audit.len(), ..Default::default() };
        let problems = &mut report.problems;
        problems.extend(self.wrong_counts()?);
        if let Some(digest) = self.fill_pending()? {
            problems.push(format!(
                "the first fill of this empty store was cut short (a crash?) before it finished \
                 ({digest}): the next start empties it and fills it again"
            ));
        } else if let Some(digest) = self.seed_pending()? {
            problems.push(format!(
                "a seed commit was cut short (a crash?) before it finished ({digest}): start the server \
                 with that seed to finish it"
            ));
        }

        // Entities: in their kind's tree, in `ids` with that kind, and readable.
        let mut entities = Vec::new();
        let mut kinds: BTreeMap<Uuid, Kind> = BTreeMap::new();
        for kind in Kind::ALL {
            for entry in self.kind_tree(kind).iter() {
                let (key, value) = entry?;
                let id = Uuid::from_slice(&key).map_err(|_| bad_key("entity key"))?;
                match self.decode(kind, &value) {
                    Ok(e) if e.id() == id && e.kind() == kind => entities.push(e),
                    Ok(_) => {
                        problems.push(format!("{}/{id}: stored under the wrong id or kind", kind.name()))
                    }
                    Err(e) => problems.push(format!("{}/{id}: unreadable ({e})", kind.name())),
                }
                kinds.insert(id, kind);
            }
        }
        report.entities = kinds.len();
        for entry in self.ids.iter() {
            let (key, tag) = entry?;
            let id = Uuid::from_slice(&key).map_err(|_| bad_key("id"))?;
            match (kinds.get(&id), tag.first().and_then(|t| Kind::from_tag(*t))) {
                (Some(k), Some(t)) if *k == t => {}
                (None, _) => problems.push(format!("ids: {id} names no stored entity")),
                _ => problems.push(format!("ids: {id} has the wrong kind")),
            }
        }
        for (id, kind) in &kinds {
            if !self.ids.contains_key(id.as_bytes())? {
                problems.push(format!("{}/{id}: missing from ids", kind.name()));
            }
        }

        // Index keys: exactly those the content calls for.
        let content = Content::from_entities(entities);
        let wanted = records::build(&content)?;
        let mut expected: BTreeSet<(IndexTree, Vec<u8>)> = BTreeSet::new();
        for record in wanted.values() {
            let stored = self.stored_index(record.id)?;
            if stored != record.index {
                problems.push(format!(
                    "{}/{}: its list of index keys is out of date",
                    record.kind.name(),
                    record.slug
                ));
            }
            expected.extend(record.index.iter().cloned());
        }
        for tree in IndexTree::ALL {
            for entry in self.index_tree(tree).iter() {
                let (key, _) = entry?;
                report.index_keys += 1;
                if !expected.remove(&(tree, key.to_vec())) {
                    problems
                        .push(format!("{}: a key points at nothing that should be there", tree.tree_name()));
                }
            }
        }
        for (tree, _) in &expected {
            problems.push(format!("{}: a key is missing", tree.tree_name()));
        }

        // The change log: one entry per entity, the latest, in step with `change_seq`.
        let head = self.log_head()?;
        let mut logged = BTreeSet::new();
        for entry in self.changes.iter() {
            let (key, value) = entry?;
            report.changes += 1;
            let change: Change = serde_json::from_slice(&value)?;
            if change.seq != be_u64(&key) || change.seq > head {
                problems.push(format!("changes: entry {} is misnumbered", change.seq));
            }
            if self.change_seq.get(change.id.as_bytes())?.map(|v| be_u64(&v)) != Some(change.seq) {
                problems.push(format!("changes: entry {} is not the latest of {}", change.seq, change.id));
            }
            let present = kinds.contains_key(&change.id);
            if present == (change.op == ChangeOp::Deleted) {
                problems.push(format!(
                    "changes: entry {} says {:?} but the entity is {}",
                    change.seq,
                    change.op,
                    if present { "there" } else { "gone" }
                ));
            }
            logged.insert(change.id);
        }
        if self.change_seq.len() != report.changes {
            problems.push("change_seq: entries without a change-log entry".into());
        }
        for (id, kind) in &kinds {
            if !logged.contains(id) {
                problems
                    .push(format!("{}/{id}: no change-log entry (sync would never send it)", kind.name()));
            }
            if self.versions.get(id.as_bytes())?.is_some_and(|v| be_u64(&v) == 0) {
                problems.push(format!("{}/{id}: version 0", kind.name()));
            }
        }
        for entry in self.versions.iter() {
            let (key, _) = entry?;
            let id = Uuid::from_slice(&key).map_err(|_| bad_key("version key"))?;
            // A deleted entity keeps its last version, beside its tombstone in the log.
            if !kinds.contains_key(&id) && !logged.contains(&id) {
                problems.push(format!("versions: {id} names no entity, stored or deleted"));
            }
        }

        // The content itself: a valid seed, or `export` would write one `load` refuses.
        if let Err(errors) = crate::seed::check(&content) {
            for e in errors.0 {
                problems.push(format!("content: {e}"));
            }
        }
        Ok(report)
    }
}
