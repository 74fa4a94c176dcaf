//! core's storage conformance kit, unchanged, each test in a schema of its own; then
//! what is particular to PostgreSQL: migrations, damaged rows, time precision, and a
//! differential run against the reference store.

mod support;

use casekit::command::AddNote;
use casekit::{CaseQuery, ErrorCode, MemoryStore, Store, StoreError};
use casekit_postgres::testing::{database_url, scratch_schema, scratch_store, scratch_store_with};
use casekit_postgres::{PostgresOptions, PostgresStore, SCHEMA_VERSION};
use support::*;

casekit::store_conformance_tests!(casekit_postgres::testing::scratch_store());

fn schema_options() -> PostgresOptions {
    PostgresOptions { schema: scratch_schema(), ..Default::default() }
}

#[test]
fn connect_creates_and_records_the_schema() {
    let store = scratch_store();
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    let mut db = admin();
    let versions: Vec<i32> = db
        .query(&format!("SELECT version FROM \"{}\".casekit_schema_version ORDER BY version", store.schema()), &[])
        .expect("versions")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(versions, (1..=SCHEMA_VERSION as i32).collect::<Vec<_>>());
    // Connecting again is a no-op that keeps the data.
    let (book, _) = casebook(store.another_instance());
    let c = book.open_case(&supervisor(), open("Ada")).expect("open").case_id;
    let again = PostgresStore::connect_with(store.url(), store.options().clone()).expect("reconnect");
    assert_eq!(again.version(c).expect("version"), Some(1));
}

#[test]
fn instances_starting_together_migrate_once() {
    let options = schema_options();
    let url = database_url();
    let threads: Vec<_> = (0..6)
        .map(|_| {
            let (url, options) = (url.clone(), options.clone());
            std::thread::spawn(move || PostgresStore::connect_with(&url, options).map(|s| s.schema_version()))
        })
        .collect();
    for t in threads {
        let v = t.join().expect("thread").expect("connect").expect("version");
        assert_eq!(v, SCHEMA_VERSION);
    }
    let store = scratch_store_with(options);
    let mut db = admin();
    let n: i64 = db
        .query_one(&format!("SELECT count(*) FROM \"{}\".casekit_schema_version", store.schema()), &[])
        .expect("count")
        .get(0);
    assert_eq!(n, i64::from(SCHEMA_VERSION));
}

#[test]
fn a_schema_from_a_newer_casekit_is_refused() {
    let store = scratch_store();
    let mut db = admin();
    db.execute(
        &format!("INSERT INTO \"{}\".casekit_schema_version (version) VALUES ($1)", store.schema()),
        &[&(SCHEMA_VERSION as i32 + 1)],
    )
    .expect("pretend a newer version");
    let err = PostgresStore::connect_with(store.url(), store.options().clone()).expect_err("newer schema");
    let message = err.to_string();
    assert!(matches!(err, StoreError::Backend(_)), "{err:?}");
    assert!(message.contains("newer") && message.contains(&(SCHEMA_VERSION + 1).to_string()), "{message}");
}

#[test]
fn bad_settings_are_clear_errors() {
    let url = database_url();
    for schema in ["", "1abc", "has space", "quote\"d", "pg_catalog", &"x".repeat(49)] {
        let err = PostgresStore::connect_with(&url, PostgresOptions { schema: schema.into(), ..Default::default() })
            .expect_err("bad schema name");
        assert!(err.to_string().contains("schema name"), "{err}");
    }
    let err = PostgresStore::connect("postgres://user:secret@[::1:bad/x").expect_err("bad url");
    assert!(!err.to_string().contains("secret"), "the password must not leak: {err}");
    let err = PostgresStore::connect_with(
        "postgres://postgres@127.0.0.1:1/postgres?connect_timeout=2",
        PostgresOptions { schema: scratch_schema(), ..Default::default() },
    )
    .expect_err("nothing listens on port 1");
    assert!(matches!(err, StoreError::Backend(_)), "{err:?}");
    #[cfg(not(feature = "tls"))]
    {
        let err = PostgresStore::connect(&format!("{url}?sslmode=require")).expect_err("tls needs the feature");
        assert!(err.to_string().contains("`tls` feature"), "{err}");
    }
}

#[test]
fn damaged_rows_are_integrity_errors() {
    let store = scratch_store();
    let (book, _) = casebook(store.another_instance());
    let sup = supervisor();
    let c = book.open_case(&sup, open("Ada")).expect("open").case_id;
    book.execute(&sup, c, AddNote { text: "hello".into(), ..Default::default() }, None).expect("note");
    let hash = store.put_blob(b"consent form").expect("put");
    let s = store.schema().to_owned();
    let mut db = admin();
    db.execute(&format!("UPDATE \"{s}\".blobs SET bytes = 'forged'::bytea WHERE sha256 = $1"), &[&hash])
        .expect("forge blob");
    match store.get_blob(&hash) {
        Err(StoreError::Integrity { .. }) => {}
        other => panic!("expected an integrity error, got {other:?}"),
    }
    db.execute(&format!("UPDATE \"{s}\".events SET schema_version = -1 WHERE sequence = 2"), &[]).expect("damage");
    match store.load(c, 0) {
        Err(StoreError::Integrity { case_id: Some(id), .. }) => assert_eq!(id, c),
        other => panic!("expected an integrity error, got {other:?}"),
    }
    db.execute(&format!("UPDATE \"{s}\".events SET schema_version = 1, payload = '{{' WHERE sequence = 2"), &[])
        .expect("damage payload");
    let report = book.verify(&sup, c).expect("verify");
    assert!(!report.valid, "an altered payload breaks the chain");
    db.execute(&format!("UPDATE \"{s}\".cases SET summary = 'not json'"), &[]).expect("damage summary");
    let err = book.list(&sup, &CaseQuery::default()).expect_err("damaged summary");
    assert_eq!(err.code(), ErrorCode::Integrity);
}

