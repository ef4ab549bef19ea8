#!/bin/sh
# Runs once, when the MySQL data volume is first initialised: a read-only user for Grafana's MySQL datasource.
set -eu
mysql -uroot -p"${MYSQL_ROOT_PASSWORD}" <<SQL
CREATE USER IF NOT EXISTS '${GRAFANA_MYSQL_USER}'@'%' IDENTIFIED BY '${GRAFANA_MYSQL_PASSWORD}';
GRANT SELECT ON \`${MYSQL_DATABASE}\`.* TO '${GRAFANA_MYSQL_USER}'@'%';
FLUSH PRIVILEGES;
SQL
