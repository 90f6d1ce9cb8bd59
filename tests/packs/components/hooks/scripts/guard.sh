#!/bin/sh
# Blocks force pushes. Reads the canonical hook input on stdin.
input=$(cat)
case $input in
  *'git push --force'* | *'git push -f'*) echo '{"decision": "block", "reason": "force pushes are not allowed in this project"}' ;;
esac
exit 0
