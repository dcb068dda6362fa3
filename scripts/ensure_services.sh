#!/usr/bin/env bash
# Make sure the services the integration tests use are up; start the ones that are down.
# PostgreSQL at 127.0.0.1:5432 (database `test`) is required: the suite fails, not skips, without it.
set -uo pipefail
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if ! port_open 5432; then
  echo "ensure_services: starting PostgreSQL"
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  for _ in $(seq 1 30); do port_open 5432 && break; sleep 1; done
fi
port_open 5432 || { echo "ensure_services: PostgreSQL is not reachable at 127.0.0.1:5432" >&2; exit 1; }
echo "ensure_services: PostgreSQL up"
