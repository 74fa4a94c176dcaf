//! casekit-conformance (work in progress).
