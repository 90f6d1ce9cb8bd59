#!/bin/sh
echo '{"context": "Remember: run the tests before you stop."}'
