// Types of the ES module entry point.
export * from './lib/index.js';
import * as casekit from './lib/index.js';
export default casekit;
