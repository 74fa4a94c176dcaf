//! Frames for analysis: cases, events, goals, assessments and notes as Arrow record
//! batches, built in Rust and handed to pandas, polars or pyarrow through the Arrow
//! PyCapsule interface (`__arrow_c_stream__`), so no Python object is made per row.
//!
//! What a frame holds is what `list`, `get` and `history` show the actor, flattened.
//! Notes never carry confidential text: confidential notes are left out of the notes
//! frame, and their text is blanked in the events frame.

use crate::book::Engine;
use crate::errors;
use arrow_array::builder::{
    BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, ListBuilder, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow_array::ffi_stream::FFI_ArrowArrayStream;
use arrow_array::{ArrayRef, RecordBatch, RecordBatchIterator};
use arrow_schema::{ArrowError, Field, Schema};
use casekit::{Actor, CaseId, CaseQuery, CaseState, Error, StoreError, Timestamp};
use chrono::NaiveDate;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;
use std::collections::BTreeSet;
use std::sync::Arc;

/// Which frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// One row per case.
    Cases,
    /// One row per event.
    Events,
    /// One row per goal.
    Goals,
    /// One row per assessment.
    Assessments,
    /// One row per non-confidential note.
    Notes,
}

impl Kind {
    /// Reads the frame's name.
    pub fn parse(py: Python<'_>, s: &str) -> PyResult<Kind> {
        Ok(match s {
            "cases" => Kind::Cases,
            "events" => Kind::Events,
            "goals" => Kind::Goals,
            "assessments" => Kind::Assessments,
            "notes" => Kind::Notes,
            _ => return Err(errors::validation(py, "kind", "expected cases, events, goals, assessments or notes")),
        })
    }
}

/// A finished frame, exported through the Arrow C stream interface.
#[pyclass(module = "casekit._native", frozen)]
pub struct ArrowStream {
    batch: RecordBatch,
}

impl ArrowStream {
    /// Wraps a batch.
    pub fn new(batch: RecordBatch) -> Self {
        Self { batch }
    }
}

#[pymethods]
impl ArrowStream {
    /// The Arrow PyCapsule stream interface (pyarrow, polars, pandas via pyarrow).
    #[pyo3(signature = (requested_schema: "object | None" = None) -> "object")]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        // The schema is fixed; a consumer asking for another one casts afterwards.
        let _ = requested_schema;
        let schema = self.batch.schema();
        let reader = RecordBatchIterator::new(vec![Ok(self.batch.clone())], schema);
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        PyCapsule::new_with_value(py, stream, c"arrow_array_stream")
    }

    /// The number of rows.
    #[getter]
    fn num_rows(&self) -> usize {
        self.batch.num_rows()
    }

    /// The column names, in order.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.batch.schema().fields().iter().map(|f| f.name().clone()).collect()
    }
}

fn arrow_err(e: ArrowError) -> Error {
    Error::Storage(StoreError::backend(format!("internal error building a frame: {e}")))
}

/// One column being built.
enum Col {
    Str(StringBuilder),
    I64(Int64Builder),
    F64(Float64Builder),
    Bool(BooleanBuilder),
    Ts(TimestampMicrosecondBuilder),
    Date(Date32Builder),
    List(ListBuilder<StringBuilder>),
}

impl Col {
    fn finish(self) -> ArrayRef {
        match self {
            Col::Str(mut b) => Arc::new(b.finish()),
            Col::I64(mut b) => Arc::new(b.finish()),
            Col::F64(mut b) => Arc::new(b.finish()),
            Col::Bool(mut b) => Arc::new(b.finish()),
            Col::Ts(mut b) => Arc::new(b.finish()),
            Col::Date(mut b) => Arc::new(b.finish()),
            Col::List(mut b) => Arc::new(b.finish()),
        }
    }
}

/// A table built row by row: each row appends one value to every column, in order.
struct Table {
    names: Vec<String>,
    cols: Vec<Col>,
    at: usize,
}

impl Table {
    fn new() -> Self {
        Table { names: Vec::new(), cols: Vec::new(), at: 0 }
    }

    fn column(&mut self, name: impl Into<String>, col: Col) {
        self.names.push(name.into());
        self.cols.push(col);
    }

    fn str_col(&mut self, name: &str) {
        self.column(name, Col::Str(StringBuilder::new()));
    }
    fn i64_col(&mut self, name: &str) {
        self.column(name, Col::I64(Int64Builder::new()));
    }
    fn f64_col(&mut self, name: &str) {
        self.column(name, Col::F64(Float64Builder::new()));
    }
    fn bool_col(&mut self, name: &str) {
        self.column(name, Col::Bool(BooleanBuilder::new()));
    }
    fn ts_col(&mut self, name: &str) {
        self.column(name, Col::Ts(TimestampMicrosecondBuilder::new().with_timezone("UTC")));
    }
    fn date_col(&mut self, name: &str) {
        self.column(name, Col::Date(Date32Builder::new()));
    }
    fn list_col(&mut self, name: &str) {
        self.column(name, Col::List(ListBuilder::new(StringBuilder::new())));
    }

