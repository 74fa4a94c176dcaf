//! casekit-conformance: replays the cross-language conformance scenarios
//! (`tests/scenarios/*.json`) through casekit's public API and produces each scenario's
//! final snapshot.
//!
//! The scenario format is specified in `tests/README.md`; this crate is its Rust
//! runner. Every step goes through [`Casebook`] exactly as an application would call it
//! (`execute_command`, `execute_batch`, `get`, `list`, `history`, `verify`): there is no
//! shortcut into the domain. The runner is generic over the [`Store`], so every store
//! adapter can replay the same scenarios:
//!
//! ```no_run
//! let scenarios = casekit_conformance::load_scenarios(&casekit_conformance::scenarios_dir())?;
//! for s in &scenarios {
//!     let snapshot = casekit_conformance::run(s, casekit::MemoryStore::new())?;
//!     println!("{}", snapshot["name"]);
//! }
//! # Ok::<(), casekit_conformance::RunError>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

use casekit::{
    Actor, BatchCommand, BatchSummary, CaseId, CaseQuery, Casebook, Command, Committed, ManualClock, Program, Role,
    SequentialIds, Store,
};
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::{json, Map, Number, Value};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What went wrong while loading or running a scenario: the scenario, the step (index
/// into `steps`, when the failure belongs to one) and what happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunError {
    /// The scenario's name (or its file, while loading).
    pub scenario: String,
    /// The index of the step in `steps`, if the failure belongs to a step.
    pub step: Option<usize>,
    /// What happened.
    pub message: String,
}

impl RunError {
    fn new(scenario: impl Into<String>, step: Option<usize>, message: impl Into<String>) -> Self {
        Self { scenario: scenario.into(), step, message: message.into() }
    }
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.step {
            Some(i) => write!(f, "scenario {}: steps[{i}]: {}", self.scenario, self.message),
            None => write!(f, "scenario {}: {}", self.scenario, self.message),
        }
    }
}

impl std::error::Error for RunError {}

/// A scenario file (`tests/README.md`, "Scenario file").
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The scenario's name: the file's stem.
    pub name: String,
    /// What the scenario shows.
    #[serde(default)]
    pub description: String,
    /// Where the manual clock starts.
    pub start: DateTime<Utc>,
    /// Seconds the clock advances before every command step.
    #[serde(default)]
    pub tick_seconds: i64,
    /// Programs registered before the first step.
    #[serde(default)]
    pub programs: Vec<Program>,
    /// The actors, by id.
    pub actors: BTreeMap<String, ActorSpec>,
    /// The steps, as JSON (they are interpreted after `$name` references are resolved).
    pub steps: Vec<Value>,
    /// The cases whose view and history make up the final snapshot.
    #[serde(default, rename = "final")]
    pub final_cases: Vec<FinalSpec>,
}

/// An actor of a scenario; its id is its key in `actors`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActorSpec {
    /// Roles.
    pub roles: Vec<Role>,
    /// Programs the actor works in or reads.
    #[serde(default)]
    pub programs: Vec<String>,
}

/// One entry of `final`: a case, read by an actor.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinalSpec {
    /// The case (usually a `$name` reference).
    pub case: String,
    /// Who reads it.
    pub actor: String,
}

/// The directory holding the scenario files (`tests/scenarios` of the workspace).
pub fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("scenarios")
}

/// The expected snapshot file of a scenario in `dir`: `dir/expected/<name>.json`.
pub fn expected_path(dir: &Path, name: &str) -> PathBuf {
    dir.join("expected").join(format!("{name}.json"))
}

/// Loads one scenario file and checks that its `name` is the file's stem.
pub fn load_scenario(path: &Path) -> Result<Scenario, RunError> {
    let label = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| RunError::new(&label, None, format!("cannot read: {e}")))?;
    let scenario: Scenario =
        serde_json::from_str(&text).map_err(|e| RunError::new(&label, None, format!("not a scenario: {e}")))?;
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
    if scenario.name != stem {
        return Err(RunError::new(&label, None, format!("name {:?} is not the file stem {stem:?}", scenario.name)));
    }
    Ok(scenario)
}

