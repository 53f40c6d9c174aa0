/**
 * The Lua scripts behind RedisMessageStore: every mutation is one script, so Redis runs it
 * atomically. Redis has no rollback, so each script reads and checks everything before its
 * first write: a refusal (or a failing read) leaves nothing behind.
 *
 * Entry members (in `mbz:<user>`, score = seq) are `<kind><seq>\n<json>`, kind `m` or `r`;
 * mail adds `\n<bytes>:<sender><receipt fields>`: the sender's user id, length-prefixed
 * because ids may hold any character, then the JSON fields (`"owner":..,"mailId":..,
 * "to":..,"ref":..`) its receipts carry, encoded by JavaScript. So Lua never decodes or
 * encodes JSON: cjson would turn an empty array in a body into an object, and chokes on
 * escapes JavaScript allows.
 */
export interface LuaScript {
  source: string;
}

function script(body: string): LuaScript {
  return { source: HELPERS + body };
}

const HELPERS = String.raw`
local function isMail(member) return string.byte(member, 1) == 109 end
local function seqOf(member) return string.match(member, "^.(%d+)\n") end
-- "<bytes>:<text><rest>" read from position at: returns text, rest.
local function unprefix(s, at)
  local colon = string.find(s, ":", at, true)
  local len = tonumber(string.sub(s, at, colon - 1))
  return string.sub(s, colon + 1, colon + len), string.sub(s, colon + len + 1)
end
`;

/**
 * KEYS: mb:<to>, mbz:<to>, entries-by-ts, sent:<from>, sent-by-ts, waiting.
 * ARGV: to, ts, mail JSON, receipt tail, has ref ("1"/"0"), ref, fingerprint, sent-by-ts
 * member, acceptance JSON, idempotency window ms, max messages, overflow policy.
 * Returns {"duplicate", sent value} | {"full"} | {"stored", seq, dropped}.
 */
export const APPEND = script(String.raw`
local box, entries, byTs, sent, sentByTs, waiting = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local to, ts, mail, tail = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local hasRef, ref, fingerprint, sentMember, accepted = ARGV[5] == "1", ARGV[6], ARGV[7], ARGV[8], ARGV[9]
local window, maxMessages, overflow = tonumber(ARGV[10]), tonumber(ARGV[11]), ARGV[12]

if hasRef then
  local earlier = redis.call("HGET", sent, ref)
  if earlier then
    local fp, at = string.match(earlier, "^([^\n]*)\n([^\n]*)\n")
    if fp == fingerprint and tonumber(ts) - tonumber(at) < window then
      return {"duplicate", earlier}
    end
  end
end

local mails = tonumber(redis.call("HGET", box, "mails") or "0")
local dropped = 0
if mails >= maxMessages then
  -- Acknowledged entries go first; counted before anything is removed, so a refusal keeps them.
  local acked = redis.call("HGET", box, "acked") or "0"
  local evictable = redis.call("ZRANGEBYSCORE", entries, "-inf", acked)
  local evictableMails = 0
  for _, member in ipairs(evictable) do
    if isMail(member) then evictableMails = evictableMails + 1 end
  end
  if mails - evictableMails >= maxMessages and overflow == "refuse" then return {"full"} end
  for _, member in ipairs(evictable) do
    redis.call("ZREM", byTs, to .. "\0" .. seqOf(member))
  end
  redis.call("ZREMRANGEBYSCORE", entries, "-inf", acked)
  mails = mails - evictableMails
  if mails >= maxMessages then
    -- dropOldest: the oldest mail; receipts before it stay (they never count against the limit).
    local offset, oldest = 0, nil
    while not oldest do
      local page = redis.call("ZRANGE", entries, offset, offset + 99)
      if #page == 0 then break end
      for _, member in ipairs(page) do
        if isMail(member) then oldest = member break end
      end
      offset = offset + 100
    end
    if oldest then
      redis.call("ZREM", entries, oldest)
      redis.call("ZREM", byTs, to .. "\0" .. seqOf(oldest))
      mails = mails - 1
      dropped = 1
    end
  end
end

local seq = redis.call("HINCRBY", box, "last", 1)
redis.call("HSET", box, "mails", mails + 1)
redis.call("ZADD", entries, seq, "m" .. seq .. "\n" .. mail .. "\n" .. tail)
redis.call("ZADD", byTs, ts, to .. "\0" .. seq)
redis.call("SADD", waiting, to)
if hasRef then
  redis.call("HSET", sent, ref, fingerprint .. "\n" .. ts .. "\n" .. seq .. "\n" .. accepted)
  redis.call("ZADD", sentByTs, ts, sentMember)
end
return {"stored", seq, dropped}
`);

