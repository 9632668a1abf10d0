#!/usr/bin/env node
// --debug prints stack traces: point them at the TypeScript sources.
if (process.argv.includes('--debug')) process.setSourceMapsEnabled(true);
const {main} = await import('../dist/bundle/main.js');

process.exitCode = await main(process.argv.slice(2));
