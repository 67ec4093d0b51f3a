--[[
  pushBackSlot: CAM answered RequestLimitExceeded although reserveSlot kept us within the limit, so another
  client shares this account's quota. Moves the pair's next free slot to at least now + penalty, so every
  process backs off for the penalty window. It never moves the slot earlier: a later slot already reserved
  (queued callers, an earlier longer penalty) stays.

  Slots reserved before the penalty keep their place; their callers were already promised them. If CAM
  throttles them too, they push back again.

  Touches exactly KEYS[1] (Redis Cluster safe). The clock is Redis's TIME, as in reserveSlot; microsArg,
  nowMicros, readSlot and writeSlot come from includes/slotStore.lua, which scripts.ts puts in front of this file.

  Input:
    KEYS[1]  the pair's key (same layout and value as reserveSlot-1.lua: next free slot, microseconds).
    ARGV[1]  penalty, integer microseconds >= 0.

  Output: waitUs, how far the next free slot now lies from now (>= the penalty).
]]
local key = KEYS[1]
local penaltyUs, badPenalty = microsArg(ARGV[1], "pushBackSlot", "penalty", false)
if not penaltyUs then return redis.error_reply(badPenalty) end

local nowUs = nowMicros()
local storedUs, problem = readSlot(key, nowUs, "pushBackSlot")
if not storedUs then return redis.error_reply(problem) end

local nextUs = math.max(storedUs, nowUs + penaltyUs)
writeSlot(key, nextUs, nowUs)
return nextUs - nowUs
