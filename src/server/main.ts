#!/usr/bin/env node
/**
 * The `zerortc` server command: options from flags and environment, listen, stop cleanly on
 * SIGTERM/SIGINT. The only place that reads process.env.
 */
import { ConfigError, parseConfig, type Config } from './config.ts';
import { createApp, type App } from './app.ts';
import { createLogger, StdoutLog } from './logger.ts';

async function main(): Promise<void> {
  if (process.argv[2] === 'invite') {
    const { runInvite } = await import('./invite.ts');
    const write = (stream: NodeJS.WriteStream) => (text: string) => void stream.write(text);
    process.exitCode = await runInvite(
      process.argv.slice(3),
      process.env,
      write(process.stdout),
      write(process.stderr),
    );
    return;
  }
  let config: Config;
  try {
    config = parseConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`zerortc: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const output = new StdoutLog();
  const log = createLogger(config.logLevel, output.stream);
  let app: App;
  if (config.redisUrl === undefined) {
    app = createApp(config, { log });
  } else {
    // Loaded only in cluster mode: a single node never loads a Redis client.
    const { createCluster } = await import('./cluster/index.ts');
    const cluster = createCluster({ redisUrl: config.redisUrl, graceSeconds: config.graceSeconds, log });
    app = createApp(config, { log, store: cluster.store, nodeId: cluster.connPrefix });
    cluster.attach(app).catch((err: unknown) => log.error({ err }, 'could not subscribe to redis'));
  }
  const address = await app.listen();
  // Before the listening line: whoever reads it may stop us at once (a supervisor, a test).
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 5000);
    force.unref();
    const exit = (code: number): void => output.end(() => process.exit(code));
    app.close().then(
      () => {
        log.info('stopped');
        exit(0);
      },
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  const scheme = config.tlsCert ? 'https' : 'http';
  log.info(
    {
      url: `${scheme}://${address.address}:${address.port}`,
      port: address.port,
      stunPort: app.stunPort ?? null,
      turn: config.turnUrls.length > 0,
      iceTransportPolicy: config.iceTransportPolicy,
      cluster: config.redisUrl !== undefined,
      // The Node/V8 flags the command chose for this machine (node-flags.ts).
      nodeFlags: process.execArgv.filter((arg) => arg.startsWith('--')),
    },
    'zerortc listening',
  );
}

if (process.argv[2] === 'report') {
  const { runReport } = await import('../cli/report.ts');
  process.exit(
    runReport(
      process.argv.slice(3),
      (t) => process.stdout.write(t),
      (t) => process.stderr.write(t),
    ),
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`zerortc: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
