//! The native `Book`: a `casekit::Casebook` over whichever store was opened. Every
//! method converts its arguments, releases the GIL around the engine call, and maps
//! errors; the Python package's `Casebook` puts typed methods on top.

use crate::committed::Committed;
use crate::convert::{self, from_py};
use crate::errors::{self, guard};
use crate::stores;
use crate::values::{Actor, ManualClock};
use casekit::{
    CaseId, CaseQuery, Casebook, Clock, CommandKind, DocumentId, DocumentUpload, IdGen, Program, SequentialIds, Store,
    SubscriptionId,
};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyList};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

/// The engine, over a store chosen at run time (adding a store is one arm in
/// `stores::open`).
pub type Engine = Casebook<Box<dyn Store>>;

/// Runs `f` with the GIL released, catching a panic on the way.
fn detached<T: Send>(py: Python<'_>, f: impl FnOnce() -> casekit::Result<T> + Send) -> PyResult<T> {
    match py.detach(|| catch_unwind(AssertUnwindSafe(f))) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(errors::to_py(py, &e)),
        Err(panic) => Err(errors::internal(py, &*panic)),
    }
}

fn actor_of(obj: &Bound<'_, PyAny>) -> PyResult<Arc<casekit::Actor>> {
    match obj.cast::<Actor>() {
        Ok(a) => Ok(a.get().inner.clone()),
        Err(_) => Err(errors::validation(obj.py(), "actor", "expected a casekit.Actor")),
    }
}

