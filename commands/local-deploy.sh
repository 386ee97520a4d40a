#!/usr/bin/env bash
# Ferry's example deploy command: "deploys" the checkout into a folder on this machine, so the
# whole loop works offline. Ferry runs it (without a shell of its own) inside a clean checkout of
# the SHA, with FERRY_APP, FERRY_ENV, FERRY_REF, FERRY_SHA, FERRY_PREVIOUS_SHA, FERRY_DEPLOY_ID,
# FERRY_USER (the requester's Slack member ID) and FERRY_USER_NAME (their name in Slack, else the
# ID) set. Exit 0 means success; everything printed becomes the deploy's log.
#
# Usage: local-deploy.sh [target-root]   (default: $HOME/.ferry/deployments)
# Layout: <root>/<app>/<env>/releases/<deploy-id>-<sha7>/  the files of each deploy
#         <root>/<app>/<env>/current ->  the live release (switched atomically)
#         <root>/<app>/<env>/REVISION    the SHA that is live; deploys.log: one line per deploy
set -euo pipefail

: "${FERRY_APP:?run me through Ferry: FERRY_APP is not set}"
: "${FERRY_ENV:?FERRY_ENV is not set}" "${FERRY_SHA:?FERRY_SHA is not set}" "${FERRY_DEPLOY_ID:?FERRY_DEPLOY_ID is not set}"

root="${1:-${HOME:-/tmp}/.ferry/deployments}"
envdir="$root/$FERRY_APP/$FERRY_ENV"
release="$envdir/releases/$FERRY_DEPLOY_ID-${FERRY_SHA:0:7}"

echo "deploying $FERRY_APP ${FERRY_REF:-?} ($FERRY_SHA) to $FERRY_ENV for ${FERRY_USER_NAME:-${FERRY_USER:-?}}"
echo "previous: ${FERRY_PREVIOUS_SHA:-none}"
mkdir -p "$envdir/releases"
rm -rf "$release"
mkdir -p "$release"
# Copy the checkout without its .git folder.
tar --exclude=.git -cf - . | tar -xf - -C "$release"
printf '%s\n' "$FERRY_SHA" > "$release/REVISION"
echo "copied $(find "$release" -type f | wc -l | tr -d ' ') files to $release"

# Run the app's own hook when it has one (e.g. a build step), from inside the release.
if [ -x "$release/.ferry/deploy-hook" ]; then
  echo "running .ferry/deploy-hook"
  (cd "$release" && ./.ferry/deploy-hook)
fi

ln -sfn "$release" "$envdir/current.tmp"
mv -Tf "$envdir/current.tmp" "$envdir/current"
printf '%s\n' "$FERRY_SHA" > "$envdir/REVISION"
printf '%s\t%s\t%s\t%s\t%s\n' "$(date -u +%FT%TZ)" "$FERRY_DEPLOY_ID" "$FERRY_SHA" "${FERRY_REF:-}" "${FERRY_USER:-}" >> "$envdir/deploys.log"

# Keep the five newest releases.
ls -1dt "$envdir"/releases/*/ 2>/dev/null | tail -n +6 | xargs -r rm -rf
echo "live: $FERRY_APP $FERRY_ENV is now at ${FERRY_SHA:0:7}"
