/**
 * The Lua scripts that keep rooms in Redis. Each runs atomically inside Redis, so two nodes can
 * never seat a third member, and exactly one node releases a held seat or takes over a dead
 * node's seats. Times come from Redis (TIME), not from the nodes' clocks.
 *
 * Keys (P is the prefix, `zr:` by default):
 * - P room:<roomId>   hash uid -> JSON {c: connId, p: polite '1'/'0', h: held '1'/'0', r: resume hash, n: node}
 * - P rooms           set of room ids with at least one seat (for the cluster-wide room count)
 * - P seats:<node>    set of "roomId\nuid" seated through that node
 * - P nodes           set of node ids that have announced themselves
 * - P alive:<node>    a key with a short TTL, refreshed by the node's heartbeat
 * - P grace           sorted set "roomId\nuid\nconnId" scored by the end of its grace period (ms)
 * - P epoch           changes when Redis lost its data (a restart without persistence)
 * Every key carries a TTL refreshed while in use, so nothing stays after the last node is gone.
 * Room ids and uids never contain control characters (the decoder refuses them), so "\n" is a
 * safe separator.
 *
 * ARGV[1] is always the prefix and ARGV[2] the TTL of room keys in ms.
 */

const PRELUDE = String.raw`
local P = ARGV[1]
local TTL = tonumber(ARGV[2])
local SEP = '\n'

local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function node_of(connId)
  return string.match(connId, '^(.-)%.') or ''
end

local function split(s)
  local parts = {}
  for part in string.gmatch(s, '[^\n]+') do parts[#parts + 1] = part end
  return parts
end

-- The seat of uid and the other seat of the room.
local function seats_of(roomId, uid)
  local flat = redis.call('HGETALL', P .. 'room:' .. roomId)
  local mine, other
  local count = 0
  for i = 1, #flat, 2 do
    local s = cjson.decode(flat[i + 1])
    s.uid = flat[i]
    count = count + 1
    if s.uid == uid then mine = s else other = s end
  end
  return mine, other, count
end

local function write_seat(roomId, s)
  local rk = P .. 'room:' .. roomId
  redis.call('HSET', rk, s.uid, cjson.encode({ c = s.c, p = s.p, h = s.h, r = s.r, n = s.n }))
  redis.call('PEXPIRE', rk, TTL)
  redis.call('SADD', P .. 'rooms', roomId)
  redis.call('PEXPIRE', P .. 'rooms', TTL)
end

local function index_seat(roomId, s)
  local nk = P .. 'seats:' .. s.n
  redis.call('SADD', nk, roomId .. SEP .. s.uid)
  redis.call('PEXPIRE', nk, TTL)
end

local function remove_seat(roomId, s)
  local rk = P .. 'room:' .. roomId
  redis.call('HDEL', rk, s.uid)
  redis.call('SREM', P .. 'seats:' .. s.n, roomId .. SEP .. s.uid)
  redis.call('ZREM', P .. 'grace', roomId .. SEP .. s.uid .. SEP .. s.c)
  if redis.call('HLEN', rk) == 0 then
    redis.call('DEL', rk)
    redis.call('SREM', P .. 'rooms', roomId)
  end
end

local function hold_seat(roomId, s, deadline)
  s.h = '1'
  write_seat(roomId, s)
  redis.call('ZADD', P .. 'grace', deadline, roomId .. SEP .. s.uid .. SEP .. s.c)
  redis.call('PEXPIRE', P .. 'grace', TTL)
end

local function reply(s)
  if not s then return false end
  return { s.uid, s.c, s.p, s.h }
end

-- Holds every live seat of a node that is gone; returns {peerConnId, roomId, uid, heldConnId}
-- for each peer that should hear peer-reconnecting.
local function take_over(node, graceMs, out)
  local nk = P .. 'seats:' .. node
  local deadline = now_ms() + graceMs
  for _, member in ipairs(redis.call('SMEMBERS', nk)) do
    local parts = split(member)
    local roomId, uid = parts[1], parts[2]
    local mine, other = seats_of(roomId, uid)
    if mine and mine.n == node and mine.h == '0' then
      hold_seat(roomId, mine, deadline)
      if other and other.h == '0' then
        out[#out + 1] = other.c
        out[#out + 1] = roomId
        out[#out + 1] = uid
        out[#out + 1] = mine.c
      end
    end
  end
  redis.call('DEL', nk)
  redis.call('SREM', P .. 'nodes', node)
  redis.call('DEL', P .. 'alive:' .. node)
  return out
end
`;

