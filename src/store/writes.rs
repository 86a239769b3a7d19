//! Where a commit's writes go: a sled transaction over every tree, or, while a store nobody
//! else reads is filled for the first time, per-tree batches staged in memory.
//!
//! Why two: a `TransactionalTree::insert` first reads the key's old value from the tree, which
//! for a store being filled is always nothing; at 100,000 items that read was a fifth of the
//! seeding. Batches skip it, but land tree by tree, so they are only used where no reader can
//! see a chunk half-applied and a crash is undone by starting the fill again (see [`commit`]).
//!
//! [`commit`]: super::commit

use std::cell::RefCell;
use std::collections::BTreeMap;

use sled::transaction::{ConflictableTransactionError, TransactionalTree};
use sled::{Batch, IVec, Tree};

use super::StoreError;

/// The result of one write inside a chunk; an `Abort` undoes a transaction.
pub(super) type WriteResult<T = ()> = Result<T, ConflictableTransactionError<StoreError>>;

/// One tree as a chunk sees it: reads see the chunk's own writes.
pub(super) trait Writes {
    fn get(&self, key: &[u8]) -> WriteResult<Option<IVec>>;
    fn insert(&self, key: impl Into<IVec>, value: impl Into<IVec>) -> WriteResult;
    fn remove(&self, key: impl Into<IVec>) -> WriteResult;
}

impl Writes for TransactionalTree {
    fn get(&self, key: &[u8]) -> WriteResult<Option<IVec>> {
        Ok(TransactionalTree::get(self, key)?)
    }

    fn insert(&self, key: impl Into<IVec>, value: impl Into<IVec>) -> WriteResult {
        TransactionalTree::insert(self, key.into(), value)?;
        Ok(())
    }

    fn remove(&self, key: impl Into<IVec>) -> WriteResult {
        TransactionalTree::remove(self, key.into())?;
        Ok(())
    }
}

/// A tree's writes gathered in memory, applied later as one batch ([`Staged::apply`]).
pub(super) struct Staged {
    tree: Tree,
    /// The last write to each key: a value, or `None` for a removal.
    writes: RefCell<BTreeMap<IVec, Option<IVec>>>,
}

impl Staged {
    pub(super) fn new(tree: Tree) -> Staged {
        Staged { tree, writes: RefCell::default() }
    }

    /// The tree's name.
    pub(super) fn name(&self) -> IVec {
        self.tree.name()
    }

    /// Applies the staged writes to the tree, atomically for this tree.
    pub(super) fn apply(self) -> Result<(), StoreError> {
        let mut batch = Batch::default();
        for (key, value) in self.writes.into_inner() {
            match value {
                Some(value) => batch.insert(key, value),
                None => batch.remove(key),
            }
        }
        Ok(self.tree.apply_batch(batch)?)
    }
}

impl Writes for Staged {
    fn get(&self, key: &[u8]) -> WriteResult<Option<IVec>> {
        if let Some(staged) = self.writes.borrow().get(key) {
            return Ok(staged.clone());
        }
        self.tree.get(key).map_err(ConflictableTransactionError::Storage)
    }

    fn insert(&self, key: impl Into<IVec>, value: impl Into<IVec>) -> WriteResult {
        self.writes.borrow_mut().insert(key.into(), Some(value.into()));
        Ok(())
    }

    fn remove(&self, key: impl Into<IVec>) -> WriteResult {
        self.writes.borrow_mut().insert(key.into(), None);
        Ok(())
    }
}