/// Loads every `*.json` file directly in `dir` (not `expected/`), sorted by name.
pub fn load_scenarios(dir: &Path) -> Result<Vec<Scenario>, RunError> {
    let label = dir.display().to_string();
    let entries = std::fs::read_dir(dir).map_err(|e| RunError::new(&label, None, format!("cannot list: {e}")))?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| RunError::new(&label, None, format!("cannot list: {e}")))?.path();
        if path.is_file() && path.extension().is_some_and(|x| x == "json") {
            paths.push(path);
        }
    }
    paths.sort();
    paths.iter().map(|p| load_scenario(p)).collect()
}

/// Replays `scenario` on a fresh casebook over `store` (which must be empty) and returns
/// its final snapshot: `{"name": ..., "cases": [{"case", "actor", "view", "history"}]}`.
/// Any step whose outcome differs from its `expect` fails the run.
pub fn run<S: Store>(scenario: &Scenario, store: S) -> Result<Value, RunError> {
    let fail = |step: Option<usize>, msg: String| RunError::new(&scenario.name, step, msg);
    let clock = Arc::new(ManualClock::new(scenario.start));
    let book = Casebook::with_clock(store, clock.clone(), Arc::new(SequentialIds::new()));
    for p in &scenario.programs {
        book.register_program(p.clone()).map_err(|e| fail(None, format!("program {}: {e}", p.id)))?;
    }
    let actors = scenario
        .actors
        .iter()
        .map(|(id, spec)| {
            (id.clone(), Actor::new(id.as_str(), spec.roles.iter().copied(), spec.programs.iter().cloned()))
        })
        .collect();
    let tick = Duration::try_seconds(scenario.tick_seconds)
        .ok_or_else(|| fail(None, format!("tick_seconds {} is out of range", scenario.tick_seconds)))?;
    let mut runner = Runner { book, clock, tick, actors, saved: HashMap::new() };
    for (i, step) in scenario.steps.iter().enumerate() {
        runner.step(step).map_err(|msg| fail(Some(i), msg))?;
    }
    let mut cases = Vec::with_capacity(scenario.final_cases.len());
    for (i, f) in scenario.final_cases.iter().enumerate() {
        let snap = runner.snapshot(f).map_err(|msg| fail(None, format!("final[{i}]: {msg}")))?;
        cases.push(snap);
    }
    Ok(json!({ "name": scenario.name, "cases": cases }))
}

struct Runner<S> {
    book: Casebook<S>,
    clock: Arc<ManualClock>,
    tick: Duration,
    actors: HashMap<String, Actor>,
    /// Saved name -> id (as text).
    saved: HashMap<String, String>,
}

/// The step kinds, by their key.
const KINDS: [&str; 7] = ["command", "batch", "get", "list", "history", "verify", "advance_seconds"];

/// What a command step, or one result of a batch step, may expect of a `Committed`.
const COMMITTED_EXPECTATIONS: [&str; 3] = ["phase", "version", "events"];

impl<S: Store> Runner<S> {
    fn step(&mut self, raw: &Value) -> Result<(), String> {
        let Value::Object(obj) = raw else { return Err("a step must be a JSON object".into()) };
        let kinds: Vec<&str> = KINDS.iter().copied().filter(|k| obj.contains_key(*k)).collect();
        let [kind] = kinds.as_slice() else {
            return Err(format!("a step needs exactly one of {}; found {kinds:?}", KINDS.join(", ")));
        };
        let mut obj = obj.clone();
        obj.remove("comment");
        let step = match substitute(&Value::Object(obj), &self.saved)? {
            Value::Object(o) => o,
            _ => return Err("a step must be a JSON object".into()),
        };
        match *kind {
            "command" => self.command(&step),
            "batch" => self.batch(&step),
            "get" => self.get(&step),
            "list" => self.list(&step),
            "history" => self.history(&step),
            "verify" => self.verify(&step),
            _ => self.advance(&step),
        }
    }

