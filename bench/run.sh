#!/usr/bin/env bash
# The benchmark: mcptriage against the tools people reach for, on the same
# generated logs, in one run, alternating, repeated; medians reported.
#
#   bench/run.sh                      # 1 GB logs, 3 runs each, and the busy server's day
#   bench/run.sh --size 5GB --runs 1  # the memory check on a bigger input
#   bench/run.sh --no-goaccess        # GoAccess takes minutes per GB
#   bench/run.sh --busy-only          # only the busy day: 1.5 M lines of a public MCP server
#                                     # (plain, behind a shared proxy, without user agents),
#                                     # mcptriage against grep -c -F, and its attempts judged
#                                     # against the generator's truth
#
# Needs Go, gzip, GNU time (/usr/bin/time), GoAccess and lnav; on Debian
# and Ubuntu the missing ones are installed with apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

size=1GB runs=3 dir="${TMPDIR:-/tmp}/mcptriage-bench" goaccess=1 busy=1 big=1 busy_lines=1500000
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --no-goaccess) goaccess=0; shift ;;
    --busy-lines) busy_lines="$2"; shift 2 ;;
    --busy-only) big=0 goaccess=0; shift ;;
    --no-busy) busy=0; shift ;;
    *) echo "usage: bench/run.sh [--size 1GB] [--runs 3] [--dir DIR] [--no-goaccess] [--busy-lines 1500000] [--busy-only | --no-busy]" >&2; exit 2 ;;
  esac
done

missing=()
[ -x /usr/bin/time ] || missing+=(time)
if [ "$big" = 1 ]; then
  command -v lnav >/dev/null || missing+=(lnav)
  command -v gzip >/dev/null || missing+=(gzip)
