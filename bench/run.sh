#!/usr/bin/env bash
# The benchmark: mcptriage against the tools people reach for, on the same
# generated logs, in one run, alternating, repeated; medians reported.
#
#   bench/run.sh                      # 1 GB logs, 3 runs each
#   bench/run.sh --size 5GB --runs 1  # the memory check on a bigger input
#   bench/run.sh --no-goaccess        # GoAccess takes minutes per GB
#
# Needs Go, gzip, GNU time (/usr/bin/time), GoAccess and lnav; on Debian
# and Ubuntu the missing ones are installed with apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

size=1GB runs=3 dir="${TMPDIR:-/tmp}/mcptriage-bench" goaccess=1
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --no-goaccess) goaccess=0; shift ;;
    *) echo "usage: bench/run.sh [--size 1GB] [--runs 3] [--dir DIR] [--no-goaccess]" >&2; exit 2 ;;
  esac
done

missing=()
[ -x /usr/bin/time ] || missing+=(time)
command -v lnav >/dev/null || missing+=(lnav)
command -v gzip >/dev/null || missing+=(gzip)
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
echo "building mcptriage and generating $size logs in $dir …" >&2
go build -o "$dir/mcptriage" ./cmd/mcptriage
[ -f "$dir/nginx-$size.log" ] || go run ./internal/loggen -format nginx -size "$size" -seed 1 -o "$dir/nginx-$size.log" 2>/dev/null
[ -f "$dir/nginx-$size.log.gz" ] || gzip -1 -c "$dir/nginx-$size.log" > "$dir/nginx-$size.log.gz"
[ -f "$dir/caddy-$size.log" ] || go run ./internal/loggen -format caddy -size "$size" -seed 1 -o "$dir/caddy-$size.log" 2>/dev/null
# Everything read from the page cache, as a second look at a log would be.
cat "$dir/nginx-$size.log" "$dir/nginx-$size.log.gz" "$dir/caddy-$size.log" > /dev/null

plain="$dir/nginx-$size.log" gz="$dir/nginx-$size.log.gz" json="$dir/caddy-$size.log" bin="$dir/mcptriage"
cases=(
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

cpu_model=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || echo unknown)
echo
echo "$size of each log; medians of $runs runs; $(nproc) CPUs ($cpu_model), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM; files in the page cache."
echo
echo "| input | tool | wall (s) | CPU (s) | peak RSS (MB) | wall / reference |"
echo "|---|---|---:|---:|---:|---:|"
awk -F'|' '
  function median(list,   n, a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  { key = $1 "|" $2; if (!(key in wall)) order[++n] = key
    wall[key] = wall[key] " " $3; cpu[key] = cpu[key] " " ($4 + $5); rss[key] = rss[key] " " $6 }
  END {
    for (i = 1; i <= n; i++) { k = order[i]; w[k] = median(wall[k]) }
    ref["plain"] = "plain|grep -c -F"; ref["json"] = "json|grep -c -F"; ref["gzip"] = "gzip|zcat"
    for (i = 1; i <= n; i++) {
      k = order[i]; split(k, p, "|")
      r = (ref[p[1]] in w && w[ref[p[1]]] > 0) ? sprintf("%.2f×", w[k] / w[ref[p[1]]]) : ""
      printf "| %s | %s | %.2f | %.2f | %.0f | %s |\n", p[1], p[2], w[k], median(cpu[k]), median(rss[k]) / 1024, r
    }
  }' "$results"
