//! `repo.json`: the repo's format version and identity, written once when the repo is created (or migrated).
//! It is what tells a fresh repo from one whose index was lost: with it present, a missing, empty or foreign
//! `index.redb` is damage to report, never a reason to start over (and delete the segments).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{StoreError, fsx};

pub const MARKER_FILE: &str = "repo.json";
/// Format 1: bare bodies in segments, small blocks only inside the index, no marker. Format 2: framed records.
pub const FORMAT: u64 = 2;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marker {
    pub format: u64,
    /// Random; the index stores it too, so an index that belongs to another repo is noticed.
    pub id: u64,
    /// For people who look: what this directory is.
    #[serde(default)]
    pub note: String,
}

impl Marker {
    pub fn new(id: u64) -> Self {
        Self { format: FORMAT, id, note: "swarmscope repo; see README (the store's promises)".into() }
    }

    /// Reads the marker; `None` when there is none.
    pub fn read(dir: &Path) -> Result<Option<Self>, StoreError> {
        let path = dir.join(MARKER_FILE);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                StoreError::Corrupt(format!(
                    "{} is unreadable ({e}); run `swarmscope repo verify --rebuild-index` to write it again",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub fn write(&self, dir: &Path) -> Result<(), StoreError> {
        let json = serde_json::to_vec_pretty(self).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok(fsx::write_atomic(&dir.join(MARKER_FILE), &json)?)
    }
}

/// A random repo id (no extra dependency: the standard library's randomly keyed hasher).
pub fn random_id() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    RandomState::new().hash_one((now.as_nanos(), std::process::id())) | 1
}
