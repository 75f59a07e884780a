import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import { FrameOpener, FrameSealer } from './frame-cipher.js';
import { FrameDecoder, frameOf, type Frame } from './frame-decoder.js';
import {
  NONCE_BYTES,
  PROTOCOL_VERSION,
  type ClusterSecret,
  type HandshakeTranscript,
} from './handshake.js';
import { parseWireJson, toWireJson } from './wire-json.js';

/** Handshake frames are tiny: anything bigger before authentication closes the connection. */
export const MAX_PRE_AUTH_FRAME_BYTES = 1024;

export interface PeerConnectionSettings {
  readonly nodeId: string;
  readonly secret: ClusterSecret;
  readonly encrypted: boolean;
  readonly maxFrameBytes: number;
  readonly maxQueueBytes: number;
  readonly handshakeTimeoutMs: number;
}

export interface PeerConnectionEvents {
  /** The peer proved the secret; `remoteNode` is its node id (authenticated by the transcript). */
  authenticated(connection: PeerConnection): void;
  message(connection: PeerConnection, message: Record<string, unknown>): void;
  /** The outbound queue overflowed and has since drained: the peer missed changes and needs a resync. */
  resync(connection: PeerConnection): void;
  closed(connection: PeerConnection, reason: string, authenticated: boolean): void;
  /** Whether traffic with this node is dropped (the transport's partition hook). */
  isBlocked(node: string): boolean;
}

type State = 'awaiting-hello' | 'awaiting-auth' | 'open' | 'closed';

/**
 * One TCP connection to a peer: the handshake, then sealed JSON frames. Fails closed: an oversize,
 * unauthenticated, replayed, reordered, malformed or plaintext frame destroys the socket before a
 * single byte of it reaches the node.
 */
export class PeerConnection {
  remoteNode = '';
  lastReceivedAt = Date.now();
  lastSentAt = Date.now();
  /** Set when the outbound queue overflowed: changes were dropped for this peer. */
  needsResync = false;
  private state: State;
  private readonly decoder = new FrameDecoder(MAX_PRE_AUTH_FRAME_BYTES);
  private readonly nonce = randomBytes(NONCE_BYTES);
  private transcript?: HandshakeTranscript;
  private sealer?: FrameSealer;
  private opener?: FrameOpener;
  private readonly handshakeTimer: NodeJS.Timeout;

  constructor(
    readonly socket: Socket,
    readonly role: 'client' | 'server',
    private readonly settings: PeerConnectionSettings,
    private readonly events: PeerConnectionEvents,
  ) {
    this.state = 'awaiting-hello';
    socket.setNoDelay(true);
    this.handshakeTimer = setTimeout(
      () => this.close('handshake timed out'),
      settings.handshakeTimeoutMs,
    );
    this.handshakeTimer.unref();
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (error) => this.close(`socket error: ${error.message}`));
    socket.on('close', () => this.close('socket closed'));
    socket.on('drain', () => {
      if (this.needsResync && this.state === 'open') this.events.resync(this);
    });
    if (role === 'client')
      this.writePlain({
        t: 'hello',
        v: PROTOCOL_VERSION,
        node: settings.nodeId,
        nonce: this.nonce.toString('base64'),
        enc: settings.encrypted,
      });
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Bytes waiting in this connection's outbound queue. */
  get queuedBytes(): number {
    return this.socket.writableLength;
  }

  /**
   * Queues a message. Returns false (and marks the peer for resync) when the queue is over its
   * bound: memory stays bounded and the peer repairs by anti-entropy instead.
   */
  send(message: object): boolean {
    if (this.state !== 'open') return false;
    if (this.events.isBlocked(this.remoteNode)) return false;
    if (this.needsResync || this.socket.writableLength > this.settings.maxQueueBytes) {
      this.needsResync = true;
      return false;
    }
    const plaintext = toWireJson(message);
    if (plaintext.length + 16 > this.settings.maxFrameBytes)
      throw new RangeError(`message of ${plaintext.length} bytes exceeds the frame limit`);
    this.socket.write(this.sealer ? this.sealer.seal(plaintext) : frameOf(plaintext));
    this.lastSentAt = Date.now();
    return true;
  }

  /** Clears the resync mark once the caller has started a resync. */
  resynced(): void {
    this.needsResync = false;
  }

  close(reason: string): void {
    if (this.state === 'closed') return;
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    clearTimeout(this.handshakeTimer);
    this.socket.destroy();
    this.events.closed(this, reason, wasOpen);
  }

