// F, the floor: the least a Node server can do to relay chat. Each broadcast frame is built
// once and written to every other member of the room, with `ws` and nothing else.
import * as ws from 'ws';
import { WebSocketServer, type WebSocket } from 'ws';

/** `ws` keeps its frame writer private; Engine.IO uses the same call for pre-encoded frames. */
interface FrameWriter {
  _sender: { sendFrame(frame: Buffer[], cb?: () => void): void };
}
interface FrameOptions {
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
}
/** The frame builder `ws` exports at run time but leaves out of its type declarations. */
const { Sender } = ws as unknown as {
  Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] };
};

const rooms = new Map<string, Set<WebSocket>>();
const server = new WebSocketServer({
  host: '127.0.0.1',
  port: Number(process.env.PORT),
  perMessageDeflate: false,
  clientTracking: false,
});

server.on('connection', (socket, request) => {
  const room = new URL(request.url ?? '/', 'http://floor').searchParams.get('room') ?? 'general';
  let members = rooms.get(room);
  if (!members) rooms.set(room, (members = new Set()));
  members.add(socket);
  socket.on('message', (data: Buffer) => {
    const frame = Sender.frame(data, {
      fin: true,
      rsv1: false,
      opcode: 1,
      mask: false,
      readOnly: true,
    });
    for (const member of members) {
      if (member !== socket) (member as unknown as FrameWriter)._sender.sendFrame(frame);
    }
  });
  socket.on('close', () => {
    members.delete(socket);
  });
});
server.on('listening', () => {
  console.log('listening');
});
