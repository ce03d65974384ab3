// A WebSocket client on a bare TCP (or TLS) socket, light enough that one process can drive
// thousands of connections and count every frame without becoming the bottleneck: frames are
// parsed in place from the receive buffer and handed over as byte ranges, never as strings.
import { randomBytes } from 'node:crypto';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

const OP_TEXT = 0x1;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;

export interface Endpoint {
  host: string;
  port: number;
  tls: boolean;
}

export interface FrameHandler {
  /** The upgrade succeeded; called before the first frame is handed over. */
  onOpen(): void;
  /** A text frame: its payload is `buf[start, end)`; valid only during the call. */
  onText(buf: Buffer, start: number, end: number): void;
  onClose(reason: string): void;
}

/**
 * Client frames must be masked; a zero mask is a valid mask and leaves the payload as is, so
 * sending costs no copy. The server is ours and unmasks either way.
 */
function frameHeader(length: number): Buffer {
  if (length < 126) {
    const head = Buffer.alloc(6);
    head[0] = 0x80 | OP_TEXT;
    head[1] = 0x80 | length;
    return head;
  }
  if (length < 65536) {
    const head = Buffer.alloc(8);
    head[0] = 0x80 | OP_TEXT;
    head[1] = 0x80 | 126;
    head.writeUInt16BE(length, 2);
    return head;
  }
  const head = Buffer.alloc(14);
  head[0] = 0x80 | OP_TEXT;
  head[1] = 0x80 | 127;
  head.writeBigUInt64BE(BigInt(length), 2);
  return head;
}

function controlFrame(opcode: number, payload: Buffer): Buffer {
  const frame = Buffer.alloc(6 + payload.length);
  frame[0] = 0x80 | opcode;
  frame[1] = 0x80 | payload.length;
  payload.copy(frame, 6);
  return frame;
}

/**
 * Received bytes land in one buffer shared by every TCP socket of the process (Node's `onread`
 * option), skipping the stream machinery; a frame split across reads is copied aside.
 */
const shared = Buffer.allocUnsafe(256 * 1024);

export class LightSocket {
  private pending: Buffer | undefined;
  private closed = false;
  private upgraded = false;
  private head = Buffer.alloc(0);
  private socket!: Socket;
  private settle: { resolve: (s: LightSocket) => void; reject: (e: Error) => void } | undefined;

  /** Resolves once the WebSocket upgrade has succeeded. */
  readonly opened: Promise<LightSocket>;

  /**
   * Starts opening the TCP/TLS connection and the WebSocket upgrade of `path`; the socket is
   * returned at once so that it can be closed whatever state the opening is in.
   */
  static connect(endpoint: Endpoint, path: string, handler: FrameHandler): LightSocket {
    return new LightSocket(handler, endpoint, path);
  }

  private constructor(
    private readonly handler: FrameHandler,
    endpoint: Endpoint,
    path: string,
  ) {
    this.opened = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
      const onBytes = (chunk: Buffer): void => {
        this.onBytes(chunk);
      };
      const socket = endpoint.tls
        ? tlsConnect({
            host: endpoint.host,
            port: endpoint.port,
            servername: 'localhost',
            rejectUnauthorized: false,
          })
        : tcpConnect({
            host: endpoint.host,
            port: endpoint.port,
            onread: {
              buffer: shared,
              callback: (size: number, buf: Uint8Array) => {
                this.onBytes((buf as Buffer).subarray(0, size));
                return true;
              },
            },
          });
      if (endpoint.tls) socket.on('data', onBytes);
      this.socket = socket;
      socket.setNoDelay(true);
      socket.on('error', (err: Error) => {
        this.settle?.reject(err);
      });
      socket.on('close', () => {
        this.settle?.reject(new Error('closed during the upgrade'));
        this.finish('socket closed');
      });
      socket.once(endpoint.tls ? 'secureConnect' : 'connect', () => {
        socket.write(
          `GET ${path} HTTP/1.1\r\nHost: ${endpoint.host}:${endpoint.port}\r\n` +
            'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
            `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
            'Sec-WebSocket-Version: 13\r\n\r\n',
        );
      });
    });
    // A failed opening is reported through `opened` only; nobody may be waiting yet.
    this.opened.catch(() => undefined);
  }

  private onBytes(chunk: Buffer): void {
    if (this.upgraded) {
      this.receive(chunk);
      return;
    }
    this.head = Buffer.concat([this.head, chunk]);
    const end = this.head.indexOf('\r\n\r\n');
    if (end < 0) return;
    const status = this.head.subarray(0, this.head.indexOf('\r\n')).toString();
    const settle = this.settle;
    this.settle = undefined;
    if (!status.includes(' 101 ')) {
      this.socket.destroy();
      settle?.reject(new Error(`upgrade refused: ${status}`));
      return;
    }
    this.upgraded = true;
    this.handler.onOpen();
    settle?.resolve(this);
    const rest = this.head.subarray(end + 4);
    this.head = Buffer.alloc(0);
    if (rest.length > 0) this.receive(rest);
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  sendText(text: string): void {
    if (this.closed) return;
    const payload = Buffer.from(text);
    this.socket.cork();
    this.socket.write(frameHeader(payload.length));
    this.socket.write(payload);
    this.socket.uncork();
  }

  close(): void {
    this.finish('closed by client');
    this.socket.destroy();
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.handler.onClose(reason);
  }

  /** Walks every complete frame in the received bytes; keeps a partial frame for later. */
  private receive(chunk: Buffer): void {
    let buf = chunk;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = undefined;
    }
    let offset = 0;
    while (buf.length - offset >= 2) {
      const b0 = buf[offset] ?? 0;
      const b1 = buf[offset + 1] ?? 0;
      let length = b1 & 0x7f;
      let start = offset + 2;
      if (length === 126) {
        if (buf.length - offset < 4) break;
        length = buf.readUInt16BE(offset + 2);
        start = offset + 4;
      } else if (length === 127) {
        if (buf.length - offset < 10) break;
        length = Number(buf.readBigUInt64BE(offset + 2));
        start = offset + 10;
      }
      const end = start + length;
      if (end > buf.length) break;
      const opcode = b0 & 0x0f;
      // Servers never fragment these small messages; a continuation would be counted as lost.
      if (opcode === OP_TEXT) this.handler.onText(buf, start, end);
      else if (opcode === OP_PING)
        this.socket.write(controlFrame(OP_PONG, buf.subarray(start, end)));
      else if (opcode === OP_CLOSE) {
        this.close();
        return;
      }
      offset = end;
    }
    if (offset < buf.length) this.pending = Buffer.from(buf.subarray(offset));
  }
}