/** ARGV: roomId, uid, connId, resumeHash, presentedHash ('' = none), resumeOnly ('1' = never seat afresh). */
export const JOIN = String.raw`
local roomId, uid, connId, resumeHash, presented, resumeOnly = ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local mine, other, count = seats_of(roomId, uid)
if mine then
  local old = mine.c
  if old ~= connId and (presented == '' or presented ~= mine.r) then
    return { 'refused', 'uid-taken' }
  end
  local wasHeld = mine.h
  if old ~= connId then
    redis.call('SREM', P .. 'seats:' .. mine.n, roomId .. SEP .. uid)
    redis.call('ZREM', P .. 'grace', roomId .. SEP .. uid .. SEP .. old)
  end
  mine.c = connId
  mine.h = '0'
  mine.n = node_of(connId)
  write_seat(roomId, mine)
  index_seat(roomId, mine)
  local replaced = ''
  if old ~= connId and wasHeld == '0' then replaced = old end
  return { 'seated', reply(mine), reply(other), old ~= connId and '1' or '0', mine.r, replaced, wasHeld }
end
if resumeOnly == '1' then return { 'refused', 'unauthorized' } end
if count >= 2 then return { 'refused', 'room-full' } end
-- The member already in the room makes the offer (impolite); the joiner is polite.
if other then
  other.p = '0'
  write_seat(roomId, other)
end
local seat = { uid = uid, c = connId, p = other and '1' or '0', h = '0', r = resumeHash, n = node_of(connId) }
write_seat(roomId, seat)
index_seat(roomId, seat)
return { 'seated', reply(seat), reply(other), '0', resumeHash, '', '0' }
`;

/** ARGV: roomId, uid, connId, mode ('leave' or 'release'). Returns false, or {peer}. */
export const LEAVE = String.raw`
local roomId, uid, connId, mode = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
local mine, other = seats_of(roomId, uid)
if not mine or mine.c ~= connId or (mode == 'release' and mine.h ~= '1') then return false end
remove_seat(roomId, mine)
return { reply(other) }
`;

/** ARGV: roomId, uid, connId, graceMs. Returns false, or {peer}. */
export const HOLD = String.raw`
local roomId, uid, connId, graceMs = ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
local mine, other = seats_of(roomId, uid)
if not mine or mine.c ~= connId then return false end
hold_seat(roomId, mine, now_ms() + graceMs)
return { reply(other) }
`;

/**
 * The node's heartbeat. ARGV: node, aliveMs, candidate epoch.
 * Returns {1 if the node had to be added to the node set (it was missing), epoch}.
 */
export const BEAT = String.raw`
local node, aliveMs, candidate = ARGV[3], tonumber(ARGV[4]), ARGV[5]
redis.call('SET', P .. 'alive:' .. node, '1', 'PX', aliveMs)
local added = redis.call('SADD', P .. 'nodes', node)
redis.call('PEXPIRE', P .. 'nodes', TTL)
redis.call('PEXPIRE', P .. 'seats:' .. node, TTL)
redis.call('SET', P .. 'epoch', candidate, 'NX')
redis.call('PEXPIRE', P .. 'epoch', TTL)
return { added, redis.call('GET', P .. 'epoch') }
`;

/**
 * Holds the seats of every node whose heartbeat key expired. ARGV: self, graceMs.
 * Returns a flat list of {peerConnId, roomId, uid, heldConnId}.
 */
export const REAP = String.raw`
local self, graceMs = ARGV[3], tonumber(ARGV[4])
local out = {}
for _, node in ipairs(redis.call('SMEMBERS', P .. 'nodes')) do
  if node ~= self and redis.call('EXISTS', P .. 'alive:' .. node) == 0 then
    take_over(node, graceMs, out)
  end
end
return out
`;

/** A node leaving the cluster holds its own remaining seats. ARGV: node, graceMs. */
export const RESIGN = String.raw`
return take_over(ARGV[3], tonumber(ARGV[4]), {})
`;

/**
 * Releases held seats whose grace period is over. ARGV: limit.
 * Returns a flat list of {peerConnId, roomId, uid}.
 */
