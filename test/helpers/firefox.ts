/**
 * Debian's Firefox ESR for browser tests, driven by puppeteer-core over WebDriver BiDi, with fake
 * camera and microphone and ICE on loopback, and a PulseAudio sound server of its own. Never a
 * downloaded browser.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
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

export interface SoundServer {
  /** The value of PULSE_SERVER that reaches it. */
  readonly address: string;
  stop(): Promise<void>;
}

/**
 * Starts PulseAudio with one null sink, listening on a socket in `dir`. Without a sound output
 * Firefox (its cubeb audio layer) never runs an AudioContext: every one stays `suspended` and
 * `resume()` never settles, so the call page's microphone meter could not be seen moving. The
 * null sink plays to nowhere. Only Firefox is given PULSE_SERVER; Chromium does not use it.
 */
export async function startSoundServer(dir: string): Promise<SoundServer> {
  const socket = join(dir, 'native');
  const child: ChildProcess = spawn(
    'pulseaudio',
    [
      '-n', // no default.pa: only the modules below
      '--daemonize=no',
      '--exit-idle-time=-1',
      '--use-pid-file=no',
      '--log-target=stderr',
      '-L',
      'module-null-sink',
      '-L',
      `module-native-protocol-unix auth-anonymous=1 socket=${socket}`,
    ],
    // Its own home and runtime directory: nothing of a real user's sound setup is read or written.
    { env: { ...process.env, HOME: dir, XDG_RUNTIME_DIR: dir }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 20_000;
  // PulseAudio says nothing when it is ready; the socket appearing is the sign.
  while (!existsSync(socket)) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`pulseaudio did not start (is Debian's pulseaudio installed?): ${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    address: `unix:${socket}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

export async function launchFirefox(): Promise<FirefoxHandle> {
  const profile = mkdtempSync(join(tmpdir(), 'zerortc-firefox-'));
  const soundDir = mkdtempSync(join(tmpdir(), 'zerortc-pulse-'));
  const sound = await startSoundServer(soundDir);
  let browser: Browser;
  try {
    browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: FIREFOX_PATH,
      headless: true,
      userDataDir: profile,
      extraPrefsFirefox: FIREFOX_PREFS,
      protocolTimeout: 30_000,
      env: { ...process.env, PULSE_SERVER: sound.address },
    });
  } catch (err) {
    await sound.stop();
    rmSync(soundDir, { recursive: true, force: true });
    throw err;
  }
  return {
    browser,
    async close() {
      await browser.close().catch(() => undefined);
      await sound.stop();
      rmSync(profile, { recursive: true, force: true });
      rmSync(soundDir, { recursive: true, force: true });
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
