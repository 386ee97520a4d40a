# Sourced by Ferry's npm scripts: makes sure a fresh machine has what Ferry needs, or says what to do.
#   ensure_node_modules  npm ci when node_modules is missing or older than package-lock.json
#   ensure_redis_server  redis-server from Debian's packages when none is installed
#   ensure_chromium      Debian's chromium for the browser tests, when missing
#   ensure_openssl       openssl (the Redis TLS test makes its CA and certificate with it), when missing
#   build                compile TypeScript to dist/ (server and browser scripts)
cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 1

say() { printf 'ferry: %s\n' "$*" >&2; }

ensure_node_modules() {
  # A node_modules that links elsewhere (shared by several checkouts) is left alone: npm ci here
  # would empty the folder every checkout uses.
  if [ -L node_modules ]; then
    [ package-lock.json -nt node_modules/.package-lock.json ] && say "node_modules links to $(readlink node_modules) and looks older than package-lock.json; run npm ci there if something is missing"
    return 0
  fi
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing npm dependencies (npm ci)"
    npm ci --no-audit --no-fund >&2 || {
      say "npm ci failed (see above); trying npm install"
      npm install --no-audit --no-fund >&2 || { say "npm install failed; check your network and Node $(node --version 2>/dev/null) (Ferry needs Node 20.19+ or 22.12+; CI tests 20 and the current LTS, 26)"; return 1; }
    }
  fi
}

# Installs a Debian package (as root or with passwordless sudo); says what to do otherwise.
apt_install() {
  local pkg="$1" sudo=""
  [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null && sudo="sudo -n"
  if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; }; then
    say "installing $pkg from Debian packages"
    $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$pkg" >&2 && return 0
    say "apt-get install $pkg failed (see above)"
    return 1
  fi
  say "$pkg is not installed and I can't install it here (need root or passwordless sudo with apt-get)."
  return 1
}

ensure_redis_server() {
  command -v redis-server >/dev/null 2>&1 && return 0
  # Debian starts a system Redis on 6379 after installing; Ferry runs its own and leaves that one alone.
  apt_install redis-server && return 0
  say "Install Redis 6.2+ (e.g. 'sudo apt-get install redis-server' or 'brew install redis'), or set REDIS_URL to a Redis you have."
  return 1
}

ensure_openssl() {
  command -v openssl >/dev/null 2>&1 && return 0
  apt_install openssl || { say "the Redis TLS test needs openssl: sudo apt-get install openssl"; return 1; }
}

ensure_chromium() {
  [ -x /usr/bin/chromium ] && return 0
  apt_install chromium || { say "the browser tests need Debian's chromium at /usr/bin/chromium: sudo apt-get install chromium"; return 1; }
}

build() {
  bash scripts/build.sh >&2 || { say "TypeScript build failed (see above)"; return 1; }
}

# Starts a private Redis on a free port with its data in $1 (default .ferry/redis; AOF on, no
# eviction) and exports REDIS_URL; it is stopped when the calling script exits.
start_private_redis() {
  local dir="${1:-.ferry/redis}" port
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
  # In its own session, so the terminal's Ctrl-C reaches Ferry (which then shuts down cleanly)
  # and not Redis; the EXIT trap stops Redis after Ferry is done.
  setsid redis-server --bind 127.0.0.1 --port "$port" --dir "$dir" --appendonly yes --appendfsync everysec \
    --maxmemory-policy noeviction --save '' --daemonize no --logfile "$dir/redis.log" &
  FERRY_REDIS_PID=$!
  trap 'kill $FERRY_REDIS_PID 2>/dev/null' EXIT
  for _ in $(seq 1 50); do
    if node -e "const s=require('net').connect($port,'127.0.0.1',()=>{s.end();process.exit(0)});s.on('error',()=>process.exit(1))"; then
      export REDIS_URL="redis://127.0.0.1:$port"
      say "private Redis on $REDIS_URL (data in $dir; set REDIS_URL to use your own)"
      return 0
    fi
    sleep 0.1
  done
  say "the private Redis did not start; see $dir/redis.log"
  return 1
}

# Runs a command in the background and forwards INT, TERM and HUP to it, waiting until it has
# stopped: a signal to this script (Ctrl-C, kill, a supervisor) stops Ferry cleanly before the
# EXIT trap stops the private Redis, and nothing is left orphaned.
run_forwarding_signals() {
  "$@" &
  local pid=$! code=0
  trap 'kill -TERM $pid 2>/dev/null' INT TERM HUP
  wait "$pid" || code=$?
  while kill -0 "$pid" 2>/dev/null; do wait "$pid" || code=$?; done
  return "$code"
}

# Starts a throw-away Redis for a measurement (npm run bench, npm run stress) in a new temp folder
# named after $1, configured as production runs it (AOF everysec, no eviction), on a free port;
# sets SCRATCH_REDIS_URL and SCRATCH_DIR, and removes both when the calling script exits.
start_scratch_redis() {
  local what="$1" port up=""
  SCRATCH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ferry-$what.XXXXXX") || return 1
  port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
  redis-server --bind 127.0.0.1 --port "$port" --dir "$SCRATCH_DIR" --appendonly yes --appendfsync everysec \
    --maxmemory-policy noeviction --save '' --daemonize no --logfile "$SCRATCH_DIR/redis.log" &
  SCRATCH_REDIS_PID=$!
  trap 'kill "$SCRATCH_REDIS_PID" 2>/dev/null; wait "$SCRATCH_REDIS_PID" 2>/dev/null; rm -rf "$SCRATCH_DIR"' EXIT
  trap 'exit 130' INT TERM
  for _ in $(seq 1 50); do
    if node -e "const s=require('net').connect($port,'127.0.0.1',()=>{s.end();process.exit(0)});s.on('error',()=>process.exit(1))"; then up=1; break; fi
    sleep 0.1
  done
  [ -n "$up" ] || { say "the $what's Redis did not start:"; cat "$SCRATCH_DIR/redis.log" >&2; return 1; }
  SCRATCH_REDIS_URL="redis://127.0.0.1:$port"
}
