//! Case-list queries: a `StoreQuery` becomes one SQL statement whose filters are
//! index-backed and whose order is the case id, so a page is a range scan after the
//! keyset cursor ([`plan`]); a time range is a merge of such scans, one per time bucket
//! ([`plan_by_time`]).
//!
//! Time filters compare microsecond-floored columns with bounds chosen so that the SQL
//! keeps a superset of the matching rows; each row is then checked with core's own
//! `summary_matches` on the exact summary, so the answer is exactly the reference
//! store's whatever the precision of the times.

use crate::codec::{id_bytes, micros, micros_ceil};
use casekit::store::{words, StoreQuery};
use rusqlite::types::Value;
use std::fmt::Write;

/// A statement and its parameters; the last two parameters are the cursor (a case id
/// blob; empty before the first case) and the page size, set per round.
pub(crate) struct Plan {
    pub(crate) sql: String,
    pub(crate) params: Vec<Value>,
}

impl Plan {
    /// Sets the cursor and page size for the next round.
    pub(crate) fn page(&mut self, after: Vec<u8>, limit: usize) {
        let n = self.params.len();
        if n >= 2 {
            self.params[n - 2] = Value::Blob(after);
            self.params[n - 1] = Value::Integer(i64::try_from(limit).unwrap_or(i64::MAX));
        }
    }
}

/// A note search: the FTS5 expression and the words it requires.
#[derive(Clone)]
pub(crate) struct Search {
    expression: String,
    words: Vec<String>,
}

impl Search {
    /// The FTS5 expression: every word, quoted.
    pub(crate) fn expression(&self) -> &str {
        &self.expression
    }

    /// The words a note must all have.
    pub(crate) fn words(&self) -> &[String] {
        &self.words
    }
}

/// The search for a text: every word, quoted (so nothing the user types is FTS syntax),
/// all required. `None` when the text has no words (it matches nothing).
pub(crate) fn search(text: &str) -> Option<Search> {
    let words: Vec<String> = words(text).collect();
    let mut expression = String::new();
    for w in &words {
        if !expression.is_empty() {
            expression.push(' ');
        }
        expression.push('"');
        expression.push_str(&w.replace('"', "\"\""));
        expression.push('"');
    }
    (!words.is_empty()).then_some(Search { expression, words })
}

/// The parameters of a statement being built; every placeholder is numbered (`?N`), so
/// a condition written once can appear in several subqueries.
#[derive(Default)]
struct Params(Vec<Value>);

impl Params {
    /// Adds a parameter; returns its placeholder.
    fn bind(&mut self, v: Value) -> String {
        self.0.push(v);
        format!("?{}", self.0.len())
    }

    /// Adds one parameter per value; returns `(?a, ?b, ...)`.
    fn list(&mut self, values: impl IntoIterator<Item = Value>) -> String {
        let mut out = String::from("(");
        for v in values {
            if out.len() > 1 {
                out.push_str(", ");
            }
            out.push_str(&self.bind(v));
        }
        out.push(')');
        out
    }
}

/// A time column that case lists filter by ranges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TimeColumn {
    Opened,
    Closed,
    Due,
}

impl TimeColumn {
    fn name(self) -> &'static str {
        match self {
            TimeColumn::Opened => "opened_at",
            TimeColumn::Closed => "closed_at",
            TimeColumn::Due => "next_due",
        }
    }

    /// The fine and the coarse bucket index (schema version 5).
    fn indexes(self) -> [&'static str; 2] {
        match self {
            TimeColumn::Opened => ["cases_opened_b37", "cases_opened_b42"],
            TimeColumn::Closed => ["cases_closed_b37", "cases_closed_b42"],
            TimeColumn::Due => ["cases_due_b37", "cases_due_b42"],
        }
    }
}

/// A bucket of the fine indexes spans 2^37 µs (about 38 hours), one of the coarse
/// indexes 2^42 µs (about 51 days): 32 fine buckets make a coarse one.
pub(crate) const FINE_SHIFT: u32 = 37;
/// See [`FINE_SHIFT`].
pub(crate) const COARSE_SHIFT: u32 = 42;

