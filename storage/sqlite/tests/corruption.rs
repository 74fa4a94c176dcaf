//! Damaged files and rows give storage or integrity errors that name the case, never a
//! panic: garbage files, truncated files, and events, rows or blobs altered on disk.

mod common;

use casekit::command::AddNote;
use casekit::{CaseId, Casebook, DocumentId, ErrorCode};
use casekit_sqlite::SqliteStore;
use common::*;
use std::path::Path;

/// A file with `n` cases, a few notes each, and one document; returns the case ids and
/// the document (of the first case).
fn build(path: &Path, n: usize) -> (Vec<CaseId>, DocumentId) {
    let (book, clock) = casebook(SqliteStore::open(path).expect("db"));
    let sup = supervisor();
    let mut rng = Lcg(11);
    let mut ids = Vec::new();
    for i in 0..n {
        clock.advance(chrono::Duration::minutes(5));
        let id = book.open_case(&sup, random_open(&mut rng, i)).expect("open").case_id;
        for k in 0..4 {
            let text = format!("note {k} about the landlord and the rent of client {i}, {}", "x".repeat(150));
            book.execute(&sup, id, AddNote { text, ..Default::default() }, None).expect("note");
        }
        ids.push(id);
    }
    let upload = casekit::DocumentUpload {
        name: "lease.pdf".into(),
        media_type: "application/pdf".into(),
        category: None,
        content: b"the lease".to_vec(),
    };
    let doc = book.attach_document(&sup, ids[0], upload).expect("attach").created_id.expect("doc id");
    (ids, DocumentId(doc))
}

fn raw(path: &Path, sql: &str) {
    let conn = rusqlite::Connection::open(path).expect("raw connection");
    conn.execute_batch(sql).expect("raw sql");
}

fn hex(id: CaseId) -> String {
    id.0.simple().to_string()
}

/// An error of a damaged store: storage or integrity, and naming the case.
fn assert_names(err: &casekit::Error, case: CaseId) {
    assert!(matches!(err.code(), ErrorCode::Storage | ErrorCode::Integrity), "unexpected code: {err:?}");
    assert!(err.to_string().contains(&case.to_string()), "the error does not name case {case}: {err}");
}

#[test]
fn a_garbage_file_is_refused_on_open() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("garbage.db");
    let mut rng = Lcg(seed());
    let bytes: Vec<u8> = (0..16384).map(|_| rng.next() as u8).collect();
    std::fs::write(&path, bytes).expect("write");
    let err = SqliteStore::open(&path).expect_err("garbage opens");
    assert!(matches!(err, casekit::StoreError::Backend(_)), "{err:?}");
    assert!(err.to_string().contains("garbage.db"), "the error names the file: {err}");
}

#[test]
fn a_file_with_a_valid_header_and_garbage_pages_fails_cleanly() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cases.db");
    let (ids, _) = build(&path, 40);
    let mut bytes = std::fs::read(&path).expect("read");
    let mut rng = Lcg(seed());
    // Keep page 1 (the header and the schema), scramble every other page.
    for b in bytes.iter_mut().skip(4096) {
        *b = rng.next() as u8;
    }
    std::fs::write(&path, bytes).expect("write");
    let Ok(store) = SqliteStore::open(&path) else { return };
    let book = Casebook::new(store);
    let sup = supervisor();
    let mut failures = 0;
    for id in &ids {
        if let Err(e) = book.get(&sup, *id) {
            assert_names(&e, *id);
            failures += 1;
        }
        if let Err(e) = book.verify(&sup, *id) {
            if e.code() != ErrorCode::NotFound {
                assert_names(&e, *id);
            }
        }
    }
    assert!(failures > 0, "scrambled pages went unnoticed");
    let _ = book.list(&sup, &casekit::CaseQuery::default());
}

#[test]
fn a_truncated_file_gives_errors_naming_the_case() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cases.db");
    let (ids, _) = build(&path, 60);
    let full = std::fs::read(&path).expect("read");
    assert!(
        !dir.path().join("cases.db-wal").exists()
            || std::fs::metadata(dir.path().join("cases.db-wal")).map(|m| m.len()).unwrap_or(0) == 0,
        "closing checkpoints the WAL"
    );
    let mut noticed = 0;
    for keep in [full.len() / 2, full.len() * 3 / 4, full.len() - 4096, full.len() - 100, 4096, 100] {
        let cut = dir.path().join(format!("cut-{keep}.db"));
        std::fs::write(&cut, &full[..keep]).expect("write");
        let store = match SqliteStore::open(&cut) {
            Ok(s) => s,
            Err(e) => {
                assert!(matches!(e, casekit::StoreError::Backend(_)), "{e:?}");
                noticed += 1;
                continue;
            }
        };
        let book = Casebook::new(store);
        let sup = supervisor();
        for id in &ids {
            match book.get(&sup, *id) {
                Ok(_) => {}
                Err(e) if e.code() == ErrorCode::NotFound => {}
                Err(e) => {
                    assert_names(&e, *id);
                    noticed += 1;
                }
            }
            match book.verify(&sup, *id) {
                Ok(r) if !r.valid => noticed += 1,
                Ok(_) => {}
                Err(e) if e.code() == ErrorCode::NotFound => {}
                Err(e) => assert_names(&e, *id),
            }
        }
        let _ = book.list(&sup, &casekit::CaseQuery::default());
        let _ = book.read_log(0, usize::MAX);
    }
    assert!(noticed > 0, "no truncation was noticed");
}

