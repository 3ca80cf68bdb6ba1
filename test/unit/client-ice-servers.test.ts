import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  FETCH_TIMEOUT_MS,
  IceServerProvider,
  RETRY_MS,
  type FetchLike,
  type IceConfig,
} from '../../src/client/ice-servers.ts';
import { checkRelay } from '../../src/client/relay-check.ts';
import { FakeClock, FakePeerConnection, fakeCallClient, settle } from '../helpers/client-fakes.ts';

const TURN = 'turn:turn.example.org:3478';

/** A fake /api/ice-servers: each answer carries a new username; `fail` makes the next ones fail. */
function iceEndpoint(policy: 'all' | 'relay' = 'relay', ttl = 60) {
  const state = { calls: 0, fail: false };
  const fetch: FetchLike = () => {
    state.calls += 1;
    if (state.fail) return Promise.reject(new Error('offline'));
    const body = {
      iceServers: [{ urls: [TURN], username: `u${state.calls}`, credential: 'c' }],
      iceTransportPolicy: policy,
      ttl,
    };
    return Promise.resolve({ ok: true, status: 200, json: () => Promise.resolve(body) });
  };
  return { state, fetch };
}

const username = (config: IceConfig | RTCConfiguration | undefined): unknown => config?.iceServers?.[0]?.username;

describe('IceServerProvider', () => {
  it('fetches again at 80 % of the ttl, before the credentials expire, and hands on each new set', async () => {
    const clock = new FakeClock();
    const endpoint = iceEndpoint('relay', 60);
    const updates: IceConfig[] = [];
    const provider = new IceServerProvider({
      url: 'http://zerortc.test/api/ice-servers',
      fetch: endpoint.fetch,
      clock,
      onUpdate: (c) => updates.push(c),
    });
    const first = await provider.refresh();
    assert.equal(username(first), 'u1');
    assert.deepEqual(clock.pending(), [48_000]);
    clock.tick(47_999);
    await settle();
    assert.equal(endpoint.state.calls, 1);
    clock.tick(1);
    await settle();
    assert.equal(endpoint.state.calls, 2);
    assert.deepEqual(updates.map(username), ['u1', 'u2']);
    assert.equal(username(provider.current), 'u2');
    // And so on for a long call: one fetch per 48 s.
    for (let i = 0; i < 3; i++) {
      clock.tick(48_000);
      await settle();
    }
    assert.equal(endpoint.state.calls, 5);
    provider.stop();
    assert.deepEqual(clock.pending(), []);
  });

  it('keeps the last set and retries soon when a refresh fails', async () => {
    const clock = new FakeClock();
    const endpoint = iceEndpoint('relay', 600);
    const provider = new IceServerProvider({ url: 'http://x/api/ice-servers', fetch: endpoint.fetch, clock });
    await provider.refresh();
    endpoint.state.fail = true;
    clock.tick(480_000);
    await settle();
    assert.equal(endpoint.state.calls, 2);
    assert.equal(username(provider.current), 'u1');
    assert.deepEqual(clock.pending(), [RETRY_MS]);
    endpoint.state.fail = false;
    clock.tick(RETRY_MS);
    await settle();
    assert.equal(username(provider.current), 'u3');
    assert.deepEqual(clock.pending(), [480_000]);
  });

  it('sends the room token as a bearer token, and keeps its credentials when the server refuses the token', async () => {
    const clock = new FakeClock();
    const seen: (string | undefined)[] = [];
    let status = 200;
    const fetch: FetchLike = (url, init) => {
      assert.equal(url, 'http://x/api/ice-servers?room=r%201&uid=a');
      seen.push(init?.headers?.['Authorization']);
      const body = { iceServers: [{ urls: [TURN], username: `u${seen.length}`, credential: 'c' }], ttl: 60 };
      return Promise.resolve({ ok: status === 200, status, json: () => Promise.resolve(body) });
    };
    const provider = new IceServerProvider({ url: 'http://x/api/ice-servers', fetch, clock });
    provider.token = { token: 'eyJ.room.token', room: 'r 1', uid: 'a' };
    assert.equal(username(await provider.refresh()), 'u1');
    status = 401; // The token expired meanwhile.
    assert.equal(username(await provider.refresh()), 'u1');
    assert.deepEqual(seen, ['Bearer eyJ.room.token', 'Bearer eyJ.room.token']);
    assert.deepEqual(clock.pending(), [RETRY_MS]);
    provider.stop();
  });

  it('joins a fetch already under way instead of starting another', async () => {
    const endpoint = iceEndpoint();
    const provider = new IceServerProvider({
      url: 'http://x/api/ice-servers',
      fetch: endpoint.fetch,
      clock: new FakeClock(),
    });
    await Promise.all([provider.refresh(), provider.refresh()]);
    assert.equal(endpoint.state.calls, 1);
  });

  /** A fetch sent on a connection of a network that is gone: no answer until it is aborted. */
  function hangingFetch() {
    const state = { calls: 0, aborted: 0 };
    const fetch: FetchLike = (_url, init) => {
      state.calls += 1;
      return new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => {
          state.aborted += 1;
          reject(new Error('aborted'));
        });
      });
    };
    return { state, fetch };
  }

  it('gives up a fetch that does not answer, keeps the last set and tries again soon', async () => {
    const clock = new FakeClock();
    const endpoint = iceEndpoint('relay', 600);
    const hang = hangingFetch();
    let networkGone = false;
    const provider = new IceServerProvider({
      url: 'http://x/api/ice-servers',
      fetch: (url, init) => (networkGone ? hang.fetch(url, init) : endpoint.fetch(url, init)),
      clock,
    });
    await provider.refresh();
    networkGone = true;
    let done = false;
    void provider.refresh().then(() => (done = true));
    clock.tick(FETCH_TIMEOUT_MS - 1);
    await settle();
    assert.equal(done, false);
    clock.tick(1);
    await settle();
    assert.equal(done, true, 'a refresh is not held for minutes by a dead connection');
    assert.equal(hang.state.aborted, 1);
    assert.equal(username(provider.current), 'u1');
    assert.deepEqual(clock.pending(), [RETRY_MS]);
    // The next refresh is a new fetch, not the hung one joined.
    void provider.refresh();
    assert.equal(hang.state.calls, 2);
  });

  it('once seated, asks over the socket even while a fetch over HTTP hangs; the late answer changes nothing', async () => {
    const clock = new FakeClock();
    let seated = false;
    let httpAnswer: (v: { ok: boolean; status: number; json(): Promise<unknown> }) => void = () => undefined;
    const provider = new IceServerProvider({
      url: 'http://x/api/ice-servers',
      fetch: () => new Promise((resolve) => (httpAnswer = resolve)),
      clock,
      request: () =>
        seated
          ? Promise.resolve({ iceServers: [{ urls: [TURN], username: 'socket', credential: 'c' }], ttl: 600 })
          : undefined,
    });
    // A reconnect attempt fetches over HTTP while the socket is down...
    void provider.refresh();
    // ...the seat comes back and an ICE restart wants fresh credentials now.
    seated = true;
    const config = await provider.refresh();
    assert.equal(username(config), 'socket');
    httpAnswer({
      ok: true,
      status: 200,
      json: () => Promise.resolve({ iceServers: [{ urls: [TURN], username: 'http-late', credential: 'c' }], ttl: 600 }),
    });
    await settle();
    assert.equal(username(provider.current), 'socket');
    assert.deepEqual(clock.pending(), [480_000], 'one refresh scheduled, by the answer that counted');
  });
});

