// The seam between a connection and how it reads: a ReadBehaviour decides when to read, how much
// per read, and when to give up; the connection does the socket work. Behaviours hold their own
// timers and must clear them in detach().

/** What a behaviour may do to the connection it is attached to. No-ops once detached. */
export interface ReadControl {
  /** Stop reading from the kernel (the server's TCP send path fills up). */
  pause(): void;
  /** Read again. */
  resume(): void;
  /** Full close: FIN now, then the socket is closed (late arrivals meet RST from the kernel). */
  close(): void;
  /** Shut down the sending side only (FIN) and keep reading. */
  halfClose(): void;
  /** Abortive close: RST. */
  reset(): void;
  /** Unix ms with fractions, the timeline's clock. */
  now(): number;
  /** Bytes received on this connection so far (after TLS). */
  bytesReceived(): number;
  /** True while reading is paused. */
  paused(): boolean;
}

export interface ReadBehaviour {
  readonly name: string;
  /**
   * Bytes per read the behaviour wants. Plain TCP honours it exactly (the read buffer has this
   * size); TLS reads whole records (up to 16 KiB), so there it is only the pacing unit.
   */
  readonly readChunkBytes?: number;
  /** Most bytes to take in the next read (e.g. what is left before a stall point). */
  nextReadLimit?(): number;
  /** Called once the connection is established (after the TLS handshake). */
  attach(ctl: ReadControl): void;
  /** `n` bytes were just read. */
  onBytes(n: number): void;
  /** The connection closed or another behaviour takes over: stop every timer. */
  detach(): void;
}
