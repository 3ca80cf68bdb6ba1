import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cpusFrom, nodeFlags } from '../../src/server/node-flags.ts';

describe('the node flags of the zerortc command', () => {
  it('adds --single-threaded-gc on one CPU only, and always the larger young generation', () => {
    assert.deepEqual(nodeFlags(1), ['--max-semi-space-size=32', '--single-threaded-gc']);
    assert.deepEqual(nodeFlags(2), ['--max-semi-space-size=32']);
    assert.deepEqual(nodeFlags(64), ['--max-semi-space-size=32']);
  });

  it('counts the CPUs a process may use from its affinity and its cgroup v2 quota', () => {
    assert.equal(cpusFrom(4, undefined), 4, 'no cgroup v2: the affinity');
    assert.equal(cpusFrom(4, 'max 100000\n'), 4, 'no quota');
    assert.equal(cpusFrom(4, '100000 100000\n'), 1, 'CPUQuota=100%');
    assert.equal(cpusFrom(4, '50000 100000\n'), 1, 'half a CPU is still one');
    assert.equal(cpusFrom(8, '150000 100000\n'), 2, 'a CPU and a half rounds up');
    assert.equal(cpusFrom(1, '400000 100000\n'), 1, 'the affinity caps the quota');
    assert.equal(cpusFrom(2, 'garbage'), 2, 'an unreadable file: the affinity');
  });
});
