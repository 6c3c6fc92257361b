#!/bin/sh
# 0001-lint.sh — the project rules of tools/lint.sh (no SQL outside lib/).
exec sh "$MTCHAT_TOP/tools/lint.sh"
