//! Backups: every tree of the store, key by key, in one file with a checksum, so a restore can
//! refuse a truncated or altered file before it touches anything.
//!
//! Layout: the line `scs-series backup 1\n`, then per tree `[1][name len u32][name][entries
//! u64]` and per entry `[key len u32][key][value len u32][value]`, then `[0]` and the SHA-256
//! of everything before it. Numbers are big-endian.

use std::fs::File;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{Store, StoreError};

const MAGIC: &[u8] = b"scs-series backup 1\n";

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0} is not a complete scs-series backup: {1}")]
    Corrupt(PathBuf, String),
}

/// A backup file written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupInfo {
    pub path: PathBuf,
    pub bytes: u64,
    pub sha256: String,
    pub revision: u64,
}

/// Counts the bytes and hashes everything that goes through it.
struct Hashing<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

impl Store {
    /// Writes every tree to `path` (through a temporary file, synced, then renamed). The caller
    /// makes sure nothing writes meanwhile (the catalog's writer lock, or an offline store).
    pub fn backup(&self, path: &Path) -> Result<BackupInfo, BackupError> {
        let io = |e| BackupError::Io(path.to_path_buf(), e);
        let part = path.with_extension("part");
        // Readable by its owner only: it holds the sync secret and the audit log.
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&part).map_err(io)?;
        let mut out = Hashing { inner: BufWriter::new(file), hasher: Sha256::new(), bytes: 0 };
        out.write_all(MAGIC).map_err(io)?;
        for name in self.db.tree_names() {
            let tree = self.db.open_tree(&name).map_err(StoreError::from)?;
            out.write_all(&[1]).map_err(io)?;
            write_bytes(&mut out, &name).map_err(io)?;
            out.write_all(&(tree.len() as u64).to_be_bytes()).map_err(io)?;
            for entry in tree.iter() {
                let (k, v) = entry.map_err(StoreError::from)?;
                write_bytes(&mut out, &k).map_err(io)?;
                write_bytes(&mut out, &v).map_err(io)?;
            }
        }
        out.write_all(&[0]).map_err(io)?;
        let digest: [u8; 32] = out.hasher.clone().finalize().into();
        let bytes = out.bytes + 32;
        let mut file = out.inner.into_inner().map_err(|e| io(e.into_error()))?;
        file.write_all(&digest).map_err(io)?;
        file.sync_all().map_err(io)?;
        std::fs::rename(&part, path).map_err(io)?;
        Ok(BackupInfo {
            path: path.to_path_buf(),
            bytes,
            sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
            revision: self.revision()?,
        })
    }
}

/// Loads the backup `path` into a new store in `dir` (which must not hold one) and returns how
/// many entries it loaded. The whole file is verified first, so a bad file writes nothing.
pub fn restore_into(path: &Path, dir: &Path) -> Result<u64, BackupError> {
    verify(path)?;
    if dir.exists() {
        return Err(BackupError::Io(dir.to_path_buf(), std::io::ErrorKind::AlreadyExists.into()));
    }
    let db = sled::Config::new().path(dir).open().map_err(StoreError::from)?;
    {
        let mut input = open(path)?;
        let corrupt = |m: &str| BackupError::Corrupt(path.to_path_buf(), m.to_string());
        let io = |e| BackupError::Io(path.to_path_buf(), e);
        input.read_exact(&mut [0u8; MAGIC.len()]).map_err(io)?;
        let mut entries = 0u64;
        loop {
            let mut tag = [0u8];
            input.read_exact(&mut tag).map_err(io)?;
            if tag[0] == 0 {
                break;
            }
            let name = read_bytes(&mut input).map_err(io)?;
            let tree = db.open_tree(&name).map_err(StoreError::from)?;
            if !tree.is_empty() {
                return Err(corrupt("a tree appears twice"));
            }
            let mut count = [0u8; 8];
            input.read_exact(&mut count).map_err(io)?;
            let mut batch = sled::Batch::default();
            for _ in 0..u64::from_be_bytes(count) {
                let k = read_bytes(&mut input).map_err(io)?;
                let v = read_bytes(&mut input).map_err(io)?;
                batch.insert(k, v);
                entries += 1;
            }
            tree.apply_batch(batch).map_err(StoreError::from)?;
        }
        db.flush().map_err(StoreError::from)?;
        Ok(entries)
    }
}

/// Checks a backup's layout and checksum without loading it.
pub fn verify(path: &Path) -> Result<(), BackupError> {
    let corrupt = |m: &str| BackupError::Corrupt(path.to_path_buf(), m.to_string());
    let len = std::fs::metadata(path).map_err(|e| BackupError::Io(path.to_path_buf(), e))?.len();
    if len < (MAGIC.len() + 1 + 32) as u64 {
        return Err(corrupt("too short"));
    }
    let mut input = open(path)?.take(len - 32);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut head = Vec::new();
    loop {
        let n = input.read(&mut buf).map_err(|e| BackupError::Io(path.to_path_buf(), e))?;
        if n == 0 {
            break;
        }
        if head.len() < MAGIC.len() {
            head.extend_from_slice(&buf[..n.min(MAGIC.len() - head.len())]);
        }
        hasher.update(&buf[..n]);
    }
    if head != MAGIC {
        return Err(corrupt("not a backup file (wrong header)"));
    }
    let mut stored = [0u8; 32];
    input.into_inner().read_exact(&mut stored).map_err(|e| BackupError::Io(path.to_path_buf(), e))?;
    if <[u8; 32]>::from(hasher.finalize()) != stored {
        return Err(corrupt("checksum mismatch (truncated or altered)"));
    }
    Ok(())
}

fn open(path: &Path) -> Result<BufReader<File>, BackupError> {
    File::open(path).map(BufReader::new).map_err(|e| BackupError::Io(path.to_path_buf(), e))
}

fn write_bytes(out: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    let len = u32::try_from(bytes.len()).map_err(|_| std::io::Error::other("value over 4 GiB"))?;
    out.write_all(&len.to_be_bytes())?;
    out.write_all(bytes)
}

fn read_bytes(input: &mut impl Read) -> std::io::Result<Vec<u8>> {
    let mut len = [0u8; 4];
    input.read_exact(&mut len)?;
    let mut out = vec![0u8; u32::from_be_bytes(len) as usize];
    input.read_exact(&mut out)?;
    Ok(out)
}
