--[[
  reserveSlot: decides whether one CAM call of one (account, action) pair may be sent, and when.

  Algorithm: evenly spaced admission (GCRA with a burst of one, i.e. a token bucket of capacity 1). The key
  holds the NEXT FREE SLOT: the earliest moment the pair may send again. Each admission takes the slot
  max(stored, now) and moves the stored value one interval past it. So any two admitted slots are at least one
  interval apart, whichever process, connection or host asked for them: this script runs atomically.

  Why the bound holds: N+1 consecutive slots span at least N * interval. The caller passes
  interval = ceil((1000 ms + safety margin) / N), so that span is >= 1000 ms + margin. A rolling window
  (t - 1000 ms, t] therefore never holds more than N slots; the margin (default 20 ms per window) absorbs
  jitter between the slot and the moment CAM sees the request, e.g. when the first call of a window arrives
  late and the last on time. (Without a margin, slots exactly 1000/N ms apart would still keep the half-open
  window at N, but N + 1 of them would fit a closed one, and any jitter would break it.) A bucket of capacity C > 1 would let C + N through in a rolling second; capacity 1
  cannot burst at all.

  It is a reservation, not a poll: a caller that accepts the wait owns its slot and sleeps until it (one round
  trip per call). A caller whose slot would be further away than it accepts reserves nothing and is told when
  the next slot is free, so it can move its job to delayed instead of holding a worker.

  The clock is Redis's own TIME (microseconds), so the callers' clocks never matter. microsArg, nowMicros,
  readSlot and writeSlot come from includes/slotStore.lua, which scripts.ts puts in front of this file.

  Touches exactly KEYS[1], so the script is safe on Redis Cluster.

  Input:
    KEYS[1]  the pair's key: the next free slot, integer microseconds since the epoch on Redis's clock.
    ARGV[1]  interval between two admissions, integer microseconds > 0.
    ARGV[2]  longest wait the caller accepts, integer microseconds >= 0 (0: admit only if free right now).

  Output: { admitted, waitUs, slotUs }
    admitted = 1  the caller owns slotUs: it sleeps waitUs (= slotUs - now, <= ARGV[2]), then sends.
    admitted = 0  nothing was reserved; the next slot (slotUs) is free in waitUs (> ARGV[2]) microseconds.
]]
local key = KEYS[1]
local intervalUs, badInterval = microsArg(ARGV[1], "reserveSlot", "interval", true)
if not intervalUs then return redis.error_reply(badInterval) end
local maxWaitUs, badWait = microsArg(ARGV[2], "reserveSlot", "maxWait", false)
if not maxWaitUs then return redis.error_reply(badWait) end

local nowUs = nowMicros()
local storedUs, problem = readSlot(key, nowUs, "reserveSlot")
if not storedUs then return redis.error_reply(problem) end

-- A slot in the past is worth nothing: an idle pair sends at once, still >= one interval after the last slot.
local slotUs = math.max(storedUs, nowUs)
local waitUs = slotUs - nowUs
if waitUs > maxWaitUs then
  return { 0, waitUs, slotUs }
end

writeSlot(key, slotUs + intervalUs, nowUs)
return { 1, waitUs, slotUs }
