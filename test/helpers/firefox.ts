/**
 * Debian's Firefox ESR for browser tests, driven by puppeteer-core over WebDriver BiDi, with fake
 * camera and microphone and ICE on loopback. Never a downloaded browser.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';

export const FIREFOX_PATH = '/usr/bin/firefox-esr';

export const FIREFOX_PREFS = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  // No network chatter of its own: the tests' traffic only.
  'app.update.enabled': false,
  'browser.shell.checkDefaultBrowser': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.enabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
};

export interface FirefoxHandle {
  readonly browser: Browser;
  close(): Promise<void>;
}

export async function launchFirefox(): Promise<FirefoxHandle> {
  const profile = mkdtempSync(join(tmpdir(), 'zerortc-firefox-'));
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    userDataDir: profile,
    extraPrefsFirefox: FIREFOX_PREFS,
    protocolTimeout: 30_000,
  });
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
