//! The note index: which cases have a note with some words, a page at a time in
//! case-id order.
//!
//! Every note has a row in the FTS5 table `notes_fts` (its words, contentless) whose
//! rowid is a *note key*, and a row in `note_keys` naming its case and whether it is
//! confidential. Both are written by the flush, in bulk, never by a note's own commit.
//!
//! A key is the first [`PREFIX_BITS`] bits of the case id, then a slot
//! ([`SLOT_BITS`]) that numbers the notes of all cases sharing that prefix. Keys
//! therefore follow case ids, except among cases that share a prefix (for UUIDv7 ids:
//! opened within the same quarter second). A search reads the index in key order from
//! the cursor's prefix and stops once it has a page's worth of cases and has finished
//! the prefix it is in ([`candidates`]); a page costs about its own size, not the
//! number of notes that match.
//!
//! A prefix whose slots have all been used (some 8 million notes among cases sharing
//! 40 bits of id: ids that are not UUIDv7, counted up from zero, could get there) takes
//! negative keys, which keep no order; every search reads those in full, as it does
//! the notes still waiting at the tail of the log. Answers stay exact, only slower.

use crate::codec::{id_bytes, summary_from_row};
use crate::error::Context;
use crate::query::{text_round, Search};
use casekit::store::{summary_matches, CaseSummary, StoreQuery};
use casekit::StoreError;
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection};
use std::collections::{BTreeMap, HashMap};

/// Bits of a note key taken from the start of its case's id.
pub(crate) const PREFIX_BITS: u32 = 40;
/// Bits of a note key that number the notes of cases sharing a prefix.
pub(crate) const SLOT_BITS: u32 = 63 - PREFIX_BITS;
/// Candidate cases checked against the rest of the filter in one statement.
const CHECK_CHUNK: usize = 2000;

/// The first [`PREFIX_BITS`] bits of a case id (a 16-byte blob), as a number.
pub(crate) fn prefix(case_id: &[u8]) -> i64 {
    let mut first = [0u8; 8];
    for (to, from) in first.iter_mut().zip(case_id) {
        *to = *from;
    }
    // At most PREFIX_BITS (< 63) bits: always a non-negative i64.
    i64::try_from(u64::from_be_bytes(first) >> (64 - PREFIX_BITS)).unwrap_or(i64::MAX)
}

/// The largest case id with this prefix: where a search that has read the prefix goes on.
fn end_of_prefix(prefix: i64) -> [u8; 16] {
    let head = (u64::try_from(prefix).unwrap_or(0) << (64 - PREFIX_BITS)) | (u64::MAX >> PREFIX_BITS);
    let mut id = [0xffu8; 16];
    for (to, from) in id.iter_mut().zip(head.to_be_bytes()) {
        *to = from;
    }
    id
}

/// Hands out note keys during one flush (the next free slot of each prefix it has
/// seen, and the next overflow key).
#[derive(Default)]
pub(crate) struct Keys {
    next: HashMap<i64, i64>,
    overflow: Option<i64>,
}

impl Keys {
    /// A new key for a note of the case `case_id` (16 bytes).
    pub(crate) fn next(&mut self, conn: &Connection, case_id: &[u8]) -> rusqlite::Result<i64> {
        let p = prefix(case_id);
        let first = p << SLOT_BITS;
        let last = first | ((1i64 << SLOT_BITS) - 1);
        let next = match self.next.get(&p) {
            Some(n) => *n,
            None => {
                let max: Option<i64> = conn
                    .prepare_cached("SELECT max(key) FROM note_keys WHERE key BETWEEN ?1 AND ?2")?
                    .query_row(params![first, last], |r| r.get(0))?;
                max.map_or(first, |m| m.saturating_add(1))
            }
        };
        if next <= last {
            self.next.insert(p, next + 1);
            return Ok(next);
        }
        // The prefix is full: a key below zero, outside the order.
        self.next.insert(p, next);
        let key = match self.overflow {
            Some(k) => k,
            None => {
                let min: Option<i64> =
                    conn.prepare_cached("SELECT min(key) FROM note_keys WHERE key < 0")?.query_row([], |r| r.get(0))?;
                match min {
                    None => -1,
                    Some(m) => m.checked_sub(1).ok_or(rusqlite::Error::IntegralValueOutOfRange(0, m))?,
                }
            }
        };
        self.overflow = Some(key.checked_sub(1).ok_or(rusqlite::Error::IntegralValueOutOfRange(0, key))?);
        Ok(key)
    }
}

