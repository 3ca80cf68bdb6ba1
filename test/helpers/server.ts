/**
 * Starts a real ZeroRTC server on 127.0.0.1, port 0, for a test; stops it in an after-hook.
 */
import { Writable } from 'node:stream';
import { createApp, type App } from '../../src/server/app.ts';
import { DEFAULTS, type Config } from '../../src/server/config.ts';
import { createLogger } from '../../src/server/logger.ts';

export interface TestServer {
  readonly app: App;
  readonly port: number;
  readonly httpUrl: string;
  readonly wsUrl: string;
  /** Every log line the server wrote, parsed. */
  readonly logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/**
 * @param deps.webRoot serve the call page from this directory (browser tests build it fresh)
 * @param deps.now the server's clock (room-token expiry, rate limits)
 */
export async function startServer(
  overrides: Partial<Config> = {},
  deps: { webRoot?: string; now?: () => number } = {},
): Promise<TestServer> {
  const config: Config = { ...DEFAULTS, host: '127.0.0.1', port: 0, logLevel: 'debug', ...overrides };
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const app = createApp(config, { log: createLogger(config.logLevel, sink), ...deps });
  const { port } = await app.listen();
  return {
    app,
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    logs,
    close: () => app.close(),
  };
}
