#!/usr/bin/env bash
# Regenerates docs/report.png (the README's screenshot of the example
# corpus's HTML report) by running the browser test with --screenshot.
set -euo pipefail
exec bash "$(dirname "$0")/run.sh" --screenshot
