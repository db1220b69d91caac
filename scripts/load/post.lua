-- POST a JSON body chosen at random from a file, one request per line:
-- "PATH<TAB>JSON" (BODIES_FILE). The API token comes from the environment (TOKEN).
local rows = {}
for line in io.lines(os.getenv("BODIES_FILE")) do
  local path, body = line:match("^([^\t]+)\t(.*)$")
  if path then rows[#rows + 1] = { path, body } end
end
math.randomseed(os.time() + (tonumber(tostring({}):sub(8), 16) or 0))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
request = function()
  local r = rows[math.random(#rows)]
  return wrk.format("POST", r[1], nil, r[2])
end
