//! TLS (the `tls` feature): a cluster of its own with `ssl = on` and a certificate from
//! a throwaway CA. `sslmode=require` with that CA trusted connects encrypted; without
//! it, the unknown certificate is refused.
//!
//! `cargo test --release -p casekit-postgres --features tls --test tls`

#![cfg(feature = "tls")]

mod support;

use casekit::Store;
use casekit_postgres::testing::{scratch_schema, Cluster, ClusterConfig};
use casekit_postgres::{PostgresOptions, PostgresStore};
use std::path::Path;
use std::process::Command;
use support::*;

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("run openssl");
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A CA and a server certificate for 127.0.0.1 signed by it: (ca.crt, server.crt, server.key).
fn certificates(dir: &Path) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-days",
            "2",
            "-subj",
            "/CN=casekit test CA",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    );
    std::fs::write(dir.join("san.ext"), "subjectAltName=IP:127.0.0.1\n").expect("write ext");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "2",
            "-extfile",
            "san.ext",
        ],
    );
    let read = |f: &str| std::fs::read(dir.join(f)).expect("read certificate");
    (read("ca.crt"), read("server.crt"), read("server.key"))
}

#[test]
fn tls_connections_verify_the_server() {
    let dir = std::env::temp_dir().join(format!("casekit-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let (ca, cert, key) = certificates(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    let cluster = Cluster::start_with(&ClusterConfig {
        fsync: false,
        settings: vec![
            ("ssl".into(), "on".into()),
            ("ssl_cert_file".into(), "server.crt".into()),
            ("ssl_key_file".into(), "server.key".into()),
        ],
        files: vec![("server.crt".into(), cert), ("server.key".into(), key)],
    })
    .expect("start a TLS cluster");
    let url = format!("{}?sslmode=require&application_name=casekit-tls-test", cluster.url());
    let options = PostgresOptions { schema: scratch_schema(), tls_root_certificates: vec![ca], ..Default::default() };
    let store = PostgresStore::connect_with(&url, options.clone()).expect("connect over TLS");
    let (book, _) = casebook(store);
    let c = book.open_case(&supervisor(), open("Ada")).expect("open").case_id;
    assert_eq!(book.store().version(c).expect("version"), Some(1));
    let mut admin = postgres::Client::connect(cluster.url(), postgres::NoTls).expect("admin");
    let encrypted: bool = admin
        .query_one(
            "SELECT bool_and(s.ssl) FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) \
             WHERE a.application_name = 'casekit-tls-test'",
            &[],
        )
        .expect("pg_stat_ssl")
        .get(0);
    assert!(encrypted, "the store's connections use TLS");
    let untrusted = PostgresOptions { tls_root_certificates: vec![], ..options };
    let err = PostgresStore::connect_with(&url, untrusted).expect_err("an unknown CA is refused");
    assert!(matches!(err, casekit::StoreError::Backend(_)), "{err:?}");
}
