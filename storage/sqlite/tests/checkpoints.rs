//! Checkpoints: a commit that fills the WAL leaves the checkpoint to a thread of the
//! store's own (an import's large `execute_batch` as well as a single command's), and
//! the WAL stays bounded all the same.

use casekit::testing::cm22;
use casekit::{Casebook, RandomIds};
use casekit_sqlite::{SqliteOptions, SqliteStore};
use std::path::Path;
use std::time::{Duration, Instant};

/// SQLite's default page size, as the store creates files.
const PAGE: u64 = 4096;

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn book(path: &Path, checkpoint_pages: u32) -> Casebook<SqliteStore> {
    let options = SqliteOptions { checkpoint_pages, ..SqliteOptions::default() };
    let book = Casebook::new(SqliteStore::open_with(path, options).expect("db"));
    book.register_program(cm22::program()).expect("program");
    book
}

#[test]
fn an_import_leaves_its_checkpoint_to_another_thread() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cases.db");
    // Three cases (66 commands: streamed) fill a WAL of 50 pages, but not four times that.
    let book = book(&path, 50);
    let before = size(&path);
    cm22::run_batch(&book, 0, 3, &RandomIds).expect("import");
    let wal = size(&dir.path().join("cases.db-wal")) / PAGE;
    assert!((50..200).contains(&wal), "the import should leave between 50 and 200 pages in the WAL, not {wal}");
    // Nothing more is written: only the checkpointer thread can move the WAL into the
    // main file now.
    let deadline = Instant::now() + Duration::from_secs(20);
    while size(&path) <= before {
        assert!(Instant::now() < deadline, "no checkpoint copied the import into the main file");
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(book.list(&cm22::actor(), &Default::default()).expect("list").items.len(), 3);
}

#[test]
fn a_long_import_keeps_the_wal_bounded() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cases.db");
    let book = book(&path, 50);
    let wal_path = dir.path().join("cases.db-wal");
    let mut largest = 0;
    for k in 0..40 {
        cm22::run_batch(&book, k * 3, 3, &RandomIds).expect("import");
        largest = largest.max(size(&wal_path) / PAGE);
    }
    // 40 imports write some 4,000 pages: a WAL that never started over would hold them
    // all. It checkpoints in line at four times 50 pages, and one import adds under 200.
    assert!(largest < 400, "the WAL grew to {largest} pages");
    let all = casekit::CaseQuery { limit: Some(500), ..Default::default() };
    assert_eq!(book.list(&cm22::actor(), &all).expect("list").items.len(), 120);
    drop(book);
    // Reopened, every case is there and verifies.
    let book = self::book(&path, 50);
    let page = book.list(&cm22::actor(), &all).expect("list");
    assert_eq!(page.items.len(), 120);
    for c in page.items.iter().step_by(17) {
        assert!(book.verify(&cm22::actor(), c.case_id).expect("verify").valid);
    }
}

#[test]
fn commands_one_commit_each_keep_the_wal_bounded() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cases.db");
    let book = book(&path, 50);
    let wal_path = dir.path().join("cases.db-wal");
    let mut largest = 0;
    for k in 0..30 {
        cm22::run_each(&book, k, 1, &RandomIds).expect("case");
        largest = largest.max(size(&wal_path) / PAGE);
    }
    // 660 commits write some 2,500 pages. The WAL starts over once the thread has
    // copied it and a commit the rest, or at the latest when a commit finds it at four
    // times 50 pages (and copies it in line); a case's 22 commits add under 100.
    assert!(largest < 300, "the WAL grew to {largest} pages");
    drop(book);
    let book = self::book(&path, 50);
    let all = casekit::CaseQuery { limit: Some(100), ..Default::default() };
    let page = book.list(&cm22::actor(), &all).expect("list");
    assert_eq!(page.items.len(), 30);
    for c in &page.items {
        assert!(book.verify(&cm22::actor(), c.case_id).expect("verify").valid);
    }
}

#[test]
fn a_checkpoint_asked_for_right_after_an_import_empties_the_wal() {
    // The import has just handed a checkpoint to the checkpointer thread, which may
    // still be copying when this one is asked for: it waits its turn rather than give up.
    for round in 0..20 {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("cases.db");
        let book = book(&path, 400);
        cm22::run_batch(&book, 0, 200, &RandomIds).expect("import");
        let wal = size(&dir.path().join("cases.db-wal")) / PAGE;
        assert!((400..1600).contains(&wal), "round {round}: {wal} pages in the WAL");
        book.checkpoint().expect("checkpoint");
        let wal = size(&dir.path().join("cases.db-wal"));
        assert_eq!(wal, 0, "round {round}: the WAL still holds {wal} bytes");
    }
}

#[test]
fn a_checkpoint_a_reader_keeps_from_finishing_says_so() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("cases.db");
    let options = SqliteOptions { busy_timeout: Duration::from_millis(200), ..SqliteOptions::default() };
    let book = Casebook::new(SqliteStore::open_with(&path, options).expect("db"));
    book.register_program(cm22::program()).expect("program");
    cm22::run_each(&book, 0, 2, &RandomIds).expect("cases");
    // Another connection reads inside a transaction: the WAL cannot be emptied under it.
    let reader = rusqlite::Connection::open(&path).expect("reader");
    reader.execute_batch("BEGIN").expect("begin");
    let _: i64 = reader.query_row("SELECT count(*) FROM events", [], |r| r.get(0)).expect("read");
    let err = book.store().checkpoint().expect_err("a reader holds the WAL");
    assert!(matches!(err, casekit::StoreError::Backend(_)), "{err:?}");
    assert!(err.to_string().contains("still in use"), "{err}");
    assert!(size(&dir.path().join("cases.db-wal")) > 0);
    // Once the reader is done, it empties the WAL.
    reader.execute_batch("COMMIT").expect("end the read");
    book.store().checkpoint().expect("checkpoint");
    assert_eq!(size(&dir.path().join("cases.db-wal")), 0);
}
