//! Bearer tokens for the editorial API: who may write, and who may read the audit log.
//!
//! Only salted hashes are kept (`sha256$<salt>$<digest>`, hex), in a TOML file
//! (`--tokens-file`) or the `SCS_TOKENS` variable. A token is 32 random bytes, so a salted
//! SHA-256 is as strong as a slow password hash here, and checking one costs microseconds,
//! not the tens of milliseconds an attacker could make argon2 spend on every guess.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What a token may do; each scope includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Reads, which are public anyway: a token that names a client and can do nothing more.
    Read,
    /// Create, update and delete content.
    Write,
    /// Also read the audit log and make backups.
    Admin,
}

impl Scope {
    pub fn name(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Admin => "admin",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Scope {
    type Err = AuthError;
    fn from_str(s: &str) -> Result<Scope, AuthError> {
        match s {
            "read" => Ok(Scope::Read),
            "write" => Ok(Scope::Write),
            "admin" => Ok(Scope::Admin),
            other => Err(AuthError::Config(format!("unknown scope `{other}` (read, write, admin)"))),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("tokens: {0}")]
    Config(String),
    #[error("tokens file {0}: {1}")]
    Io(String, std::io::Error),
}

/// One configured token: its name, scope and salted hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenEntry {
    pub name: String,
    pub scope: Scope,
    pub hash: String,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokensFile {
    #[serde(default)]
    token: Vec<TokenEntry>,
}

/// Who sent a request, as far as its token tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credentials {
    /// No `Authorization` header.
    Anonymous,
    /// A header that is not `Bearer <a configured token>`.
    Invalid,
    Caller(Caller),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub name: String,
    pub scope: Scope,
}

/// The configured tokens.
#[derive(Debug, Clone, Default)]
pub struct Tokens {
    entries: Vec<(TokenEntry, [u8; 16], [u8; 32])>,
}

impl Tokens {
    /// Reads the tokens of `file` (a missing file holds none) and of `inline`: entries
    /// `name:scope:hash`, separated by commas or whitespace (the `SCS_TOKENS` form).
    pub fn load(file: Option<&Path>, inline: Option<&str>) -> Result<Tokens, AuthError> {
        let mut entries = match file {
            Some(path) => read_file(path)?.token,
            None => Vec::new(),
        };
        for part in inline.unwrap_or_default().split(|c: char| c == ',' || c.is_whitespace()) {
            if part.is_empty() {
                continue;
            }
            let mut fields = part.splitn(3, ':');
            let (Some(name), Some(scope), Some(hash)) = (fields.next(), fields.next(), fields.next()) else {
                return Err(AuthError::Config(format!("`{part}` is not name:scope:hash")));
            };
            entries.push(TokenEntry { name: name.into(), scope: scope.parse()?, hash: hash.into() });
        }
        Tokens::new(entries)
    }

    pub fn new(entries: Vec<TokenEntry>) -> Result<Tokens, AuthError> {
        let mut out = Vec::with_capacity(entries.len());
        for entry in entries {
            if out.iter().any(|(e, _, _): &(TokenEntry, _, _)| e.name == entry.name) {
                return Err(AuthError::Config(format!("two tokens are named `{}`", entry.name)));
            }
            let (salt, digest) = parse_hash(&entry.hash).ok_or_else(|| {
                AuthError::Config(format!("token `{}`: hash is not sha256$<salt>$<digest>", entry.name))
            })?;
            out.push((entry, salt, digest));
        }
        Ok(Tokens { entries: out })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Who the value of an `Authorization` header names.
    pub fn credentials(&self, header: Option<&[u8]>) -> Credentials {
        let Some(header) = header else { return Credentials::Anonymous };
        let token = std::str::from_utf8(header)
            .ok()
            .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
            .map(str::trim);
        match token.and_then(|t| self.verify(t)) {
            Some(caller) => Credentials::Caller(caller),
            None => Credentials::Invalid,
        }
    }

    /// The caller `token` belongs to. Every entry is checked, each in constant time, so the
    /// time taken tells nothing about which entry or how much of it matched.
    pub fn verify(&self, token: &str) -> Option<Caller> {
        let mut found = None;
        for (entry, salt, digest) in &self.entries {
            if constant_time_eq(&salted(salt, token), digest) {
                found = Some(Caller { name: entry.name.clone(), scope: entry.scope });
            }
        }
        found
    }
}

fn read_file(path: &Path) -> Result<TokensFile, AuthError> {
    match std::fs::read_to_string(path) {
        Ok(text) => toml::from_str(&text).map_err(|e| AuthError::Config(format!("{}: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(TokensFile::default()),
        Err(e) => Err(AuthError::Io(path.display().to_string(), e)),
    }
}

/// Makes a token named `name` with `scope`, adds its hash to `file` (created when missing,
/// readable by its owner only) and returns the token: the only time it is ever shown.
pub fn create(file: &Path, name: &str, scope: Scope) -> Result<String, AuthError> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.@".contains(c)) {
        return Err(AuthError::Config(format!("`{name}` is not a token name (letters, digits, - _ . @)")));
    }
    let mut tokens = read_file(file)?;
    if tokens.token.iter().any(|t| t.name == name) {
        return Err(AuthError::Config(format!("{} already has a token named `{name}`", file.display())));
    }
    let token = format!("scs_{}", URL_SAFE_NO_PAD.encode(random::<32>()?));
    let salt = random::<16>()?;
    let hash = format!("sha256${}${}", hex(&salt), hex(&salted(&salt, &token)));
    tokens.token.push(TokenEntry { name: name.to_string(), scope, hash });
    let text = toml::to_string(&tokens).map_err(|e| AuthError::Config(e.to_string()))?;
    let io = |e| AuthError::Io(file.display().to_string(), e);
    let part = file.with_extension("part");
    std::fs::write(
        &part,
        format!("# scs-series API tokens: salted hashes only. `scs-series token create` adds one.\n{text}"),
    )
    .map_err(io)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&part, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
    }
    std::fs::rename(&part, file).map_err(io)?;
    Ok(token)
}

fn random<const N: usize>() -> Result<[u8; N], AuthError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| AuthError::Config(format!("no randomness: {e}")))?;
    Ok(buf)
}

fn salted(salt: &[u8], token: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(salt);
    h.update(token.as_bytes());
    h.finalize().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    if s.len() != 2 * N {
        return None;
    }
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(s.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

fn parse_hash(hash: &str) -> Option<([u8; 16], [u8; 32])> {
    let mut parts = hash.split('$');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("sha256"), Some(salt), Some(digest), None) => Some((unhex(salt)?, unhex(digest)?)),
        _ => None,
    }
}

fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_created_token_is_recognised_and_only_its_hash_is_stored() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("tokens.toml");
        let alice = create(&file, "alice", Scope::Write)?;
        let root = create(&file, "root", Scope::Admin)?;
        let text = std::fs::read_to_string(&file)?;
        assert!(!text.contains(&alice) && !text.contains(&root), "no plaintext token in the file");
        let tokens = Tokens::load(Some(&file), None)?;
        assert_eq!(tokens.verify(&alice), Some(Caller { name: "alice".into(), scope: Scope::Write }));
        assert_eq!(tokens.verify(&root).map(|c| c.scope), Some(Scope::Admin));
        assert_eq!(tokens.verify("scs_wrong"), None);
        let header = format!("Bearer {alice}");
        assert!(matches!(tokens.credentials(Some(header.as_bytes())), Credentials::Caller(_)));
        assert_eq!(tokens.credentials(Some(alice.as_bytes())), Credentials::Invalid, "no Bearer prefix");
        assert_eq!(tokens.credentials(None), Credentials::Anonymous);
        assert!(create(&file, "alice", Scope::Read).is_err(), "names are unique");
        Ok(())
    }

    #[test]
    fn inline_tokens_use_name_scope_hash() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("t.toml");
        let token = create(&file, "ci", Scope::Read)?;
        let entry = &Tokens::load(Some(&file), None)?.entries[0].0;
        let inline = format!("ci:read:{}", entry.hash);
        let tokens = Tokens::load(None, Some(&inline))?;
        assert_eq!(tokens.verify(&token).map(|c| c.name), Some("ci".to_string()));
        assert!(Tokens::load(None, Some("ci:root:sha256$00$00")).is_err());
        assert!(Tokens::load(None, Some("ci:read:plaintext")).is_err());
        Ok(())
    }
}
