/**
 * Debian's Firefox ESR for browser tests, driven by puppeteer-core over WebDriver BiDi, with fake
 * camera and microphone and ICE on loopback. Never a downloaded browser.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser, type Page as PuppeteerPage } from 'puppeteer-core';

export const FIREFOX_PATH = '/usr/bin/firefox-esr';

export const FIREFOX_PREFS = {
  'media.navigator.streams.fake': true,
  'media.navigator.permission.disabled': true,
  'media.peerconnection.ice.loopback': true,
  'media.peerconnection.ice.obfuscate_host_addresses': false,
  // Without a camera/microphone permission Firefox gathers only the address of the default route
  // ("use only default local addresses" in its ICE log): the fake devices and
  // media.navigator.permission.disabled grant none. In a network namespace whose default route is
  // on lo that address is 0.0.0.0, so it gathered no usable candidate at all and ICE failed. With
  // both allowed by default it gathers every interface's addresses, 127.0.0.1 and ::1 included.
  'permissions.default.camera': 1,
  'permissions.default.microphone': 1,
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

/** Opens `url` in a fresh browser context (its own storage) of Firefox. */
export async function openFirefoxPage(handle: FirefoxHandle, url: string): Promise<PuppeteerPage> {
  const context = await handle.browser.createBrowserContext();
  const page = await context.newPage();
  await page.setViewport({ width: 1280, height: 800 });
  await page.goto(url);
  return page;
}
