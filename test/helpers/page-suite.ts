/**
 * The common set-up of a call-page suite: the page built fresh into a temporary folder, a server
 * serving it, and one Chromium, started in `before` and stopped in `after` of the calling
 * `describe`. Read the fields inside the tests: they are set by then.
 */
import { join } from 'node:path';
import { after, before } from 'node:test';
import type { Browser } from 'playwright-core';
import type { Config } from '../../src/server/config.ts';
import { buildPage, launchChromium, tempDir } from './browser.ts';
import { startServer, type TestServer } from './server.ts';

export interface PageSuite {
  /** The built call page (another server of the suite may serve it too). */
  readonly webRoot: string;
  readonly server: TestServer;
  readonly browser: Browser;
}

/**
 * @param prefix of the temporary folder's name
 * @param options.config the server's configuration beyond `logLevel: 'warn'`
 * @param options.prepare runs on the built page's folder before the server starts (extra files)
 */
export function callPageSuite(
  prefix: string,
  options: { config?: Partial<Config>; prepare?: (webRoot: string) => void } = {},
): PageSuite {
  const tmp = tempDir(prefix);
  const suite: { webRoot: string; server?: TestServer; browser?: Browser } = { webRoot: join(tmp.path, 'web') };
  before(async () => {
    await buildPage(suite.webRoot);
    options.prepare?.(suite.webRoot);
    suite.server = await startServer({ logLevel: 'warn', ...options.config }, { webRoot: suite.webRoot });
    suite.browser = await launchChromium();
  });
  after(async () => {
    await suite.browser?.close();
    await suite.server?.close();
    tmp.dispose();
  });
  return {
    webRoot: suite.webRoot,
    get server(): TestServer {
      if (!suite.server) throw new Error('the suite has not started (use it inside a test)');
      return suite.server;
    },
    get browser(): Browser {
      if (!suite.browser) throw new Error('the suite has not started (use it inside a test)');
      return suite.browser;
    },
  };
}
