// `reading`: reads everything as fast as it arrives.
import { z } from 'zod';
import type { ReadBehaviour, ReadControl } from '../read-behaviour.ts';
import { chunkBytes } from './params.ts';

export const ReadingParams = z.strictObject({
  /** Bytes per read (plain TCP); default: the connection's read buffer (256 KiB). */
  chunk_bytes: chunkBytes().optional(),
});
export type ReadingParams = z.infer<typeof ReadingParams>;

export function createReading(params: ReadingParams = {}): ReadBehaviour {
  return {
    name: 'reading',
    ...(params.chunk_bytes !== undefined ? { readChunkBytes: params.chunk_bytes } : {}),
    attach(ctl: ReadControl) { ctl.resume(); },
    onBytes() {},
    detach() {},
  };
}
