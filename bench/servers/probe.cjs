// Preloaded into every server the bench measures (node --expose-gc --require): answers a
// memory query over the IPC channel after a full garbage collection, so heap figures are
// live objects only, without touching the server's own code.
/* global process, global */
'use strict';
process.on('message', (request) => {
  if (!request || request.type !== 'memory' || !process.send) return;
  global.gc?.();
  global.gc?.();
  // `--heap-snapshots DIR`: what the heap holds at this reading, for Chrome's memory tools.
  if (typeof request.snapshot === 'string') {
    process.getBuiltinModule('node:v8').writeHeapSnapshot(request.snapshot);
  }
  const usage = process.memoryUsage();
  process.send({
    type: 'memory',
    heapUsed: usage.heapUsed,
    rss: usage.rss,
    external: usage.external,
  });
});
