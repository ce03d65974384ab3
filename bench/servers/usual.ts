// U, the usual alternative: the classic Socket.IO chat sample with every default left as is
// (polling then upgrade allowed, the in-memory `messages` array replayed to each new
// connection, `socket.broadcast.emit`). The one addition: a `room` in the handshake query
// scopes the broadcast, so that the multi-room scenarios can run against it.
import { createServer } from 'node:http';
import express from 'express';
import { Server } from 'socket.io';

const app = express();
const server = createServer(app);
const io = new Server(server);
const messages: unknown[] = [];

app.get('/', (_req, res) => {
  res.send('<h1>chat</h1>');
});

io.on('connection', (socket) => {
  const room = socket.handshake.query.room;
  if (typeof room === 'string') void socket.join(room);
  for (const message of messages) socket.emit('chat message', message);
  socket.on('chat message', (message: unknown) => {
    messages.push(message);
    if (typeof room === 'string') socket.to(room).emit('chat message', message);
    else socket.broadcast.emit('chat message', message);
  });
});

server.listen(Number(process.env.PORT), '127.0.0.1', () => {
  console.log('listening');
});
