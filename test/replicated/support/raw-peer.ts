import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import {
  FrameOpener,
  FrameSealer,
} from '../../../libs/session/src/strategies/replicated/frame-cipher.js';
import {
  FrameDecoder,
  frameOf,
} from '../../../libs/session/src/strategies/replicated/frame-decoder.js';
import {
  ClusterSecret,
  type HandshakeTranscript,
} from '../../../libs/session/src/strategies/replicated/handshake.js';

/**
 * A hand-driven peer for hostile-traffic tests: it performs the real handshake (or a wrong one),
 * then writes whatever bytes the test asks for, and reads the node's answers.
 */
export class RawPeer {
  readonly node = randomBytes(16).toString('hex');
  readonly received: Record<string, unknown>[] = [];
  sealer?: FrameSealer;
  private opener?: FrameOpener;
  private readonly decoder = new FrameDecoder(16 * 1024 * 1024);
  private readonly closedPromise: Promise<void>;
  closed = false;

  private constructor(readonly socket: Socket) {
    this.closedPromise = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed = true;
        resolve();
      }),
    );
    socket.on('error', () => undefined);
  }

  static async connect(port: number): Promise<RawPeer> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new RawPeer(socket);
  }

  /** Runs the client side of the handshake with `secret`; resolves true if the node accepted it. */
  async handshake(secret: string): Promise<boolean> {
    const cluster = new ClusterSecret(Buffer.from(secret));
    const nonce = randomBytes(32);
    this.write(
      frameOf(
        Buffer.from(
          JSON.stringify({
            t: 'hello',
            v: 1,
            node: this.node,
            nonce: nonce.toString('base64'),
            enc: true,
          }),
        ),
      ),
    );
    const hello = await this.nextPlain();
    if (!hello) return false;
    const transcript: HandshakeTranscript = {
      clientNode: this.node,
      clientNonce: nonce,
      serverNode: hello.node as string,
      serverNonce: Buffer.from(hello.nonce as string, 'base64'),
      encrypted: true,
    };
    this.write(
      frameOf(
        Buffer.from(
          JSON.stringify({
            t: 'auth',
            proof: cluster.proof('client', transcript).toString('base64'),
          }),
        ),
      ),
    );
    const keys = cluster.connectionKeys(transcript);
    this.sealer = new FrameSealer(keys.clientToServer);
    this.opener = new FrameOpener(keys.serverToClient);
    this.socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of this.decoder.push(chunk))
          this.received.push(JSON.parse(this.opener!.open(frame).toString()));
      } catch {
        this.socket.destroy();
      }
    });
    // The node's first sealed message is its `meet`: proof the handshake was accepted.
    const deadline = Date.now() + 3000;
    while (!this.closed && Date.now() < deadline) {
      if (this.received.some((message) => message.t === 'meet')) return true;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return false;
  }

  seal(message: object): Buffer {
    return this.sealer!.seal(Buffer.from(JSON.stringify(message)));
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Resolves once the node has closed the connection, or false after `timeoutMs`. */
  async waitClosed(timeoutMs = 3000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>(
      (resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)),
    );
    const result = await Promise.race([this.closedPromise.then(() => true), timeout]);
    clearTimeout(timer);
    return result;
  }

  /** Waits for a message of type `t` from the node. */
  async waitFor(t: string, timeoutMs = 3000): Promise<Record<string, unknown> | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && !this.closed) {
      const found = this.received.find((message) => message.t === t);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return this.received.find((message) => message.t === t);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private nextPlain(): Promise<Record<string, unknown> | undefined> {
    return new Promise((resolve) => {
      const onData = (chunk: Buffer) => {
        try {
          const frames = this.decoder.push(chunk);
          if (frames.length === 0) return;
          this.socket.off('data', onData);
          resolve(JSON.parse(frames[0].body.toString()));
        } catch {
          resolve(undefined);
        }
      };
      this.socket.on('data', onData);
      this.socket.once('close', () => resolve(undefined));
    });
  }
}
