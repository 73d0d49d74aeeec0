// The write loop (OutFramer) at its own level, against a fake socket: control frames go out
// ahead of queued HEADERS and DATA, in the same turn and after the socket was full; a body
// blocked by flow control holds back only its own stream; cancelling drops what is queued.
//
// @test quick
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type BodySource, type ByteSink, type OutItem, OutFramer } from '../../../harness/clients/h2/out-framer.ts';

class FakeSink implements ByteSink {
  writes: Buffer[] = [];
  full = false;
  private drainCbs: Array<() => void> = [];
  write(bytes: Buffer, written: (err?: Error | null) => void): boolean {
    this.writes.push(bytes);
    setImmediate(() => written(null));
    return !this.full;
  }
  onDrain(cb: () => void): void { this.drainCbs.push(cb); }
  drain(): void {
    this.full = false;
    for (const cb of this.drainCbs.splice(0)) cb();
  }
}

const item = (label: string, streamId: number): OutItem => ({ label, streamId, bytes: Buffer.from(`${label}:${streamId};`) });
const turn = () => new Promise<void>((r) => setImmediate(r));

/** A body of `frames` DATA frames that yields one only while `open()` says so. */
function body(streamId: number, frames: number, open: () => boolean = () => true): BodySource {
  let left = frames;
  return {
    streamId,
    done: () => left === 0,
    next: () => (left > 0 && open() ? (left--, item('DATA', streamId)) : null),
  };
}

test('frames queued in one turn: control first (PING ACK, WINDOW_UPDATE, RST_STREAM), then HEADERS and DATA in FIFO order', () => {
  const sink = new FakeSink();
  const f = new OutFramer(sink, { record: true });
  f.enqueueStream(item('HEADERS', 1));
  f.enqueueBody(body(1, 2));
  f.enqueueStream(item('HEADERS', 3));
  f.enqueueControl(item('PING_ACK', 0));
  f.enqueueControl(item('WINDOW_UPDATE', 0));
  f.enqueueControl(item('RST_STREAM', 7));
  f.pump();
  assert.equal(f.written, ['PING_ACK', 'WINDOW_UPDATE', 'RST_STREAM:7', 'HEADERS:1', 'DATA:1', 'DATA:1', 'HEADERS:3']);
  assert.is(sink.writes.length, 1, 'one socket write for the batch');
  assert.is(sink.writes[0]!.toString(), 'PING_ACK:0;WINDOW_UPDATE:0;RST_STREAM:7;HEADERS:1;DATA:1;DATA:1;HEADERS:3;');
});

test('socket full: queued HEADERS/DATA wait, and a PING ACK or WINDOW_UPDATE queued meanwhile goes out first after drain', async () => {
  const sink = new FakeSink();
  sink.full = true;
  const f = new OutFramer(sink, { record: true, batchBytes: 1 }); // one frame per write
  for (const id of [1, 3, 5]) f.enqueueStream(item('HEADERS', id));
  f.enqueueBody(body(1, 3));
  f.pump();
  assert.equal(f.written, ['HEADERS:1'], 'the first write filled the socket');
  await turn();
  assert.equal(f.written, ['HEADERS:1'], 'nothing more until drain');
  f.enqueueControl(item('PING_ACK', 0));
  f.enqueueControl(item('WINDOW_UPDATE', 3));
  await turn();
  assert.equal(f.written, ['HEADERS:1'], 'still waiting for drain');
  sink.drain();
  await turn();
  assert.equal(f.written, ['HEADERS:1', 'PING_ACK', 'WINDOW_UPDATE:3', 'HEADERS:3', 'HEADERS:5', 'DATA:1', 'DATA:1', 'DATA:1']);
  await f.flushed();
});

test('a body blocked by flow control holds back its own stream only; kick() sends it when the window opens', async () => {
  const sink = new FakeSink();
  let open = false;
  const f = new OutFramer(sink, { record: true });
  f.enqueueStream(item('HEADERS', 1));
  f.enqueueBody(body(1, 2, () => open));
  f.enqueueStream(item('DATA', 1)); // e.g. an END_STREAM frame queued after the body: stays behind it
  f.enqueueStream(item('HEADERS', 3));
  f.pump();
  assert.equal(f.written, ['HEADERS:1', 'HEADERS:3']);
  open = true;
  f.kick();
  await turn();
  assert.equal(f.written, ['HEADERS:1', 'HEADERS:3', 'DATA:1', 'DATA:1', 'DATA:1']);
});

test('cancelStream drops what is queued for a stream, and says whether its HEADERS never left', () => {
  const sink = new FakeSink();
  const f = new OutFramer(sink, { record: true });
  f.enqueueStream(item('HEADERS', 1));
  f.pump();
  f.enqueueBody(body(1, 5));
  f.enqueueStream(item('HEADERS', 3));
  f.enqueueBody(body(3, 5));
  assert.is(f.cancelStream(1), false, 'HEADERS of 1 already written: an RST_STREAM must follow');
  assert.is(f.cancelStream(3), true, 'HEADERS of 3 never left: the server never heard of it');
  f.pump();
  assert.equal(f.written, ['HEADERS:1']);
  assert.is(f.queuedStream, 0);
});

test('flushed() resolves once nothing is queued or in flight; stop() drops everything', async () => {
  const sink = new FakeSink();
  const f = new OutFramer(sink, { record: true });
  f.enqueueControl(item('GOAWAY', 0));
  let flushed = false;
  const p = f.flushed().then(() => { flushed = true; });
  await turn();
  await p;
  assert.ok(flushed);
  sink.full = true;
  f.enqueueStream(item('HEADERS', 1));
  f.pump();
  f.enqueueStream(item('HEADERS', 3));
  f.stop();
  await f.flushed();
  assert.equal(f.written, ['GOAWAY', 'HEADERS:1']);
});

test.run();
