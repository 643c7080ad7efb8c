# PostgreSQL for the server's scale backend, sourced by scripts/test and scripts/bench:
# installs Debian's, starts its cluster, and exports DATABASE_URL for a role and database of
# Daakhla's own. A DATABASE_URL already set is used as it is.
if [ -z "${DATABASE_URL:-}" ]; then
  apt_need postgresql
  as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then su postgres -c "$*"; else sudo -u postgres sh -c "$*"; fi
  }
  pg_version=$(ls /etc/postgresql | sort -n | tail -1)
  if ! pg_ctlcluster "$pg_version" main status >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then pg_ctlcluster "$pg_version" main start; else sudo pg_ctlcluster "$pg_version" main start; fi
  fi
  as_postgres "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname = 'daakhla'\"" | grep -q 1 ||
    as_postgres "psql -qc \"CREATE ROLE daakhla LOGIN PASSWORD 'daakhla'\""
  as_postgres "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname = 'daakhla'\"" | grep -q 1 ||
    as_postgres "createdb -O daakhla daakhla"
  export DATABASE_URL="postgres://daakhla:daakhla@127.0.0.1:5432/daakhla"
  # Schemas left by test runs that were killed before they could drop them.
  as_postgres "psql -qtAd daakhla -c \"SELECT 'DROP SCHEMA ' || nspname || ' CASCADE;' FROM pg_namespace WHERE nspname LIKE 'scratch\\_%'\"" |
    as_postgres "psql -qd daakhla" >/dev/null 2>&1 || true
fi