/// The time range that drives a case list, as inclusive bounds on the stored
/// (floored) microseconds that keep a superset of the matches; `None` is an open end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct TimeRange {
    pub(crate) column: TimeColumn,
    pub(crate) from: Option<i64>,
    pub(crate) to: Option<i64>,
}

/// The range of the query's time filters that drives it (opened, then closed, then
/// due: the others are checked on the rows), or `None` without time filters.
pub(crate) fn time_range(q: &StoreQuery<'_>) -> Option<TimeRange> {
    let f = q.filter;
    // `x < t` on floored values: `x <= ceil(t) - 1`.
    let before = |t: &casekit::Timestamp| micros_ceil(t).saturating_sub(1);
    if f.opened_from.is_some() || f.opened_to.is_some() {
        let (from, to) = (f.opened_from.as_ref().map(micros), f.opened_to.as_ref().map(before));
        Some(TimeRange { column: TimeColumn::Opened, from, to })
    } else if f.closed_from.is_some() || f.closed_to.is_some() {
        let (from, to) = (f.closed_from.as_ref().map(micros), f.closed_to.as_ref().map(before));
        Some(TimeRange { column: TimeColumn::Closed, from, to })
    } else {
        f.due_before.as_ref().map(|t| TimeRange { column: TimeColumn::Due, from: None, to: Some(micros(t)) })
    }
}

/// Whether the query has a filter that keeps few cases (a worker's, a client's): then
/// walking that filter's index in case-id order, checking the time on each row, usually
/// beats the time buckets, which would check the filter on every case in the range.
/// The other filters (phase, program, priority, tag, hold) keep a good share of the
/// cases of any range, so with them the buckets drive: each bucket soon yields a match.
pub(crate) fn keeps_few(q: &StoreQuery<'_>) -> bool {
    q.filter.assignee.is_some() || q.filter.client_id.is_some()
}

/// How a time range is cut into buckets: the fine buckets at its edges, and the whole
/// coarse buckets between them (`coarse.0..=coarse.1`, empty when `coarse.0 >
/// coarse.1`; an open end reaches `i64::MIN` or `i64::MAX`). Every time in the range
/// lies in exactly one of them; the edge buckets also hold times outside it, which the
/// exact time in the index filters out.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Buckets {
    pub(crate) fine: Vec<i64>,
    pub(crate) coarse: (i64, i64),
}

/// Cuts the inclusive range `from..=to` into [`Buckets`]: at most 64 fine ones (32 at
/// each edge), whatever the range.
pub(crate) fn buckets(from: Option<i64>, to: Option<i64>) -> Buckets {
    let per = COARSE_SHIFT - FINE_SHIFT;
    if let (Some(a), Some(b)) = (from, to) {
        if a > b {
            return Buckets { fine: Vec::new(), coarse: (0, -1) };
        }
    }
    // The coarse buckets wholly inside: from the first that starts at `from` or later,
    // up to (exclusive) the first that ends after `to`. Shifts floor.
    let coarse_from = from.map_or(i64::MIN, |f| (f.saturating_sub(1) >> COARSE_SHIFT) + 1);
    let coarse_end = to.map_or(i64::MAX, |t| t.saturating_add(1) >> COARSE_SHIFT);
    let first = from.map(|t| t >> FINE_SHIFT);
    let last = to.map(|t| t >> FINE_SHIFT);
    let mut fine = Vec::new();
    if coarse_from < coarse_end {
        if let Some(first) = first {
            fine.extend(first..coarse_from << per);
        }
        if let Some(last) = last {
            fine.extend(coarse_end << per..=last);
        }
        Buckets { fine, coarse: (coarse_from, coarse_end - 1) }
    } else {
        // Only a closed range can hold no whole coarse bucket.
        fine.extend(first.unwrap_or(0)..=last.unwrap_or(-1));
        Buckets { fine, coarse: (0, -1) }
    }
}