    fn actor(&self, step: &Map<String, Value>) -> Result<&Actor, String> {
        let id = step.get("actor").and_then(Value::as_str).ok_or("the step needs an \"actor\" (a string)")?;
        self.actors.get(id).ok_or_else(|| format!("unknown actor {id:?}"))
    }

    fn command(&mut self, step: &Map<String, Value>) -> Result<(), String> {
        allow_keys("step", step, &["command", "actor", "case", "expected_version", "save", "expect"])?;
        let expect = expectations(step, &["phase", "version", "events", "error", "field"])?;
        let actor = self.actor(step)?.clone();
        let case = optional_case(step)?;
        let command = command_of(step)?;
        let expected_version = expected_version(step)?;
        let save = save_name(step)?;
        self.clock.advance(self.tick);
        let result = self.book.execute_command(&actor, case, command, expected_version);
        let Some(done) = outcome(result, &expect)? else {
            if save.is_some() {
                return Err("a failing step has nothing to save".into());
            }
            return Ok(());
        };
        check_committed(&expect, &done)?;
        if let Some(name) = save {
            self.save(name, &done)?;
        }
        Ok(())
    }

    /// A batch step: every item becomes a [`BatchCommand`] of one `execute_batch` call
    /// (one transaction), run at one instant (the clock advances once, before it).
    fn batch(&mut self, step: &Map<String, Value>) -> Result<(), String> {
        allow_keys("step", step, &["batch", "actor", "expect"])?;
        let expect = expectations(step, &["results", "summary", "error", "field"])?;
        let actor = self.actor(step)?.clone();
        let Some(Value::Array(raw)) = step.get("batch") else {
            return Err("batch must be an array of items".into());
        };
        let mut items = Vec::with_capacity(raw.len());
        let mut saves = Vec::with_capacity(raw.len());
        for (i, item) in raw.iter().enumerate() {
            let what = format!("batch[{i}]");
            let Value::Object(item) = item else { return Err(format!("{what} must be an object")) };
            allow_keys(&what, item, &["case", "command", "expected_version", "save"])?;
            let in_item = |e: String| format!("{what}: {e}");
            items.push(BatchCommand {
                case_id: optional_case(item).map_err(in_item)?,
                command: command_of(item).map_err(in_item)?,
                expected_version: expected_version(item).map_err(in_item)?,
            });
            saves.push(save_name(item).map_err(in_item)?);
        }
        let results = match expect.get("results") {
            None => None,
            Some(Value::Array(r)) if r.len() == items.len() => Some(
                r.iter()
                    .enumerate()
                    .map(|(i, e)| {
                        let what = format!("expect.results[{i}]");
                        let Value::Object(e) = e else { return Err(format!("{what} must be an object, not {e}")) };
                        allow_keys(&what, e, &COMMITTED_EXPECTATIONS).map(|()| e)
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Some(Value::Array(r)) => {
                return Err(format!("expect.results has {} entries for {} items", r.len(), items.len()))
            }
            Some(other) => return Err(format!("expect.results must be an array, not {other}")),
        };
        if let Some(want) = expect.get("summary") {
            if expect.contains_key("error") {
                return Err("expect.summary cannot be checked on a step that must fail".into());
            }
            if expect.contains_key("field") {
                return Err("expect.field needs expect.error".into());
            }
            if results.is_some() || saves.iter().any(Option::is_some) {
                return Err("expect.summary: a summarised batch answers no results and saves nothing".into());
            }
            let want = summary_expectations(want)?;
            self.clock.advance(self.tick);
            let got = self.book.execute_batch_summary(&actor, &items);
            let got = got.map_err(|e| format!("unexpected error {}: {e}", e.code()))?;
            return check_summary(want, &got, items.len());
        }
        self.clock.advance(self.tick);
        let result = self.book.execute_batch(&actor, &items);
        let Some(done) = outcome(result, &expect)? else {
            if saves.iter().any(Option::is_some) {
                return Err("a failing step has nothing to save".into());
            }
            return Ok(());
        };
        if done.len() != items.len() {
            return Err(format!("{} items, but {} results", items.len(), done.len()));
        }
        for (i, (e, committed)) in results.iter().flatten().zip(&done).enumerate() {
            check_committed(e, committed).map_err(|e| format!("results[{i}]: {e}"))?;
        }
        for (i, (save, committed)) in saves.into_iter().zip(&done).enumerate() {
            if let Some(name) = save {
                self.save(name, committed).map_err(|e| format!("batch[{i}]: {e}"))?;
            }
        }
        Ok(())
    }

    /// Remembers the id `done` created under `name`.
    fn save(&mut self, name: String, done: &Committed) -> Result<(), String> {
        let id = done.created_id.ok_or_else(|| format!("nothing to save as {name}: the command created no record"))?;
        self.saved.insert(name, id.to_string());
        Ok(())
    }

    fn get(&self, step: &Map<String, Value>) -> Result<(), String> {
        allow_keys("step", step, &["get", "actor", "expect"])?;
        let expect = expectations(step, &["error", "match"])?;
        let actor = self.actor(step)?;
        let id = case_id(step.get("get").unwrap_or(&Value::Null))?;
        let Some(view) = outcome(self.book.get(actor, id), &expect)? else { return Ok(()) };
        if let Some(m) = expect.get("match") {
            subset_match(m, &to_json(&view)?).map_err(|e| format!("view: {e}"))?;
        }
        Ok(())
    }

    fn list(&self, step: &Map<String, Value>) -> Result<(), String> {
        allow_keys("step", step, &["list", "actor", "expect"])?;
        let expect = expectations(step, &["cases", "count", "next_cursor", "error", "field"])?;
        let actor = self.actor(step)?;
        let query: CaseQuery = serde_json::from_value(step.get("list").cloned().unwrap_or(Value::Null))
            .map_err(|e| format!("list query does not parse: {e}"))?;
        let Some(page) = outcome(self.book.list(actor, &query), &expect)? else { return Ok(()) };
        if let Some(cases) = expect.get("cases") {
            let ids: Vec<String> = page.items.iter().map(|s| s.case_id.to_string()).collect();
            check_eq("cases", cases, &json!(ids))?;
        }
        if let Some(count) = expect.get("count") {
            check_eq("count", count, &json!(page.items.len()))?;
        }
        if let Some(cursor) = expect.get("next_cursor") {
            check_eq("next_cursor", cursor, &json!(page.next_cursor.map(|c| c.to_string())))?;
        }
        Ok(())
    }

    fn history(&self, step: &Map<String, Value>) -> Result<(), String> {
        allow_keys("step", step, &["history", "actor", "expect"])?;
        let expect = expectations(step, &["count", "types", "redacted", "match", "error"])?;
        let actor = self.actor(step)?;
        let id = case_id(step.get("history").unwrap_or(&Value::Null))?;
        let Some(events) = outcome(self.book.history(actor, id), &expect)? else { return Ok(()) };
        if let Some(count) = expect.get("count") {
            check_eq("count", count, &json!(events.len()))?;
        }
        if let Some(types) = expect.get("types") {
            let names: Vec<&str> = events.iter().map(|e| e.event.type_name()).collect();
            check_eq("types", types, &json!(names))?;
        }
        if let Some(redacted) = expect.get("redacted") {
            check_eq("redacted", redacted, &json!(events.iter().filter(|e| e.redacted).count()))?;
        }
        if let Some(m) = expect.get("match") {
            subset_match(m, &to_json(&events)?).map_err(|e| format!("history: {e}"))?;
        }
        Ok(())
    }

    fn verify(&self, step: &Map<String, Value>) -> Result<(), String> {
        allow_keys("step", step, &["verify", "actor", "expect"])?;
        let expect = expectations(step, &["valid", "events_checked", "error"])?;
        let actor = self.actor(step)?;
        let id = case_id(step.get("verify").unwrap_or(&Value::Null))?;
        let Some(report) = outcome(self.book.verify(actor, id), &expect)? else { return Ok(()) };
        if let Some(valid) = expect.get("valid") {
            check_eq("valid", valid, &json!(report.valid))?;
        }
        if let Some(n) = expect.get("events_checked") {
            check_eq("events_checked", n, &json!(report.events_checked))?;
        }
        Ok(())
    }

    fn advance(&self, step: &Map<String, Value>) -> Result<(), String> {
        allow_keys("step", step, &["advance_seconds"])?;
        let secs =
            step.get("advance_seconds").and_then(Value::as_i64).ok_or("advance_seconds must be a whole number")?;
        let by = Duration::try_seconds(secs).ok_or_else(|| format!("advance_seconds {secs} is out of range"))?;
        self.clock.advance(by);
        Ok(())
    }

    fn snapshot(&self, f: &FinalSpec) -> Result<Value, String> {
        let case = substitute(&Value::String(f.case.clone()), &self.saved)?;
        let id = case_id(&case)?;
        let actor = self.actors.get(&f.actor).ok_or_else(|| format!("unknown actor {:?}", f.actor))?;
        let view = self.book.get(actor, id).map_err(|e| format!("get failed: {} ({e})", e.code()))?;
        let history = self.book.history(actor, id).map_err(|e| format!("history failed: {} ({e})", e.code()))?;
        Ok(json!({
            "case": id.to_string(),
            "actor": f.actor,
            "view": to_json(&view)?,
            "history": to_json(&history)?,
        }))
    }
}

/// Checks a result against the step's expectations: with `error`, the call must have
/// failed with that code (and `field`, if given); without, it must have succeeded.
/// Returns the value on success.
fn outcome<T>(result: casekit::Result<T>, expect: &Map<String, Value>) -> Result<Option<T>, String> {
    let want = match expect.get("error") {
        None => None,
        Some(Value::String(code)) => Some(code.as_str()),
        Some(other) => return Err(format!("expect.error must be an error code, not {other}")),
    };
    let field = match expect.get("field") {
        None => None,
        Some(Value::String(f)) if want.is_some() => Some(f.as_str()),
        Some(_) if want.is_none() => return Err("expect.field needs expect.error".into()),
        Some(other) => return Err(format!("expect.field must be a string, not {other}")),
    };
    if want.is_some() {
        let allowed = ["error", "field"];
        if let Some(k) = expect.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(format!("expect.{k} cannot be checked on a step that must fail"));
        }
    }
    match (result, want) {
        (Ok(value), None) => Ok(Some(value)),
        (Ok(_), Some(code)) => Err(format!("expected error {code}, but the step succeeded")),
        (Err(e), None) => Err(format!("unexpected error {}: {e}", e.code())),
        (Err(e), Some(code)) => {
            if e.code().as_str() != code {
                return Err(format!("expected error {code}, got {}: {e}", e.code()));
            }
            if let Some(f) = field {
                if e.field() != Some(f) {
                    return Err(format!("expected field {f:?}, got {:?}: {e}", e.field()));
                }
            }
            Ok(None)
        }
    }
}

/// Checks a `Committed` against the `phase`, `version` and `events` expectations.
fn check_committed(expect: &Map<String, Value>, done: &Committed) -> Result<(), String> {
    if let Some(phase) = expect.get("phase") {
        check_eq("phase", phase, &to_json(&done.phase)?)?;
    }
    if let Some(version) = expect.get("version") {
        check_eq("version", version, &json!(done.version))?;
    }
    if let Some(events) = expect.get("events") {
        let types: Vec<&str> = done.events.iter().map(|e| e.event.type_name()).collect();
        check_eq("events", events, &json!(types))?;
    }
    Ok(())
}

/// The `case` of a command step or batch item: absent or `null` for none.
fn optional_case(obj: &Map<String, Value>) -> Result<Option<CaseId>, String> {
    match obj.get("case") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => case_id(v).map(Some),
    }
}

/// The `command` of a command step or batch item, parsed as casekit parses it.
fn command_of(obj: &Map<String, Value>) -> Result<Command, String> {
    obj.get("command")
        .cloned()
        .map(serde_json::from_value)
        .ok_or("missing \"command\"")?
        .map_err(|e| format!("command does not parse: {e}"))
}

fn expected_version(obj: &Map<String, Value>) -> Result<Option<u64>, String> {
    match obj.get("expected_version") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_u64().map(Some).ok_or_else(|| "expected_version must be a whole number".into()),
    }
}

