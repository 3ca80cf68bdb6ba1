import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { Heartbeat } from '../../src/server/heartbeat.ts';

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
