//! Case-list queries: a `StoreQuery` becomes one SQL statement whose filters are
//! index-backed and whose order is the case id, so a page is a range scan after the
//! keyset cursor.
//!
//! Time filters compare microsecond-floored columns with bounds chosen so that the SQL
//! keeps a superset of the matching rows; each row is then checked with core's own
//! `summary_matches` on the exact summary, so the answer is exactly the reference
//! store's whatever the precision of the times. The text filter is exact in SQL.

use crate::codec::{ceil_micros, floor_micros};
use casekit::store::{words, StoreQuery};
use casekit::CaseId;
use postgres::types::ToSql;
use std::fmt::Write;

pub(crate) type Param = Box<dyn ToSql + Sync + Send>;

/// A statement without its cursor and page size, which [`Plan::round`] adds.
pub(crate) struct Plan {
    sql: String,
    params: Vec<Param>,
}

impl Plan {
    fn param(&mut self, value: impl ToSql + Sync + Send + 'static) -> String {
        self.params.push(Box::new(value));
        format!("${}", self.params.len())
    }

    /// The statement for one page, cases after `after`, at most `limit`, and the two
    /// parameters it adds to [`Plan::params`] (the cursor and the page size).
    pub(crate) fn round(&self, after: Option<CaseId>, limit: usize) -> (String, [Param; 2]) {
        let mut sql = self.sql.clone();
        let n = self.params.len();
        let extra: [Param; 2] = [Box::new(after.map(|c| c.0)), Box::new(i64::try_from(limit).unwrap_or(i64::MAX))];
        if after.is_some() {
            let _ = write!(sql, " AND c.case_id > ${}", n + 1);
        } else {
            // Keep the parameter numbering fixed: the (null) cursor is still bound.
            let _ = write!(sql, " AND ${}::uuid IS NULL", n + 1);
        }
        let _ = write!(sql, " ORDER BY c.case_id LIMIT ${}", n + 2);
        (sql, extra)
    }

    /// The filter parameters, in order.
    pub(crate) fn params(&self) -> impl Iterator<Item = &(dyn ToSql + Sync)> {
        self.params.iter().map(|p| &**p as &(dyn ToSql + Sync))
    }
}

/// Builds the statement for `q`. `None` when the query cannot match anything (a text
/// filter without a word).
pub(crate) fn plan(q: &StoreQuery<'_>) -> Option<Plan> {
    let f = q.filter;
    let mut p = Plan { sql: String::with_capacity(512), params: Vec::new() };
    let mut clauses: Vec<String> = Vec::new();
    if let Some(programs) = &q.programs {
        let programs: Vec<String> = programs.iter().map(|p| p.to_string()).collect();
        clauses.push(format!("c.program = ANY({})", p.param(programs)));
    }
    if let Some(phase) = f.phase {
        clauses.push(format!("c.phase = {}", p.param(phase.as_str().to_owned())));
    }
    if let Some(program) = &f.program {
        clauses.push(format!("c.program = {}", p.param(program.to_string())));
    }
    if let Some(a) = &f.assignee {
        clauses.push(format!("c.assignees @> ARRAY[{}::text]", p.param(a.to_string())));
    }
    if let Some(c) = f.client_id {
        clauses.push(format!("c.client_id = {}", p.param(c.0)));
    }
    if let Some(priority) = f.priority {
        clauses.push(format!("c.priority = {}", p.param(priority.as_str().to_owned())));
    }
    if let Some(tag) = &f.tag {
        clauses.push(format!("c.tags @> ARRAY[{}::text]", p.param(tag.clone())));
    }
    if let Some(h) = f.on_hold {
        clauses.push(if h { "c.on_hold".into() } else { "NOT c.on_hold".into() });
    }
    // Superset bounds on floored microseconds (see the module docs).
    if let Some(t) = f.due_before {
        clauses.push(format!("c.next_due <= {}", p.param(floor_micros(&t))));
    }
    if let Some(t) = f.opened_from {
        clauses.push(format!("c.opened_at >= {}", p.param(floor_micros(&t))));
    }
    if let Some(t) = f.opened_to {
        clauses.push(format!("c.opened_at < {}", p.param(ceil_micros(&t))));
    }
    if let Some(t) = f.closed_from {
        clauses.push(format!("c.closed_at >= {}", p.param(floor_micros(&t))));
    }
    if let Some(t) = f.closed_to {
        clauses.push(format!("c.closed_at < {}", p.param(ceil_micros(&t))));
    }
    if let Some(text) = &f.text {
        let mut needle: Vec<String> = words(text).collect();
        needle.sort();
        needle.dedup();
        if needle.is_empty() {
            return None;
        }
        let k = i64::try_from(needle.len()).unwrap_or(i64::MAX);
        let words = p.param(needle);
        let count = p.param(k);
        // A note matches when it has every word; a confidential one only where the
        // reader may see it: cases of a program they supervise, or assigned to them.
        let mut visible = String::from("NOT n.confidential");
        if !q.notes.supervised_programs.is_empty() {
            let supervised: Vec<String> = q.notes.supervised_programs.iter().map(|p| p.to_string()).collect();
            let _ = write!(visible, " OR s.program = ANY({})", p.param(supervised));
        }
        let _ = write!(visible, " OR s.assignees @> ARRAY[{}::text]", p.param(q.notes.actor.to_string()));
        clauses.push(format!(
            "c.case_id IN (SELECT n.case_id FROM note_words n JOIN cases s ON s.case_id = n.case_id \
             WHERE n.word = ANY({words}) AND ({visible}) GROUP BY n.case_id, n.note_id HAVING count(*) = {count})"
        ));
    }
    p.sql.push_str("SELECT c.case_id, c.summary FROM cases c WHERE true");
    for c in clauses {
        p.sql.push_str(" AND ");
        p.sql.push_str(&c);
    }
    Some(p)
}
