--[[
  reserveTurn: hands out rotation turns for one account, so a rotation starts only about when its
  CreateAccessKey slot is near. Without turns, a FIFO backlog of one account fills every worker with jobs that
  wait on that account's 5/s, and a second account's jobs queued behind them start seconds late.

  Algorithm: GCRA with a burst tolerance. The key holds the account's theoretical next turn (TAT). A caller gets
  the turn max(now, TAT - lead) and moves the TAT one interval on. Turns are spaced by the CreateAccessKey
  interval, and each runs `lead` ahead of its nominal time, so a few rotations are always through their
  pre-create steps and queued at the CreateAccessKey gate: that gate, which alone guards the limit, never idles
  for want of a caller. An idle account gets lead / interval + 1 turns at once.

  A turn is always reserved, however far away: the caller that cannot wait that long parks its job in the queue
  until the turn (moveToDelayed) and keeps the turn, so a long backlog lines up in order, each job taken from
  the queue about once. A turn that is never used costs one interval of pacing, never a CAM call: turns only
  pace starts, the CAM gate still decides every call.

  The clock is Redis's TIME; microsArg, nowMicros, readSlot and writeSlot come from includes/slotStore.lua.
  Touches exactly KEYS[1] (Redis Cluster safe).

  Input:
    KEYS[1]  the account's turn key: the TAT, integer microseconds since the epoch on Redis's clock.
    ARGV[1]  interval between two turns, integer microseconds > 0.
    ARGV[2]  lead, integer microseconds >= 0.

  Output: { waitUs, turnUs }: the caller's turn, and how far it lies from now.
]]
local key = KEYS[1]
local intervalUs, badInterval = microsArg(ARGV[1], "reserveTurn", "interval", true)
if not intervalUs then return redis.error_reply(badInterval) end
local leadUs, badLead = microsArg(ARGV[2], "reserveTurn", "lead", false)
if not leadUs then return redis.error_reply(badLead) end

local nowUs = nowMicros()
local storedUs, problem = readSlot(key, nowUs, "reserveTurn")
if not storedUs then return redis.error_reply(problem) end

local tatUs = math.max(storedUs, nowUs)
local turnUs = math.max(nowUs, tatUs - leadUs)
writeSlot(key, tatUs + intervalUs, nowUs)
return { turnUs - nowUs, turnUs }