  private receive(chunk: Buffer): void {
    if (this.state === 'closed') return;
    let frames: Frame[];
    try {
      frames = this.decoder.push(chunk);
    } catch (error) {
      this.close((error as Error).message);
      return;
    }
    for (const frame of frames) {
      if ((this.state as State) === 'closed') return;
      try {
        this.handleFrame(frame);
      } catch (error) {
        this.close(`rejected frame: ${(error as Error).message}`);
        return;
      }
    }
  }

  private handleFrame(frame: Frame): void {
    if (this.state === 'open') {
      const plaintext = this.opener ? this.opener.open(frame) : frame.body;
      const message = parseWireJson(plaintext);
      if (this.events.isBlocked(this.remoteNode)) return;
      this.lastReceivedAt = Date.now();
      this.events.message(this, message);
      return;
    }
    const message = parseWireJson(frame.body);
    if (this.state === 'awaiting-hello') this.onHello(message);
    else this.onAuth(message);
  }

  private onHello(hello: Record<string, unknown>): void {
    if (hello.t !== 'hello' || hello.v !== PROTOCOL_VERSION)
      throw new Error('expected a hello of protocol version 1');
    if (hello.enc !== this.settings.encrypted)
      throw new Error('the peer does not use the same encryption setting');
    const node = hello.node;
    if (typeof node !== 'string' || !/^[0-9a-f]{32}$/.test(node)) throw new Error('bad node id');
    // The dialling side detects a connection to itself (a DNS name or a listed own address) and stops dialling it.
    if (node === this.settings.nodeId && this.role === 'client')
      throw new Error('connected to itself');
    const nonce = decodeNonce(hello.nonce);
    if (this.events.isBlocked(node)) {
      // Partitioned: the hello is dropped like any other traffic; the handshake times out.
      return;
    }
    this.remoteNode = node;
    if (this.role === 'server') {
      this.transcript = {
        clientNode: node,
        clientNonce: nonce,
        serverNode: this.settings.nodeId,
        serverNonce: this.nonce,
        encrypted: this.settings.encrypted,
      };
      this.writePlain({
        t: 'hello',
        v: PROTOCOL_VERSION,
        node: this.settings.nodeId,
        nonce: this.nonce.toString('base64'),
        enc: this.settings.encrypted,
        proof: this.settings.secret.proof('server', this.transcript).toString('base64'),
      });
      this.state = 'awaiting-auth';
      return;
    }
    this.transcript = {
      clientNode: this.settings.nodeId,
      clientNonce: this.nonce,
      serverNode: node,
      serverNonce: nonce,
      encrypted: this.settings.encrypted,
    };
    if (!this.settings.secret.verify('server', this.transcript, decodeProof(hello.proof)))
      throw new Error('the peer does not know the cluster secret');
    this.writePlain({
      t: 'auth',
      proof: this.settings.secret.proof('client', this.transcript).toString('base64'),
    });
    this.open();
  }

  private onAuth(auth: Record<string, unknown>): void {
    if (auth.t !== 'auth' || !this.transcript) throw new Error('expected auth');
    if (!this.settings.secret.verify('client', this.transcript, decodeProof(auth.proof)))
      throw new Error('the peer does not know the cluster secret');
    this.open();
  }

  private open(): void {
    const transcript = this.transcript!;
    if (this.settings.encrypted) {
      const keys = this.settings.secret.connectionKeys(transcript);
      const [outbound, inbound] =
        this.role === 'client'
          ? [keys.clientToServer, keys.serverToClient]
          : [keys.serverToClient, keys.clientToServer];
      this.sealer = new FrameSealer(outbound);
      this.opener = new FrameOpener(inbound);
    }
    clearTimeout(this.handshakeTimer);
    this.decoder.maxFrameBytes = this.settings.maxFrameBytes;
    this.state = 'open';
    this.lastReceivedAt = Date.now();
    this.events.authenticated(this);
  }

  private writePlain(message: object): void {
    this.socket.write(frameOf(toWireJson(message)));
  }
}

function decodeNonce(value: unknown): Buffer {
  const nonce = typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.alloc(0);
  if (nonce.length !== NONCE_BYTES) throw new Error('bad nonce');
  return nonce;
}

function decodeProof(value: unknown): Buffer {
  const proof = typeof value === 'string' ? Buffer.from(value, 'base64') : Buffer.alloc(0);
  if (proof.length !== 32) throw new Error('bad proof');
  return proof;
}
