import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TokenBucket } from '../../src/server/rate-limit.ts';

describe('TokenBucket', () => {
  it('lets a burst through, then refuses until time refills it at the rate', () => {
    const bucket = new TokenBucket(10, 5, 0);
    for (let i = 0; i < 5; i++) assert.equal(bucket.take(0), true);
    assert.equal(bucket.take(0), false);
    assert.equal(bucket.take(99), false, 'less than one token after 99 ms at 10/s');
    assert.equal(bucket.take(100), true);
    assert.equal(bucket.take(100), false);
  });

  it('never saves more than the burst', () => {
    const bucket = new TokenBucket(10, 3, 0);
    let taken = 0;
    while (bucket.take(60_000)) taken++;
    assert.equal(taken, 3);
  });
});
