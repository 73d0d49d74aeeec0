// What Linux shows of a local TCP connection and of a server process, read from /proc: both ends of
// a loopback connection in /proc/net/tcp{,6} (state, send and receive queues), the processes that
// hold a listening port (by socket inode in /proc/*/fd), and a process's RSS, fds and threads.
// Black-box checks judge a server on these and on their own wire timelines; nothing here writes.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Kernel TCP states (include/net/tcp_states.h), as /proc/net/tcp numbers them. */
export const TCP_STATES = [
  '', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING',
] as const;

export interface TcpRow {
  localPort: number;
  remotePort: number;
  state: string;
  /** Bytes written by the owner and not yet acknowledged by the peer (send queue). */
  txQueue: number;
  /** Bytes received and not yet read by the owner (receive queue). */
  rxQueue: number;
  inode: number;
}

function parseTable(file: string): TcpRow[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const rows: TcpRow[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const [, local, remote, st, queues, , , , , inode] = f;
    const [tx, rx] = queues!.split(':');
    rows.push({
      localPort: parseInt(local!.split(':')[1]!, 16), remotePort: parseInt(remote!.split(':')[1]!, 16),
      state: TCP_STATES[parseInt(st!, 16)] ?? `0x${st}`, txQueue: parseInt(tx!, 16), rxQueue: parseInt(rx!, 16), inode: Number(inode),
    });
  }
  return rows;
}

/** Every TCP socket of this network namespace (IPv4 and IPv6). */
export function tcpTable(): TcpRow[] {
  return [...parseTable('/proc/net/tcp'), ...parseTable('/proc/net/tcp6')];
}

/** Both ends of the loopback connection from our `clientPort` to the server's `serverPort`. */
export interface ConnectionView {
  /** Our end; null when the kernel no longer lists it. */
  client: TcpRow | null;
  /** The server's end; null once the server's kernel let go of it (closed and done, or reset). */
  server: TcpRow | null;
}

export function connectionView(clientPort: number, serverPort: number, table = tcpTable()): ConnectionView {
  const client = table.find((r) => r.localPort === clientPort && r.remotePort === serverPort) ?? null;
  const server = table.find((r) => r.localPort === serverPort && r.remotePort === clientPort) ?? null;
  return { client, server };
}

/** The server end has been closed by the server (it sent or queued its FIN, or is gone). */
export function serverClosed(v: ConnectionView): boolean {
  return v.server === null || !['ESTABLISHED', 'CLOSE_WAIT', 'SYN_RECV'].includes(v.server.state);
}

function socketInode(link: string): number | null {
  const m = /^socket:\[(\d+)\]$/.exec(link);
  return m ? Number(m[1]) : null;
}

/** Socket inodes held open by `pid` (empty when it cannot be read). */
export function socketInodes(pid: number): Set<number> {
  const out = new Set<number>();
  let names: string[];
  try {
    names = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return out;
  }
  for (const n of names) {
    try {
      const i = socketInode(readlinkSync(`/proc/${pid}/fd/${n}`));
      if (i !== null) out.add(i);
    } catch { /* closed meanwhile */ }
  }
  return out;
}

/**
 * The processes holding the socket that listens on `port` (a master and its workers share it):
 * found by the listening socket's inode in every /proc/PID/fd. Empty when none is visible.
 */
export function pidsListeningOn(port: number): number[] {
  const inodes = new Set(tcpTable().filter((r) => r.state === 'LISTEN' && r.localPort === port).map((r) => r.inode));
  if (inodes.size === 0) return [];
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    for (const i of socketInodes(Number(d))) {
      if (inodes.has(i)) {
        pids.push(Number(d));
        break;
      }
    }
  }
  return pids.sort((a, b) => a - b);
}

export interface ProcessStats {
  /** Resident set size, summed over the processes. */
  rssBytes: number;
  fds: number;
  threads: number;
}

/** RSS, open fds and threads summed over `pids`; null when none of them can be read (gone). */
export function processStats(pids: readonly number[]): ProcessStats | null {
  let seen = 0;
  const s: ProcessStats = { rssBytes: 0, fds: 0, threads: 0 };
  for (const pid of pids) {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const rss = /^VmRSS:\s+(\d+) kB/m.exec(status);
      const threads = /^Threads:\s+(\d+)/m.exec(status);
      s.rssBytes += rss ? Number(rss[1]) * 1024 : 0;
      s.threads += threads ? Number(threads[1]) : 0;
      s.fds += readdirSync(`/proc/${pid}/fd`).length;
      seen++;
    } catch { /* gone */ }
  }
  return seen > 0 ? s : null;
}

/** Whether any of `pids` still holds the socket `inode` open (a request the server has not let go). */
export function heldBy(pids: readonly number[], inode: number): boolean {
  return pids.some((p) => socketInodes(p).has(inode));
}
