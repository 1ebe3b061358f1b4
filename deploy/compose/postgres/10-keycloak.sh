#!/bin/sh
# Runs once, when PostgreSQL initialises an empty data volume: Keycloak's own database and role.
set -eu
password=$(cat /run/secrets/keycloak_db_password)
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -v password="$password" <<'SQL'
CREATE ROLE keycloak LOGIN PASSWORD :'password';
CREATE DATABASE keycloak OWNER keycloak;
SQL
