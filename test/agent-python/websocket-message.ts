// A WebSocket client for the Python agent's tests, on a plain socket (Node 20 has no WebSocket
// client, and the tests need only this): one text message sent, then the server's end awaited.
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

export interface WebSocketEnd {
  /** The status line the server answered the handshake with. */
  handshake: string;
  /** The first text message the server sent, if any. */
  reply?: string;
  /** The code of the server's close frame, or null when it closed the connection without one. */
  closeCode: number | null;
}

/** A client's masked frame (RFC 6455 §5.2) of a short text. */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length > 125) throw new Error(`a test message of at most 125 bytes, not ${payload.length}`);
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]!));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}

/** Opens a WebSocket at `url` (http://host:port/path), sends each of `messages` once the previous
 * one is answered (the last one is not awaited), and resolves when the server ends the connection. */
export function webSocketMessages(url: string, messages: string[]): Promise<WebSocketEnd> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = Buffer.alloc(0);
    let handshake = '';
    let reply: string | undefined;
    let left = [...messages];
    const sendNext = () => {
      const next = left[0];
      left = left.slice(1);
      if (next !== undefined) socket.write(textFrame(next));
    };
    const end = (closeCode: number | null) => {
      socket.destroy();
      resolve({ handshake, reply, closeCode });
    };
    socket.on('connect', () =>
      socket.write(
        `GET ${pathname} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      ),
    );
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (!handshake) {
        const head = received.indexOf('\r\n\r\n');
        if (head < 0) return;
        handshake = received.subarray(0, received.indexOf('\r\n')).toString();
        received = received.subarray(head + 4);
        if (!/ 101 /.test(handshake)) return end(null);
        sendNext();
      }
      // Server frames are unmasked; the tests' are short (a 7-bit or 16-bit length).
      while (received.length >= 2) {
        const opcode = received[0]! & 0x0f;
        let length = received[1]! & 0x7f;
        let start = 2;
        if (length === 126) {
          if (received.length < 4) return;
          length = received.readUInt16BE(2);
          start = 4;
        }
        if (received.length < start + length) return;
        const payload = received.subarray(start, start + length);
        received = received.subarray(start + length);
        if (opcode === 0x8) return end(payload.length >= 2 ? payload.readUInt16BE(0) : null);
        if (opcode === 0x1) {
          reply ??= payload.toString();
          sendNext();
        }
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ handshake, reply, closeCode: null }));
  });
}
