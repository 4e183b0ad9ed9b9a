#!/bin/sh
set -e
# Same rule as the official image: run `node` when the first argument is an option or not a command.
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}" 2>/dev/null)" ]; then
  set -- node "$@"
fi
exec "$@"
