import {
  createHmac,
  createSecretKey,
  hkdfSync,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';

/**
 * The mutual challenge-response that makes a connection a member: each side sends a fresh random
 * nonce and proves it knows the cluster secret by an HMAC over both nonces and both node ids, and
 * the connection's two AES-256-GCM keys are then derived from the secret and both nonces (HKDF), so
 * every connection has fresh keys and no key is ever the raw secret.
 */
export const PROTOCOL_VERSION = 1;
export const NONCE_BYTES = 32;
const LABEL = 'nestjs-distributed-session/replication/v1';

export interface HandshakeTranscript {
  readonly clientNode: string;
  readonly clientNonce: Buffer;
  readonly serverNode: string;
  readonly serverNonce: Buffer;
  /** Whether frames are encrypted after the handshake: part of the transcript, so it cannot be downgraded. */
  readonly encrypted: boolean;
}

export type HandshakeRole = 'client' | 'server';

export class ClusterSecret {
  private readonly authKey: KeyObject;

  constructor(private readonly secret: Buffer) {
    this.authKey = createSecretKey(
      Buffer.from(hkdfSync('sha256', secret, '', `${LABEL}/auth`, 32)),
    );
  }

  /** The proof a side sends: HMAC-SHA256 over its role and the transcript. */
  proof(role: HandshakeRole, transcript: HandshakeTranscript): Buffer {
    return createHmac('sha256', this.authKey)
      .update(`${role}\u0000`)
      .update(serialise(transcript))
      .digest();
  }

  /** Checks a proof in constant time. */
  verify(role: HandshakeRole, transcript: HandshakeTranscript, proof: Buffer): boolean {
    const expected = this.proof(role, transcript);
    return proof.length === expected.length && timingSafeEqual(proof, expected);
  }

  /** The keys of both directions of one connection. */
  connectionKeys(transcript: HandshakeTranscript): {
    clientToServer: KeyObject;
    serverToClient: KeyObject;
  } {
    const salt = Buffer.concat([transcript.clientNonce, transcript.serverNonce]);
    const derive = (direction: string) =>
      createSecretKey(
        Buffer.from(
          hkdfSync(
            'sha256',
            this.secret,
            salt,
            `${LABEL}/${direction}/${serialise(transcript)}`,
            32,
          ),
        ),
      );
    return { clientToServer: derive('c2s'), serverToClient: derive('s2c') };
  }
}

function serialise(t: HandshakeTranscript): string {
  return [
    PROTOCOL_VERSION,
    t.clientNode,
    t.clientNonce.toString('base64'),
    t.serverNode,
    t.serverNonce.toString('base64'),
    t.encrypted ? 'aes-256-gcm' : 'plaintext',
  ].join('|');
}
