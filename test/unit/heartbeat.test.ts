import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { Heartbeat, visit, type Liveness } from '../../src/server/heartbeat.ts';

describe('Heartbeat', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setInterval'] }));
  afterEach(() => mock.timers.reset());

  it('visits every member once per interval, a slice at a time', () => {
    const visits: number[] = [];
    const perTick: number[] = [];
    const heartbeat = new Heartbeat<{ heartbeatSlot: number; id: number }>(1000, (member) => visits.push(member.id));
    const members = Array.from({ length: 1000 }, (_, id) => ({ heartbeatSlot: 0, id }));
    for (const member of members) heartbeat.add(member);

    for (let tick = 0; tick < 10; tick++) {
      const before = visits.length;
      mock.timers.tick(100);
      perTick.push(visits.length - before);
    }
    assert.equal(visits.length, 1000);
    assert.equal(new Set(visits).size, 1000, 'each member once');
    assert.ok(Math.max(...perTick) <= 100, `at most a tenth per tick (${perTick.join(',')})`);
    heartbeat.stop();
  });

  it('stops visiting a member once it is deleted, and after stop', () => {
    const visits: number[] = [];
    const heartbeat = new Heartbeat<{ heartbeatSlot: number; id: number }>(300, (member) => visits.push(member.id));
    const a = { heartbeatSlot: 0, id: 1 };
    const b = { heartbeatSlot: 0, id: 2 };
    heartbeat.add(a);
    heartbeat.add(b);
    heartbeat.delete(a);
    mock.timers.tick(300);
    assert.deepEqual(visits, [2]);
    heartbeat.stop();
    mock.timers.tick(3000);
    assert.deepEqual(visits, [2]);
  });
});

describe('a heartbeat visit', () => {
  const fresh = (): Liveness => ({ heard: false, sent: false, awaitingPong: false, missedPongs: 0 });
  /** The visits' actions, with `between` run before each one (what happened in that interval). */
  function visits(member: Liveness, between: ((member: Liveness) => void)[]): (string | undefined)[] {
    return between.map((happen) => {
      happen(member);
      return visit(member);
    });
  }
  const silence = (): void => undefined;
  const heard = (member: Liveness): void => {
    member.heard = true;
  };
  const bothWays = (member: Liveness): void => {
    member.heard = true;
    member.sent = true;
  };
  const sentOnly = (member: Liveness): void => {
    member.sent = true;
  };

  it('pings a silent member and drops it at the second visit that finds its ping unanswered', () => {
    assert.deepEqual(visits(fresh(), [silence, silence, silence]), ['ping', 'ping', 'drop']);
  });

  it('keeps a member that answers every ping, pinging it each interval', () => {
    assert.deepEqual(visits(fresh(), [silence, heard, heard, heard]), ['ping', 'ping', 'ping', 'ping']);
  });

  it('sends no ping while frames go both ways, and pings again once the member is quiet', () => {
    const member = fresh();
    assert.deepEqual(visits(member, [bothWays, bothWays, bothWays]), [undefined, undefined, undefined]);
    assert.deepEqual(visits(member, [silence, silence, silence]), ['ping', 'ping', 'drop']);
  });

  it('takes a frame from the member as a pong: one just before the second miss saves it', () => {
    assert.deepEqual(visits(fresh(), [silence, silence, heard, silence, silence]), [
      'ping',
      'ping',
      'ping',
      'ping',
      'drop',
    ]);
  });

  it('still pings a member that only hears from the server, and one that only speaks', () => {
    // Frames only to the member prove nothing of it; frames only from it leave a proxy in
    // between with nothing from the server, so it gets a ping that keeps the proxy's timer alive.
    assert.deepEqual(visits(fresh(), [sentOnly, sentOnly, sentOnly]), ['ping', 'ping', 'drop']);
    assert.deepEqual(visits(fresh(), [heard, heard]), ['ping', 'ping']);
  });
});
