import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryRoomStore } from '../../src/server/rooms/memory-store.ts';
import type { JoinRequest } from '../../src/server/rooms/store.ts';

const req = (uid: string, connId: string, extra: Partial<JoinRequest> = {}): JoinRequest => ({
  roomId: 'r',
  uid,
  connId,
  resumeHash: `hash-${uid}`,
  presentedHash: undefined,
  ...extra,
});

describe('MemoryRoomStore', () => {
  it('seats two members, the second polite, and refuses a third with room-full', async () => {
    const store = new MemoryRoomStore();
    const a = await store.join(req('a', 'c1'));
    assert.equal(a.kind === 'seated' && a.seat.polite, false);
    const b = await store.join(req('b', 'c2'));
    assert.equal(b.kind === 'seated' && b.seat.polite, true);
    assert.equal(b.kind === 'seated' && b.peer?.uid, 'a');
    assert.deepEqual(await store.join(req('c', 'c3')), { kind: 'refused', code: 'room-full' });
    assert.equal(await store.roomCount(), 1);
  });

  it('refuses a uid held by another connection unless the resume credential matches', async () => {
    const store = new MemoryRoomStore();
    await store.join(req('a', 'c1'));
    assert.deepEqual(await store.join(req('a', 'c2')), { kind: 'refused', code: 'uid-taken' });
    assert.deepEqual(await store.join(req('a', 'c2', { presentedHash: 'wrong' })), {
      kind: 'refused',
      code: 'uid-taken',
    });
    const resumed = await store.join(req('a', 'c2', { presentedHash: 'hash-a', resumeHash: 'other' }));
    assert.equal(resumed.kind, 'seated');
    if (resumed.kind !== 'seated') return;
    assert.equal(resumed.resumed, true);
    assert.equal(resumed.replacedConnId, 'c1');
    assert.equal(resumed.resumeHash, 'hash-a');
  });

  it('holds a dropped seat, gives it back on resume, and releases it only while still held', async () => {
    const store = new MemoryRoomStore();
    await store.join(req('a', 'c1'));
    await store.join(req('b', 'c2'));
    assert.equal((await store.hold('r', 'a', 'c1'))?.peer?.uid, 'b');
    assert.deepEqual(await store.join(req('c', 'c3')), { kind: 'refused', code: 'room-full' });
    const back = await store.join(req('a', 'c4', { presentedHash: 'hash-a' }));
    assert.equal(back.kind === 'seated' && back.wasHeld, true);
    assert.equal(back.kind === 'seated' && back.replacedConnId, undefined);
    assert.equal(await store.release('r', 'a', 'c1'), undefined, 'a resumed seat is not released');
    await store.hold('r', 'a', 'c4');
    assert.equal((await store.release('r', 'a', 'c4'))?.peer?.uid, 'b');
    assert.equal((await store.join(req('c', 'c5'))).kind, 'seated');
  });

  it('makes the remaining member impolite when a new one joins after a leave', async () => {
    const store = new MemoryRoomStore();
    await store.join(req('a', 'c1'));
    await store.join(req('b', 'c2'));
    await store.leave('r', 'a', 'c1');
    const c = await store.join(req('c', 'c3'));
    assert.equal(c.kind === 'seated' && c.seat.polite, true);
    assert.equal(c.kind === 'seated' && c.peer?.polite, false);
  });

  it('ignores a leave from a connection that does not hold the seat and forgets empty rooms', async () => {
    const store = new MemoryRoomStore();
    await store.join(req('a', 'c1'));
    assert.equal(await store.leave('r', 'a', 'c9'), undefined);
    assert.deepEqual(await store.leave('r', 'a', 'c1'), { peer: undefined });
    assert.equal(await store.roomCount(), 0);
  });
});
