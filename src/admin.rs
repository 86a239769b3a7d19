//! The offline commands on a store: `check-store`, `export`, `backup`, `restore`. Each opens
//! the store itself, so the server must be stopped (sled allows one process per store).

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::store::{backup, edits, Store};
use crate::{seed, store};

/// Opens the store of a stopped server.
fn open(data_dir: &Path) -> anyhow::Result<Store> {
    if !data_dir.exists() {
        anyhow::bail!("there is no store in {}", data_dir.display());
    }
    Store::open(data_dir).with_context(|| {
        format!(
            "cannot open the store in {} (is the server running? stop it first, or use the \
             `backup` mutation while it serves)",
            data_dir.display()
        )
    })
}

/// Checks the store; returns whether it is sound. With `seed_dir`, also lists the entities
/// edited through the API, and which of them that seed changed too.
pub fn check_store(data_dir: &Path, seed_dir: Option<&Path>) -> anyhow::Result<bool> {
    let store = open(data_dir)?;
    let report = store.check()?;
    println!(
        "{}: {} entities, {} index keys, {} change-log entries, {} audit entries, revision {}",
        data_dir.display(),
        report.entities,
        report.index_keys,
        report.changes,
        report.audit_entries,
        report.revision
    );
    let marks = store.edit_marks()?;
    if !marks.is_empty() {
        let content = store.content()?;
        println!(
            "{} entities were edited through the API (a seed re-apply keeps them as edited)",
            marks.len()
        );
        if let Some(dir) = seed_dir {
            let seed = seed::load(dir)?;
            let merged = edits::merge(&seed.content, &content, &marks);
            for (kind, slug) in &merged.kept {
                println!(
                    "  {}/{slug}: edited, and {} changed it too (run `export` to bring the seed up to date)",
                    kind.name(),
                    dir.display()
                );
            }
        }
    }
    for problem in &report.problems {
        println!("problem: {problem}");
    }
    if report.problems.is_empty() {
        println!("ok");
    }
    Ok(report.problems.is_empty())
}

/// Writes the store's content as a seed folder.
pub fn export(data_dir: &Path, dir: &Path) -> anyhow::Result<()> {
    let content = open(data_dir)?.content()?;
    seed::export::write_dir(&content, dir).with_context(|| format!("cannot write {}", dir.display()))?;
    println!("{}: {} entities written as a seed folder", dir.display(), content.len());
    Ok(())
}

pub fn backup(data_dir: &Path, file: &Path) -> anyhow::Result<()> {
    let info = open(data_dir)?.backup(file)?;
    println!(
        "{}: {} bytes, revision {}, sha256 {}",
        info.path.display(),
        info.bytes,
        info.revision,
        info.sha256
    );
    Ok(())
}

/// Replaces the store in `data_dir` with the backup in `file`: verified, loaded into a new
/// store beside it, checked, and only then swapped in; the old store is kept, renamed.
pub fn restore(data_dir: &Path, file: &Path) -> anyhow::Result<()> {
    backup::verify(file)?;
    let staging = sibling(data_dir, "restoring");
    if staging.exists() {
        std::fs::remove_dir_all(&staging).with_context(|| format!("cannot clear {}", staging.display()))?;
    }
    {
        let entries = backup::restore_into(file, &staging)?;
        let store = reopen(&staging)?;
        // The store goes back in time: clients' sync tokens and cached ETags must not match it.
        store.rotate_identity()?;
        let report = store.check()?;
        if !report.problems.is_empty() {
            anyhow::bail!(
                "the backup loads but is not sound ({} problems, first: {}); {} is left as it was",
                report.problems.len(),
                report.problems[0],
                data_dir.display()
            );
        }
        println!("{} entries restored, revision {}", entries, report.revision);
    }
    // Holding the store's lock while swapping proves no server is using it.
    if data_dir.exists() {
        drop(open(data_dir)?);
        let previous = sibling(data_dir, &format!("before-restore-{}", store::now_ms()));
        std::fs::rename(data_dir, &previous)
            .with_context(|| format!("cannot move {} aside", data_dir.display()))?;
        println!("the previous store is kept in {}", previous.display());
    }
    std::fs::rename(&staging, data_dir)
        .with_context(|| format!("cannot move the restored store to {}", data_dir.display()))?;
    println!("{}: restored from {}", data_dir.display(), file.display());
    Ok(())
}

/// Opens a store that was just closed: sled lets go of its lock a moment after the handle is
/// dropped, so the open is tried again for a while.
fn reopen(dir: &Path) -> anyhow::Result<Store> {
    let mut tries = 0;
    loop {
        match Store::open(dir) {
            Ok(store) => return Ok(store),
            Err(_) if tries < 50 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// `data` → `data.<suffix>`, in the same folder (so a rename is atomic).
fn sibling(dir: &Path, suffix: &str) -> PathBuf {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "data".into());
    dir.with_file_name(format!("{name}.{suffix}"))
}
