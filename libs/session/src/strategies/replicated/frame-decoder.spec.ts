import { randomBytes } from 'node:crypto';
import { FrameDecoder, FrameTooLargeError, frameOf } from './frame-decoder.js';
import { seededRandom } from '../../../../../test/support/seeded-random.js';
import { decodeEntry, WireFormatError } from './wire-entry.js';
import { parseWireJson, WireJsonError } from './wire-json.js';

describe('FrameDecoder', () => {
  it('cuts concatenated frames and frames split across chunks at any byte', () => {
    const bodies = [Buffer.from('a'), Buffer.from('{"t":"ping"}'), randomBytes(300)];
    const stream = Buffer.concat(bodies.map(frameOf));
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new FrameDecoder(1024);
      const frames = [
        ...decoder.push(stream.subarray(0, cut)),
        ...decoder.push(stream.subarray(cut)),
      ];
      expect(frames.map((frame) => frame.body.toString('hex'))).toEqual(
        bodies.map((body) => body.toString('hex')),
      );
    }
  });

  it('refuses an oversize or empty frame from its header alone, before buffering the body', () => {
    const oversize = Buffer.alloc(4);
    oversize.writeUInt32BE(1025, 0);
    expect(() => new FrameDecoder(1024).push(oversize)).toThrow(FrameTooLargeError);
    expect(() => new FrameDecoder(1024).push(Buffer.alloc(4))).toThrow(FrameTooLargeError);
  });

  it('fuzz: 10,000 random, truncated and concatenated frames never throw anything but a typed rejection', () => {
    const random = seededRandom(20261203);
    const valid = frameOf(
      Buffer.from(
        JSON.stringify({
          t: 'delta',
          e: { s: 'x'.repeat(32), k: [['a', '1', 1, 'n']], c: 1, a: 2, e: 2 },
          b: 0,
        }),
      ),
    );
    const typed = [FrameTooLargeError, WireJsonError, WireFormatError];
    let rejected = 0;
    let decoded = 0;
    for (let i = 0; i < 10_000; i++) {
      const decoder = new FrameDecoder(4096);
      const kind = i % 4;
      let bytes: Buffer;
      if (kind === 0) bytes = randomBytes(Math.floor(random() * 64));
      else if (kind === 1) bytes = valid.subarray(0, Math.floor(random() * valid.length));
      else if (kind === 2)
        bytes = Buffer.concat([valid, valid, randomBytes(Math.floor(random() * 16))]);
      else {
        bytes = Buffer.from(valid);
        bytes[4 + Math.floor(random() * (bytes.length - 4))] = Math.floor(random() * 256);
      }
      try {
        for (const frame of decoder.push(bytes)) {
          const message = parseWireJson(frame.body);
          if (message.t === 'delta') decodeEntry(message.e);
          decoded++;
        }
      } catch (error) {
        expect(typed.some((type) => error instanceof type)).toBe(true);
        rejected++;
      }
    }
    expect(rejected + decoded).toBeGreaterThan(0);
    expect(rejected).toBeGreaterThan(2000);
  });
});

describe('parseWireJson', () => {
  it.each(['__proto__', 'constructor', 'prototype'])(
    'rejects a frame with a "%s" key at any depth',
    (key) => {
      expect(() =>
        parseWireJson(Buffer.from(`{"t":"x","a":{"${key}":{"polluted":true}}}`)),
      ).toThrow(WireJsonError);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );

  it('rejects what is not a message object', () => {
    for (const text of ['[]', '1', 'null', '{"t":1}', '{', '\u0000']) {
      expect(() => parseWireJson(Buffer.from(text))).toThrow(WireJsonError);
    }
  });
});
