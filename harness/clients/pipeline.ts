// Pipelining is not a reading behaviour: it is several requests written back to back on one
// HTTP/1.1 connection before any response is read.
import type { H1Connection, H1Request } from './h1-connection.ts';
import type { ParsedResponse } from './h1-response-parser.ts';

/** Sends every request back to back on one connection; returns their indexes. */
export function pipeline(conn: H1Connection, requests: readonly H1Request[]): number[] {
  return requests.map((r) => conn.send(r));
}

/** Pipelines `requests` and waits for all their responses (each within `timeoutMs`). */
export async function pipelineAndWait(
  conn: H1Connection,
  requests: readonly H1Request[],
  timeoutMs: number,
): Promise<ParsedResponse[]> {
  const indexes = pipeline(conn, requests);
  return Promise.all(indexes.map((i) => conn.waitForResponse(i, timeoutMs)));
}