fn case_of(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<CaseId> {
    convert::uuid_from_py(obj, field).map(CaseId)
}

fn ids_of(py: Python<'_>, ids: &str) -> PyResult<Arc<dyn IdGen>> {
    match ids {
        "random" => Ok(Arc::new(casekit::RandomIds)),
        "sequential" => Ok(Arc::new(SequentialIds::new())),
        _ => Err(errors::validation(py, "ids", "expected \"random\" or \"sequential\"")),
    }
}

fn clock_of(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Arc<dyn Clock>> {
    match obj {
        Some(c) if !c.is_none() => match c.cast::<ManualClock>() {
            Ok(clock) => Ok(clock.get().inner.clone()),
            Err(_) => Err(errors::validation(c.py(), "clock", "expected a casekit.ManualClock or None")),
        },
        _ => Ok(Arc::new(casekit::SystemClock)),
    }
}

fn committed_list(py: Python<'_>, done: Vec<casekit::Committed>) -> PyResult<Bound<'_, PyList>> {
    let list = PyList::empty(py);
    for inner in done {
        list.append(Bound::new(py, Committed::new(inner))?)?;
    }
    Ok(list)
}

/// The native casebook. Safe to share between threads: every call releases the GIL
/// while the engine and the store work.
#[pyclass(module = "casekit._native", frozen)]
pub struct Book {
    pub engine: Arc<Engine>,
    description: String,
    /// The PostgreSQL store behind `engine`, when it is one: it follows the log.
    postgres: Option<Arc<casekit_postgres::PostgresStore>>,
}

impl Book {
    fn execute_command(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        case_id: &Bound<'_, PyAny>,
        command: &Bound<'_, PyAny>,
        expected_version: Option<&Bound<'_, PyAny>>,
        omit_none: bool,
    ) -> PyResult<Committed> {
        guard(py, || {
            let actor = actor_of(actor)?;
            let case_id = if case_id.is_none() { None } else { Some(case_of(case_id, "case_id")?) };
            let command = crate::commands::from_py(command, omit_none)?;
            let expected = convert::u64_from_py(expected_version, "expected_version")?;
            let engine = &self.engine;
            let inner = detached(py, || engine.execute_command(&actor, case_id, command, expected))?;
            Ok(Committed::new(inner))
        })
    }
}

#[pymethods]
impl Book {
    /// A casebook over a fresh in-memory store.
    #[staticmethod]
    #[pyo3(signature = (clock: "ManualClock | None" = None, ids = "random"))]
    fn in_memory(py: Python<'_>, clock: Option<&Bound<'_, PyAny>>, ids: &str) -> PyResult<Self> {
        guard(py, || {
            let store: Box<dyn Store> = Box::new(casekit::MemoryStore::new());
            let engine = Casebook::with_clock(store, clock_of(clock)?, ids_of(py, ids)?);
            Ok(Book { engine: Arc::new(engine), description: "memory".into(), postgres: None })
        })
    }

    /// A casebook over a store named by a path (SQLite) or a URL.
    #[staticmethod]
    #[pyo3(signature = (
        target: "str | os.PathLike[str]",
        synchronous = "normal",
        clock: "ManualClock | None" = None,
        ids = "random",
        schema = None,
        tuning: "dict[str, typing.Any] | None" = None,
    ))]
    fn open(
        py: Python<'_>,
        target: &Bound<'_, PyAny>,
        synchronous: &str,
        clock: Option<&Bound<'_, PyAny>>,
        ids: &str,
        schema: Option<&str>,
        tuning: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Self> {
        guard(py, || {
            let target: String = match target.extract::<std::path::PathBuf>() {
                Ok(p) => p.to_string_lossy().into_owned(),
                Err(_) => return Err(errors::validation(py, "path_or_url", "expected a path or a URL")),
            };
            let clock = clock_of(clock)?;
            let ids = ids_of(py, ids)?;
            let tuning = stores::tuning(py, tuning)?;
            let spec = stores::parse(py, &target, synchronous, schema, tuning)?;
            let description = spec.describe();
            let store = py.detach(|| catch_unwind(AssertUnwindSafe(|| stores::open(spec))));
            let opened = match store {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => return Err(errors::to_py(py, &e)),
                Err(panic) => return Err(errors::internal(py, &*panic)),
            };
            let engine = Arc::new(Casebook::with_clock(opened.store, clock, ids));
            Ok(Book { engine, description, postgres: opened.postgres })
        })
    }

    /// Which store this casebook uses (`memory`, `sqlite:PATH`).
    #[getter]
    fn store(&self) -> &str {
        &self.description
    }

    /// Registers (or replaces) a program: `{"id", "name", "required_instruments",
    /// "custom_fields"}`.
    #[pyo3(signature = (program: "collections.abc.Mapping[str, typing.Any]"))]
    fn register_program(&self, py: Python<'_>, program: &Bound<'_, PyAny>) -> PyResult<()> {
        guard(py, || {
            let program: Program = from_py(program, "")?;
            let engine = &self.engine;
            detached(py, || engine.register_program(program))
        })
    }

    /// Runs one command given in its JSON form (`{"type": "add_note", ...}`).
    #[pyo3(signature = (
        actor: "Actor",
        case_id: "uuid.UUID | str | None",
        command: "collections.abc.Mapping[str, typing.Any]",
        expected_version: "int | None" = None,
    ))]
    fn execute(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        case_id: &Bound<'_, PyAny>,
        command: &Bound<'_, PyAny>,
        expected_version: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Committed> {
        self.execute_command(py, actor, case_id, command, expected_version, false)
    }

    /// Runs a command built by a typed method: as `execute`, except that top-level
    /// fields whose value is `None` are left out (omitted keyword arguments).
    #[pyo3(signature = (
        actor: "Actor",
        case_id: "uuid.UUID | str | None",
        command: "collections.abc.Mapping[str, typing.Any]",
        expected_version: "int | None" = None,
    ))]
    fn run(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        case_id: &Bound<'_, PyAny>,
        command: &Bound<'_, PyAny>,
        expected_version: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Committed> {
        self.execute_command(py, actor, case_id, command, expected_version, true)
    }

    /// Runs many commands in one transaction: all or none.
    #[pyo3(signature = (
        actor: "Actor",
        items: "collections.abc.Sequence[collections.abc.Mapping[str, typing.Any]]",
    ) -> "list[Committed]")]
    fn execute_batch<'py>(
        &self,
        py: Python<'py>,
        actor: &Bound<'py, PyAny>,
        items: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyList>> {
        guard(py, || {
            let actor = actor_of(actor)?;
            let items = crate::commands::batch_from_py(items)?;
            let engine = &self.engine;
            let done = detached(py, || engine.execute_batch(&actor, &items))?;
            committed_list(py, done)
        })
    }

    /// Runs many commands in one transaction, answering with what it wrote (a dict of
    /// counts and log positions), not a `Committed` per command: the path for imports.
    #[pyo3(signature = (
        actor: "Actor",
        items: "collections.abc.Sequence[collections.abc.Mapping[str, typing.Any]]",
    ) -> "dict[str, typing.Any]")]
    fn execute_batch_summary<'py>(
        &self,
        py: Python<'py>,
        actor: &Bound<'py, PyAny>,
        items: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let actor = actor_of(actor)?;
            let items = crate::commands::batch_from_py(items)?;
            let engine = &self.engine;
            let summary = detached(py, || engine.execute_batch_summary(&actor, &items))?;
            convert::to_py(py, &summary)
        })
    }

    /// Stores a document's bytes and attaches its metadata to the case.
    #[pyo3(signature = (
        actor: "Actor",
        case_id: "uuid.UUID | str",
        name: "str",
        media_type: "str",
        content: "bytes",
        category: "str | None" = None,
    ))]
    #[allow(clippy::too_many_arguments)]
    fn attach_document(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyAny>,
        case_id: &Bound<'_, PyAny>,
        name: &Bound<'_, PyAny>,
        media_type: &Bound<'_, PyAny>,
        content: &Bound<'_, PyAny>,
        category: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Committed> {
        guard(py, || {
            let actor = actor_of(actor)?;
            let case_id = case_of(case_id, "case_id")?;
            let name: String = from_py(name, "name")?;
            let media_type: String = from_py(media_type, "media_type")?;
            let category: Option<String> = match category {
                Some(c) => from_py(c, "category")?,
                None => None,
            };
            let content = if let Ok(b) = content.cast::<PyBytes>() {
                b.as_bytes().to_vec()
            } else if let Ok(b) = content.cast::<PyByteArray>() {
                b.to_vec()
            } else {
                return Err(errors::validation(py, "content", "expected bytes"));
            };
            let upload = DocumentUpload { name, media_type, category, content };
            let engine = &self.engine;
            let inner = detached(py, || engine.attach_document(&actor, case_id, upload))?;
            Ok(Committed::new(inner))
        })
    }

    /// A document's bytes, verified against its hash.
    #[pyo3(signature = (actor: "Actor", case_id: "uuid.UUID | str", document_id: "uuid.UUID | str"))]
    fn document_content<'py>(
        &self,
        py: Python<'py>,
        actor: &Bound<'py, PyAny>,
        case_id: &Bound<'py, PyAny>,
        document_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        guard(py, || {
            let actor = actor_of(actor)?;
            let case_id = case_of(case_id, "case_id")?;
            let document_id = DocumentId(convert::uuid_from_py(document_id, "document_id")?);
            let engine = &self.engine;
            let bytes = detached(py, || engine.document_content(&actor, case_id, document_id))?;
            Ok(PyBytes::new(py, &bytes))
        })
    }

    /// A case as the actor may see it, in its JSON form.
    #[pyo3(signature = (actor: "Actor", case_id: "uuid.UUID | str") -> "dict[str, typing.Any]")]
    fn get<'py>(
        &self,
        py: Python<'py>,
        actor: &Bound<'py, PyAny>,
        case_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let actor = actor_of(actor)?;
            let case_id = case_of(case_id, "case_id")?;
            let engine = &self.engine;
            let state = detached(py, || engine.get(&actor, case_id))?;
            convert::to_py(py, &state)
        })
    }

    /// A page of case summaries: `{"items": [...], "next_cursor": ...}`.
    #[pyo3(signature = (actor: "Actor", query: "collections.abc.Mapping[str, typing.Any]") -> "dict[str, typing.Any]")]
    fn list<'py>(
        &self,
        py: Python<'py>,
        actor: &Bound<'py, PyAny>,
        query: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let actor = actor_of(actor)?;
            let query: CaseQuery = from_py(query, "")?;
            let engine = &self.engine;
            let page = detached(py, || engine.list(&actor, &query))?;
            convert::to_py(py, &page)
        })
    }

    /// A case's events as the actor may see them.
    #[pyo3(signature = (actor: "Actor", case_id: "uuid.UUID | str") -> "list[dict[str, typing.Any]]")]
    fn history<'py>(
        &self,
        py: Python<'py>,
        actor: &Bound<'py, PyAny>,
        case_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let actor = actor_of(actor)?;
            let case_id = case_of(case_id, "case_id")?;
            let engine = &self.engine;
            let events = detached(py, || engine.history(&actor, case_id))?;
            convert::to_py(py, &events)
        })
    }

    /// Recomputes a case's hash chain.
    #[pyo3(signature = (actor: "Actor", case_id: "uuid.UUID | str") -> "dict[str, typing.Any]")]
    fn verify<'py>(
        &self,
        py: Python<'py>,
        actor: &Bound<'py, PyAny>,
        case_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let actor = actor_of(actor)?;
            let case_id = case_of(case_id, "case_id")?;
            let engine = &self.engine;
            let report = detached(py, || engine.verify(&actor, case_id))?;
            convert::to_py(py, &report)
        })
    }

    /// Copies the SQLite write-ahead log into the database file and empties it, so the
    /// file alone holds every commit (nothing to do for the other stores).
    #[pyo3(signature = () -> "None")]
    fn checkpoint(&self, py: Python<'_>) -> PyResult<()> {
        guard(py, || {
            let engine = &self.engine;
            detached(py, || engine.checkpoint())
        })
    }

    /// The global log after a position (the host's feed: not scoped to an actor).
    #[pyo3(signature = (after: "int | None" = None, limit: "int | None" = None) -> "list[dict[str, typing.Any]]")]
    fn read_log<'py>(
        &self,
        py: Python<'py>,
        after: Option<&Bound<'py, PyAny>>,
        limit: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        guard(py, || {
            let after = convert::u64_from_py(after, "after")?.unwrap_or(0);
            let limit = convert::u64_from_py(limit, "limit")?.unwrap_or(1000);
            let limit = usize::try_from(limit).unwrap_or(usize::MAX);
            let engine = &self.engine;
            let events = detached(py, || engine.read_log(after, limit))?;
            convert::to_py(py, &events)
        })
    }

    /// Calls `callback(event_json)` after every commit through this casebook. The
    /// callback runs on the committing thread, with the GIL; whatever it raises is
    /// reported as unraisable and never reaches the commit.
    #[pyo3(signature = (callback: "collections.abc.Callable[[dict[str, typing.Any]], object]"))]
    fn subscribe(&self, py: Python<'_>, callback: Py<PyAny>) -> PyResult<u64> {
        guard(py, || {
            if !callback.bind(py).is_callable() {
                return Err(errors::validation(py, "callback", "expected a callable"));
            }
            let id = self.engine.subscribe(move |event| {
                Python::attach(|py| {
                    let result = convert::to_py(py, event).and_then(|e| callback.call1(py, (e,)));
                    if let Err(err) = result {
                        err.write_unraisable(py, Some(callback.bind(py)));
                    }
                })
            });
            Ok(id.0)
        })
    }

    /// Follows the global log of a PostgreSQL store: `callback(event_dict)` on a thread
    /// of its own for every event committed by any instance sharing the database, in
    /// position order, each once, from `after_position` on.
    #[pyo3(signature = (
        callback: "collections.abc.Callable[[dict[str, typing.Any]], object]",
        after_position: "int | None" = None,
        batch_size: "int | None" = None,
        poll_interval: "float | None" = None,
    ))]
    fn follow_log(
        &self,
        py: Python<'_>,
        callback: Py<PyAny>,
        after_position: Option<&Bound<'_, PyAny>>,
        batch_size: Option<&Bound<'_, PyAny>>,
        poll_interval: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<crate::follow::Follower> {
        guard(py, || {
            let Some(store) = &self.postgres else {
                return Err(errors::validation(py, "store", "following the log needs a PostgreSQL store"));
            };
            crate::follow::start(py, store, callback, after_position, batch_size, poll_interval)
        })
    }

    /// Stops a subscription; returns whether it existed.
    #[pyo3(signature = (id: "int"))]
    fn unsubscribe(&self, py: Python<'_>, id: &Bound<'_, PyAny>) -> PyResult<bool> {
        guard(py, || {
            let id = convert::u64_from_py(Some(id), "id")?.unwrap_or(0);
            Ok(self.engine.unsubscribe(SubscriptionId(id)))
        })
    }

    /// A frame (`cases`, `events`, `goals`, `assessments`, `notes`) as an Arrow stream.
    #[pyo3(signature = (kind, actor: "Actor", query: "collections.abc.Mapping[str, typing.Any]"))]
    fn frame(
        &self,
        py: Python<'_>,
        kind: &str,
        actor: &Bound<'_, PyAny>,
        query: &Bound<'_, PyAny>,
    ) -> PyResult<crate::frames::ArrowStream> {
        guard(py, || {
            let kind = crate::frames::Kind::parse(py, kind)?;
            let actor = actor_of(actor)?;
            let query: CaseQuery = from_py(query, "")?;
            let engine = &self.engine;
            let batch = detached(py, || crate::frames::build(engine, &actor, &query, kind))?;
            Ok(crate::frames::ArrowStream::new(batch))
        })
    }

    fn __repr__(&self) -> String {
        format!("Book({})", self.description)
    }
}