    fn next(&mut self) -> Option<&mut Col> {
        let col = self.cols.get_mut(self.at);
        self.at += 1;
        col
    }

    /// Starts a row.
    fn row(&mut self) {
        self.at = 0;
    }

    // Each setter appends to the next column; a value of another type than the column
    // (a bug in this file) appends a null rather than panicking, and the frame tests
    // check every column's type.
    fn str(&mut self, v: Option<&str>) {
        match self.next() {
            Some(Col::Str(b)) => b.append_option(v),
            Some(other) => append_null(other),
            None => {}
        }
    }
    fn i64(&mut self, v: Option<i64>) {
        match self.next() {
            Some(Col::I64(b)) => b.append_option(v),
            Some(other) => append_null(other),
            None => {}
        }
    }
    fn f64(&mut self, v: Option<f64>) {
        match self.next() {
            Some(Col::F64(b)) => b.append_option(v),
            Some(other) => append_null(other),
            None => {}
        }
    }
    fn bool(&mut self, v: Option<bool>) {
        match self.next() {
            Some(Col::Bool(b)) => b.append_option(v),
            Some(other) => append_null(other),
            None => {}
        }
    }
    fn ts(&mut self, v: Option<&Timestamp>) {
        match self.next() {
            Some(Col::Ts(b)) => b.append_option(v.map(|t| t.timestamp_micros())),
            Some(other) => append_null(other),
            None => {}
        }
    }
    fn date(&mut self, v: Option<&NaiveDate>) {
        match self.next() {
            Some(Col::Date(b)) => b.append_option(v.map(days_since_epoch)),
            Some(other) => append_null(other),
            None => {}
        }
    }
    fn list<'a>(&mut self, v: impl IntoIterator<Item = &'a str>) {
        match self.next() {
            Some(Col::List(b)) => {
                for s in v {
                    b.values().append_value(s);
                }
                b.append(true);
            }
            Some(other) => append_null(other),
            None => {}
        }
    }

    fn finish(self) -> Result<RecordBatch, Error> {
        let mut fields = Vec::with_capacity(self.cols.len());
        let mut arrays = Vec::with_capacity(self.cols.len());
        for (name, col) in self.names.into_iter().zip(self.cols) {
            let array = col.finish();
            fields.push(Field::new(name, array.data_type().clone(), true));
            arrays.push(array);
        }
        RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(arrow_err)
    }
}

fn append_null(col: &mut Col) {
    match col {
        Col::Str(b) => b.append_null(),
        Col::I64(b) => b.append_null(),
        Col::F64(b) => b.append_null(),
        Col::Bool(b) => b.append_null(),
        Col::Ts(b) => b.append_null(),
        Col::Date(b) => b.append_null(),
        Col::List(b) => b.append(false),
    }
}

fn days_since_epoch(d: &NaiveDate) -> i32 {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    i32::try_from(d.signed_duration_since(epoch).num_days()).unwrap_or(i32::MAX)
}

/// Every case id the query matches for the actor, in case id order.
fn case_ids(engine: &Engine, actor: &Actor, query: &CaseQuery) -> Result<Vec<CaseId>, Error> {
    let mut q = query.clone();
    q.limit = Some(1000);
    let mut out = Vec::new();
    loop {
        let page = engine.list(actor, &q)?;
        out.extend(page.items.iter().map(|s| s.case_id));
        match page.next_cursor {
            Some(c) => q.after = Some(c),
            None => return Ok(out),
        }
    }
}

fn states(engine: &Engine, actor: &Actor, query: &CaseQuery) -> Result<Vec<CaseState>, Error> {
    case_ids(engine, actor, query)?.into_iter().map(|id| engine.get(actor, id)).collect()
}

/// Builds a frame. Runs without the GIL.
pub fn build(engine: &Engine, actor: &Actor, query: &CaseQuery, kind: Kind) -> Result<RecordBatch, Error> {
    match kind {
        Kind::Cases => cases(engine, actor, query),
        Kind::Events => events(engine, actor, query),
        Kind::Goals => goals(&states(engine, actor, query)?),
        Kind::Assessments => assessments(&states(engine, actor, query)?),
        Kind::Notes => notes(&states(engine, actor, query)?),
    }
}