export const SWEEP = String.raw`
local limit = tonumber(ARGV[3])
local out = {}
for _, member in ipairs(redis.call('ZRANGEBYSCORE', P .. 'grace', '-inf', now_ms(), 'LIMIT', 0, limit)) do
  redis.call('ZREM', P .. 'grace', member)
  local parts = split(member)
  local roomId, uid, connId = parts[1], parts[2], parts[3]
  local mine, other = seats_of(roomId, uid)
  if mine and mine.c == connId and mine.h == '1' then
    remove_seat(roomId, mine)
    if other then
      out[#out + 1] = other.c
      out[#out + 1] = roomId
      out[#out + 1] = uid
    end
  end
end
return out
`;

/**
 * Brings Redis back in line with the node's live connections after the node lost Redis for a
 * while. ARGV: node, mode ('restore' when Redis lost its data, else 'strict'), then five
 * fields per live seat: roomId, uid, connId, resumeHash, polite.
 * - a seat of this node with no live connection any more (a leave that failed) is removed;
 * - a live seat that is held (other nodes declared this node dead) is taken back;
 * - a live seat that is missing is recreated when Redis lost its data; otherwise it was released
 *   or resumed elsewhere meanwhile, and the connection is lost.
 * Returns a flat list of {kind, connId, roomId, uid, aboutConnId} with kind 'leave' (tell connId
 * peer-leave), 'resumed' (tell connId peer-resumed) or 'lost' (close connId).
 */
export const RECONCILE = String.raw`
local node, mode = ARGV[3], ARGV[4]
local live = {}
local list = {}
for i = 5, #ARGV, 5 do
  local s = { roomId = ARGV[i], uid = ARGV[i + 1], c = ARGV[i + 2], r = ARGV[i + 3], p = ARGV[i + 4] }
  live[s.roomId .. SEP .. s.uid] = s.c
  list[#list + 1] = s
end
local out = {}
local function push(kind, connId, roomId, uid, about)
  out[#out + 1] = kind
  out[#out + 1] = connId
  out[#out + 1] = roomId
  out[#out + 1] = uid
  out[#out + 1] = about
end
for _, member in ipairs(redis.call('SMEMBERS', P .. 'seats:' .. node)) do
  local parts = split(member)
  local roomId, uid = parts[1], parts[2]
  local mine, other = seats_of(roomId, uid)
  if not mine then
    redis.call('SREM', P .. 'seats:' .. node, member)
  elseif mine.n == node and mine.h == '0' and live[member] ~= mine.c then
    remove_seat(roomId, mine)
    if other then push('leave', other.c, roomId, uid, mine.c) end
  end
end
for _, s in ipairs(list) do
  local mine, other, count = seats_of(s.roomId, s.uid)
  if mine and mine.c == s.c then
    if mine.h == '1' then
      redis.call('ZREM', P .. 'grace', s.roomId .. SEP .. s.uid .. SEP .. s.c)
      mine.h = '0'
      if other then push('resumed', other.c, s.roomId, s.uid, s.c) end
    end
    mine.n = node
    write_seat(s.roomId, mine)
    index_seat(s.roomId, mine)
  elseif not mine and mode == 'restore' and count < 2 then
    local seat = { uid = s.uid, c = s.c, p = s.p, h = '0', r = s.r, n = node }
    write_seat(s.roomId, seat)
    index_seat(s.roomId, seat)
  else
    push('lost', s.c, s.roomId, s.uid, '')
  end
end
return out
`;

/** Refreshes the TTL of the rooms seated through a node (long calls). ARGV: node. */
export const TOUCH = String.raw`
local node = ARGV[3]
for _, member in ipairs(redis.call('SMEMBERS', P .. 'seats:' .. node)) do
  redis.call('PEXPIRE', P .. 'room:' .. split(member)[1], TTL)
end
redis.call('PEXPIRE', P .. 'rooms', TTL)
return 1
`;

export const SCRIPTS = { JOIN, LEAVE, HOLD, BEAT, REAP, RESIGN, SWEEP, RECONCILE, TOUCH } as const;
export type ScriptName = keyof typeof SCRIPTS;

/** The full source of a script, helpers included. */
export function scriptSource(name: ScriptName): string {
  return PRELUDE + SCRIPTS[name];
}
