#!/usr/bin/env node
// The `dawdle` command. The project runs TypeScript directly (tsx), so this shim registers
// tsx's loader and hands over to the CLI; worker threads register it again themselves.
import { register } from 'tsx/esm/api';
register();
await import('../harness/cli/main.ts');
