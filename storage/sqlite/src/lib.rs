//! casekit-sqlite (work in progress).
