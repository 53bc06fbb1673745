#!/bin/sh
# The temporal service of docker-compose.yml: the config from server.yaml with this container's
# settings, the schemas created or brought up to date, the server started, the namespace made.
set -eu
: "${PG_HOST:?}" "${PG_PORT:=5432}" "${PG_USER:?}" "${PG_PASSWORD:?}"
: "${TEMPORAL_DB:=temporal}" "${TEMPORAL_VISIBILITY_DB:=temporal_visibility}" "${FRONTEND_PORT:=7233}" "${BIND_IP:=0.0.0.0}"
export PG_HOST PG_PORT PG_USER PG_PASSWORD TEMPORAL_DB TEMPORAL_VISIBILITY_DB FRONTEND_PORT BIND_IP
# The other ports follow the frontend's, as temporal/production-server.ts sets them.
export FRONTEND_HTTP_PORT=$((FRONTEND_PORT + 10)) HISTORY_PORT=$((FRONTEND_PORT + 1)) MATCHING_PORT=$((FRONTEND_PORT + 2)) WORKER_PORT=$((FRONTEND_PORT + 6))
export FRONTEND_MEMBERSHIP_PORT=$((FRONTEND_PORT - 300)) HISTORY_MEMBERSHIP_PORT=$((FRONTEND_PORT - 299)) MATCHING_MEMBERSHIP_PORT=$((FRONTEND_PORT - 298)) WORKER_MEMBERSHIP_PORT=$((FRONTEND_PORT - 294)) METRICS_PORT=$((FRONTEND_PORT + 767))

mkdir -p /var/temporal/config
envsubst < /etc/temporal/server.yaml > /var/temporal/config/development.yaml
cp /etc/temporal/dynamicconfig.yaml /var/temporal/config/dynamicconfig.yaml

for pair in "$TEMPORAL_DB:temporal" "$TEMPORAL_VISIBILITY_DB:visibility"; do
  db=${pair%%:*}; dir=${pair#*:}
  # Both fail harmlessly when the database or its schema exists already; update-schema then checks.
  temporal-sql-tool --plugin postgres12 --ep "$PG_HOST" -p "$PG_PORT" -u "$PG_USER" --pw "$PG_PASSWORD" --db "$db" create-database 2>/dev/null || true
  temporal-sql-tool --plugin postgres12 --ep "$PG_HOST" -p "$PG_PORT" -u "$PG_USER" --pw "$PG_PASSWORD" --db "$db" setup-schema -v 0.0 2>/dev/null || true
  temporal-sql-tool --plugin postgres12 --ep "$PG_HOST" -p "$PG_PORT" -u "$PG_USER" --pw "$PG_PASSWORD" --db "$db" update-schema -d "/usr/local/temporal/schema/postgresql/v12/$dir/versioned"
done

cd /var/temporal
temporal-server --root /var/temporal --config config --env development --allow-no-auth start &
server=$!
trap 'kill -TERM $server; wait $server' TERM INT
until temporal operator namespace describe -n default --address "127.0.0.1:$FRONTEND_PORT" >/dev/null 2>&1 \
  || temporal operator namespace create -n default --retention 72h --address "127.0.0.1:$FRONTEND_PORT" >/dev/null 2>&1; do
  kill -0 $server || exit 1
  sleep 2
done
wait $server