/// The filters of `q` other than the note search, as ` AND ...` conditions on the case
/// row `c`; `driven_by` names the side table (`assignee` or `tag`) that already
/// selects the rows, if any.
fn conditions(q: &StoreQuery<'_>, driven_by: &str, p: &mut Params) -> String {
    let f = q.filter;
    let mut sql = String::new();
    if let (Some(a), false) = (&f.assignee, driven_by == "assignee") {
        let a = p.bind(Value::Text(a.to_string()));
        let _ =
            write!(sql, " AND EXISTS (SELECT 1 FROM case_assignees a WHERE a.actor = {a} AND a.case_id = c.case_id)");
    }
    if let (Some(t), false) = (&f.tag, driven_by == "tag") {
        let t = p.bind(Value::Text(t.clone()));
        let _ = write!(sql, " AND EXISTS (SELECT 1 FROM case_tags t WHERE t.tag = {t} AND t.case_id = c.case_id)");
    }
    if let Some(programs) = &q.programs {
        // `+`: the actor's scope narrows, it never picks the index (it spans whole
        // programs and would lose the case-id order).
        let list = p.list(programs.iter().map(|p| Value::Text(p.to_string())));
        let _ = write!(sql, " AND +c.program IN {list}");
    }
    let mut equal = |column: &str, v: Value| {
        let v = p.bind(v);
        let _ = write!(sql, " AND c.{column} = {v}");
    };
    if let Some(v) = f.phase {
        equal("phase", Value::Text(v.as_str().to_owned()));
    }
    if let Some(v) = &f.program {
        equal("program", Value::Text(v.to_string()));
    }
    if let Some(v) = f.client_id {
        equal("client_id", Value::Blob(id_bytes(v.0).to_vec()));
    }
    if let Some(v) = f.priority {
        equal("priority", Value::Text(v.as_str().to_owned()));
    }
    if let Some(v) = f.on_hold {
        equal("on_hold", Value::Integer(i64::from(v)));
    }
    // Superset bounds on floored microseconds (see the module docs).
    let mut time = |column: &str, op: &str, v: i64| {
        let v = p.bind(Value::Integer(v));
        let _ = write!(sql, " AND c.{column} {op} {v}");
    };
    if let Some(t) = f.due_before {
        time("next_due", "<=", micros(&t));
    }
    if let Some(t) = f.opened_from {
        time("opened_at", ">=", micros(&t));
    }
    if let Some(t) = f.opened_to {
        time("opened_at", "<", micros_ceil(&t));
    }
    if let Some(t) = f.closed_from {
        time("closed_at", ">=", micros(&t));
    }
    if let Some(t) = f.closed_to {
        time("closed_at", "<", micros_ceil(&t));
    }
    sql
}

/// Builds the statement for `q`, driven by the most selective index that yields
/// case-id order (a note search goes through [`text_round`] instead); time ranges are checked
/// on the rows. [`plan_by_time`] is the plan the time buckets drive.
pub(crate) fn plan(q: &StoreQuery<'_>) -> Plan {
    let f = q.filter;
    let mut p = Params::default();
    let mut sql = String::with_capacity(512);
    // The page's ids first (from the indexes alone where they cover the filters), then
    // their summaries: a sort, where there is one, moves 16-byte ids, not rows.
    sql.push_str("SELECT o.case_id, o.summary FROM cases o WHERE o.case_id IN (SELECT ");
    // A worker's or a tag's cases come from their side table's primary key
    // (worker, case_id).
    let key = if f.assignee.is_some() || f.tag.is_some() { "d.case_id" } else { "c.case_id" };
    sql.push_str(key);
    sql.push_str(" FROM ");
    let driven_by = if let Some(a) = &f.assignee {
        let a = p.bind(Value::Text(a.to_string()));
        let _ = write!(sql, "case_assignees d CROSS JOIN cases c ON c.case_id = d.case_id WHERE d.actor = {a}");
        "assignee"
    } else if let Some(t) = &f.tag {
        let t = p.bind(Value::Text(t.clone()));
        let _ = write!(sql, "case_tags d CROSS JOIN cases c ON c.case_id = d.case_id WHERE d.tag = {t}");
        "tag"
    } else {
        sql.push_str("cases c WHERE 1");
        ""
    };
    let conditions = conditions(q, driven_by, &mut p);
    sql.push_str(&conditions);
    let after = p.bind(Value::Blob(Vec::new()));
    let limit = p.bind(Value::Integer(0));
    let _ = write!(sql, " AND {key} > {after} ORDER BY {key} LIMIT {limit}) ORDER BY o.case_id");
    Plan { sql, params: p.0 }
}

