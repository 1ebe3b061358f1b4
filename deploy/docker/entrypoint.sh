#!/bin/sh
# Runs `pulse` with the given arguments. A setting may come from a file, as container
# secrets do: PULSE_X_FILE=/run/secrets/x sets PULSE_X to the file's content (without its
# final newline), so no secret needs to be in the environment of the container's definition.
set -eu
for name in $(env | sed -n 's/^\(PULSE_[A-Z0-9_]*\)_FILE=.*$/\1/p'); do
  file=$(printenv "${name}_FILE")
  if [ ! -f "$file" ] || [ ! -r "$file" ]; then
    echo "entrypoint: ${name}_FILE names $file, which cannot be read" >&2
    exit 64
  fi
  value=$(cat "$file")
  export "$name=$value"
  unset "${name}_FILE"
done
exec pulse "$@"
