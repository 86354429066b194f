#!/bin/sh
# From a fresh Debian 12 machine: dependencies, then the whole suite.
set -eu
cd "$(dirname "$0")/.."
scripts/setup-deps.sh
scripts/test.sh
