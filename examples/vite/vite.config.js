// `npm run dev` passes ZeroRTC's endpoints to a server started with `npx zerortc` on port 8099,
// so the page talks to its own origin in development as it would behind a reverse proxy.
import { defineConfig } from 'vite';

const zerortc = process.env.ZERORTC_URL ?? 'http://127.0.0.1:8099';

export default defineConfig({
  server: {
    proxy: {
      '/api/ice-servers': zerortc,
      '/ws': { target: zerortc.replace(/^http/, 'ws'), ws: true },
    },
  },
});
