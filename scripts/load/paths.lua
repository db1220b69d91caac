-- GET a path chosen at random from a file of paths, one per line (PATHS_FILE).
-- wrk gives each thread its own Lua state: every thread reads the file.
local paths = {}
local file = os.getenv("PATHS_FILE")
for line in io.lines(file) do
  if #line > 0 then paths[#paths + 1] = line end
end
math.randomseed(os.time() + (tonumber(tostring({}):sub(8), 16) or 0))
request = function()
  return wrk.format("GET", paths[math.random(#paths)])
end
