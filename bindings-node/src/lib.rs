//! casekit-node (work in progress).
