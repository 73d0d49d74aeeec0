// Faults the reference server can be told to have, so tests can prove that the conformance
// harness catches broken servers. Each is one small, realistic bug, not a sabotage of everything.
//
// They are switched on ONLY programmatically: `startServer(cfg, { faults: ['window-ignored'] })`.
// Never through cfg, the CLI, an environment variable or the probe API, so a server someone runs
// can never have one by accident. Worker-side faults travel to the HTTP worker thread in its
// workerData. The test fixture test/fixtures/faulty-server.ts runs a faulty server as a process.

export const FAULT_NAMES = [
  'window-ignored',
  'timeout-ignored',
  'bbs-off-by-one',
  'tail-not-withdrawn',
  'cancel-unreported',
  'wait-literal',
  'current-not-reduced',
  'headers-always-sent',
  'content-length-kept',
  'sent-early',
  'h2-stream-window-ignored',
  'h2-rst-cancels-connection',
  'h2-sent-counts-unwindowed',
] as const;

export type FaultName = (typeof FAULT_NAMES)[number];

/** How much longer than its timeout a blocked call waits under `timeout-ignored` (so tests end). */
export const TIMEOUT_IGNORED_FACTOR = 3;

/** One line each: what the faulty server does wrong, and the requirements that should catch it. */
export const FAULT_DESCRIPTIONS: Readonly<Record<FaultName, string>> = {
  'window-ignored': 'write() never blocks on the send window: it accepts the whole body and returns nil at once (WIN-01/02/04)',
  'timeout-ignored': `timeouts of write*() and wait() are stretched ${TIMEOUT_IGNORED_FACTOR}x: a blocked call outlives its timeout (TMO-01/02, WAI-03)`,
  'bbs-off-by-one': 'body_bytes_sent of a partial write reports one byte more than was sent (PWR-01)',
  'tail-not-withdrawn': 'a timed-out write reports partial and reduces current, but the worker still sends the withdrawn tail (PWR-01, STS)',
  'cancel-unreported': 'a client that went away (FIN/RST) is never reported: writes behave as if the client stalled (CXL-01..05)',
  'wait-literal': 'wait(pos <= 0) uses seed 001 literally, current - sent >= -pos, instead of I-1\'s <= (WAI-02)',
  'current-not-reduced': 'after a partial write, current is not reduced by the withdrawn remainder (STS-01, I-2)',
  'headers-always-sent': 'headers_were_sent is always true: in stats, and in results of a write_header that timed out (RES-02, TMO-03, STS-02)',
  'content-length-kept': 'a response with a declared Content-Length that ends short keeps the connection alive instead of closing it (PWR-02)',
  'sent-early': 'sent (get_send_stats, wait) counts bytes accepted into the window, not bytes committed to the socket (STS-04, WAI)',
  'h2-stream-window-ignored': 'HTTP/2: DATA is sent past the client\'s stream window (the connection window is still respected) (H2-01)',
  'h2-rst-cancels-connection': 'HTTP/2: a client\'s RST_STREAM on one stream tears down the whole connection, cancelling its siblings (CXL-06)',
  'h2-sent-counts-unwindowed': 'HTTP/2: bytes queued for a stream whose window is 0 count as sent (up to 64 KiB), and go out later (H2-02)',
};

/** Faults the HTTP worker thread implements; the rest live on the TX (handler) side. */
export const WORKER_FAULTS: readonly FaultName[] = [
  'tail-not-withdrawn', 'content-length-kept', 'h2-stream-window-ignored', 'h2-rst-cancels-connection', 'h2-sent-counts-unwindowed',
];

export type FaultSet = ReadonlySet<FaultName>;
export const NO_FAULTS: FaultSet = new Set();

export function isFaultName(name: string): name is FaultName {
  return (FAULT_NAMES as readonly string[]).includes(name);
}

/** The names in `names` that are not faults (empty when all are known). */
export function unknownFaults(names: readonly string[]): string[] {
  return names.filter((n) => !isFaultName(n));
}
