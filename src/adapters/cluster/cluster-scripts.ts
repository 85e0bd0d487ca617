/**
 * The cluster's state in Redis, changed only by these scripts so every change is
 * atomic (Redis runs one script at a time). ARGV[1] is always the key prefix.
 *
 *   <p>u:<userId>          set of "<nodeId>|<connectionId>": where the user is logged in
 *   <p>n:<nodeId>:conns    set of "<userId>|<connectionId>": what a node holds (for reaping)
 *   <p>n:<nodeId>:alive    the node's heartbeat, with a TTL
 *   <p>n:<nodeId>:ch       the node's pub/sub channel
 *   <p>nodes               set of node ids that joined and were not reaped
 *   <p>reaped              set of node ids reaped by another node (until they resync)
 *   <p>unsettled           set of reaped node ids whose sessions are still to be cleared
 *   <p>online              set of user ids logged in anywhere
 *
 * Node ids never contain "|" (config checks it); user ids are integers.
 */

/** ARGV: prefix, userId, nodeId, connectionId. Returns 1 when this is the user's first connection anywhere. */
export const ATTACH = `
local p, uid, node, conn = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
redis.call('SADD', p .. 'n:' .. node .. ':conns', uid .. '|' .. conn)
local added = redis.call('SADD', p .. 'u:' .. uid, node .. '|' .. conn)
redis.call('SADD', p .. 'online', uid)
if added == 1 and redis.call('SCARD', p .. 'u:' .. uid) == 1 then return 1 end
return 0
`;

/** ARGV: prefix, userId, nodeId, connectionId. Returns 1 when it was the user's last connection anywhere. */
export const DETACH = `
local p, uid, node, conn = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
redis.call('SREM', p .. 'n:' .. node .. ':conns', uid .. '|' .. conn)
local removed = redis.call('SREM', p .. 'u:' .. uid, node .. '|' .. conn)
if redis.call('SCARD', p .. 'u:' .. uid) == 0 then
  redis.call('SREM', p .. 'online', uid)
  if removed == 1 then return 1 end
end
return 0
`;

/**
 * ARGV: prefix, own nodeId, then for each event: kind ("push" or "kick"), event JSON
 * (or ""), how many users, the users' ids. Publishes once to every other node where
 * one of the users is logged in: a JSON array with an entry per event that has users
 * there, naming those users. Returns how many (event, node) entries it published.
 */
export const ROUTE = `
local p, self = ARGV[1], ARGV[2]
-- The list at map[key], made (and its key appended to order) on first use.
local function listAt(map, key, order)
  local list = map[key]
  if list == nil then
    list = {}
    map[key] = list
    table.insert(order, key)
  end
  return list
end
local nodesOf, byNode, order, routed = {}, {}, {}, 0
local i = 3
while i <= #ARGV do
  local kind, event, count = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2])
  local usersAt, atOrder = {}, {}
  for j = i + 3, i + 2 + count do
    local uid = ARGV[j]
    local nodes = nodesOf[uid]
    if nodes == nil then
      nodes = {}
      for _, member in ipairs(redis.call('SMEMBERS', p .. 'u:' .. uid)) do
        local node = string.match(member, '^(.-)|')
        if node ~= self and nodes[#nodes] ~= node then table.insert(nodes, node) end
      end
      nodesOf[uid] = nodes
    end
    for _, node in ipairs(nodes) do
      local users = listAt(usersAt, node, atOrder)
      if users[#users] ~= uid then table.insert(users, uid) end
    end
  end
  local tail = ''
  if event ~= '' then tail = ',"event":' .. event end
  for _, node in ipairs(atOrder) do
    table.insert(listAt(byNode, node, order), '{"kind":"' .. kind .. '","users":[' .. table.concat(usersAt[node], ',') .. ']' .. tail .. '}')
    routed = routed + 1
  end
  i = i + 3 + count
end
for _, node in ipairs(order) do
  redis.call('PUBLISH', p .. 'n:' .. node .. ':ch', '[' .. table.concat(byNode[node], ',') .. ']')
end
return routed
`;