/// The hash chain covers `recorded_at` at microseconds: the store keeps exactly that,
/// and refuses finer times rather than round them.
#[test]
fn times_round_trip_exactly() {
    let store = scratch_store();
    let (book, clock) = casebook(store.another_instance());
    let sup = supervisor();
    clock.set(start() + chrono::Duration::microseconds(123_457));
    let c = book.open_case(&sup, open("Ada")).expect("open").case_id;
    let stored = store.load(c, 0).expect("load");
    assert_eq!(stored[0].recorded_at, start() + chrono::Duration::microseconds(123_457));
    assert!(book.verify(&sup, c).expect("verify").valid);
    let mut e = stored[0].clone();
    e.sequence = 2;
    e.recorded_at += chrono::Duration::nanoseconds(1);
    let summary = casekit::CaseSummary::of(&book.get(&sup, c).expect("get"));
    let batch = casekit::AppendBatch { case_id: c, expected_version: 1, events: vec![e], summary, notes: vec![] };
    assert!(matches!(store.append(vec![batch]), Err(StoreError::Backend(_))));
    assert_eq!(store.version(c).expect("version"), Some(1));
}

/// A random workload through two casebooks, one over the reference store and one over
/// PostgreSQL: every command has the same outcome, and every query (every filter, text
/// search, confidentiality, paging) the same answer for every reader.
#[test]
fn behaves_like_the_reference_store() {
    let mut rng = Lcg(seed());
    let store = scratch_store();
    let (pg, pg_clock) = casebook(store.another_instance());
    let (mem, mem_clock) = casebook(MemoryStore::new());
    let sup = supervisor();
    let mut ids = Vec::new();
    for step in 0..400 {
        let now = start() + chrono::Duration::minutes(step * 7);
        pg_clock.set(now);
        mem_clock.set(now);
        if ids.len() < 6 || rng.chance(12) {
            let o = random_open(&mut rng, ids.len());
            let a = pg.open_case(&sup, o.clone()).expect("open pg");
            let b = mem.open_case(&sup, o).expect("open mem");
            assert_eq!(a, b);
            ids.push(a.case_id);
            continue;
        }
        let c = *rng.pick(&ids);
        let cmd = random_command(&mut rng, now);
        let a = pg.execute(&sup, c, cmd.clone(), None);
        let b = mem.execute(&sup, c, cmd, None);
        match (a, b) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(a), Err(b)) => assert_eq!(a.code(), b.code(), "{a} / {b}"),
            (a, b) => panic!("outcomes differ: {a:?} / {b:?}"),
        }
    }
    assert_eq!(pg.read_log(0, usize::MAX).expect("log"), mem.read_log(0, usize::MAX).expect("log"));
    for q in queries(&ids, &mut rng) {
        for reader in readers() {
            let a = all_pages(&pg, &reader, &q).map_err(|e| e.code());
            let b = all_pages(&mem, &reader, &q).map_err(|e| e.code());
            assert_eq!(a, b, "query {q:?} by {}", reader.id);
        }
    }
}

/// Connections the server drops (a restart, a failover, an administrator) are replaced:
/// the next read retries on a fresh one, and later calls do not trip over the others.
#[test]
fn lost_connections_are_replaced() {
    let schema = scratch_schema();
    let app = format!("casekit-lost-{schema}");
    let url = format!("{}?application_name={app}", database_url());
    let options = PostgresOptions { schema, pool_size: 3, ..Default::default() };
    let _cleanup = scratch_store_with(options.clone());
    let store = PostgresStore::connect_with(&url, options).expect("connect");
    let (book, _) = casebook(store);
    let sup = supervisor();
    let c = book.open_case(&sup, open("Ada")).expect("open").case_id;
    let mut db = admin();
    for round in 0..3 {
        let killed: i64 = db
            .query_one(
                "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE application_name = $1) t",
                &[&app],
            )
            .expect("terminate")
            .get(0);
        assert!(killed >= 1, "round {round}: the store had a connection to kill");
        assert_eq!(book.store().version(c).expect("a read after the kill"), Some(1 + round));
        book.execute(&sup, c, AddNote { text: format!("after kill {round}"), ..Default::default() }, None)
            .expect("an append after the kill");
    }
    assert!(book.verify(&sup, c).expect("verify").valid);
}
