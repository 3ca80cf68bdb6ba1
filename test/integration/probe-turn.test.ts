import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCoturn, type Coturn } from '../helpers/coturn.ts';
import { explain, runProbeCli } from '../helpers/probe.ts';
import { startServer } from '../helpers/server.ts';

const SECRET = 'probe-test-secret';

describe('zerortc-probe through coturn', () => {
  let coturn: Coturn;
  before(async () => {
    coturn = await startCoturn({ secret: SECRET, realm: 'zerortc.test' });
  });
  after(() => coturn.stop());

  it('connects two probes through TURN only when the server says relay', async () => {
    const server = await startServer({ turnUrls: coturn.urls, turnSecret: SECRET, iceTransportPolicy: 'relay' });
    try {
      const results = await Promise.all(
        ['relay-a', 'relay-b'].map((uid) =>
          runProbeCli(['--loopback', '--json', '--timeout', '20', '--uid', uid, server.wsUrl, 'relay-room']),
        ),
      );
      for (const result of results) {
        assert.equal(result.code, 0, `${explain(result)}\ncoturn log:\n${coturn.log().slice(-2000)}`);
        const report = result.report!;
        assert.equal(report.iceServers?.policy, 'relay');
        assert.equal(report.iceServers?.policyFrom, 'server');
        assert.ok(report.turn.length > 0 && report.turn.every((t) => t.ok), 'every TURN URL allocates');
        assert.equal(report.candidates.gathered.host, 0, 'no host candidate under the relay policy');
        assert.ok(report.candidates.gathered.relay > 0, 'relay candidates gathered');
        assert.equal(report.connection?.local?.type, 'relay');
        assert.ok(
          report.media?.received.some((r) => r.kind === 'video' && r.packets > 0),
          'video through TURN',
        );
        assert.equal(report.dataChannel?.echoed, true);
      }
    } finally {
      await server.close();
    }
  });

  it('exits 1 with the TURN error (401) in words when the server has the wrong secret', async () => {
    const server = await startServer({
      turnUrls: coturn.urls,
      turnSecret: 'not-the-secret',
      iceTransportPolicy: 'relay',
    });
    try {
      const result = await runProbeCli(['--loopback', '--json', '--timeout', '5', server.wsUrl, 'bad-secret']);
      assert.equal(result.code, 1, explain(result));
      const report = result.report!;
      assert.equal(report.failure?.code, 'turn-failed');
      assert.match(
        report.failure?.message ?? '',
        /error 401 Unauthorized: the credentials from \/api\/ice-servers were refused/,
      );
      assert.ok(report.turn.every((t) => !t.ok && t.errorCode === 401));
    } finally {
      await server.close();
    }
  });

  it('reports a TURN failure even when a direct call works (policy all)', async () => {
    const server = await startServer({ turnUrls: coturn.urls, turnSecret: 'not-the-secret' });
    try {
      const results = await Promise.all(
        ['direct-a', 'direct-b'].map((uid) =>
          runProbeCli(['--loopback', '--timeout', '20', '--uid', uid, server.wsUrl, 'direct-room']),
        ),
      );
      for (const result of results) {
        assert.equal(result.code, 1, explain(result));
        assert.match(result.stdout, /^Connected\s+\d+ ms after the peer was found/m);
        assert.match(result.stderr, /the call connected, but TURN failed: .*error 401/);
      }
    } finally {
      await server.close();
    }
  });
});