fi
if [ "$goaccess" = 1 ] && ! command -v goaccess >/dev/null; then missing+=(goaccess); fi
if [ ${#missing[@]} -gt 0 ]; then
  if command -v apt-get >/dev/null; then
    sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "bench: install ${missing[*]} first" >&2; exit 1
  fi
fi

mkdir -p "$dir"
echo "building mcptriage and loggen …" >&2
go build -o "$dir/mcptriage" ./cmd/mcptriage
go build -o "$dir/loggen" ./internal/loggen
bin="$dir/mcptriage"
cases=()
if [ "$big" = 1 ]; then
  echo "generating $size logs in $dir …" >&2
  [ -f "$dir/nginx-$size.log" ] || "$dir/loggen" -format nginx -size "$size" -seed 1 -o "$dir/nginx-$size.log" 2>/dev/null
  [ -f "$dir/nginx-$size.log.gz" ] || gzip -1 -c "$dir/nginx-$size.log" > "$dir/nginx-$size.log.gz"
  [ -f "$dir/caddy-$size.log" ] || "$dir/loggen" -format caddy -size "$size" -seed 1 -o "$dir/caddy-$size.log" 2>/dev/null
  # Everything read from the page cache, as a second look at a log would be.
  cat "$dir/nginx-$size.log" "$dir/nginx-$size.log.gz" "$dir/caddy-$size.log" > /dev/null

  plain="$dir/nginx-$size.log" gz="$dir/nginx-$size.log.gz" json="$dir/caddy-$size.log"
  cases+=(
    "plain|grep -c -F|grep -c -F 160.79.10 $plain"
    "plain|mcptriage analyze|$bin analyze $plain"
    "plain|lnav -n|lnav -n -c ';SELECT count(*) FROM access_log' $plain"
    "gzip|zcat|zcat $gz"
    "gzip|mcptriage analyze|$bin analyze $gz"
    "json|grep -c -F|grep -c -F 160.79.10 $json"
    "json|mcptriage analyze|$bin analyze $json"
  )
  if [ "$goaccess" = 1 ]; then
    cases+=("plain|goaccess|goaccess $plain --log-format=COMBINED -o $dir/goaccess.json")
    cases+=("json|goaccess|goaccess $json --log-format=CADDY -o $dir/goaccess-caddy.json")
  fi
fi

# The busy day: a public MCP server's nginx log where other MCP clients make
# most lines on the connector's own endpoints, with three Claude.ai attempts
# whose truth the generator writes beside the log. Regenerated on every run
# (a few seconds), so the truth always matches the generator.
busy_variants=(plain shared-proxy no-ua)
: > "$dir/busy-sizes.txt"
if [ "$busy" = 1 ]; then
  for v in "${busy_variants[@]}"; do
    log="$dir/busy-$v.log" flag=""
    [ "$v" = plain ] || flag="-variant $v"
    echo "generating the busy day ($busy_lines lines, $v) in $dir …" >&2
    # shellcheck disable=SC2086
    "$dir/loggen" -profile busy -format nginx -lines "$busy_lines" -seed 1 $flag -o "$log" -truth "$log.truth.json" 2>/dev/null
    cat "$log" > /dev/null
    echo "busy $v|$(stat -c %s "$log")" >> "$dir/busy-sizes.txt"
    cases+=("busy $v|grep -c -F|grep -c -F 160.79.10 $log")
    cases+=("busy $v|mcptriage analyze|$bin analyze $log")
  done
fi

results="$dir/results.txt"
: > "$results"
for run in $(seq 1 "$runs"); do
  for c in "${cases[@]}"; do
    IFS='|' read -r input tool cmd <<<"$c"
    echo "run $run/$runs: $tool on $input" >&2
    # %e wall, %U+%S CPU, %M peak RSS (KB); the tool's own exit status is
    # not the benchmark's business (mcptriage exits 1 on a failure found).
    /usr/bin/time -f "%e %U %S %M" -o "$dir/time.out" bash -c "$cmd" > /dev/null 2>&1 || true
    read -r wall user sys rss < <(tail -n 1 "$dir/time.out")
    echo "$input|$tool|$wall|$user|$sys|$rss" >> "$results"
  done
done

# The busy day's verdicts: mcptriage's attempts against the truth.
: > "$dir/busy-verdicts.txt"
if [ "$busy" = 1 ]; then
  for v in "${busy_variants[@]}"; do
    log="$dir/busy-$v.log"
    "$bin" analyze --json "$log" > "$log.report.json" 2>/dev/null || true
    "$dir/loggen" judge "$log.truth.json" "$log.report.json" > "$log.verdict.txt"
    notes=$(grep -c '^note:' "$log.verdict.txt" || true)
    [ "$notes" = 0 ] && notes="" || notes="; $notes notes (see the verdict)"
    echo "busy $v|$(head -n 1 "$log.verdict.txt")$notes" >> "$dir/busy-verdicts.txt"
  done
fi

cpu_model=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || echo unknown)
machine="$(nproc) CPUs ($cpu_model), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM; files in the page cache"
# shellcheck disable=SC2016
summarise='
  function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  FILENAME ~ /busy-sizes/ { bytes[$1] = $2; next }
  FILENAME ~ /busy-verdicts/ { verdict[$1] = $2; next }
  (want == "busy") != ($1 ~ /^busy /) { next }
  { key = $1 "|" $2; if (!(key in wall)) order[++n] = key
    wall[key] = wall[key] " " $3; cpu[key] = cpu[key] " " ($4 + $5); rss[key] = rss[key] " " $6 }
  END {
    for (i = 1; i <= n; i++) { k = order[i]; w[k] = median(wall[k]) }
    ref["plain"] = "plain|grep -c -F"; ref["json"] = "json|grep -c -F"; ref["gzip"] = "gzip|zcat"
    for (i = 1; i <= n; i++) {
      k = order[i]; split(k, p, "|")
      r = p[1] in ref ? ref[p[1]] : p[1] "|grep -c -F"
      x = (r in w && w[r] > 0) ? sprintf("%.2f×", w[k] / w[r]) : ""
      if (want != "busy") { printf "| %s | %s | %.2f | %.2f | %.0f | %s |\n", p[1], p[2], w[k], median(cpu[k]), median(rss[k]) / 1024, x; continue }
      mbs = w[k] > 0 ? sprintf("%.0f", bytes[p[1]] / 1e6 / w[k]) : ""
      v = p[2] ~ /mcptriage/ ? verdict[p[1]] : ""
      printf "| %s | %s | %.2f | %.2f | %.0f | %s | %s | %s |\n", substr(p[1], 6), p[2], w[k], median(cpu[k]), median(rss[k]) / 1024, x, mbs, v
    }
  }'
if [ "$big" = 1 ]; then
  echo
  echo "$size of each log; medians of $runs runs; $machine."
  echo
  echo "| input | tool | wall (s) | CPU (s) | peak RSS (MB) | wall / reference |"
  echo "|---|---|---:|---:|---:|---:|"
  awk -F'|' -v want=big "$summarise" "$dir/busy-sizes.txt" "$dir/busy-verdicts.txt" "$results"
fi
if [ "$busy" = 1 ]; then
  echo
  echo "The busy day: $busy_lines nginx lines (3 Claude.ai attempts; other MCP clients $(awk -F'"other_mcp_clients_percent": ' 'NF > 1 {printf "%.0f", $2; exit}' "$dir/busy-plain.log.truth.json") % of lines); medians of $runs runs; $machine."
  echo
  echo "| log | tool | wall (s) | CPU (s) | peak RSS (MB) | wall / grep | MB/s | attempts (of 3) |"
  echo "|---|---|---:|---:|---:|---:|---:|---|"
  awk -F'|' -v want=busy "$summarise" "$dir/busy-sizes.txt" "$dir/busy-verdicts.txt" "$results"
  echo
  echo "Per attempt: $dir/busy-*.log.verdict.txt"
fi
