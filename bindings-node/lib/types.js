"use strict";
// Data types of casekit, as JavaScript sees them.
//
// Every data object (commands, case views, events, summaries) has exactly the core's
// stable snake_case JSON shape, the same in Rust, Python, Node, Swift and Kotlin.
// Map keys inside them (custom_fields, responses, scores, ...) are data and are never
// renamed. Ids are UUID strings. Times in returned data are RFC 3339 UTC strings
// (`2026-01-05T09:00:00Z`); where a command takes a time, a `Date` is accepted too.
// Calendar dates (date_of_birth, goal due dates, service start/end, delivered_on,
// measured_on) are `YYYY-MM-DD` strings.
Object.defineProperty(exports, "__esModule", { value: true });