#[test]
fn an_altered_payload_breaks_the_chain_at_its_sequence() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cases.db");
    let (ids, _) = build(&path, 3);
    let victim = ids[1];
    raw(
        &path,
        &format!(
            "UPDATE events SET payload = replace(payload, 'landlord', 'landlady') \
             WHERE case_id = X'{}' AND sequence = 3",
            hex(victim)
        ),
    );
    let book = Casebook::new(SqliteStore::open(&path).expect("open"));
    let sup = supervisor();
    let report = book.verify(&sup, victim).expect("verify");
    assert!(!report.valid);
    assert_eq!(report.first_broken_sequence, Some(3));
    assert_eq!(report.events_checked, 2);
    assert!(book.verify(&sup, ids[0]).expect("verify").valid, "other cases are untouched");
    assert!(book.verify(&sup, ids[2]).expect("verify").valid);
}

#[test]
fn undecodable_rows_are_integrity_errors_naming_the_case() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cases.db");
    let (ids, doc) = build(&path, 6);
    let sup = supervisor();
    let damage = [
        format!("UPDATE events SET payload = '{{not json' WHERE case_id = X'{}' AND sequence = 2", hex(ids[0])),
        format!("UPDATE events SET event_id = X'0102' WHERE case_id = X'{}' AND sequence = 4", hex(ids[1])),
        format!("UPDATE events SET recorded_at = 'yesterday' WHERE case_id = X'{}' AND sequence = 1", hex(ids[2])),
        format!("UPDATE events SET sequence = 'five' WHERE case_id = X'{}' AND sequence = 5", hex(ids[3])),
        format!("UPDATE events SET hash = 42 WHERE case_id = X'{}' AND sequence = 5", hex(ids[4])),
        format!("UPDATE cases SET version = 'seven' WHERE case_id = X'{}'", hex(ids[5])),
    ];
    for (i, sql) in damage.iter().enumerate() {
        raw(&path, sql);
        let book = Casebook::new(SqliteStore::open(&path).expect("open"));
        let err = book.get(&sup, ids[i]).expect_err(sql);
        assert_eq!(err.code(), ErrorCode::Integrity, "{sql}: {err}");
        assert_eq!(err.case_id(), Some(ids[i]), "{sql}: {err}");
        assert_names(&err, ids[i]);
        if i < 5 {
            // verify reads the same rows: it reports the failure, or refuses with it.
            match book.verify(&sup, ids[i]) {
                Ok(r) => assert!(!r.valid, "{sql}"),
                Err(e) => assert_names(&e, ids[i]),
            }
        }
    }
    // The damaged summary row spoils list queries that reach it, loudly.
    raw(&path, &format!("UPDATE cases SET summary = '{{' WHERE case_id = X'{}'", hex(ids[5])));
    let book = Casebook::new(SqliteStore::open(&path).expect("open"));
    let err = book.list(&sup, &casekit::CaseQuery::default()).expect_err("damaged summary");
    assert_eq!(err.code(), ErrorCode::Integrity);
    assert_names(&err, ids[5]);
    // The log reader names the case of a broken row too.
    let err = book.read_log(0, usize::MAX).expect_err("damaged log");
    assert_eq!(err.code(), ErrorCode::Integrity);
    // A document whose bytes were altered fails verification on read.
    let _ = doc;
    raw(&path, "UPDATE blobs SET bytes = X'00'");
    let store = SqliteStore::open(&path).expect("open");
    let sha = casekit::event::sha256_hex(b"the lease");
    match casekit::Store::get_blob(&store, &sha) {
        Err(casekit::StoreError::Integrity { message, .. }) => assert!(message.contains(&sha)),
        other => panic!("expected an integrity error, got {other:?}"),
    }
}