/// One round of a note search ([`crate::notes`]): of the candidate cases (ids with a
/// matching note anyone may see, and ids whose matching notes are all confidential),
/// those that pass the rest of the filter, in case-id order, at most `limit`. A
/// confidential match counts only where the reader may see it: cases of a program
/// they supervise, or assigned to them.
pub(crate) fn text_round(q: &StoreQuery<'_>, public: &[&[u8]], confidential: &[&[u8]], limit: usize) -> Plan {
    let mut p = Params::default();
    let mut sql = String::with_capacity(256 + 6 * (public.len() + confidential.len()));
    let public = p.list(public.iter().map(|id| Value::Blob(id.to_vec())));
    let _ = write!(sql, "SELECT c.case_id, c.summary FROM cases c WHERE (c.case_id IN {public}");
    if !confidential.is_empty() {
        let list = p.list(confidential.iter().map(|id| Value::Blob(id.to_vec())));
        let _ = write!(sql, " OR (c.case_id IN {list} AND (");
        if !q.notes.supervised_programs.is_empty() {
            let programs = p.list(q.notes.supervised_programs.iter().map(|p| Value::Text(p.to_string())));
            let _ = write!(sql, "c.program IN {programs} OR ");
        }
        let actor = p.bind(Value::Text(q.notes.actor.to_string()));
        let _ =
            write!(sql, "EXISTS (SELECT 1 FROM case_assignees w WHERE w.actor = {actor} AND w.case_id = c.case_id)))");
    }
    sql.push(')');
    sql.push_str(&conditions(q, "", &mut p));
    let limit = p.bind(Value::Integer(i64::try_from(limit).unwrap_or(i64::MAX)));
    let _ = write!(sql, " ORDER BY c.case_id LIMIT {limit}");
    Plan { sql, params: p.0 }
}