describe('checkRelay', () => {
  function start() {
    const clock = new FakeClock();
    const pcs: FakePeerConnection[] = [];
    const result = checkRelay(
      { iceServers: [{ urls: TURN }] },
      (c) => {
        const pc = new FakePeerConnection(c);
        pcs.push(pc);
        return pc as unknown as RTCPeerConnection;
      },
      clock,
      10_000,
    );
    const [pc, other] = pcs;
    assert.ok(pc && other);
    return { clock, pc, other, result };
  }

  it('is ok when its two connections connect to each other through the relay', async () => {
    const { pc, other, result } = start();
    assert.equal(pc.configuration.iceTransportPolicy, 'relay');
    await settle();
    assert.equal(other.remoteDescription?.type, 'offer');
    assert.equal(pc.remoteDescription?.type, 'answer');
    pc.gather({ candidate: 'candidate:relay', sdpMid: '0', sdpMLineIndex: 0, type: 'relay' });
    await settle();
    assert.equal(other.candidates.length, 1, 'candidates are handed to the other connection');
    pc.setConnectionState('connected');
    assert.equal(await result, 'ok');
    assert.equal(pc.closed && other.closed, true);
  });

  it('says no-path when relays were allocated but the connection fails (coturn refused the peer: 403)', async () => {
    const { pc, result } = start();
    await settle();
    pc.gather({ candidate: 'candidate:relay', sdpMid: '0', sdpMLineIndex: 0, type: 'relay' });
    pc.setConnectionState('failed');
    assert.equal(await result, 'no-path');
  });

  it('says refused when the TURN server answers 401 and gathering ends without a relay', async () => {
    const { pc, result } = start();
    pc.onicecandidateerror?.({ errorCode: 401, url: TURN });
    pc.iceGatheringState = 'complete';
    pc.onicegatheringstatechange?.();
    assert.equal(await result, 'refused');
  });

  it('says unreachable when nothing comes before the timeout', async () => {
    const { clock, pc, result } = start();
    clock.tick(10_000);
    assert.equal(await result, 'unreachable');
    assert.equal(pc.closed, true);
  });
});

