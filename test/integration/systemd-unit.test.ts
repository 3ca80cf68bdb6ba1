import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

const UNIT = 'deploy/systemd/zerortc.service';

describe('deploy/systemd/zerortc.service', () => {
  it('passes systemd-analyze verify without a warning', () => {
    const run = spawnSync('systemd-analyze', ['verify', UNIT], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    // verify exits 0 on unknown or misplaced keys and only warns: any line about the unit fails.
    assert.deepEqual(
      run.stderr.split('\n').filter((line) => line.includes('zerortc.service')),
      [],
    );
  });

  it('runs the installed bin as a dedicated user, restarts on failure, and is hardened', () => {
    const unit = readFileSync(UNIT, 'utf8');
    for (const line of [
      'User=zerortc',
      'ExecStart=/usr/bin/node /opt/zerortc/node_modules/zerortc/dist/server/bin.js',
      'Restart=on-failure',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'PrivateTmp=yes',
      'ProtectHome=yes',
      'CapabilityBoundingSet=',
    ]) {
      assert.ok(unit.split('\n').includes(line), `${line} is missing`);
    }
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { bin: Record<string, string> };
    assert.equal(pkg.bin['zerortc'], 'dist/server/bin.js', 'ExecStart must run what `npx zerortc` runs');
  });
});
