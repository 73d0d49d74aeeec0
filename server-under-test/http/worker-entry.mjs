// Entry of the HTTP worker thread. The project runs TypeScript directly, so the worker registers
// tsx's loader itself (a worker does not inherit loader hooks registered in the main thread).
import { register } from 'tsx/esm/api';
register();
await import('./worker-main.ts');
