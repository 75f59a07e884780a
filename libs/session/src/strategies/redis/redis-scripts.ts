import type { Cluster, Redis } from 'ioredis';

// Lua numbers are doubles: millisecond timestamps are exact, but `tostring` would print them in
// exponent form, so every number written back goes through `ms()`.
const MS = `local function ms(n) return string.format('%.0f', n) end`;

/**
 * Reads a session and, asked to (`ARGV[2]`, the new idle expiry), slides its idle expiry in the
 * same command. Returns the hash as it was before the call, `{}` when absent, or a marker for a
 * key of another type. ARGV: now, touch expiry or '', format version.
 */
const LOAD = `${MS}
local h = redis.pcall('HGETALL', KEYS[1])
if h.err then return {'!', 'wrongtype'} end
local touch = tonumber(ARGV[2])
if #h == 0 or not touch then return h end
local now = tonumber(ARGV[1])
local m = redis.call('HMGET', KEYS[1], 'v', 'e', 'a')
local e, a = tonumber(m[2]), tonumber(m[3])
if m[1] ~= ARGV[3] or not e or not a or e <= now or a <= now then return h end
local slid = math.min(touch, a)
-- Slides in steps of at least a second: a burst of reads writes the hash once, not once each.
if slid - e >= 1000 then
  redis.call('HSET', KEYS[1], 'e', ms(slid), 'l', ARGV[1])
  redis.call('PEXPIRE', KEYS[1], ms(slid - now))
end
return h`;

/**
 * Writes one request's change onto a session key. ARGV: format version, mode ('create' | 'update'),
 * now, createdAt, expiresAt, absoluteExpiresAt, principal ('' unchanged, '-' removed, '=<name>'
 * set), number of fields set, then field/value pairs, then fields deleted.
 * Returns 1 when written, 0 when an update found no live session, -1 when a create found the id taken.
 */
const WRITE = `${MS}
local function chunked(cmd, key, list, first, last, step)
  for i = first, last, step do
    redis.call(cmd, key, unpack(list, i, math.min(i + step - 1, last)))
  end
end
local function write(key)
  local now = tonumber(ARGV[3])
  local e, a
  if ARGV[2] == 'create' then
    if redis.call('EXISTS', key) == 1 then return -1 end
    e, a = tonumber(ARGV[5]), tonumber(ARGV[6])
    redis.call('HSET', key, 'v', ARGV[1], 'c', ARGV[4], 'e', ARGV[5], 'a', ARGV[6], 'l', ARGV[3])
  else
    local m = redis.pcall('HMGET', key, 'v', 'e', 'a')
    if m.err or m[1] ~= ARGV[1] then return 0 end
    e, a = tonumber(m[2]), tonumber(m[3])
    if not e or not a or e <= now or a <= now then return 0 end
    e = math.max(e, math.min(tonumber(ARGV[5]), a))
    redis.call('HSET', key, 'e', ms(e), 'l', ARGV[3])
  end
  local p = ARGV[7]
  if p == '-' then redis.call('HDEL', key, 'p') elseif p ~= '' then redis.call('HSET', key, 'p', string.sub(p, 2)) end
  local sets = tonumber(ARGV[8])
  local deletedFrom = 9 + 2 * sets
  if sets > 0 then chunked('HSET', key, ARGV, 9, deletedFrom - 1, 1000) end
  if #ARGV >= deletedFrom then chunked('HDEL', key, ARGV, deletedFrom, #ARGV, 1000) end
  redis.call('PEXPIRE', key, ms(math.min(e, a) - now))
  return 1
end`;

const SAVE = `${WRITE}
return write(KEYS[1])`;

/** Creates KEYS[2] then removes KEYS[1], in one atomic step (both keys in one slot, or no Cluster). */
const RENAME = `${WRITE}
local written = write(KEYS[2])
if written == 1 then redis.call('DEL', KEYS[1]) end
return written`;

/**
 * Adds a session to a principal's index (a sorted set scored by the session's absolute expiry),
 * drops entries past their expiry, keeps the index key alive as long as its longest entry, and
 * returns the remaining ids. ARGV: now, id (or '' to only prune), score.
 */
const INDEX = `${MS}
if ARGV[2] ~= '' then redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2]) end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if #last == 0 then return {} end
redis.call('PEXPIRE', KEYS[1], ms(tonumber(last[2]) - tonumber(ARGV[1])))
return redis.call('ZRANGE', KEYS[1], 0, -1)`;

/** The commands the store adds to its client (named so as not to clash with a user's own). */
export interface SessionScriptCommands {
  sessionStoreLoad(key: string, now: string, touch: string, version: string): Promise<string[]>;
  sessionStoreSave(key: string, ...args: string[]): Promise<number>;
  sessionStoreRename(fromKey: string, toKey: string, ...args: string[]): Promise<number>;
  sessionStoreIndex(key: string, now: string, id: string, score: string): Promise<string[]>;
}

export type ScriptedClient = (Redis | Cluster) & SessionScriptCommands;

/**
 * Registers the scripts once per client with `defineCommand`: ioredis sends the source once per
 * connection (EVAL) and the SHA1 afterwards (EVALSHA), and falls back to the source by itself
 * when Redis answers NOSCRIPT (after a restart or SCRIPT FLUSH).
 */
export function defineSessionScripts(client: Redis | Cluster): ScriptedClient {
  const scripted = client as ScriptedClient;
  if (typeof scripted.sessionStoreLoad === 'function') return scripted;
  client.defineCommand('sessionStoreLoad', { numberOfKeys: 1, lua: LOAD });
  client.defineCommand('sessionStoreSave', { numberOfKeys: 1, lua: SAVE });
  client.defineCommand('sessionStoreRename', { numberOfKeys: 2, lua: RENAME });
  client.defineCommand('sessionStoreIndex', { numberOfKeys: 1, lua: INDEX });
  return scripted;
}
