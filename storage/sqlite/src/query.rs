//! Case-list queries: a `StoreQuery` becomes one SQL statement whose filters are
//! index-backed and whose order is the case id, so a page is a range scan after the
//! keyset cursor.
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

fn placeholders(sql: &mut String, n: usize) {
    sql.push('(');
    for i in 0..n {
        sql.push_str(if i == 0 { "?" } else { ", ?" });
    }
    sql.push(')');
}

/// Whether the query's only narrowing filters are time ranges: then no index gives both
/// the filter and the case-id order, and the store picks between walking the cases in
/// id order and sorting the range's ids (see `SqliteStore::query`).
pub(crate) fn range_only(q: &StoreQuery<'_>) -> Option<&'static str> {
    let f = q.filter;
    let driven = f.text.is_some()
        || f.assignee.is_some()
        || f.tag.is_some()
        || f.phase.is_some()
        || f.program.is_some()
        || f.client_id.is_some()
        || f.priority.is_some();
    if driven {
        None
    } else if f.opened_from.is_some() || f.opened_to.is_some() {
        Some("cases_opened")
    } else if f.closed_from.is_some() || f.closed_to.is_some() {
        Some("cases_closed")
    } else if f.due_before.is_some() {
        Some("cases_next_due")
    } else {
        None
    }
}

/// Builds the statement for `q`; `text` is set when the query searches notes; `index`
/// forces the index the ids come from.
pub(crate) fn plan(q: &StoreQuery<'_>, text: Option<Search>, index: Option<&str>) -> Plan {
    let f = q.filter;
    let mut sql = String::with_capacity(512);
    let mut params: Vec<Value> = Vec::new();
    // The page's ids first (from the indexes alone where they cover the filters), then
    // their summaries: a sort, where there is one, moves 16-byte ids, not rows.
    sql.push_str("SELECT o.case_id, o.summary FROM cases o WHERE o.case_id IN (SELECT ");
    // Drive from the most selective index that yields case-id order: a worker's or a
    // tag's cases come from their side table's primary key (worker, case_id).
    let key = if text.is_none() && (f.assignee.is_some() || f.tag.is_some()) { "d.case_id" } else { "c.case_id" };
    sql.push_str(key);
    sql.push_str(" FROM ");
    let driven_by = if text.is_none() && f.assignee.is_some() {
        sql.push_str("case_assignees d CROSS JOIN cases c ON c.case_id = d.case_id WHERE d.actor = ?");
        params.push(Value::Text(f.assignee.as_ref().map(|a| a.0.clone()).unwrap_or_default()));
        "assignee"
    } else if text.is_none() && f.tag.is_some() {
        sql.push_str("case_tags d CROSS JOIN cases c ON c.case_id = d.case_id WHERE d.tag = ?");
        params.push(Value::Text(f.tag.clone().unwrap_or_default()));
        "tag"
    } else {
        sql.push_str("cases c ");
        if let Some(index) = index {
            let _ = write!(sql, "INDEXED BY {index} ");
        }
        sql.push_str("WHERE 1");
        ""
    };
    if let (Some(a), false) = (&f.assignee, driven_by == "assignee") {
        sql.push_str(" AND EXISTS (SELECT 1 FROM case_assignees a WHERE a.actor = ? AND a.case_id = c.case_id)");
        params.push(Value::Text(a.0.clone()));
    }
    if let (Some(t), false) = (&f.tag, driven_by == "tag") {
        sql.push_str(" AND EXISTS (SELECT 1 FROM case_tags t WHERE t.tag = ? AND t.case_id = c.case_id)");
        params.push(Value::Text(t.clone()));
    }
    if let Some(programs) = &q.programs {
        // `+`: the actor's scope narrows, it never picks the index (it spans whole
        // programs and would lose the case-id order).
        sql.push_str(" AND +c.program IN ");
        placeholders(&mut sql, programs.len());
        params.extend(programs.iter().map(|p| Value::Text(p.0.clone())));
    }
    if let Some(p) = f.phase {
        sql.push_str(" AND c.phase = ?");
        params.push(Value::Text(p.as_str().to_owned()));
    }
    if let Some(p) = &f.program {
        sql.push_str(" AND c.program = ?");
        params.push(Value::Text(p.0.clone()));
    }
    if let Some(c) = f.client_id {
        sql.push_str(" AND c.client_id = ?");
        params.push(Value::Blob(id_bytes(c.0).to_vec()));
    }
    if let Some(p) = f.priority {
        sql.push_str(" AND c.priority = ?");
        params.push(Value::Text(p.as_str().to_owned()));
    }
    if let Some(h) = f.on_hold {
        sql.push_str(" AND c.on_hold = ?");
        params.push(Value::Integer(i64::from(h)));
    }
    // Superset bounds on floored microseconds (see the module docs).
    let mut time = |column: &str, op: &str, v: i64| {
        let _ = write!(sql, " AND c.{column} {op} ?");
        params.push(Value::Integer(v));
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
    if let Some(search) = text {
        // The matching notes (in the FTS index, whose rowid is the event's log position
        // × 2 + confidential; or still waiting at the tail of the log), keeping a
        // confidential note only where the reader may see it: cases of a program they
        // supervise, or assigned to them.
        sql.push_str(
            " AND c.case_id IN (SELECT e.case_id FROM \
             (SELECT rowid >> 1 AS pos, rowid & 1 AS conf FROM notes_fts WHERE notes_fts MATCH ? \
             UNION ALL SELECT position, coalesce(json_extract(payload, '$.confidential'), 0) FROM events \
             WHERE position > (SELECT upto FROM notes_indexed) AND event_type = 'note_added' \
             AND casekit_note_match(payload",
        );
        params.push(Value::Text(search.expression));
        for w in search.words {
            sql.push_str(", ?");
            params.push(Value::Text(w));
        }
        sql.push_str(")) m CROSS JOIN events e ON e.position = m.pos WHERE (m.conf = 0");
        if !q.notes.supervised_programs.is_empty() {
            sql.push_str(" OR EXISTS (SELECT 1 FROM cases s WHERE s.case_id = e.case_id AND s.program IN ");
            placeholders(&mut sql, q.notes.supervised_programs.len());
            sql.push(')');
            params.extend(q.notes.supervised_programs.iter().map(|p| Value::Text(p.0.clone())));
        }
        sql.push_str(" OR EXISTS (SELECT 1 FROM case_assignees w WHERE w.actor = ? AND w.case_id = e.case_id)))");
        params.push(Value::Text(q.notes.actor.0.clone()));
    }
    let _ = write!(sql, " AND {key} > ? ORDER BY {key} LIMIT ?) ORDER BY o.case_id");
    params.push(Value::Blob(Vec::new()));
    params.push(Value::Integer(0));
    Plan { sql, params }
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
}
