// Typed errors of the client simulator, each with a stable `code` callers can switch on.

export type ClientErrorCode =
  | 'ERR_CONNECT'              // the TCP connection or TLS handshake failed
  | 'ERR_CONNECT_TIMEOUT'      // connecting took longer than allowed
  | 'ERR_WAIT_TIMEOUT'         // a waitFor*() did not see its condition in time
  | 'ERR_CONNECTION_CLOSED'    // a waitFor*() cannot be satisfied any more: the socket is closed
  | 'ERR_NO_RESPONSE'          // waiting for a response that cannot come: parsing stopped before it
  | 'ERR_NOT_WRITABLE'         // send() after the client closed its sending side
  | 'ERR_INVALID_REQUEST'      // send() with a method, target or header that is not valid HTTP/1.1
  | 'ERR_UNKNOWN_BEHAVIOUR'    // no reading behaviour of that name in the registry
  | 'ERR_BEHAVIOUR_PARAMS'     // parameters of a reading behaviour are invalid
  | 'ERR_NOT_SUPPORTED';       // the operation has no meaning on this protocol (e.g. half-close on HTTP/2)

export class ClientError extends Error {
  override readonly name = 'ClientError';
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
