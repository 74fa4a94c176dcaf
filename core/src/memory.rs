//! The in-memory reference store: what every other store must behave like.

use crate::error::StoreError;
use crate::event::{sha256_hex, StoredEvent};
use crate::ids::CaseId;
use crate::store::{summary_matches, words, AppendBatch, CaseSummary, NoteEntry, Store, StoreQuery};
use std::collections::{BTreeMap, HashMap};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// A store that keeps everything in memory. Fast, and gone when dropped: for tests,
/// notebooks and caches.
#[derive(Debug, Default)]
pub struct MemoryStore {
    inner: RwLock<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// The global log; an event's position is its index + 1.
    log: Vec<StoredEvent>,
    cases: BTreeMap<CaseId, CaseRow>,
    blobs: HashMap<String, Vec<u8>>,
}

#[derive(Debug)]
struct CaseRow {
    /// Indexes into the log, in sequence order.
    events: Vec<usize>,
    summary: CaseSummary,
    notes: Vec<NoteEntry>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        // Writers never leave `Inner` half-changed (they validate before mutating), so
        // a poisoned lock still guards consistent data.
        self.inner.read().unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|p| p.into_inner())
    }
}

impl Store for MemoryStore {
    fn append(&self, batches: Vec<AppendBatch>) -> Result<Vec<u64>, StoreError> {
        let mut inner = self.write();
        // Check every batch first, so a refused append changes nothing. Batches may
        // follow each other on the same case, so track the versions they reach.
        // (One batch, the common case, needs no map: `HashMap::new` does not allocate.)
        let mut versions: HashMap<CaseId, u64> = HashMap::new();
        let several = batches.len() > 1;
        for b in &batches {
            let actual = match versions.get(&b.case_id) {
                Some(v) => *v,
                None => inner.cases.get(&b.case_id).map_or(0, |c| c.summary.version),
            };
            if actual != b.expected_version {
                return Err(StoreError::Conflict { case_id: b.case_id, expected: b.expected_version, actual });
            }
            for (i, e) in b.events.iter().enumerate() {
                if e.case_id != b.case_id || e.sequence != b.expected_version + i as u64 + 1 {
                    return Err(StoreError::backend(format!(
                        "append for case {}: event {} is out of sequence",
                        b.case_id, e.sequence
                    )));
                }
            }
            if several {
                versions.insert(b.case_id, b.expected_version + b.events.len() as u64);
            }
        }
        let mut positions = Vec::with_capacity(batches.iter().map(|b| b.events.len()).sum());
        let inner = &mut *inner;
        for b in batches {
            let first = inner.log.len();
            for mut e in b.events {
                e.position = inner.log.len() as u64 + 1;
                positions.push(e.position);
                inner.log.push(e);
            }
            let added = first..inner.log.len();
            match inner.cases.get_mut(&b.case_id) {
                Some(row) => {
                    row.events.extend(added);
                    row.summary = b.summary;
                    row.notes.extend(b.notes);
                }
                None => {
                    let row = CaseRow { events: added.collect(), summary: b.summary, notes: b.notes };
                    inner.cases.insert(b.case_id, row);
                }
            }
        }
        Ok(positions)
    }

    fn load(&self, case_id: CaseId, after_sequence: u64) -> Result<Vec<StoredEvent>, StoreError> {
        let inner = self.read();
        let Some(row) = inner.cases.get(&case_id) else { return Ok(Vec::new()) };
        let skip = usize::try_from(after_sequence).unwrap_or(usize::MAX);
        Ok(row.events.iter().skip(skip).filter_map(|i| inner.log.get(*i).cloned()).collect())
    }

    fn version(&self, case_id: CaseId) -> Result<Option<u64>, StoreError> {
        Ok(self.read().cases.get(&case_id).map(|c| c.summary.version))
    }

    fn read_log(&self, after_position: u64, limit: usize) -> Result<Vec<StoredEvent>, StoreError> {
        let inner = self.read();
        let start = usize::try_from(after_position).unwrap_or(usize::MAX);
        Ok(inner.log.iter().skip(start).take(limit).cloned().collect())
    }

    fn query(&self, q: &StoreQuery<'_>) -> Result<Vec<CaseSummary>, StoreError> {
        let inner = self.read();
        let needle: Vec<String> = q.filter.text.as_deref().map(|t| words(t).collect()).unwrap_or_default();
        if q.filter.text.is_some() && needle.is_empty() {
            return Ok(Vec::new());
        }
        let range = match q.filter.after {
            Some(after) => inner.cases.range((std::ops::Bound::Excluded(after), std::ops::Bound::Unbounded)),
            None => inner.cases.range(..),
        };
        let mut out = Vec::new();
        for (_, row) in range {
            if out.len() >= q.limit {
                break;
            }
            if !summary_matches(&row.summary, q) {
                continue;
            }
            if !needle.is_empty() {
                let sees_confidential = q.notes.sees_confidential(&row.summary.program, row.summary.assignees.iter());
                let hit = row.notes.iter().filter(|n| !n.confidential || sees_confidential).any(|n| {
                    let have: Vec<String> = words(&n.text).collect();
                    needle.iter().all(|w| have.contains(w))
                });
                if !hit {
                    continue;
                }
            }
            out.push(row.summary.clone());
        }
        Ok(out)
    }

    fn put_blob(&self, bytes: &[u8]) -> Result<String, StoreError> {
        let hash = sha256_hex(bytes);
        self.write().blobs.entry(hash.clone()).or_insert_with(|| bytes.to_vec());
        Ok(hash)
    }

    fn get_blob(&self, sha256: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let inner = self.read();
        let Some(bytes) = inner.blobs.get(sha256) else { return Ok(None) };
        if sha256_hex(bytes) != sha256 {
            return Err(StoreError::Integrity {
                case_id: None,
                message: format!("blob {sha256} does not match its hash"),
            });
        }
        Ok(Some(bytes.clone()))
    }
}
