//! casekit-python (work in progress).