/// Builds the statement for `q` driven by its time range `r`. Within a bucket of the
/// range the cases come in case-id order from a bucket index `(time >> shift, case_id,
/// time, program)`, so a page reads about its own size after the cursor, per bucket;
/// SQLite stops a bucket's scan as soon as it cannot improve the page (its ORDER BY
/// LIMIT optimisation), and the two levels' pages merge. The fine buckets are listed;
/// the coarse ones are those with cases between the fine edges, found by skipping from
/// one to the next in the index, so empty stretches of time and open ends cost nothing.
pub(crate) fn plan_by_time(q: &StoreQuery<'_>, r: TimeRange) -> Plan {
    let mut p = Params::default();
    let column = r.column.name();
    let [fine_index, coarse_index] = r.column.indexes();
    let cut = buckets(r.from, r.to);
    // The exact range, from the index (it trims the edge buckets); `IS NOT NULL` lets
    // SQLite use the partial indexes.
    let mut range = format!(" AND c.{column} IS NOT NULL");
    if let Some(from) = r.from {
        let _ = write!(range, " AND c.{column} >= {}", p.bind(Value::Integer(from)));
    }
    if let Some(to) = r.to {
        let _ = write!(range, " AND c.{column} <= {}", p.bind(Value::Integer(to)));
    }
    let conditions = conditions(q, "", &mut p);
    let fine = p.bind(Value::Text(format!("{:?}", cut.fine)));
    let coarse_from = p.bind(Value::Integer(cut.coarse.0));
    let coarse_to = p.bind(Value::Integer(cut.coarse.1));
    let after = p.bind(Value::Blob(Vec::new()));
    let limit = p.bind(Value::Integer(0));
    let next_coarse = |op: &str, from: &str| {
        format!(
            "SELECT x.{column} >> {COARSE_SHIFT} FROM cases x INDEXED BY {coarse_index} WHERE x.{column} IS NOT NULL \
             AND x.{column} >> {COARSE_SHIFT} {op} {from} ORDER BY 1 LIMIT 1"
        )
    };
    let piece = |index: &str, shift: u32, buckets: &str| {
        format!(
            "SELECT case_id FROM (SELECT c.case_id FROM cases c INDEXED BY {index} \
             WHERE c.{column} >> {shift} IN ({buckets}){range}{conditions} AND c.case_id > {after} \
             ORDER BY c.case_id LIMIT {limit})"
        )
    };
    let fine_piece = piece(fine_index, FINE_SHIFT, &format!("SELECT value FROM json_each({fine})"));
    let coarse_buckets = format!(
        "WITH RECURSIVE b(k) AS (SELECT ({}) UNION ALL SELECT ({}) FROM b WHERE b.k < {coarse_to}) \
         SELECT k FROM b WHERE k <= {coarse_to}",
        next_coarse(">=", &coarse_from),
        next_coarse(">", "b.k"),
    );
    let coarse_piece = piece(coarse_index, COARSE_SHIFT, &coarse_buckets);
    let sql = format!(
        "SELECT o.case_id, o.summary FROM cases o WHERE o.case_id IN (SELECT case_id FROM ({fine_piece} UNION ALL \
         {coarse_piece}) ORDER BY case_id LIMIT {limit}) ORDER BY o.case_id"
    );
    Plan { sql, params: p.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_becomes_quoted_words_only() {
        let s = search("\"plan\" OR * NEAR(x) court: -rent^ ÉCOLE").expect("words");
        assert_eq!(s.expression, r#""plan" "or" "near" "x" "court" "rent" "école""#);
        assert_eq!(s.words, ["plan", "or", "near", "x", "court", "rent", "école"]);
        assert!(search(" ,;:* ").is_none());
    }

    /// Every time in the range lies in exactly one bucket, and no time outside it in a
    /// coarse one; at most 32 fine buckets at each edge.
    #[test]
    fn buckets_cover_a_range_exactly_once() {
        let mut rng = casekit::testing::random::Lcg(7);
        let day = 86_400_000_000i64;
        let mut span = || (rng.below(4000) as i64 - 2000) * day / 7 + rng.below(1 << 20) as i64;
        let mut cases: Vec<(Option<i64>, Option<i64>)> =
            vec![(None, Some(0)), (Some(0), None), (Some(-1), Some(-1)), (Some(5), Some(4)), (Some(i64::MIN), None)];
        for _ in 0..300 {
            let (a, b) = (span(), span());
            let (a, b) = (a.min(b), a.max(b));
            cases.push((Some(a), Some(b)));
            cases.push((None, Some(b)));
            cases.push((Some(a), None));
        }
        for (from, to) in cases {
            let cut = buckets(from, to);
            assert!(cut.fine.len() <= 64, "{from:?}..={to:?}: {} fine buckets", cut.fine.len());
            let edge = |t: Option<i64>| t.map_or(0, |t| t);
            let (lo, hi) = (edge(from).saturating_sub(3 * day), edge(to).saturating_add(3 * day));
            let probes = (0..400).map(|i| lo.saturating_add((hi.saturating_sub(lo) / 400).saturating_mul(i)));
            // Around the edges and the bucket boundaries next to them.
            let mut near = Vec::new();
            for e in [edge(from), edge(to)] {
                for shift in [FINE_SHIFT, COARSE_SHIFT] {
                    for start in [(e >> shift) << shift, ((e >> shift) + 1) << shift] {
                        near.extend([start.saturating_sub(1), start, start.saturating_add(1)]);
                    }
                }
                near.extend([e.saturating_sub(1), e, e.saturating_add(1)]);
            }
            for t in probes.chain(near) {
                let inside = from.is_none_or(|f| t >= f) && to.is_none_or(|l| t <= l);
                let in_fine = cut.fine.contains(&(t >> FINE_SHIFT));
                let in_coarse = (cut.coarse.0..=cut.coarse.1).contains(&(t >> COARSE_SHIFT));
                if inside {
                    assert!(in_fine != in_coarse, "{from:?}..={to:?}: {t} in fine {in_fine}, coarse {in_coarse}");
                } else {
                    assert!(!in_coarse, "{from:?}..={to:?}: {t} outside but in a coarse bucket");
                }
            }
        }
        assert_eq!(buckets(Some(5), Some(4)), Buckets { fine: vec![], coarse: (0, -1) });
    }
}
