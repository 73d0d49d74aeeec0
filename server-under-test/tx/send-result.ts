// send_result and its helpers (seed 001, RES-01..03). Opaque to handlers: decode it with the
// helpers only. Lua names: cancelled(), headers_were_sent(), body_bytes_sent().

export class SendResult {
  /** @internal */
  constructor(
    readonly kind: 'write_header' | 'write' | 'wait',
    readonly isCancelled: boolean,
    readonly headersSent: boolean,
    readonly bodyBytes: number,
  ) {}
}

export class HelperError extends Error {
  readonly code: 'ERR_SEND_RESULT_NIL' | 'ERR_SEND_RESULT_KIND';
  constructor(code: HelperError['code'], message: string) {
    super(message);
    this.code = code;
  }
}

/** `cancelled(r)`: true when the client went away. `cancelled(nil)` is nil (RES-01). */
export function cancelled(r: SendResult | null): boolean | null {
  return r === null ? null : r.isCancelled;
}

/** `headers_were_sent(r)`: `headers_were_sent(nil)` is true (RES-01). */
export function headersWereSent(r: SendResult | null): boolean {
  return r === null ? true : r.headersSent;
}

/**
 * `body_bytes_sent(r)`: how many bytes of that write's body were passed to the TCP/IP stack; the
 * rest ARE NOT SENT. Raises for nil (RES-01) and for a result of wait() (allowed by seed 001).
 */
export function bodyBytesSent(r: SendResult | null): number {
  if (r === null) throw new HelperError('ERR_SEND_RESULT_NIL', 'body_bytes_sent(nil): a nil result means the whole body was accepted');
  if (r.kind === 'wait') throw new HelperError('ERR_SEND_RESULT_KIND', 'body_bytes_sent() of a wait() result is unspecified');
  return r.bodyBytes;
}
