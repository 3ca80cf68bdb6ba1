/**
 * Calls across real networks, made in the network lab (test/helpers/netlab.ts): two Chromiums,
 * each in a home behind its own NAT router, the server and coturn on the lab's internet. Each
 * scenario asserts what a person sees (`#callStatus`, remote frames advancing) and which path
 * getStats says the call took.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { callMediaFlowing, callState, type EnginePage } from '../helpers/engines.ts';
import { connectCall, startLabWorld, waitForPair, type LabWorld, type SelectedPair } from '../helpers/lab-call.ts';
import { INTERNET_IP, PUBLIC_IPS } from '../helpers/netlab.ts';

describe('calls across the network lab', () => {
  let world: LabWorld;
  let roomCounter = 0;
  let pages: EnginePage[] = [];

  before(async () => {
    world = await startLabWorld();
  });

  after(async () => {
    await world?.close();
  });

  /** Home a joins first, home b second; both connected with media flowing both ways. */
  async function call(): Promise<{ a: EnginePage; b: EnginePage }> {
    await Promise.all(pages.map((p) => p.close().catch(() => undefined)));
    const [a, b] = await Promise.all([world.openChromium('a'), world.openChromium('b')]);
    pages = [a, b];
    await connectCall(a, b, `lab-${++roomCounter}`);
    return { a, b };
  }

  const describePair = (p: SelectedPair): string => JSON.stringify(p);

  it('endpoint-independent NAT on both sides: a direct call through addresses from ZeroRTC’s STUN server', async () => {
    await world.lab.reset();
    await world.lab.setNat('a', 'endpoint-independent');
    await world.lab.setNat('b', 'endpoint-independent');
    const { a, b } = await call();
    // The only STUN server the page knows is ZeroRTC's own, on the page's host (no --stun-urls).
    const stunUrls = await a.evaluate(
      () =>
        (window.zerortc.client.peerConnection?.getConfiguration().iceServers ?? [])
          .flatMap((s) => (typeof s.urls === 'string' ? [s.urls] : s.urls))
          .filter((u) => u.startsWith('stun:')),
      undefined,
    );
    assert.deepEqual(stunUrls, [`stun:${INTERNET_IP}:${world.server.port}`]);
    // Each side reaches the other at its router's public address: no relay on either end.
    const pairA = await waitForPair(a, (p) => p.remote?.address === PUBLIC_IPS.b, 'towards b public address');
    const pairB = await waitForPair(b, (p) => p.remote?.address === PUBLIC_IPS.a, 'towards a public address');
    for (const pair of [pairA, pairB]) {
      assert.ok(['srflx', 'prflx'].includes(pair.remote?.type ?? ''), describePair(pair));
      assert.notEqual(pair.local?.type, 'relay', describePair(pair));
    }
  });

  it('symmetric NAT on both sides: the call goes through the TURN relay without a relay-only policy', async () => {
    await world.lab.reset();
    await world.lab.setNat('a', 'symmetric');
    await world.lab.setNat('b', 'symmetric');
    const { a, b } = await call();
    const policy = await a.evaluate(
      () => window.zerortc.client.peerConnection?.getConfiguration().iceTransportPolicy,
      undefined,
    );
    assert.equal(policy, 'all');
    for (const page of [a, b]) {
      const pair = await waitForPair(
        page,
        (p) => p.local?.type === 'relay' || p.remote?.type === 'relay',
        'through a relay',
      );
      assert.notEqual(pair.remote?.type, 'host', describePair(pair));
    }
  });

  it('a home that drops all UDP: the call goes through TURN over TCP', async () => {
    await world.lab.reset();
    await world.lab.setNat('a', 'endpoint-independent');
    await world.lab.setNat('b', 'endpoint-independent');
    await world.lab.firewall('a', 'no-udp');
    const { a } = await call();
    const pair = await waitForPair(a, (p) => p.local?.type === 'relay', 'relayed');
    assert.ok(['tcp', 'tls'].includes(pair.local?.relayProtocol ?? ''), describePair(pair));
  });

  it('a home that lets only HTTPS out (TCP 443): the call goes through TURN over TLS on 443', async () => {
    await world.lab.reset();
    await world.lab.firewall('a', 'web-only');
    const { a } = await call();
    const pair = await waitForPair(a, (p) => p.local?.type === 'relay', 'relayed');
    assert.equal(pair.local?.relayProtocol, 'tls', describePair(pair));
  });

  it('5 % loss and 100 ms delay each way: the call connects and video keeps flowing', async () => {
    await world.lab.reset();
    await world.lab.setNat('a', 'endpoint-independent');
    await world.lab.impair('a', { loss: 0.05, delayMs: 100 });
    const { a, b } = await call();
    // The lab did slow the path down: the round trip of the selected pair carries both delays.
    const pair = await waitForPair(a, (p) => (p.rtt ?? 0) >= 0.19, 'slowed to a 200 ms round trip');
    assert.ok((pair.rtt ?? 0) < 2, describePair(pair));
    // Video keeps flowing on the lossy link, for longer than a key frame interval.
    for (let i = 0; i < 3; i++) await Promise.all([callMediaFlowing(a), callMediaFlowing(b)]);
    await Promise.all([callState(a, 'connected'), callState(b, 'connected')]);
  });
});
