/**
 * Stands between a client's socket and the embedded broker, and ends the connection as soon
 * as a packet announces more bytes than the connection may send: the MQTT parser would
 * otherwise buffer the whole announced packet (up to 256 MB) before anyone checked who sent it.
 * It reads only each packet's fixed header (a type byte, then the remaining length in one to
 * four bytes) as bytes arrive, and lets everything else through untouched.
 */
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

export class PacketTooLargeError extends Error {
  constructor(
    readonly announced: number,
    readonly limit: number,
    readonly authenticated: boolean,
  ) {
    super(
      `a packet announced ${announced} bytes, more than the ${limit} a client may send ${authenticated ? 'after' : 'before'} it logged in`,
    );
  }
}

export class PacketSizeGuard extends Duplex {
  #limit: number;
  #authenticated = false;
  /** Bytes of the current packet's body still to pass through. */
  #body = 0;
  /** Fixed-header bytes read of the next packet; 0 between packets. */
  #headerBytes = 0;
  #length = 0;
  /** The socket is corked until the current turn of the event loop has run its I/O callbacks. */
  #held = false;

  constructor(
    private readonly socket: Socket,
    limitBeforeLogin: number,
    private readonly limitAfterLogin: number,
  ) {
    super({ allowHalfOpen: false });
    this.#limit = limitBeforeLogin;
    socket.on('data', (chunk: Buffer) => {
      if (!this.#scan(chunk)) return;
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }

  get authenticated(): boolean {
    return this.#authenticated;
  }

  get remoteAddress(): string | undefined {
    return this.socket.remoteAddress;
  }

  /** The client logged in: from now on its packets may be as large as desired state and snapshots get. */
  loggedIn(): void {
    this.#authenticated = true;
    this.#limit = this.limitAfterLogin;
    this.emit('loggedIn');
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.#holdUntilIdle();
    this.socket.write(chunk, callback);
  }

  /**
   * mqtt-packet writes a packet as several small pieces under cork(): passed on one by one,
   * each piece would be a system call of its own, which made delivering one desired state to a
   * fleet of thousands several times slower than it needs to be.
   */
  override _writev(chunks: Array<{ chunk: Buffer }>, callback: (err?: Error | null) => void): void {
    this.#holdUntilIdle();
    this.socket.write(chunks.length === 1 ? (chunks[0] as { chunk: Buffer }).chunk : Buffer.concat(chunks.map((c) => c.chunk)), callback);
  }

  /**
   * Packets written in one turn of the event loop leave in one system call, after its I/O
   * callbacks: mqtt-packet's own cork lasts one tick, which groups nothing across the reports
   * of many agents. The control plane's own connection receives every agent's birth and events;
   * while a fleet connects, one write per packet was a large share of the process's time.
   */
  #holdUntilIdle(): void {
    if (this.#held) return;
    this.#held = true;
    this.socket.cork();
    setImmediate(() => {
      this.#held = false;
      this.socket.uncork();
    });
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.socket.end(callback);
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    // What was written before the end still goes (a CONNACK refusing the client, then the close): destroy would drop it.
    if (this.#held) {
      this.#held = false;
      this.socket.uncork();
    }
    this.socket.destroy();
    callback(err);
  }

  /** False (and the connection destroyed) when a header in `chunk` announces too much. */
  #scan(chunk: Buffer): boolean {
    let i = 0;
    while (i < chunk.length) {
      if (this.#body > 0) {
        const n = Math.min(this.#body, chunk.length - i);
        this.#body -= n;
        i += n;
        continue;
      }
      const byte = chunk[i++] as number;
      if (this.#headerBytes === 0) {
        // The type byte; the remaining length follows.
        this.#headerBytes = 1;
        this.#length = 0;
        continue;
      }
      this.#length += (byte & 0x7f) * 128 ** (this.#headerBytes - 1);
      this.#headerBytes += 1;
      // A fifth length byte is malformed; the parser would refuse it too, but only later.
      if ((byte & 0x80) !== 0 && this.#headerBytes <= 4) continue;
      this.#headerBytes = 0;
      if ((byte & 0x80) !== 0 || this.#length > this.#limit) {
        this.socket.destroy();
        this.destroy(new PacketTooLargeError(this.#length, this.#limit, this.#authenticated));
        return false;
      }
      this.#body = this.#length;
    }
    return true;
  }
}
