-- wrk script: the shared post.lua, paced to a fixed total request rate, so
-- that latency is measured at a given load instead of at saturation.
--
--   RATE=2000 THREADS=2 wrk -t2 -c32 ... -s paced.lua URL -- BODY [CT] [CE]
--
-- wrk calls delay() before each request; each thread hands out send times
-- RATE/THREADS apart (wall clock via LuaJIT's FFI), so the rate holds
-- whatever the latency, as long as enough connections are idle.

local here = debug.getinfo(1, "S").source:sub(2):match("(.*/)") or "./"
dofile(os.getenv("POST_LUA") or (here .. "../../shared/bench/post.lua"))

local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } otlpd_timespec;
int clock_gettime(int clk, otlpd_timespec *ts);
]]
local ts = ffi.new("otlpd_timespec")
local function now_ms()
   ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
   return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

local rate = tonumber(os.getenv("RATE") or "")
local threads = tonumber(os.getenv("THREADS") or "")
if not rate or rate <= 0 or not threads or threads <= 0 then
   error("paced.lua: set RATE (requests/s in all) and THREADS (wrk -t)")
end
local gap_ms = threads * 1000 / rate
local next_slot = nil

function delay()
   local now = now_ms()
   if not next_slot or next_slot < now then
      next_slot = now
   end
   local wait = next_slot - now
   next_slot = next_slot + gap_ms
   return wait
end
