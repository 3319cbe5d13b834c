# test/lib/cluster.sh: shared set-up for the two commands (sourced, not run).
#
# Installs what a fresh Debian 12 machine lacks, builds and installs the
# extension, and starts and stops a throwaway cluster as the postgres user.

PG_BIN=/usr/lib/postgresql/15/bin
export PG_CONFIG=$PG_BIN/pg_config
TS_PACKAGES="make gcc libc6-dev pkg-config postgresql-15 postgresql-server-dev-15 postgresql-client-15
 postgresql-15-plproxy libcjson-dev libpq-dev libipc-run-perl perl ${TS_EXTRA_PACKAGES:-}"

ts_log() { printf '== %s\n' "$*" >&2; }

ts_ensure_packages() {
	local missing="" p
	for p in $TS_PACKAGES; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "missing packages:$missing (run as root to install them)" >&2
		return 1
	fi
	ts_log "installing:$missing"
	# no cluster on 5432 from the package: tests start their own
	mkdir -p /etc/postgresql-common/createcluster.d
	echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.d/99-tenant-scaling.conf
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends $missing >/dev/null 2>&1 ||
		{ apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends $missing >/dev/null; }
}

ts_build_install() {
	ts_log "building and installing the extension"
	make -s -C "$TS_ROOT" >/dev/null && make -s -C "$TS_ROOT" install >/dev/null
}

# ts_start_cluster DIR [extra postgresql.conf lines]: a cluster owned by postgres in DIR.
ts_start_cluster() {
	TS_CLUSTER_DIR=$1
	shift
	mkdir -p "$TS_CLUSTER_DIR"
	chown postgres: "$TS_CLUSTER_DIR"
	chmod 755 "$TS_CLUSTER_DIR"
	runuser -u postgres -- "$PG_BIN/initdb" -D "$TS_CLUSTER_DIR/data" -A trust -U postgres -E UTF8 \
		--locale=C --no-sync >"$TS_CLUSTER_DIR/initdb.log" 2>&1 || { cat "$TS_CLUSTER_DIR/initdb.log"; return 1; }
	TS_PORT=${TS_PORT:-$((20000 + RANDOM % 20000))}
	{
		echo "listen_addresses = '127.0.0.1'"
		echo "port = $TS_PORT"
		echo "unix_socket_directories = '$TS_CLUSTER_DIR'"
		echo "fsync = off"
		echo "shared_preload_libraries = 'tenant_scaling'"
		echo "max_connections = 60"
		echo "shared_buffers = 512MB"
		for line in "$@"; do echo "$line"; done
	} >>"$TS_CLUSTER_DIR/data/postgresql.conf"
	runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$TS_CLUSTER_DIR/data" -l "$TS_CLUSTER_DIR/server.log" \
		-w -t 60 start >/dev/null || { cat "$TS_CLUSTER_DIR/server.log"; return 1; }
	export PGHOST=$TS_CLUSTER_DIR PGPORT=$TS_PORT PGUSER=postgres PGDATABASE=postgres
}

ts_stop_cluster() {
	[ -n "${TS_CLUSTER_DIR:-}" ] && [ -d "$TS_CLUSTER_DIR/data" ] || return 0
	runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$TS_CLUSTER_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
}
