# Placement checks of one results.json from the vmtest guest.  Arguments:
# $cpus (the kernel's topology: {"N": {"pkg": P, "node": M, "sib": "a-b"}}),
# $bind ("core" or "pu"), $policy ("compact" or "scatter").  Prints one line per
# problem found; nothing when every record is right.
def expand:
  if . == "" then []
  else split(",") | map(if test("-") then (split("-") | map(tonumber)) as $r | range($r[0]; $r[1] + 1)
                        else tonumber end)
  end;
def pkg: $cpus[tostring].pkg;
def sib: $cpus[tostring].sib;
.results[] as $r
| $r.placement.workers as $ws
| "\($r.mode) workers=\($r.workers)" as $id
| (if $r.valid != true then "\($id): not valid (\($r.status): \($r.error))" else empty end),
  (if $r.placement.bound != true then "\($id): placement not bound" else empty end),
  (if $r.placement.on_plan != true then "\($id): parbench says a worker ran off its plan" else empty end),
  (if ($ws | length) != $r.workers then "\($id): \($ws | length) worker entries" else empty end),
  # Observed equals planned: the CPU each worker started and ended its last run on
  # lies in the cpuset it was planned (and bound) to.
  ($ws[] | . as $w | ($w.planned | expand) as $set
   | (if ($set | length) == 0 then "\($id) worker \($w.worker): no planned cpuset" else empty end),
     (if ([$w.cpu_start, $w.cpu_end] | all(. as $c | $c >= 0 and any($set[]; . == $c))) | not
      then "\($id) worker \($w.worker): ran on CPU \($w.cpu_start)..\($w.cpu_end), planned \($w.planned)"
      else empty end),
     (if ($set | length) > 0 and $bind == "core" and $w.planned != ($set[0] | sib)
      then "\($id) worker \($w.worker): planned \($w.planned) is not one whole core (siblings \($set[0] | sib))"
      else empty end),
     (if $bind == "pu" and ($set | length) != 1
      then "\($id) worker \($w.worker): planned \($w.planned) is not one PU" else empty end)),
  (if ([$ws[].planned] | unique | length) != ($ws | length) then "\($id): two workers share a cpuset"
   else empty end),
  # The policy, judged on the kernel's package and sibling numbers.
  ([$ws[].planned | expand | .[0] | pkg]) as $pk
  | ($r.workers) as $n
  | if $policy == "compact" then
      (if $pk != ($pk | sort) then "\($id): compact plan not in package order: \($pk)" else empty end),
      (if (($bind == "core" and $n <= 4) or ($bind == "pu" and $n <= 8)) and ($pk | max) != 0
       then "\($id): compact plan left package 0 before it was full: \($pk)" else empty end),
      (if $bind == "pu" and $n >= 2 and ($ws[0].planned | expand | .[0] | sib) != ($ws[1].planned | expand | .[0] | sib)
       then "\($id): compact PU plan did not put workers 0 and 1 on one core" else empty end)
    else
      (if $n >= 2 and ((([$pk[] | select(. == 0)] | length) - ([$pk[] | select(. == 1)] | length)) | fabs) > 1
       then "\($id): scatter plan unbalanced over packages: \($pk)" else empty end),
      (if $bind == "pu" and $n <= 8 and ([$ws[].planned | expand | .[0] | sib] | unique | length) != $n
       then "\($id): scatter PU plan put SMT siblings together below 9 workers" else empty end)
    end
