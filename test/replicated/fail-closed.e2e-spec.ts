import { Logger } from '@nestjs/common';
import type { ReplicatedSessionStore } from 'nestjs-distributed-session';
import { frameOf } from '../../libs/session/src/strategies/replicated/frame-decoder.js';
import { inParallel } from './support/sample-cluster.js';
import { CLUSTER_SECRET, startStore } from './support/in-process-cluster.js';
import { RawPeer } from './support/raw-peer.js';

const NOW = Date.now();
const deltaFor = (id: string, ack: number) => ({
  t: 'delta',
  e: {
    s: id,
    k: [['counter', '1', 1, 'f'.repeat(32)]],
    p: [null, 1, 'f'.repeat(32)],
    c: NOW,
    a: NOW + 3_600_000,
    e: NOW + 1_800_000,
  },
  b: 0,
  a: ack,
});
const idOf = (label: string, i: number) => `${label}-${String(i).padStart(6, '0')}`.padEnd(32, 'x');

describe('fail closed: hostile frames never reach the session map', () => {
  let store: ReplicatedSessionStore;
  let port: number;
  const open: RawPeer[] = [];

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    store = await startStore({ maxPendingHandshakesPerIp: 64 });
    port = store.address.port;
  });
  afterEach(() => {
    for (const peer of open.splice(0)) peer.destroy();
  });
  afterAll(() => store.close());

  async function authenticatedPeer(): Promise<RawPeer> {
    const peer = await RawPeer.connect(port);
    open.push(peer);
    expect(await peer.handshake(CLUSTER_SECRET)).toBe(true);
    return peer;
  }

  it('a genuine frame is applied and acknowledged (the control)', async () => {
    const peer = await authenticatedPeer();
    peer.write(peer.seal(deltaFor(idOf('control', 0), 7)));
    expect(await peer.waitFor('ack')).toEqual({ t: 'ack', a: 7 });
    expect(await store.load(idOf('control', 0))).toMatchObject({ data: { counter: '1' } });
  });

  it('1,000 frames with one random bit flipped: each closes its connection; none is applied', async () => {
    const before = store.stats().rejectedFrames;
    let bodyFlips = 0;
    await inParallel(
      Array.from({ length: 1000 }, (_, i) => i),
      8,
      async (i) => {
        const peer = await authenticatedPeer();
        const frame = peer.seal(deltaFor(idOf('flipped', i), 1));
        const bit = Math.floor(Math.random() * frame.length * 8);
        if (bit >= 32) bodyFlips++;
        frame[bit >> 3] ^= 1 << (bit & 7);
        peer.write(frame);
        expect(await peer.waitClosed()).toBe(true);
        expect(peer.received.filter((message) => message.t === 'ack')).toEqual([]);
        peer.destroy();
      },
    );
    for (let i = 0; i < 1000; i++) expect(await store.load(idOf('flipped', i))).toBeUndefined();
    // A flip in the body fails authentication at once; one in the length header makes the frame
    // oversize, short (fails authentication) or long (incomplete until the silent peer is dropped).
    expect(store.stats().rejectedFrames - before).toBeGreaterThanOrEqual(bodyFlips);
  }, 60_000);

  it('100 replayed frames: the original is applied once, the replay closes the connection', async () => {
    await inParallel(
      Array.from({ length: 100 }, (_, i) => i),
      8,
      async (i) => {
        const peer = await authenticatedPeer();
        const frame = peer.seal(deltaFor(idOf('replayed', i), 1));
        peer.write(frame);
        expect(await peer.waitFor('ack')).toEqual({ t: 'ack', a: 1 });
        peer.write(frame);
        expect(await peer.waitClosed()).toBe(true);
        expect(peer.received.filter((message) => message.t === 'ack')).toHaveLength(1);
        peer.destroy();
      },
    );
  }, 60_000);

  it('reordered and truncated frames close the connection; neither is applied', async () => {
    const reordered = await authenticatedPeer();
    const first = reordered.seal(deltaFor(idOf('reordered', 1), 1));
    const second = reordered.seal(deltaFor(idOf('reordered', 2), 2));
    reordered.write(second);
    reordered.write(first);
    expect(await reordered.waitClosed()).toBe(true);
    const truncated = await authenticatedPeer();
    const frame = truncated.seal(deltaFor(idOf('truncated', 1), 1));
    const short = frame.subarray(0, frame.length - 5);
    short.writeUInt32BE(short.length - 4, 0);
    truncated.write(short);
    expect(await truncated.waitClosed()).toBe(true);
    for (const id of [idOf('reordered', 1), idOf('reordered', 2), idOf('truncated', 1)])
      expect(await store.load(id)).toBeUndefined();
  });

  it('100 plaintext frames after the handshake, and plaintext instead of a handshake: all closed, none applied', async () => {
    await inParallel(
      Array.from({ length: 100 }, (_, i) => i),
      8,
      async (i) => {
        const peer = await authenticatedPeer();
        peer.write(frameOf(Buffer.from(JSON.stringify(deltaFor(idOf('plaintext', i), 1)))));
        expect(await peer.waitClosed()).toBe(true);
        expect(peer.received.filter((message) => message.t === 'ack')).toEqual([]);
        peer.destroy();
      },
    );
    const unauthenticated = await RawPeer.connect(port);
    open.push(unauthenticated);
    unauthenticated.write(
      frameOf(Buffer.from(JSON.stringify(deltaFor(idOf('plaintext', 999), 1)))),
    );
    expect(await unauthenticated.waitClosed()).toBe(true);
    for (let i = 0; i < 100; i++) expect(await store.load(idOf('plaintext', i))).toBeUndefined();
    expect(await store.load(idOf('plaintext', 999))).toBeUndefined();
  }, 60_000);

  it('a sealed frame carrying a __proto__ key closes the connection', async () => {
    const peer = await authenticatedPeer();
    peer.write(peer.sealer!.seal(Buffer.from(`{"t":"delta","__proto__":{"polluted":true},"b":0}`)));
    expect(await peer.waitClosed()).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('a wrong secret fails the handshake in both directions', async () => {
    const before = store.stats().handshakeFailures;
    const peer = await RawPeer.connect(port);
    open.push(peer);
    expect(await peer.handshake('a-different-secret-of-enough-length-000')).toBe(false);
    expect(await peer.waitClosed()).toBe(true);
    // A node with another secret dialling this one is refused too, and never links.
    const stranger = await startStore({
      secret: 'a-different-secret-of-enough-length-000',
      peers: [`127.0.0.1:${port}`],
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(stranger.stats().peers).toEqual([]);
      expect(stranger.stats().handshakeFailures).toBeGreaterThan(0);
    } finally {
      await stranger.close();
    }
    expect(store.stats().handshakeFailures).toBeGreaterThan(before);
    expect(store.stats().peers).toEqual([]);
  });

  it('junk connections and an oversize pre-auth frame are closed; the node keeps serving', async () => {
    await inParallel(
      Array.from({ length: 200 }, (_, i) => i),
      16,
      async (i) => {
        const peer = await RawPeer.connect(port);
        if (i % 2 === 0) peer.write(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
        else {
          const header = Buffer.alloc(4);
          header.writeUInt32BE(1025 + i, 0);
          peer.write(header);
        }
        expect(await peer.waitClosed()).toBe(true);
      },
    );
    const peer = await authenticatedPeer();
    peer.write(peer.seal(deltaFor(idOf('after-junk', 0), 3)));
    expect(await peer.waitFor('ack')).toEqual({ t: 'ack', a: 3 });
  }, 60_000);
});
