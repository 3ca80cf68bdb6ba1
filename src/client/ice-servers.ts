/**
 * ICE servers from `GET /api/ice-servers`: fetched before each (re)connection and again before
 * the TURN credentials' `ttl` runs out; every new set is handed to the listener (the call applies
 * it with `setConfiguration`). On a server with room tokens the fetch carries the token, and a
 * seated member asks over its signaling connection instead (`request`), so that its credentials
 * stay fresh after the token expired.
 */
import { systemClock, type Clock, type TimerHandle } from './clock.ts';

/** What `/api/ice-servers` answers. */
export interface IceConfig {
  readonly iceServers: RTCIceServer[];
  readonly iceTransportPolicy: RTCIceTransportPolicy;
  /** Seconds the credentials stay valid. */
  readonly ttl: number;
}

/** The fetch function the provider uses (the browser's by default). */
export type FetchLike = (
  url: string,
  init?: { cache?: RequestCache; headers?: Record<string, string>; signal?: AbortSignal },
) => Promise<{
  readonly ok: boolean;
  readonly status: number;
  json(): Promise<unknown>;
}>;

/** With no server answer, calls still work on a LAN: no ICE servers, all candidate types. */
export const FALLBACK_ICE_CONFIG: IceConfig = { iceServers: [], iceTransportPolicy: 'all', ttl: 0 };

/** Reads an `/api/ice-servers` answer; `undefined` when it is not one. */
export function parseIceConfig(value: unknown): IceConfig | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (!Array.isArray(v['iceServers'])) return undefined;
  const iceServers: RTCIceServer[] = [];
  for (const entry of v['iceServers'] as unknown[]) {
    if (typeof entry !== 'object' || entry === null) continue;
    const e = entry as Record<string, unknown>;
    const urls = e['urls'];
    const list =
      typeof urls === 'string' ? [urls] : Array.isArray(urls) ? urls.filter((u) => typeof u === 'string') : [];
    if (list.length === 0) continue;
    iceServers.push({
      urls: list,
      ...(typeof e['username'] === 'string' && { username: e['username'] }),
      ...(typeof e['credential'] === 'string' && { credential: e['credential'] }),
    });
  }
  const policy = v['iceTransportPolicy'] === 'relay' ? 'relay' : 'all';
  const ttl = typeof v['ttl'] === 'number' && v['ttl'] > 0 ? v['ttl'] : 0;
  return { iceServers, iceTransportPolicy: policy, ttl };
}

/** After a failed refresh, the next try comes at most this many ms later. */
export const RETRY_MS = 10_000;

/**
 * A fetch over HTTP is given up after this many ms. After a change of network the browser may
 * send it on a kept-alive connection of the network that is gone (Firefox does), where it would
 * hang for minutes, and every refresh meanwhile would wait for it.
 */
export const FETCH_TIMEOUT_MS = 5000;

/** A refresh under way, and whether it asks over the seated signaling socket or over HTTP. */
interface Load {
  readonly promise: Promise<IceConfig>;
  readonly viaSocket: boolean;
}

/** Options of {@link IceServerProvider}. */
export interface IceServerProviderOptions {
  /** Full URL of the endpoint, e.g. `https://example.org/api/ice-servers`. */
  readonly url: string;
  readonly fetch?: FetchLike;
  readonly clock?: Clock;
  /** Called with every newly fetched configuration. */
  readonly onUpdate?: (config: IceConfig) => void;
  /**
   * Another source tried first: a promise of an answer shaped like the endpoint's (the call asks
   * its seated signaling connection), or `undefined` to fetch the URL.
   */
  readonly request?: () => Promise<unknown> | undefined;
}

/** Fetches and refreshes the ICE configuration. */
export class IceServerProvider {
  #current: IceConfig = FALLBACK_ICE_CONFIG;
  #timer: TimerHandle;
  #inflight: Load | undefined;
  #stopped = false;
  #token: { readonly token: string; readonly room: string; readonly uid: string } | undefined;
  readonly #options: IceServerProviderOptions;
  readonly #clock: Clock;
  readonly #fetch: FetchLike;

