// An Express app with routes of its own and ZeroRTC mounted beside them under /calls:
// signaling WebSocket on /calls/ws, /calls/api/ice-servers, /calls/healthz, /calls/metrics, and
// the stock call page at /calls/. The app's own page (public/) uses zerortc/client directly.
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { createZeroRtc } from 'zerortc/server';

const here = dirname(fileURLToPath(import.meta.url));
const zerortc = createZeroRtc({ prefix: '/calls', logLevel: 'warn' });
const app = express();

// A route of the app's own: a fresh room name for the "New room" button.
app.get('/api/new-room', (_req, res) => {
  res.json({ room: `support-${randomBytes(4).toString('hex')}` });
});

// ZeroRTC's HTTP side. Mounting it under /calls or at the root works the same: it routes on
// the URL the browser asked for, under the prefix given above.
app.use('/calls', zerortc.handler);

// The browser library, served as it is in the package (ES modules, no bundler): dist/client/ and
// the protocol module it imports from beside it (../protocol/), nothing else of the package.
// The page's import map points `zerortc/client` at /vendor/zerortc/client/index.js.
const dist = dirname(dirname(fileURLToPath(import.meta.resolve('zerortc/client'))));
for (const part of ['client', 'protocol']) app.use(`/vendor/zerortc/${part}`, express.static(join(dist, part)));
app.use(express.static(join(here, 'public')));

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';
const server = app.listen(port, host, () => {
  const address = server.address();
  console.log(`example app on http://${host}:${address.port}/`);
});
// The signaling WebSocket rides on the same server, on /calls/ws.
zerortc.attach(server);

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, async () => {
    await zerortc.close(); // tells calls the server is going away (they reconnect elsewhere)
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
