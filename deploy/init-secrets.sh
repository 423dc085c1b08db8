#!/bin/sh
# Writes deploy/swarmflow.env and deploy/postgres.env from their .example
# files with fresh random secrets. Refuses to overwrite existing files:
# rotating a codec key means editing SWARMFLOW_CODEC_KEYS by hand (new key
# first, old keys kept), or old histories become unreadable.
set -eu
cd "$(dirname "$0")"
command -v openssl >/dev/null || { echo "init-secrets: openssl is needed to generate keys" >&2; exit 1; }
for f in swarmflow.env postgres.env; do
  if [ -e "$f" ]; then echo "init-secrets: deploy/$f exists; leaving it alone" >&2; exit 1; fi
done
umask 077
codec_key=$(openssl rand -base64 32)
codec_token=$(openssl rand -hex 24)
api_key=$(openssl rand -hex 24)
pg_password=$(openssl rand -hex 24)
sed -e "s|^SWARMFLOW_CODEC_KEYS=.*|SWARMFLOW_CODEC_KEYS=k1:${codec_key}|" \
    -e "s|^SWARMFLOW_CODEC_TOKENS=.*|SWARMFLOW_CODEC_TOKENS=${codec_token}|" \
    -e "s|^SWARMFLOW_API_KEYS=.*|SWARMFLOW_API_KEYS=ops:admin:${api_key}|" \
    swarmflow.env.example > swarmflow.env
sed -e "s|^POSTGRES_PASSWORD=.*|POSTGRES_PASSWORD=${pg_password}|" \
    -e "s|^POSTGRES_PWD=.*|POSTGRES_PWD=${pg_password}|" \
    postgres.env.example > postgres.env
echo "wrote deploy/swarmflow.env and deploy/postgres.env (mode 600)"
echo "API key (scope admin):   ${api_key}"
echo "codec token (UI login):  ${codec_token}"