/**
 * KEYS: mb:<user>, mbz:<user>, entries-by-ts, waiting.
 * ARGV: user, seq, status ("delivered"/"read"), now, key prefix (the senders' mailboxes are
 * only known once the covered mail is read, so their keys are built here).
 * Returns the receipt members appended, in order.
 */
export const ACK = script(String.raw`
local box, entries, byTs, waiting = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local user, status, now, prefix = ARGV[1], ARGV[3], ARGV[4], ARGV[5]
local last = redis.call("HGET", box, "last")
if not last then return {} end
local upTo = math.min(tonumber(ARGV[2]), tonumber(last))
local receipts = {}

local function receiptsFor(after, kind)
  for _, member in ipairs(redis.call("ZRANGEBYSCORE", entries, "(" .. after, upTo)) do
    if isMail(member) then
      local header = string.find(member, "\n", 1, true)
      local tailAt = string.find(member, "\n", header + 1, true) + 1
      local sender, fields = unprefix(member, tailAt)
      local seq = redis.call("HINCRBY", prefix .. "mb:" .. sender, "last", 1)
      local receipt = "r" .. seq .. "\n" .. '{"kind":"receipt","status":"' .. kind ..
        '","ts":' .. now .. "," .. fields .. "}"
      redis.call("ZADD", prefix .. "mbz:" .. sender, seq, receipt)
      redis.call("ZADD", byTs, now, sender .. "\0" .. seq)
      redis.call("SADD", waiting, sender)
      receipts[#receipts + 1] = receipt
    end
  end
end

local acked = redis.call("HGET", box, "acked") or "0"
if upTo > tonumber(acked) then
  receiptsFor(acked, "delivered")
  redis.call("HSET", box, "acked", upTo)
end
if status == "read" then
  local read = redis.call("HGET", box, "read") or "0"
  if upTo > tonumber(read) then
    receiptsFor(read, "read")
    redis.call("HSET", box, "read", upTo)
  end
end
-- Read last again: a user acknowledging mail to themselves just got receipts.
if tonumber(redis.call("HGET", box, "last")) > tonumber(redis.call("HGET", box, "acked") or "0") then
  redis.call("SADD", waiting, user)
else
  redis.call("SREM", waiting, user)
end
return receipts
`);

/**
 * KEYS: entries-by-ts, sent-by-ts.
 * ARGV: key prefix, entries at or before this ts expire, idempotency keys at or before this
 * ts expire, batch size (at most this many of each per call, so one call is short).
 * Returns {entries removed, by-ts members examined, idempotency keys removed}.
 */
export const EXPIRE = script(`
local byTs, sentByTs = KEYS[1], KEYS[2]
local prefix, entriesBefore, sentBefore, batch = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local removed = 0

local expired = redis.call("ZRANGEBYSCORE", byTs, "-inf", entriesBefore, "LIMIT", 0, batch)
for _, member in ipairs(expired) do
  local user, seq = string.match(member, "^(.*)%z(%d+)$")
  if user then
    local entries = prefix .. "mbz:" .. user
    for _, entry in ipairs(redis.call("ZRANGEBYSCORE", entries, seq, seq)) do
      if isMail(entry) then redis.call("HINCRBY", prefix .. "mb:" .. user, "mails", -1) end
      removed = removed + 1
    end
    redis.call("ZREMRANGEBYSCORE", entries, seq, seq)
  end
  redis.call("ZREM", byTs, member)
end

local stale = redis.call("ZRANGEBYSCORE", sentByTs, "-inf", sentBefore, "LIMIT", 0, batch)
for _, member in ipairs(stale) do
  local sender, ref = unprefix(member, 1)
  redis.call("HDEL", prefix .. "sent:" .. sender, ref)
  redis.call("ZREM", sentByTs, member)
end
return {removed, #expired, #stale}
`);