  /** @param options where to fetch from */
  constructor(options: IceServerProviderOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#fetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
  }

  /**
   * A room token to send as `Authorization: Bearer` with the fetch, with the room and uid it is
   * for (docs/access.md); undefined = none.
   */
  set token(token: { readonly token: string; readonly room: string; readonly uid: string } | undefined) {
    this.#token = token;
  }

  /** The last configuration fetched (the fallback before the first answer). */
  get current(): IceConfig {
    return this.#current;
  }

  /**
   * Fetches now (joining a fetch already under way) and schedules the next refresh at 80 % of
   * `ttl`. Never rejects: on failure the previous configuration stays and the fetch is retried
   * within {@link RETRY_MS}, before those credentials run out. Once seated it asks over the
   * signaling socket even while a fetch over HTTP is under way: that one was sent while the socket
   * was down, maybe on a connection of a network that is gone; the newer answer wins.
   */
  refresh(): Promise<IceConfig> {
    this.#stopped = false;
    if (this.#inflight?.viaSocket) return this.#inflight.promise;
    const asked = this.#options.request?.();
    if (asked === undefined && this.#inflight) return this.#inflight.promise;
    const load: Load = {
      viaSocket: asked !== undefined,
      promise: this.#load(asked, () => this.#inflight === load).finally(() => {
        if (this.#inflight === load) this.#inflight = undefined;
      }),
    };
    this.#inflight = load;
    return load.promise;
  }

  /**
   * Refreshes, waiting at most `ms` (before an ICE restart: fresh TURN credentials, but never a
   * restart held up by a network that does not answer). Never rejects.
   */
  refreshWithin(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#clock.setTimeout(resolve, ms);
      void this.refresh().then(() => resolve());
    });
  }

  /** Stops refreshing. */
  stop(): void {
    this.#stopped = true;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * One refresh: the answer `asked` over the socket, or else a fetch over HTTP. Only the newest
   * refresh (`latest()`) updates the configuration and the schedule.
   */
  async #load(asked: Promise<unknown> | undefined, latest: () => boolean): Promise<IceConfig> {
    let parsed: IceConfig | undefined;
    try {
      parsed = parseIceConfig(await (asked ?? this.#fetchHttp()));
    } catch {
      // Keep the previous configuration; signaling reports an unreachable server on its own.
    }
    if (!latest()) return this.#current;
    if (parsed && !this.#stopped) {
      this.#current = parsed;
      this.#options.onUpdate?.(parsed);
    }
    this.#schedule(parsed !== undefined);
    return this.#current;
  }

  /** `GET` the endpoint, given up after {@link FETCH_TIMEOUT_MS}; `undefined` when refused. */
  async #fetchHttp(): Promise<unknown> {
    const auth = this.#token;
    const url = auth
      ? `${this.#options.url}?room=${encodeURIComponent(auth.room)}&uid=${encodeURIComponent(auth.uid)}`
      : this.#options.url;
    const headers = auth && { Authorization: `Bearer ${auth.token}` };
    const abort = new AbortController();
    const timer = this.#clock.setTimeout(() => abort.abort(), FETCH_TIMEOUT_MS);
    try {
      const res = await this.#fetch(url, { cache: 'no-store', signal: abort.signal, ...(headers && { headers }) });
      // A refused token (401) keeps the credentials we have rather than replacing them with none.
      return res.ok ? await res.json() : undefined;
    } finally {
      this.#clock.clearTimeout(timer);
    }
  }

  #schedule(ok: boolean): void {
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#stopped || this.#current.ttl <= 0) return;
    const delay = this.#current.ttl * 800;
    this.#timer = this.#clock.setTimeout(() => void this.refresh(), ok ? delay : Math.min(delay, RETRY_MS));
  }
}
