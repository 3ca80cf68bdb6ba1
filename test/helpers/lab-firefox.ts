/**
 * Firefox ESR inside a home of the network lab, driven by puppeteer-core through
 * lab-firefox-wrapper.mjs (Firefox's WebDriver BiDi port lives inside the home's namespace).
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { fromPuppeteer, type EnginePage } from './engines.ts';
import { FIREFOX_PATH, FIREFOX_PREFS, startSoundServer } from './firefox.ts';
import type { HomeName, NetLab } from './netlab.ts';

export interface LabFirefox {
  readonly browser: Browser;
  /** Opens the call page in a fresh browser context. */
  open(): Promise<EnginePage>;
  close(): Promise<void>;
}

/** Launches Firefox in `home`; `url` is the call page (its plain-HTTP origin is made secure). */
export async function launchLabFirefox(lab: NetLab, home: HomeName, url: string): Promise<LabFirefox> {
  const dir = mkdtempSync(join(tmpdir(), 'zerortc-lab-firefox-'));
  const executable = join(dir, 'firefox-in-home');
  const wrapper = join(import.meta.dirname, 'lab-firefox-wrapper.mjs');
  writeFileSync(
    executable,
    `#!/bin/sh\nexec ${process.execPath} ${wrapper} ${lab.homePid(home)} ${FIREFOX_PATH} "$@"\n`,
  );
  chmodSync(executable, 0o755);
  // The same sound output as every other Firefox of the tests (firefox.ts): its audio playout
  // then behaves the same in and out of the lab.
  const sound = await startSoundServer(dir);
  const browser = await puppeteer
    .launch({
      browser: 'firefox',
      executablePath: executable,
      headless: true,
      userDataDir: join(dir, 'profile'),
      extraPrefsFirefox: {
        ...FIREFOX_PREFS,
        // The lab's page is plain HTTP on a public-looking address: let it use the camera.
        'dom.securecontext.allowlist': new URL(url).hostname,
      },
      protocolTimeout: 60_000,
      env: { ...process.env, PULSE_SERVER: sound.address },
    })
    .catch(async (err: unknown) => {
      await sound.stop();
      throw err;
    });
  return {
    browser,
    async open() {
      const context = await browser.createBrowserContext();
      const page = await context.newPage();
      await page.setViewport({ width: 960, height: 640 });
      await page.goto(url);
      return fromPuppeteer(page);
    },
    async close() {
      await browser.close().catch(() => undefined);
      await sound.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