/// Cases with a matching note after the cursor: per case, whether one of its matching
/// notes is not confidential. All of them up to the end of prefix `through`, or all
/// there are (`through` is `None`).
struct Candidates {
    cases: BTreeMap<[u8; 16], bool>,
    through: Option<i64>,
}

fn case_key(v: ValueRef<'_>) -> Result<[u8; 16], StoreError> {
    match v {
        ValueRef::Blob(b) => <[u8; 16]>::try_from(b)
            .map_err(|_| crate::error::integrity(None, "the note index names a case id that is not 16 bytes")),
        _ => Err(crate::error::integrity(None, "the note index names a case id that is not a blob")),
    }
}

/// The cases after `after` with a note matching `search`: at least `want` of them from
/// the ordered keys (if there are that many), the whole last prefix read, plus every
/// match among the overflow keys and the notes still waiting at the tail of the log.
fn candidates(
    conn: &Connection,
    search: &Search,
    after: Option<[u8; 16]>,
    want: usize,
) -> Result<Candidates, StoreError> {
    let ctx = || "searching notes".to_owned();
    let mut cases: BTreeMap<[u8; 16], bool> = BTreeMap::new();
    let add = |cases: &mut BTreeMap<[u8; 16], bool>, id: [u8; 16], confidential: bool| {
        if after.is_none_or(|a| id > a) {
            let public = cases.entry(id).or_insert(false);
            *public |= !confidential;
        }
    };
    let start = after.map_or(0, |a| prefix(&a) << SLOT_BITS);
    let mut ordered = conn
        .prepare_cached(
            "SELECT f.rowid, k.case_id, k.confidential FROM notes_fts f CROSS JOIN note_keys k ON k.key = f.rowid \
             WHERE notes_fts MATCH ?1 AND f.rowid >= ?2 ORDER BY f.rowid",
        )
        .ctx(ctx)?;
    let mut rows = ordered.query(params![search.expression(), start]).ctx(ctx)?;
    let mut last_prefix: Option<i64> = None;
    let mut through = None;
    while let Some(row) = rows.next().ctx(ctx)? {
        let key: i64 = row.get(0).ctx(ctx)?;
        let p = key >> SLOT_BITS;
        if let Some(lp) = last_prefix {
            if p > lp {
                through = Some(lp);
                break;
            }
        }
        let id = case_key(row.get_ref(1).ctx(ctx)?)?;
        let confidential = row.get::<_, i64>(2).ctx(ctx)? != 0;
        add(&mut cases, id, confidential);
        // Enough cases for a page: finish this prefix (its cases are not in id order
        // among themselves), then stop.
        if last_prefix.is_none() && cases.len() >= want {
            last_prefix = Some(p);
        }
    }
    drop(rows);
    let mut overflow = conn
        .prepare_cached(
            "SELECT k.case_id, k.confidential FROM notes_fts f CROSS JOIN note_keys k ON k.key = f.rowid \
             WHERE notes_fts MATCH ?1 AND f.rowid < 0",
        )
        .ctx(ctx)?;
    let mut rows = overflow.query(params![search.expression()]).ctx(ctx)?;
    while let Some(row) = rows.next().ctx(ctx)? {
        add(&mut cases, case_key(row.get_ref(0).ctx(ctx)?)?, row.get::<_, i64>(1).ctx(ctx)? != 0);
    }
    drop(rows);
    let mut sql = String::from(
        "SELECT case_id, coalesce(json_extract(payload, '$.confidential'), 0) FROM events \
         WHERE position > (SELECT upto FROM notes_indexed) AND event_type = 'note_added' \
         AND casekit_note_match(payload",
    );
    for i in 0..search.words().len() {
        sql.push_str(&format!(", ?{}", i + 1));
    }
    sql.push(')');
    let mut waiting = conn.prepare_cached(&sql).ctx(ctx)?;
    let mut rows = waiting.query(rusqlite::params_from_iter(search.words())).ctx(ctx)?;
    while let Some(row) = rows.next().ctx(ctx)? {
        add(&mut cases, case_key(row.get_ref(0).ctx(ctx)?)?, row.get::<_, i64>(1).ctx(ctx)? != 0);
    }
    drop(rows);
    if let Some(p) = through {
        // Past the prefix read, the ordered keys were not: those cases wait for the
        // next round.
        cases.retain(|id, _| prefix(id) <= p);
    }
    Ok(Candidates { cases, through })
}

