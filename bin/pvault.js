#!/usr/bin/env node
// The `pvault` command. The project runs from its TypeScript sources (no build step): tsx compiles on load.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
