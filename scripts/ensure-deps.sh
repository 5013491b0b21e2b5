#!/bin/sh
# Installs dependencies when node_modules is missing or older than the lockfile, so that
# `npm start` and `npm test` work on a fresh clone. npm itself runs on the system Node here;
# the project's Node (the `node` devDependency) lands in node_modules/.bin.
set -e
cd "$(dirname "$0")/.."
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ ! -x node_modules/.bin/node ]; then
  echo "Installing dependencies (npm ci)..." >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