/// A case list with a note search: rounds of [`candidates`], each checked against the
/// rest of the filter (and, for cases whose only matching notes are confidential,
/// against the reader's right to see them), in case-id order, until the page is full
/// or the index has no more.
pub(crate) fn run_text_query(
    conn: &Connection,
    q: &StoreQuery<'_>,
    search: &Search,
) -> Result<Vec<CaseSummary>, StoreError> {
    let mut out: Vec<CaseSummary> = Vec::new();
    let mut after: Option<[u8; 16]> = q.filter.after.map(|c| id_bytes(c.0));
    // Matches to gather per round: a page's worth first, more when the other filters
    // turn many away.
    let mut want = q.limit.max(1);
    loop {
        let round = candidates(conn, search, after, want)?;
        let ids: Vec<([u8; 16], bool)> = round.cases.into_iter().collect();
        for chunk in ids.chunks(CHECK_CHUNK) {
            let public: Vec<&[u8]> = chunk.iter().filter(|(_, p)| *p).map(|(id, _)| &id[..]).collect();
            let confidential: Vec<&[u8]> = chunk.iter().filter(|(_, p)| !*p).map(|(id, _)| &id[..]).collect();
            let plan = text_round(q, &public, &confidential, q.limit - out.len());
            let mut stmt = conn.prepare(&plan.sql).ctx(|| "searching notes".into())?;
            let mut rows =
                stmt.query(rusqlite::params_from_iter(plan.params.iter())).ctx(|| "searching notes".into())?;
            while let Some(row) = rows.next().ctx(|| "searching notes".into())? {
                let summary = summary_from_row(row)?;
                if summary_matches(&summary, q) {
                    out.push(summary);
                    if out.len() >= q.limit {
                        return Ok(out);
                    }
                }
            }
        }
        match round.through {
            None => return Ok(out),
            Some(p) => {
                after = Some(end_of_prefix(p));
                want = want.saturating_mul(2);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_follow_case_ids_and_end_where_the_next_begins() {
        let low = [0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 1];
        let ids: [[u8; 16]; 4] = [[0; 16], low, [0x12; 16], [0xff; 16]];
        for pair in ids.windows(2) {
            if let [a, b] = pair {
                assert!(prefix(a) <= prefix(b));
            }
        }
        assert_eq!(prefix(&[0xff; 16]), (1i64 << PREFIX_BITS) - 1);
        assert_eq!(prefix(&low), 0, "only the first 40 bits count");
        let end = end_of_prefix(0x12_3456_789a);
        assert_eq!(prefix(&end), 0x12_3456_789a);
        assert_eq!(end.get(5..), Some(&[0xffu8; 11][..]));
        let mut next = end;
        // The id right after the end of a prefix starts the next one.
        for b in next.iter_mut().rev() {
            let (v, carry) = b.overflowing_add(1);
            *b = v;
            if !carry {
                break;
            }
        }
        assert_eq!(prefix(&next), 0x12_3456_789b);
    }
}
