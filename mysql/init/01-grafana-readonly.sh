#!/bin/sh
# Runs once, when the MySQL data volume is first initialised: the user of Grafana's MySQL datasource, with no
# privileges yet. Its SELECT grants need the tables, which the API's migrations create later: the one-shot
# `grafana-grants` service (mysql/grants/grant-grafana.sh) adds them once the tables exist.
set -eu
# Values go into SQL string literals: backslashes and single quotes are escaped, so any password works.
sql_string() { printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e "s/'/''/g"; }
MYSQL_PWD="${MYSQL_ROOT_PASSWORD}" mysql -uroot <<SQL
CREATE USER IF NOT EXISTS '$(sql_string "${GRAFANA_MYSQL_USER}")'@'%' IDENTIFIED BY '$(sql_string "${GRAFANA_MYSQL_PASSWORD}")';
SQL
