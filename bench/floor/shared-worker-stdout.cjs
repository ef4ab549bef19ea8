// Bench-only (`npm run bench:floor`, the worker-group log modes), loaded with `node --require`: the workers inherit
// the primary's stdout and write their per-turn chunks to it themselves, as before the relay — the write mode that
// splices lines on a slow pipe, measured only to show what the relay costs. Not part of the product.
'use strict';
const cluster = require('node:cluster');

if (cluster.isPrimary) {
  const setupPrimary = cluster.setupPrimary.bind(cluster);
  cluster.setupPrimary = (settings = {}) => {
    const { stdio: _relayed, ...rest } = settings;
    setupPrimary(rest);
  };
}
