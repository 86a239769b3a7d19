//! Seed errors that name the file, the line, the item and the field.

use std::fmt;
use std::path::PathBuf;

/// One problem found in a seed folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedError {
    pub file: PathBuf,
    /// 1-based line, where the format gives one.
    pub line: Option<usize>,
    /// Slug of the item, where known.
    pub item: Option<String>,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        f.write_str(":")?;
        if let Some(item) = &self.item {
            write!(f, " item `{item}`")?;
        }
        if let Some(field) = &self.field {
            write!(f, " field `{field}`")?;
        }
        if self.item.is_some() || self.field.is_some() {
            f.write_str(":")?;
        }
        write!(f, " {}", self.message)
    }
}

/// Every problem found in a seed folder, reported at once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SeedErrors(pub Vec<SeedError>);

impl fmt::Display for SeedErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "the seed has {} problem(s):", self.0.len())?;
        for e in &self.0 {
            writeln!(f, "  {e}")?;
        }
        Ok(())
    }
}
