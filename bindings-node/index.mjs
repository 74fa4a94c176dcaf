// The ES module entry point of casekit: the same objects as the CommonJS one.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const casekit = require('./index.js');

export const { Casebook, LogFollower, ManualClock, CaseKitError, ERROR_CODES, COMMAND_TYPES, methodName } = casekit;
export default casekit;
