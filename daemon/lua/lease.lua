-- lease: reads what settling an action's lease needs (od_reclaim.c).
-- KEYS[1] inflight (zset)  KEYS[2] lease (hash)  KEYS[3] state (hash)
-- KEYS[4] personof (hash)
-- ARGV: id
-- Returns {expiry, lease, state, version, person id}: expiry is the
-- lease's score in ms ('' when the action is not in flight); lease is
-- "<consumer> claimed" or "<consumer> sending <record JSON>" ('' when
-- none); state and person id '' when none; version lib.lua's od_ver.
-- reclaim.lua writes what the daemon decided only while the lease and the
-- version are still these.
local id = ARGV[1]
local score = redis.call('ZSCORE', KEYS[1], id) or ''
local raw = redis.call('HGET', KEYS[3], id) or ''
return {score, redis.call('HGET', KEYS[2], id) or '', raw, od_ver(raw),
        redis.call('HGET', KEYS[4], id) or ''}