describe('CallClient and TURN', () => {
  function setup(policy: 'all' | 'relay') {
    const endpoint = iceEndpoint(policy, 60);
    return { ...fakeCallClient({ fetch: endpoint.fetch }), endpoint };
  }

  async function joinAlone(t: ReturnType<typeof setup>): Promise<void> {
    const joining = t.client.join('r', { uid: 'a' });
    t.sockets.last().open();
    t.sockets
      .last()
      .receive({ cmd: 'joined', roomId: 'r', uid: 'a', polite: false, resume: 'x', resumed: false, graceSeconds: 10 });
    await joining;
    await settle();
  }

  it('shows turn-failed while still alone in the room when the relay refuses the credentials', async () => {
    const t = setup('relay');
    await joinAlone(t);
    const check = t.pcs[0];
    assert.ok(check && t.pcs.length === 2, 'relay-only: a relay check runs at join');
    assert.equal(username(check.configuration), 'u1');
    check.onicecandidateerror?.({ errorCode: 401, url: TURN });
    check.iceGatheringState = 'complete';
    check.onicegatheringstatechange?.();
    await settle();
    assert.equal(t.client.state, 'error');
    assert.equal(t.client.error?.code, 'turn-failed');
    assert.match(t.client.error?.message ?? '', /refused our credentials/);
  });

  it('runs no relay check when direct paths are allowed', async () => {
    const t = setup('all');
    await joinAlone(t);
    assert.equal(t.pcs.length, 0);
    assert.equal(t.client.state, 'waiting');
  });

  it('hands refreshed credentials to the running call before the old ones expire', async () => {
    const t = setup('relay');
    await joinAlone(t);
    t.pcs[0]?.gather({ candidate: 'candidate:relay', sdpMid: '0', sdpMLineIndex: 0, type: 'relay' });
    t.pcs[0]?.setConnectionState('connected');
    await settle();
    assert.equal(t.pcs[0]?.closed, true);
    assert.equal(t.client.state, 'waiting');
    t.sockets.last().receive({ cmd: 'new-peer', remoteUid: 'b', roomId: 'r', polite: false });
    await settle();
    const pc = t.pcs[2];
    assert.ok(pc);
    assert.equal(pc.configuration.iceTransportPolicy, 'relay');
    assert.equal(username(pc.configuration), 'u1');
    pc.gather({ candidate: 'candidate:relay', sdpMid: '0', sdpMLineIndex: 0, type: 'relay' });
    pc.addRemoteTrack('video');
    pc.setConnectionState('connected');
    let answered = 0;
    // Credentials minted for 60 s: refreshed at 48 s, while u1 is still valid, over the seated
    // signaling connection (the seat is the proof: a room token may have expired by then). The
    // server is alive meanwhile: it answers the client's keepalive pings.
    const socket = t.sockets.last();
    for (let s = 0; s < 48; s++) {
      t.clock.tick(1000);
      const pings = socket.sentCmd('ping').length;
      if (pings > answered) {
        socket.receive({ cmd: 'pong' });
        answered = pings;
      }
    }
    await settle();
    assert.equal(t.sockets.last(), socket, 'still on the same signaling connection');
    assert.deepEqual(socket.sentCmd('ice-servers'), [{ cmd: 'ice-servers', roomId: 'r', uid: 'a' }]);
    assert.equal(t.endpoint.state.calls, 1, 'no HTTP fetch while seated');
    socket.receive({
      cmd: 'ice-servers',
      iceServers: [{ urls: [TURN], username: 'u2', credential: 'c' }],
      iceTransportPolicy: 'relay',
      ttl: 60,
    });
    await settle();
    assert.equal(username(pc.configuration), 'u2');
    t.client.leave();
    assert.deepEqual(t.clock.pending(), [], 'no refresh after leaving');
  });
});
