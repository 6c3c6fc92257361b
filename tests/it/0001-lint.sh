#!/bin/sh
# 0001-lint.sh — the project rules of tools/lint.sh (no SQL outside lib/).
# backend: any (source rules, no store)
exec sh "$MTCHAT_TOP/tools/lint.sh"
