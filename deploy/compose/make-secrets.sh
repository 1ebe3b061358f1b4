#!/usr/bin/env bash
# Makes what the compose stack needs and the repository must not hold: .env (from
# .env.example) and secrets/ (random passwords, the database URL, a self-signed TLS
# certificate for PULSE_DOMAIN). Existing files are kept, so running it again changes nothing.
set -euo pipefail
cd "$(dirname "$0")"
umask 077

[ -f .env ] || { cp .env.example .env; echo "wrote .env (edit PULSE_DOMAIN if pulse.local is not your name)"; }
domain=$(sed -n 's/^PULSE_DOMAIN=//p' .env | tail -n 1 | tr -d '"')
domain=${domain:-pulse.local}

mkdir -p secrets/tls
random() { openssl rand -hex 24; }
keep_or_make() {  # file, value
  if [ ! -s "secrets/$1" ]; then printf '%s' "$2" > "secrets/$1"; echo "wrote secrets/$1"; fi
}

keep_or_make postgres_password "$(random)"
keep_or_make keycloak_db_password "$(random)"
keep_or_make pulse_jwt_secret "$(openssl rand -hex 32)"
keep_or_make pulse_admin_password "$(random)"
keep_or_make minio_root_user "pulse-$(openssl rand -hex 4)"
keep_or_make minio_root_password "$(random)"
keep_or_make grafana_admin_password "$(random)"
keep_or_make pulse_database_url \
  "postgresql+asyncpg://pulse:$(cat secrets/postgres_password)@postgres:5432/pulse"
keep_or_make keycloak.env "KC_DB_PASSWORD=$(cat secrets/keycloak_db_password)
KC_BOOTSTRAP_ADMIN_USERNAME=admin
KC_BOOTSTRAP_ADMIN_PASSWORD=$(random)
"

if [ ! -s secrets/tls/cert.pem ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=$domain" \
    -addext "subjectAltName=DNS:$domain" \
    -keyout secrets/tls/key.pem -out secrets/tls/cert.pem 2>/dev/null
  echo "wrote secrets/tls/cert.pem and key.pem (self-signed for $domain)"
fi
# The containers read them as their own users (Traefik, PostgreSQL, Pulse's uid 10001 …).
chmod 644 secrets/* secrets/tls/* 2>/dev/null || true
chmod 755 secrets secrets/tls
echo "admin password of Pulse ERP: secrets/pulse_admin_password"