fn save_name(obj: &Map<String, Value>) -> Result<Option<String>, String> {
    match obj.get("save") {
        None => Ok(None),
        Some(Value::String(s)) if is_name(s) => Ok(Some(s.clone())),
        Some(other) => Err(format!("save must be a name (letters, digits, _), not {other}")),
    }
}

/// A summarised batch's answer against `expect.summary` (`commands`, `events`, `cases`,
/// each optional): whatever it says, one command an item, and log positions present
/// exactly when there are events, one for each (a batch's positions are consecutive).
fn check_summary(want: &Map<String, Value>, got: &BatchSummary, items: usize) -> Result<(), String> {
    let json = to_json(got)?;
    for (key, expected) in want {
        check_eq(&format!("summary.{key}"), expected, &json[key.as_str()])?;
    }
    if got.commands != items as u64 {
        return Err(format!("{items} items, but a summary of {} commands", got.commands));
    }
    let spans = match (got.first_position, got.last_position) {
        (Some(first), Some(last)) => got.events > 0 && last >= first && last - first == got.events - 1,
        (None, None) => got.events == 0,
        _ => false,
    };
    if !spans {
        return Err(format!("summary positions do not span its events one for one: {json}"));
    }
    Ok(())
}

/// `expect.summary`, checked before the batch runs.
fn summary_expectations(want: &Value) -> Result<&Map<String, Value>, String> {
    let Value::Object(want) = want else { return Err(format!("expect.summary must be an object, not {want}")) };
    allow_keys("expect.summary", want, &["commands", "events", "cases"])?;
    Ok(want)
}