fn cases(engine: &Engine, actor: &Actor, query: &CaseQuery) -> Result<RecordBatch, Error> {
    let mut t = Table::new();
    for c in ["case_id", "program", "phase", "client_id", "client_name", "priority"] {
        t.str_col(c);
    }
    t.list_col("tags");
    t.list_col("assignees");
    t.str_col("primary_worker");
    t.bool_col("on_hold");
    t.ts_col("next_due");
    t.i64_col("open_tasks");
    t.ts_col("opened_at");
    t.ts_col("closed_at");
    t.ts_col("updated_at");
    t.i64_col("version");
    t.str_col("closure_reason");
    t.i64_col("reopened_count");
    t.i64_col("assessment_cycle");
    t.i64_col("assessments");
    t.i64_col("goals");
    t.i64_col("goals_achieved");
    t.i64_col("services");
    t.i64_col("tasks");
    t.i64_col("notes");
    t.i64_col("documents");
    t.i64_col("referrals");
    t.str_col("client_gender");
    t.date_col("client_date_of_birth");
    t.str_col("client_language");
    t.i64_col("client_household_size");
    t.f64_col("client_monthly_income");
    for id in case_ids(engine, actor, query)? {
        let s = engine.get(actor, id)?;
        let summary = casekit::CaseSummary::of(&s);
        let count = |n: usize| Some(i64::try_from(n).unwrap_or(i64::MAX));
        t.row();
        t.str(Some(&s.id.to_string()));
        t.str(Some(s.program.as_str()));
        t.str(Some(s.phase.as_str()));
        t.str(Some(&s.client_id.to_string()));
        t.str(Some(&s.client.name));
        t.str(Some(s.priority.as_str()));
        t.list(summary.tags.iter().map(String::as_str));
        t.list(summary.assignees.iter().map(|a| a.as_str()));
        t.str(summary.primary_worker.as_ref().map(|a| a.as_str()));
        t.bool(Some(summary.on_hold));
        t.ts(summary.next_due.as_ref());
        t.i64(Some(i64::from(summary.open_tasks)));
        t.ts(Some(&s.opened_at));
        t.ts(summary.closed_at.as_ref());
        t.ts(Some(&s.updated_at));
        t.i64(Some(i64::try_from(s.version).unwrap_or(i64::MAX)));
        t.str(s.closure.as_ref().map(|c| c.reason.as_str()));
        t.i64(Some(i64::from(s.reopened_count)));
        t.i64(Some(i64::from(s.assessment_cycle)));
        t.i64(count(s.assessments.len()));
        t.i64(count(s.goals.len()));
        t.i64(count(s.goals.iter().filter(|g| g.status == casekit::model::GoalStatus::Achieved).count()));
        t.i64(count(s.services.len()));
        t.i64(count(s.tasks.len()));
        t.i64(count(s.notes.len()));
        t.i64(count(s.documents.len()));
        t.i64(count(s.referrals.len()));
        t.str(s.client.gender.as_deref());
        t.date(s.client.date_of_birth.as_ref());
        t.str(s.client.language.as_deref());
        t.i64(s.client.household_size.map(i64::from));
        t.f64(s.client.monthly_income);
    }
    t.finish()
}

fn events(engine: &Engine, actor: &Actor, query: &CaseQuery) -> Result<RecordBatch, Error> {
    let mut t = Table::new();
    for c in ["event_id", "case_id", "program"] {
        t.str_col(c);
    }
    t.i64_col("sequence");
    t.i64_col("position");
    t.ts_col("recorded_at");
    t.str_col("actor");
    t.str_col("type");
    t.i64_col("schema_version");
    t.bool_col("redacted");
    t.str_col("payload");
    for id in case_ids(engine, actor, query)? {
        let program = engine.get(actor, id)?.program;
        for mut e in engine.history(actor, id)? {
            // Frames are for analysis and get shared: never carry confidential text.
            e.withhold_confidential_text();
            let payload = serde_json::to_string(&e.event).map_err(|err| Error::Storage(StoreError::backend(err)))?;
            t.row();
            t.str(Some(&e.event_id.to_string()));
            t.str(Some(&e.case_id.to_string()));
            t.str(Some(program.as_str()));
            t.i64(Some(i64::try_from(e.sequence).unwrap_or(i64::MAX)));
            t.i64(Some(i64::try_from(e.position).unwrap_or(i64::MAX)));
            t.ts(Some(&e.recorded_at));
            t.str(Some(e.actor.as_str()));
            t.str(Some(e.event.type_name()));
            t.i64(Some(i64::from(e.schema_version)));
            t.bool(Some(e.redacted));
            t.str(Some(&payload));
        }
    }
    t.finish()
}