#[test]
fn a_missing_event_is_reported_at_its_sequence() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cases.db");
    let (ids, _) = build(&path, 2);
    raw(&path, &format!("DELETE FROM events WHERE case_id = X'{}' AND sequence = 2", hex(ids[0])));
    let book = Casebook::new(SqliteStore::open(&path).expect("open"));
    let report = book.verify(&supervisor(), ids[0]).expect("verify");
    assert!(!report.valid);
    assert_eq!(report.first_broken_sequence, Some(2));
}

#[test]
fn hashes_are_32_byte_blobs_and_a_hash_that_is_no_hash_names_the_case() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cases.db");
    let (ids, _) = build(&path, 3);
    let sup = supervisor();
    let conn = rusqlite::Connection::open(&path).expect("raw connection");
    let odd: i64 = conn
        .query_row(
            "SELECT count(*) FROM events WHERE typeof(hash) != 'blob' OR length(hash) != 32 \
             OR typeof(prev_hash) != 'blob' OR length(prev_hash) != 32",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(odd, 0, "every hash is stored as its 32 bytes");
    drop(conn);
    let before = Casebook::new(SqliteStore::open(&path).expect("open")).history(&sup, ids[0]).expect("history");
    // Hashes kept as hex text (either case) read back as the same hashes.
    raw(
        &path,
        &format!(
            "UPDATE events SET hash = upper(hex(hash)), prev_hash = lower(hex(prev_hash)) WHERE case_id = X'{}'",
            hex(ids[0])
        ),
    );
    let book = Casebook::new(SqliteStore::open(&path).expect("open"));
    let after = book.history(&sup, ids[0]).expect("history");
    assert_eq!(
        after.iter().map(|e| (e.prev_hash, e.hash)).collect::<Vec<_>>(),
        before.iter().map(|e| (e.prev_hash, e.hash)).collect::<Vec<_>>()
    );
    assert!(book.verify(&sup, ids[0]).expect("verify").valid);
    // Text that is no hash, and a blob of the wrong length: integrity errors naming the case.
    for (i, sql) in [
        format!("UPDATE events SET hash = 'not a hash' WHERE case_id = X'{}' AND sequence = 2", hex(ids[1])),
        format!("UPDATE events SET prev_hash = X'00' WHERE case_id = X'{}' AND sequence = 3", hex(ids[2])),
    ]
    .iter()
    .enumerate()
    {
        raw(&path, sql);
        let book = Casebook::new(SqliteStore::open(&path).expect("open"));
        let err = book.history(&sup, ids[i + 1]).expect_err(sql);
        assert_eq!(err.code(), ErrorCode::Integrity, "{sql}: {err}");
        assert_names(&err, ids[i + 1]);
        assert!(err.to_string().contains("hash"), "{sql}: {err}");
    }
}

#[test]
fn a_case_loads_along_its_chain_from_any_sequence() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cases.db");
    let (ids, _) = build(&path, 3);
    let store = SqliteStore::open(&path).expect("open");
    // The log holds the cases interleaved with nothing else in between here, so read
    // each case's events out of the whole log (in log order) as the reference.
    let log = casekit::Store::read_log(&store, 0, usize::MAX).expect("log");
    for id in &ids {
        let mine: Vec<_> = log.iter().filter(|e| e.case_id == *id).cloned().collect();
        assert!(mine.len() >= 5, "case {id} has {} events", mine.len());
        for after in 0..=mine.len() as u64 + 1 {
            let loaded = casekit::Store::load(&store, *id, after).expect("load");
            let expected: Vec<_> = mine.iter().filter(|e| e.sequence > after).cloned().collect();
            assert_eq!(loaded, expected, "case {id} after {after}");
        }
    }
    assert!(casekit::Store::load(&store, CaseId(uuid::Uuid::from_u128(7)), 0).expect("load").is_empty());
}

#[test]
fn a_broken_chain_is_read_by_scanning_the_log() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cases.db");
    let (ids, _) = build(&path, 3);
    let store = SqliteStore::open(&path).expect("open");
    let before = casekit::Store::load(&store, ids[1], 0).expect("load");
    drop(store);
    // Event 3 of the second case now points at the first case's first event, and the
    // third case's last event at nothing: neither chain leads through its case.
    raw(
        &path,
        &format!(
            "UPDATE events SET prev_position = 1 WHERE case_id = X'{}' AND sequence = 3;
             UPDATE events SET prev_position = NULL WHERE case_id = X'{}' AND sequence = 5;",
            hex(ids[1]),
            hex(ids[2])
        ),
    );
    let book = Casebook::new(SqliteStore::open(&path).expect("open"));
    assert_eq!(casekit::Store::load(book.store(), ids[1], 0).expect("load"), before);
    for id in &ids[1..] {
        assert!(book.verify(&supervisor(), *id).expect("verify").valid, "case {id}");
        assert_eq!(book.get(&supervisor(), *id).expect("get").version, 5);
    }
}
