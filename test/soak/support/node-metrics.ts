import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { SampleProcess } from '../../support/sample-process.js';

export interface NodeSnapshot {
  readonly pid: number;
  readonly fds: number;
  readonly sockets: number;
  readonly rssBytes: number;
  /** Heap used after a full GC (the node runs with --expose-gc and SAMPLE_HEAP_SIGNAL=1). */
  readonly heapUsedBytes?: number;
}

/** File descriptors and sockets of a process, from /proc/<pid>/fd. */
export function descriptors(pid: number): { fds: number; sockets: number } {
  let fds = 0;
  let sockets = 0;
  for (const entry of readdirSync(`/proc/${pid}/fd`)) {
    fds++;
    try {
      if (readlinkSync(`/proc/${pid}/fd/${entry}`).startsWith('socket:')) sockets++;
    } catch {
      // Closed while we looked.
    }
  }
  return { fds, sockets };
}

export function rss(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return kb ? Number(kb[1]) * 1024 : 0;
}

/** Asks the node to collect garbage and print its heap (SIGWINCH); waits for the line. */
export async function heapAfterGc(
  node: SampleProcess,
  timeoutMs = 10_000,
): Promise<number | undefined> {
  const from = node.log.length;
  node.signal('SIGWINCH');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = /heap-used (\d+)/.exec(node.log.slice(from));
    if (match) return Number(match[1]);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return undefined;
}

export async function snapshot(node: SampleProcess): Promise<NodeSnapshot> {
  const pid = node.pid!;
  const heapUsedBytes = await heapAfterGc(node);
  return { pid, ...descriptors(pid), rssBytes: rss(pid), heapUsedBytes };
}
