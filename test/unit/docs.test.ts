import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERROR_CODES } from '../../src/protocol/index.ts';

describe('the docs', () => {
  it('list every error code in docs/errors.md', () => {
    const doc = readFileSync('docs/errors.md', 'utf8');
    for (const code of ERROR_CODES) assert.match(doc, new RegExp(`^\\| \`${code}\` +\\|`, 'm'), code);
  });

  it('describe every message in docs/protocol.md', () => {
    const doc = readFileSync('docs/protocol.md', 'utf8');
    const cmds = [
      'join',
      'leave',
      'offer',
      'answer',
      'candidate',
      'joined',
      'resp-join',
      'new-peer',
      'peer-leave',
      'peer-reconnecting',
      'peer-resumed',
      'error',
    ];
    for (const cmd of cmds) assert.match(doc, new RegExp(`"cmd": "${cmd}"`), cmd);
  });
});
