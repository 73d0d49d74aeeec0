// Messages between a capacity run and its slow-client worker processes (population.ts <->
// slow-worker.ts), over the child_process IPC channel.
import type { Profile } from '../clients/profiles.ts';

export type ToWorker =
  | { type: 'config'; host: string; port: number; tls: boolean; path: string; profile: Profile; tickerIntervalMs: number | null; clockOffsetMs: number }
  /** Hold this many clients (start or stop some). */
  | { type: 'scale'; n: number }
  /** A measured window starts: reset the window's figures. */
  | { type: 'mark' }
  /** The window ends: report its figures. */
  | { type: 'collect' }
  | { type: 'stop' };

export interface WindowFigures {
  /** Bytes each client received during the window (clients alive the whole window). */
  perClientBytes: number[];
  bytes: number;
  connects: number;
  completions: number;
  clientCloses: number;
  serverClosures: number;
  closureLifetimesMs: number[];
  errors: number;
  errorKinds: Record<string, number>;
  staleness: null | {
    ages: string; // encoded HDR (us)
    lags: string; // encoded HDR (updates)
    received: number;
    dropped: number;
    aoiArea: number;
    aoiTime: number;
  };
}

export type FromWorker =
  | { type: 'ready' }
  | { type: 'scaled'; n: number }
  | { type: 'marked' }
  | { type: 'collected'; figures: WindowFigures }
  /** Every second: cumulative bytes, clients held, connections open, closures and errors so far. */
  | { type: 'tick'; t: number; bytes: number; clients: number; open: number; serverClosures: number; errors: number; rssBytes: number; cpuMs: number };