/**
 * ARGV: prefix, nodeId, "claim" or "own". Removes a node's connections from the
 * users' sets (and users with none left from the online set), and the node from
 * the node set. With "claim" it does nothing and returns -1 unless the node was
 * still in the node set, so of several surviving nodes exactly one reaps a dead
 * one, and it marks the node reaped and its sessions unsettled; "own" (a node
 * clearing what its earlier run left) always proceeds and clears those marks.
 * Returns how many connections were removed.
 */
export const REAP = `
local p, node, mode = ARGV[1], ARGV[2], ARGV[3]
local member = redis.call('SREM', p .. 'nodes', node)
if mode == 'claim' then
  if member == 0 then return -1 end
  redis.call('SADD', p .. 'reaped', node)
  redis.call('SADD', p .. 'unsettled', node)
else
  redis.call('SREM', p .. 'reaped', node)
end
local key = p .. 'n:' .. node .. ':conns'
local entries = redis.call('SMEMBERS', key)
for _, entry in ipairs(entries) do
  local uid, conn = string.match(entry, '^(.-)|(.*)$')
  redis.call('SREM', p .. 'u:' .. uid, node .. '|' .. conn)
  if redis.call('SCARD', p .. 'u:' .. uid) == 0 then redis.call('SREM', p .. 'online', uid) end
end
redis.call('DEL', key)
return #entries
`;

/**
 * ARGV: prefix, nodeId, then pairs of userId, connectionId. Makes Redis hold
 * exactly these connections for the node (after a reconnect, or after the node
 * was reaped while it was alive but could not reach Redis), and the node in the
 * node set. Returns the users who had no connection anywhere before if another
 * node had reaped this one (their friends were told they went offline), else
 * nothing (Redis merely lost its data: nobody was told anything).
 */
export const RESYNC = `
local p, node = ARGV[1], ARGV[2]
local key = p .. 'n:' .. node .. ':conns'
local wanted = {}
for i = 3, #ARGV, 2 do wanted[ARGV[i] .. '|' .. ARGV[i + 1]] = true end
for _, entry in ipairs(redis.call('SMEMBERS', key)) do
  if not wanted[entry] then
    local uid, conn = string.match(entry, '^(.-)|(.*)$')
    redis.call('SREM', key, entry)
    redis.call('SREM', p .. 'u:' .. uid, node .. '|' .. conn)
    if redis.call('SCARD', p .. 'u:' .. uid) == 0 then redis.call('SREM', p .. 'online', uid) end
  end
end
local reaped = redis.call('SREM', p .. 'reaped', node) == 1
local back = {}
for i = 3, #ARGV, 2 do
  local uid, conn = ARGV[i], ARGV[i + 1]
  if reaped and redis.call('SCARD', p .. 'u:' .. uid) == 0 then table.insert(back, uid) end
  redis.call('SADD', key, uid .. '|' .. conn)
  redis.call('SADD', p .. 'u:' .. uid, node .. '|' .. conn)
  redis.call('SADD', p .. 'online', uid)
end
redis.call('SADD', p .. 'nodes', node)
return back
`;

/*
 * Failed-login counts, shared by the nodes (RedisFailureCounter):
 *
 *   <p>lf:<scope>:<hash>   failures of one username or address within its window, with a TTL
 *
 * The hash stands for the username or address, so neither is stored; every count
 * expires one window after its first failure, as the in-memory counter forgets it.
 */

/**
 * ARGV: key, maxFailures, windowMs. Counts one failure unless the key is already
 * blocked; returns 1 when counted, 0 when blocked (nothing counted).
 */
export const FAILURE_ADMIT = `
local key, max, window = ARGV[1], tonumber(ARGV[2]), ARGV[3]
if tonumber(redis.call('GET', key) or '0') >= max then return 0 end
local n = redis.call('INCR', key)
if n == 1 or redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, window) end
return 1
`;

/** ARGV: key, windowMs. Counts one failure; returns the count within the window. */
export const FAILURE_RECORD = `
local key, window = ARGV[1], ARGV[2]
local n = redis.call('INCR', key)
if n == 1 or redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, window) end
return n
`;

/** ARGV: key. The failures counted within the window (0 when none). */
export const FAILURE_COUNT = `
return tonumber(redis.call('GET', ARGV[1]) or '0')
`;

/** ARGV: key. Forgets the failures (a successful login). */
export const FAILURE_RESET = `
return redis.call('DEL', ARGV[1])
`;
