//! Core's storage conformance kit, unchanged, on an in-memory database and on files.

mod in_memory {
    casekit::store_conformance_tests!(casekit_sqlite::SqliteStore::in_memory().expect("db"));
}

mod on_file {
    use casekit_sqlite::SqliteStore;

    /// A store in a fresh file that lives as long as the store (the directory is
    /// leaked on purpose: the kit takes the store by value).
    fn store() -> SqliteStore {
        let dir = tempfile::tempdir().expect("temp dir").keep();
        SqliteStore::open(dir.join("cases.db")).expect("db")
    }

    casekit::store_conformance_tests!(store());
}

mod on_file_single_connection {
    use casekit_sqlite::{SqliteOptions, SqliteStore};

    fn store() -> SqliteStore {
        let dir = tempfile::tempdir().expect("temp dir").keep();
        SqliteStore::open_with(dir.join("cases.db"), SqliteOptions { readers: 0, ..Default::default() }).expect("db")
    }

    casekit::store_conformance_tests!(store());
}
