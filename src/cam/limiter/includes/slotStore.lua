--[[
  Shared by the limiter's scripts; scripts.ts puts it in front of each one (Redis has no include). It checks
  the scripts' microsecond arguments, reads Redis's clock, and reads and writes a pair's next free slot:
  integer microseconds since the epoch, as a string, expiring one second after the slot has passed.

  Redis >= 5 replicates script effects, so reading TIME before a write is allowed; replicate_commands makes
  that explicit on 5/6 and is a no-op on 7.
]]
if redis.replicate_commands then redis.replicate_commands() end

-- Redis's clock, microseconds since the epoch (a double: exact up to 2^53, i.e. until the year 2255).
local function nowMicros()
  local time = redis.call("TIME")
  return tonumber(time[1]) * 1000000 + tonumber(time[2])
end

-- The slot stored at key, or nowUs when there is none. Returns nil and a message when the key holds garbage:
-- guessing would risk the bound, so the caller answers with an error naming the key.
local function readSlot(key, nowUs, script)
  local raw = redis.call("GET", key)
  if not raw then return nowUs end
  local slotUs = tonumber(raw)
  if not slotUs then
    return nil, script .. ": key " .. key .. " does not hold a slot time: " .. string.sub(raw, 1, 40)
  end
  return slotUs
end

-- The key only matters until its slot has passed (then max(stored, now) = now anyway): one second of grace
-- lets idle pairs vanish soon without ever dropping a slot that still lies ahead. %.0f, because tostring
-- would print 1.7e+15.
local function writeSlot(key, slotUs, nowUs)
  local ttlMs = math.ceil((slotUs - nowUs) / 1000) + 1000
  redis.call("SET", key, string.format("%.0f", slotUs), "PX", ttlMs)
end

-- A microsecond argument as a number, or nil and the error the script answers with. positive: an integer > 0
-- (an interval); otherwise any number >= 0 (a wait, a penalty, a lead).
local function microsArg(raw, script, name, positive)
  local value = tonumber(raw)
  if positive then
    if value and value > 0 and value == math.floor(value) then return value end
    return nil, script .. ": " .. name .. " must be a positive integer of microseconds, got " .. tostring(raw)
  end
  if value and value >= 0 then return value end
  return nil, script .. ": " .. name .. " must be a non-negative number of microseconds, got " .. tostring(raw)
end