/// Checks a command's JSON form and returns it normalized (defaults filled in), without
/// running it; with `omit_none`, top-level fields given as `None` count as absent (as
/// in `Book.run`).
#[pyfunction]
#[pyo3(signature = (command: "collections.abc.Mapping[str, typing.Any]", omit_none = false) -> "dict[str, typing.Any]")]
pub fn parse_command<'py>(
    py: Python<'py>,
    command: &Bound<'py, PyAny>,
    omit_none: bool,
) -> PyResult<Bound<'py, PyAny>> {
    guard(py, || {
        let command = crate::commands::from_py(command, omit_none)?;
        convert::to_py(py, &command)
    })
}

/// `parse_command` the canonical way (through a JSON value), to test that the direct
/// conversion accepts and builds the same commands.
#[pyfunction]
#[pyo3(signature = (command: "collections.abc.Mapping[str, typing.Any]", omit_none = false) -> "dict[str, typing.Any]")]
pub fn _parse_command_canonical<'py>(
    py: Python<'py>,
    command: &Bound<'py, PyAny>,
    omit_none: bool,
) -> PyResult<Bound<'py, PyAny>> {
    guard(py, || {
        let command = crate::commands::canonical_from_py(command, omit_none)?;
        convert::to_py(py, &command)
    })
}

/// Every command's name, in the core's order (`casekit::CommandKind::ALL`).
#[pyfunction]
pub fn command_names() -> Vec<&'static str> {
    CommandKind::ALL.iter().map(|k| k.as_str()).collect()
}

/// Every error code, in the core's order.
#[pyfunction]
pub fn error_codes() -> Vec<&'static str> {
    casekit::ErrorCode::ALL.iter().map(|c| c.as_str()).collect()
}

/// Panics inside the native module, to test that no panic reaches Python.
#[pyfunction]
pub fn _panic_for_tests(py: Python<'_>, message: &str) -> PyResult<()> {
    guard(py, || panic!("{message}"))
}
