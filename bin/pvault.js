#!/usr/bin/env node
// The `pvault` command. The project runs from its TypeScript sources (no build step): tsx compiles on load.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
