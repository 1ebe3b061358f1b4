#!/usr/bin/env bash
# Once the stack is up: a viewer account "grafana" in Pulse ERP and a token for it (one year)
# in secrets/grafana.env, then Grafana restarted to read it. Run it again to renew the token.
set -euo pipefail
cd "$(dirname "$0")"
umask 077
if ! docker compose run --rm --no-deps init users list | grep -qw grafana; then
  docker compose run --rm --no-deps init users create grafana --role viewer \
    --password "$(openssl rand -hex 24)" >/dev/null
fi
token=$(docker compose run --rm --no-deps init users token grafana --days 365 | tail -n 1)
printf 'PULSE_GRAFANA_TOKEN=%s\n' "$token" > secrets/grafana.env
chmod 644 secrets/grafana.env
docker compose up -d --force-recreate grafana
domain=$(sed -n 's/^PULSE_DOMAIN=//p' .env | tail -n 1 | tr -d '"')
echo "Grafana has its token: https://${domain:-pulse.local}/grafana/ (user admin, password in secrets/grafana_admin_password)"
