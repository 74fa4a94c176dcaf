'use strict';
// The CommonJS entry point of casekit: the typed API compiled from ts/ into lib/.
module.exports = require('./lib/index.js');
