#!/bin/sh
# The compose stack's database backup: a pg_dump (custom format) into the backups volume every
# BACKUP_INTERVAL_SECONDS, the newest BACKUP_KEEP kept. After each good dump it writes
# pulse_backup_last_success_timestamp_seconds for node-exporter's textfile collector, which
# the PulseBackupTooOld alert reads.
set -eu
PGPASSWORD=$(cat /run/secrets/postgres_password)
export PGPASSWORD
interval=${BACKUP_INTERVAL_SECONDS:-86400}
keep=${BACKUP_KEEP:-14}

record_success() {
  cat > /metrics/pulse_backup.prom.tmp <<PROM
# HELP pulse_backup_last_success_timestamp_seconds When the last database backup succeeded.
# TYPE pulse_backup_last_success_timestamp_seconds gauge
pulse_backup_last_success_timestamp_seconds $(date +%s)
PROM
  mv /metrics/pulse_backup.prom.tmp /metrics/pulse_backup.prom
}

while true; do
  name="/backups/pulse-$(date -u +%Y%m%dT%H%M%SZ).dump"
  if pg_dump --format=custom --file="$name.partial" && mv "$name.partial" "$name"; then
    echo "backup: wrote $name"
    # shellcheck disable=SC2012 - the names have no spaces
    ls -1t /backups/pulse-*.dump | tail -n "+$((keep + 1))" | xargs -r rm -f
    record_success
  else
    rm -f "$name.partial"
    echo "backup: pg_dump failed; the next try is in $interval s" >&2
  fi
  sleep "$interval"
done
