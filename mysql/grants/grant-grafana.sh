#!/bin/sh
# One-shot (compose service `grafana-grants`): once the API's migrations have created the tables, gives Grafana's
# read-only user SELECT on exactly the tables its panels read — the aggregates, the raw log and the folded counts (every
# raw-log panel is bounded by the dashboard's time range) — and nothing on the catalogue itself.
set -eu
sql_string() { printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e "s/'/''/g"; }
sql_ident() { printf '%s' "$1" | sed -e 's/`/``/g'; }
export MYSQL_PWD="${MYSQL_ROOT_PASSWORD}"
MYSQL_HOST="${MYSQL_HOST:-localhost}"
db=$(sql_ident "${MYSQL_DATABASE}")
user=$(sql_string "${GRAFANA_MYSQL_USER}")
tables="asset_access_hourly asset_access_total asset_access_log asset_access_folded_minute"
tries=0
until mysql -h "${MYSQL_HOST}" -uroot -e "SELECT 1 FROM \`${db}\`.asset_access_total LIMIT 0" >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge "${GRANT_WAIT_SECONDS:-300}" ]; then
    echo "grant-grafana: the tables did not appear (has the API migrated ${MYSQL_DATABASE}?)" >&2
    exit 1
  fi
  sleep 1
done
for table in $tables; do
  echo "GRANT SELECT ON \`${db}\`.\`${table}\` TO '${user}'@'%';"
done | mysql -h "${MYSQL_HOST}" -uroot
echo "grant-grafana: SELECT on ${tables} granted to ${GRAFANA_MYSQL_USER}"
