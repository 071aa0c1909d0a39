-- lib: prepended to every other script (see od_queue.c).
-- The attempt stream's fields, in a fixed order, from a record table.
local function od_fields(r)
  local f = {}
  for _, k in ipairs({'ts', 'account_id', 'action_id', 'attempt_id', 'policy', 'step', 'stage',
                      'channel', 'gateway', 'status', 'provider_id', 'reason', 'code',
                      'encoding', 'segments'}) do
    if r[k] ~= nil and r[k] ~= '' then f[#f + 1] = k; f[#f + 1] = tostring(r[k]) end
  end
  return f
end
