//! CM-22 (../shared/BENCHMARKS.md) on the in-memory store: 22 commands per case from
//! intake to closure, each validated, sealed (hash chain) and appended.
//!
//! `cargo bench -p casekit --bench cm22`; throughput is reported in commands
//! (elements) per second.

use casekit::testing::cm22;
use casekit::{Casebook, MemoryStore, RandomIds};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

const CASES: usize = 200;

fn book() -> Casebook<MemoryStore> {
    let book = Casebook::new(MemoryStore::new());
    // Registration cannot fail for this program; a failure would show in the run.
    let _ = book.register_program(cm22::program());
    book
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("cm22_memory");
    group.throughput(Throughput::Elements((CASES * 22) as u64));
    group.sample_size(20);
    group.bench_function("commit_per_command", |b| {
        b.iter_batched(book, |book| cm22::run_each(&book, 0, CASES, &RandomIds).map(|_| book), BatchSize::LargeInput)
    });
    group.bench_function("one_batch", |b| {
        b.iter_batched(book, |book| cm22::run_batch(&book, 0, CASES, &RandomIds).map(|_| book), BatchSize::LargeInput)
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
