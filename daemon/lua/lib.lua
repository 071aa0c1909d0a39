-- lib: prepended to every other script (see od_queue.c).
-- od_field_names is od_record_field_names in od_record.c (tests/test_record.c checks).
-- The attempt stream's fields, in a fixed order, from a record table.
local od_field_names = {'ts', 'account_id', 'action_id', 'attempt_id', 'policy', 'step',
                        'stage', 'channel', 'gateway', 'status', 'provider_id', 'reason', 'code',
                        'encoding', 'segments', 'timezone'}
local function od_fields(r)
  local f, n = {}, 0
  for i = 1, #od_field_names do
    local k = od_field_names[i]
    local v = r[k]
    if v ~= nil and v ~= '' then f[n + 1] = k; f[n + 2] = tostring(v); n = n + 2 end
  end
  return f
end
