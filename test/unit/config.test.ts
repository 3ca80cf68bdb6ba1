import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, DEFAULTS, parseConfig } from '../../src/server/config.ts';

function refusal(argv: string[], env: Record<string, string> = {}): ConfigError {
  try {
    parseConfig(argv, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err;
  }
  assert.fail(`accepted ${argv.join(' ')} ${JSON.stringify(env)}`);
}

describe('parseConfig', () => {
  it('gives the defaults of SPEC §1 with nothing set', () => {
    const config = parseConfig([], {});
    assert.equal(config.port, 8099);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.turnTtl, 3600);
    assert.equal(config.iceTransportPolicy, 'all');
    assert.equal(config.allowedOrigins, undefined);
    assert.ok(config.maxMessageBytes <= 1024 * 1024);
    assert.ok(config.graceSeconds <= 60);
    // The built-in STUN server follows --port unless told otherwise.
    assert.equal(config.stunPort, undefined);
    assert.deepEqual(config, DEFAULTS);
  });

  it('reads every option from its environment variable, and the flag wins', () => {
    const env = {
      ZERORTC_PORT: '9000',
      HOST: '127.0.0.1',
      ZERORTC_TURN_SECRET: 's',
      ZERORTC_TURN_URLS: 'turn:a.example:3478, turns:a.example:5349',
      ZERORTC_STUN_URLS: 'stun:a.example:3478',
      ZERORTC_STUN_PORT: '3478',
      ZERORTC_TURN_TTL: '600',
      ZERORTC_ICE_TRANSPORT_POLICY: 'relay',
      ZERORTC_REDIS_URL: 'redis://127.0.0.1:6379',
      ZERORTC_MAX_MESSAGE_BYTES: '32768',
      ZERORTC_RATE_LIMIT: '0',
      ZERORTC_MAX_CONNS_PER_IP: '0',
      ZERORTC_HEARTBEAT_SECONDS: '5',
      ZERORTC_GRACE_SECONDS: '10',
      ZERORTC_ALLOWED_ORIGINS: 'https://a.example,http://localhost:8099',
    };
    const config = parseConfig(['--port', '9100', '--grace-seconds=20'], env);
    assert.equal(config.port, 9100);
    assert.equal(config.host, '127.0.0.1');
    assert.deepEqual(config.turnUrls, ['turn:a.example:3478', 'turns:a.example:5349']);
    assert.deepEqual(config.stunUrls, ['stun:a.example:3478']);
    assert.equal(config.stunPort, 3478);
    assert.equal(parseConfig(['--stun-port', '0'], env).stunPort, 0);
    assert.equal(config.turnTtl, 600);
    assert.equal(config.iceTransportPolicy, 'relay');
    assert.equal(config.redisUrl, 'redis://127.0.0.1:6379');
    assert.equal(config.maxMessageBytes, 32768);
    assert.equal(config.rateLimit, 0);
    assert.equal(config.maxConnsPerIp, 0);
    assert.equal(config.heartbeatSeconds, 5);
    assert.equal(config.graceSeconds, 20);
    assert.deepEqual(config.allowedOrigins, ['https://a.example', 'http://localhost:8099']);
    assert.equal(parseConfig([], { PORT: '1', ZERORTC_PORT: '2' }).port, 1);
  });

  it('refuses a bad value with a message naming the option', () => {
    const cases: [string[], Record<string, string>, string][] = [
      [['--port', 'abc'], {}, 'port'],
      [['--port', '70000'], {}, 'port'],
      [[], { ZERORTC_PORT: '-1' }, 'port'],
      [['--turn-ttl', '1.5'], {}, 'turn-ttl'],
      [['--ice-transport-policy', 'none'], {}, 'ice-transport-policy'],
      [['--ice-transport-policy', 'relay'], {}, 'ice-transport-policy'],
      [['--turn-urls', 'http://x'], { ZERORTC_TURN_SECRET: 's' }, 'turn-urls'],
      [['--turn-urls', 'turn:x:3478'], {}, 'turn-secret'],
      [['--stun-urls', 'turn:x'], {}, 'stun-urls'],
      [['--stun-port', '65536'], {}, 'stun-port'],
      [[], { ZERORTC_STUN_PORT: 'udp' }, 'stun-port'],
      [['--redis-url', 'localhost:6379'], {}, 'redis-url'],
      [['--tls-cert', 'a.pem'], {}, 'tls-key'],
      [['--max-message-bytes', String(2 * 1024 * 1024)], {}, 'max-message-bytes'],
      [['--grace-seconds', '61'], {}, 'grace-seconds'],
      [['--heartbeat-seconds', '0'], {}, 'heartbeat-seconds'],
      [['--rate-limit', 'fast'], {}, 'rate-limit'],
      [['--max-conns-per-ip', '-3'], {}, 'max-conns-per-ip'],
      [['--allowed-origins', 'example.com'], {}, 'allowed-origins'],
      [['--allowed-origins', 'https://a.example/'], {}, 'allowed-origins'],
      [['--no-such-option'], {}, 'no-such-option'],
    ];
    for (const [argv, env, option] of cases) {
      const err = refusal(argv, env);
      assert.equal(err.option, option, `${argv.join(' ')} ${JSON.stringify(env)}`);
      assert.match(err.message, new RegExp(`--${option}`));
    }
  });
});
