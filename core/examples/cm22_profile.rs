//! CM-22 on the in-memory store, for profilers (`valgrind --tool=callgrind`):
//! `cargo run --release -p casekit --features testing --example cm22_profile -- 200`.
use casekit::testing::cm22;
use casekit::{Casebook, MemoryStore, RandomIds};

fn main() -> Result<(), casekit::Error> {
    let cases: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200);
    let batch = std::env::args().any(|a| a == "--batch");
    let book = Casebook::new(MemoryStore::new());
    book.register_program(cm22::program())?;
    let started = std::time::Instant::now();
    if batch {
        cm22::run_batch(&book, 0, cases, &RandomIds)?;
    } else {
        cm22::run_each(&book, 0, cases, &RandomIds)?;
    }
    let secs = started.elapsed().as_secs_f64();
    println!("{} commands in {secs:.3} s: {:.0} commands/s", cases * 22, (cases * 22) as f64 / secs);
    Ok(())
}
