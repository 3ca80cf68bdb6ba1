import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { DEFAULTS } from '../../src/server/config.ts';
import { iceServersFor, mintTurnCredential } from '../../src/server/turn.ts';

describe('TURN credentials', () => {
  it('follow the TURN REST API: username expiry:id, password base64 HMAC-SHA1 of the username', () => {
    const { username, credential } = mintTurnCredential('s3cret', 1_700_000_000, 'abc');
    assert.equal(username, '1700000000:abc');
    assert.equal(credential, createHmac('sha1', 's3cret').update('1700000000:abc').digest('base64'));
  });

  it('are minted fresh per request with the configured lifetime, beside the STUN URLs', () => {
    const config = {
      ...DEFAULTS,
      stunUrls: ['stun:stun.example.org:3478'],
      turnUrls: ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349'],
      turnSecret: 'k',
      turnTtl: 600,
    };
    const first = iceServersFor(config, 1_000_000);
    const second = iceServersFor(config, 1_000_000);
    assert.equal(first.ttl, 600);
    assert.equal(first.iceTransportPolicy, 'all');
    assert.deepEqual(first.iceServers[0], { urls: ['stun:stun.example.org:3478'] });
    const turn = first.iceServers[1]!;
    assert.deepEqual(turn.urls, config.turnUrls);
    assert.match(turn.username ?? '', /^1600:[\w-]+$/);
    assert.notEqual(turn.username, second.iceServers[1]!.username);
    assert.equal(JSON.stringify(first).includes('"k"'), false);
  });

  it('hand out no TURN entry without a secret', () => {
    assert.deepEqual(iceServersFor(DEFAULTS, 0).iceServers, []);
  });
});