fn goals(states: &[CaseState]) -> Result<RecordBatch, Error> {
    let mut t = Table::new();
    for c in ["case_id", "program", "goal_id", "description", "domain", "need_id"] {
        t.str_col(c);
    }
    t.str_col("measure");
    t.str_col("unit");
    t.f64_col("baseline");
    t.f64_col("target");
    t.str_col("direction");
    t.date_col("due");
    t.str_col("status");
    t.ts_col("created_at");
    t.i64_col("measurements");
    t.f64_col("last_value");
    t.date_col("last_measured_on");
    for s in states {
        for g in &s.goals {
            let measured: Vec<_> = s.outcomes.iter().filter(|o| o.goal_id == g.id).collect();
            let last = measured.iter().max_by_key(|o| o.measured_on);
            let direction = g.measure.as_ref().and_then(|m| serde_json::to_value(m.direction).ok());
            t.row();
            t.str(Some(&s.id.to_string()));
            t.str(Some(s.program.as_str()));
            t.str(Some(&g.id.to_string()));
            t.str(Some(&g.description));
            t.str(Some(&g.domain));
            t.str(g.need_id.map(|n| n.to_string()).as_deref());
            t.str(g.measure.as_ref().map(|m| m.name.as_str()));
            t.str(g.measure.as_ref().and_then(|m| m.unit.as_deref()));
            t.f64(g.measure.as_ref().and_then(|m| m.baseline));
            t.f64(g.measure.as_ref().map(|m| m.target));
            t.str(direction.as_ref().and_then(|d| d.as_str()));
            t.date(g.due.as_ref());
            t.str(serde_json::to_value(g.status).ok().as_ref().and_then(|v| v.as_str()));
            t.ts(Some(&g.created_at));
            t.i64(Some(i64::try_from(measured.len()).unwrap_or(i64::MAX)));
            t.f64(last.map(|o| o.value));
            t.date(last.map(|o| &o.measured_on));
        }
    }
    t.finish()
}

fn assessments(states: &[CaseState]) -> Result<RecordBatch, Error> {
    // Scores and bands become one column each, over every name any assessment uses.
    let mut score_names = BTreeSet::new();
    let mut band_names = BTreeSet::new();
    for a in states.iter().flat_map(|s| &s.assessments) {
        score_names.extend(a.scores.keys().cloned());
        band_names.extend(a.bands.keys().cloned());
    }
    let mut t = Table::new();
    for c in ["case_id", "program", "assessment_id", "instrument", "instrument_version"] {
        t.str_col(c);
    }
    t.i64_col("cycle");
    t.ts_col("recorded_at");
    t.str_col("recorded_by");
    t.list_col("risk_flags");
    t.i64_col("identified_needs");
    for n in &score_names {
        t.f64_col(&format!("score_{n}"));
    }
    for n in &band_names {
        t.str_col(&format!("band_{n}"));
    }
    for s in states {
        for a in &s.assessments {
            t.row();
            t.str(Some(&s.id.to_string()));
            t.str(Some(s.program.as_str()));
            t.str(Some(&a.id.to_string()));
            t.str(Some(&a.instrument.id));
            t.str(Some(&a.instrument.version));
            t.i64(Some(i64::from(a.cycle)));
            t.ts(Some(&a.recorded_at));
            t.str(Some(a.recorded_by.as_str()));
            t.list(a.risk_flags.iter().map(String::as_str));
            let needs = s.identified_needs.iter().filter(|n| n.assessment_id == a.id).count();
            t.i64(Some(i64::try_from(needs).unwrap_or(i64::MAX)));
            for n in &score_names {
                t.f64(a.scores.get(n).copied());
            }
            for n in &band_names {
                t.str(a.bands.get(n).map(String::as_str));
            }
        }
    }
    t.finish()
}

fn notes(states: &[CaseState]) -> Result<RecordBatch, Error> {
    let mut t = Table::new();
    for c in ["case_id", "program", "note_id", "kind", "author"] {
        t.str_col(c);
    }
    t.ts_col("created_at");
    t.str_col("text");
    t.i64_col("length");
    for s in states {
        for n in s.public_notes() {
            t.row();
            t.str(Some(&s.id.to_string()));
            t.str(Some(s.program.as_str()));
            t.str(Some(&n.id.to_string()));
            t.str(serde_json::to_value(n.kind).ok().as_ref().and_then(|v| v.as_str()));
            t.str(Some(n.author.as_str()));
            t.ts(Some(&n.created_at));
            t.str(Some(&n.text));
            t.i64(Some(i64::try_from(n.text.chars().count()).unwrap_or(i64::MAX)));
        }
    }
    t.finish()
}
