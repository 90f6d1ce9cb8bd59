#!/bin/sh
# Blocks any shell command that mentions the e2e marker file. Reads the canonical hook input
# (JSON) on stdin; answers with a block decision, or nothing to allow.
input=$(cat)
case $input in
  *e2e-guard-marker*) echo '{"decision": "block", "reason": "E2E-GUARD-BLOCKED: the e2e guard pack forbids creating e2e-guard-marker"}' ;;
esac
exit 0