fn expectations(step: &Map<String, Value>, allowed: &[&str]) -> Result<Map<String, Value>, String> {
    match step.get("expect") {
        None => Ok(Map::new()),
        Some(Value::Object(e)) => {
            allow_keys("expect", e, allowed)?;
            Ok(e.clone())
        }
        Some(other) => Err(format!("expect must be an object, not {other}")),
    }
}

fn allow_keys(what: &str, obj: &Map<String, Value>, allowed: &[&str]) -> Result<(), String> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(format!("unknown key {k:?} in {what} (allowed: {})", allowed.join(", "))),
        None => Ok(()),
    }
}

fn check_eq(what: &str, expected: &Value, actual: &Value) -> Result<(), String> {
    match json_diff(expected, actual) {
        None => Ok(()),
        Some(_) => Err(format!("expected {what} {expected}, got {actual}")),
    }
}

fn case_id(v: &Value) -> Result<CaseId, String> {
    let s = v.as_str().ok_or_else(|| format!("a case must be a string (a \"$name\" or a UUID), not {v}"))?;
    s.parse().map_err(|e| format!("{s:?} is not a case id: {e}"))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<Value, String> {
    serde_json::to_value(value).map_err(|e| format!("cannot serialize: {e}"))
}

/// Whether `s` is a saved name: a letter or `_`, then letters, digits and `_`.
fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether `s` is a reference: `$` followed by a name.
pub fn is_reference(s: &str) -> bool {
    s.strip_prefix('$').is_some_and(is_name)
}

/// Replaces every string value that is a reference (`"$c1"`) with the saved id. Object
/// keys are left alone. An unknown name is an error.
pub fn substitute(v: &Value, saved: &HashMap<String, String>) -> Result<Value, String> {
    Ok(match v {
        Value::String(s) if is_reference(s) => {
            let name = &s[1..];
            Value::String(saved.get(name).cloned().ok_or_else(|| format!("unknown reference {s}"))?)
        }
        Value::Array(items) => Value::Array(items.iter().map(|i| substitute(i, saved)).collect::<Result<_, _>>()?),
        Value::Object(obj) => Value::Object(
            obj.iter().map(|(k, i)| Ok((k.clone(), substitute(i, saved)?))).collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

/// Subset match (`tests/README.md`, "Matching"): every key of an expected object must
/// match the actual object's value (an expected `null` also matches a missing key);
/// arrays must have the same length and match elementwise; numbers compare numerically;
/// other values must be equal. The error names the first path that differs.
pub fn subset_match(expected: &Value, actual: &Value) -> Result<(), String> {
    compare(expected, actual, true, "$")
}

/// Exact comparison of two JSON values (numbers numerically, `2 == 2.0`; object key
/// order ignored). `None` when equal, else the first path that differs.
pub fn json_diff(expected: &Value, actual: &Value) -> Option<String> {
    compare(expected, actual, false, "$").err()
}

fn compare(expected: &Value, actual: &Value, subset: bool, path: &str) -> Result<(), String> {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e {
                let p = format!("{path}.{k}");
                match a.get(k) {
                    Some(av) => compare(ev, av, subset, &p)?,
                    None if subset && ev.is_null() => {}
                    None => return Err(format!("{p}: expected {ev}, but the key is missing")),
                }
            }
            if !subset {
                if let Some(k) = a.keys().find(|k| !e.contains_key(*k)) {
                    return Err(format!("{path}.{k}: unexpected key (value {})", a[k.as_str()]));
                }
            }
            Ok(())
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                return Err(format!("{path}: expected {} items, got {}", e.len(), a.len()));
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                compare(ev, av, subset, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        (Value::Number(e), Value::Number(a)) if numbers_equal(e, a) => Ok(()),
        (e, a) if e == a => Ok(()),
        (e, a) => Err(format!("{path}: expected {e}, got {a}")),
    }
}

fn numbers_equal(a: &Number, b: &Number) -> bool {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return x == y;
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return x == y;
    }
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subset_ignores_extra_keys_and_compares_numbers_numerically() {
        let actual = json!({"phase": "active", "version": 2.0, "goals": [{"status": "in_progress", "id": "x"}]});
        assert_eq!(subset_match(&json!({"version": 2, "goals": [{"status": "in_progress"}]}), &actual), Ok(()));
        assert!(subset_match(&json!({"goals": []}), &actual).is_err());
        assert!(subset_match(&json!({"phase": "closed"}), &actual).is_err());
        assert!(subset_match(&json!({"closure": {"reason": "other"}}), &actual).is_err());
    }

    #[test]
    fn expected_null_matches_a_missing_key_only_in_subset_mode() {
        let actual = json!({"phase": "active"});
        assert_eq!(subset_match(&json!({"hold": null}), &actual), Ok(()));
        assert!(subset_match(&json!({"phase": null}), &actual).is_err());
        assert!(json_diff(&json!({"phase": "active", "hold": null}), &actual).is_some());
    }

    #[test]
    fn exact_diff_names_the_path() {
        let a = json!({"cases": [{"view": {"tasks": [{"due": "x"}]}}]});
        let b = json!({"cases": [{"view": {"tasks": [{"due": "y"}]}}]});
        assert_eq!(json_diff(&a, &b).as_deref(), Some("$.cases[0].view.tasks[0].due: expected \"x\", got \"y\""));
        assert_eq!(json_diff(&json!({"n": 1}), &json!({"n": 1.0})), None);
        assert!(json_diff(&json!({}), &json!({"extra": true})).is_some());
    }

    #[test]
    fn references_are_whole_strings_naming_a_saved_id() {
        let saved: HashMap<String, String> = [("c1".to_owned(), "id-1".to_owned())].into_iter().collect();
        let v = json!({"case": "$c1", "text": "costs $c1", "price": "$50", "list": ["$c1"], "$c1": 1});
        let out = substitute(&v, &saved);
        assert_eq!(out, Ok(json!({"case": "id-1", "text": "costs $c1", "price": "$50", "list": ["id-1"], "$c1": 1})));
        assert_eq!(substitute(&json!("$nope"), &saved), Err("unknown reference $nope".to_owned()));
    }
}
