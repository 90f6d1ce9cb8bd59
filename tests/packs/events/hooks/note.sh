#!/bin/sh
# Appends the event the runtime passes on stdin to a log and allows everything.
cat >> "${TMPDIR:-/tmp}/events-pack.log"
exit 0
