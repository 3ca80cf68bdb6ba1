import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { explain, runProbeCli } from '../helpers/probe.ts';
import { joinRoom, type TestClient } from '../helpers/client.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

describe('zerortc-probe', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('calls another probe through the server: media both ways, data channel, loopback path', async () => {
    const [first, second] = await Promise.all([
      runProbeCli(['--loopback', '--json', '--timeout', '20', '--uid', 'alice', server.wsUrl, 'probe-call']),
      runProbeCli(['--loopback', '--timeout', '20', '--uid', 'bob', server.wsUrl, 'probe-call']),
    ]);
    assert.equal(first.code, 0, explain(first));
    assert.equal(second.code, 0, explain(second));
    assert.match(second.stdout, /^Result\s+OK$/m);
    assert.match(second.stdout, /^Media received\s+video \d+ packets/m);

    const report = first.report!;
    assert.equal(report.ok, true);
    assert.equal(report.peer?.remoteUid, 'bob');
    assert.equal(typeof report.signaling?.joinMs, 'number');
    assert.ok(report.candidates.gathered.host > 0, 'gathered host candidates');
    assert.ok(report.candidates.received.host > 0, 'received host candidates');
    assert.equal(report.connection?.local?.type, 'host');
    assert.match(report.connection?.local?.address ?? '', /^127\.0\.0\.1:/);
    const video = report.media?.received.find((r) => r.kind === 'video');
    const audio = report.media?.received.find((r) => r.kind === 'audio');
    assert.ok(video && video.packets > 0 && video.frames > 0, 'video received');
    assert.ok(audio && audio.packets > 0, 'audio received');
    assert.equal(report.dataChannel?.state, 'open');
    assert.equal(report.dataChannel?.echoed, true);
    // The server sends `joined` first; whoever was there first offers.
    const roles = [report.peer?.role, /this side offers/.test(second.stdout) ? 'offerer' : 'answerer'];
    assert.deepEqual([...roles].sort(), ['answerer', 'offerer']);
  });

  it('exits 1 with "room is full" when two members are already there', async () => {
    const a: TestClient = (await joinRoom(server.wsUrl, 'full-room', 'a')).client;
    const b: TestClient = (await joinRoom(server.wsUrl, 'full-room', 'b')).client;
    try {
      const result = await runProbeCli(['--json', server.wsUrl, 'full-room']);
      assert.equal(result.code, 1, explain(result));
      assert.equal(result.report?.failure?.code, 'room-full');
      assert.match(result.report?.failure?.message ?? '', /room is full/);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('exits 1 naming the server when nothing listens there', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const address = probe.address();
        probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const result = await runProbeCli([`ws://127.0.0.1:${port}/ws`, 'room']);
    assert.equal(result.code, 1, explain(result));
    assert.match(
      result.stderr,
      new RegExp(`cannot reach the ZeroRTC server at http://127\\.0\\.0\\.1:${port}/api/ice-servers`),
    );
    assert.match(result.stdout, /FAILED \(server-unreachable\)/);
  });

  it('exits 1 with "nobody joined" when no peer comes within --timeout', async () => {
    const result = await runProbeCli(['--timeout', '1', server.wsUrl, 'lonely-room']);
    assert.equal(result.code, 1, explain(result));
    assert.match(result.stderr, /nobody joined room "lonely-room" within 1 s/);
  });

  it('exits 2 with the usage on a bad command line', async () => {
    const result = await runProbeCli(['--ice-transport-policy', 'sometimes', server.wsUrl, 'room']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--ice-transport-policy must be all or relay/);
    assert.match(result.stderr, /Usage: zerortc-probe/);
  });
});
