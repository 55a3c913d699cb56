#!/usr/bin/env bash
# Build the collection and check the tarball holds the roles and none of the
# repo's development-only trees (app/, molecule/, bench/, virtualenvs, caches)
# nor any file git ignores.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
ansible-galaxy collection build --force --output-path "$out" >/dev/null
tarball=$(ls "$out"/djangoops-deploy-*.tar.gz)
listing=$(tar -tzf "$tarball")
forbidden=$(grep -E '^(\./)?(app|molecule|bench|\.venv|\.cache|\.ci|\.git)(/|$)|__pycache__|\.pyc$' <<<"$listing" || true)
# Nor anything git ignores (a developer's .demo/vault-pass, a generated vault file):
# the build reads the working tree, not the repository.
if git rev-parse --git-dir >/dev/null 2>&1; then
  ignored=$(grep -v '/$' <<<"$listing" | git check-ignore --stdin --no-index || true)
  forbidden=$(printf '%s\n%s' "$forbidden" "$ignored" | sed '/^$/d')
fi
if [ -n "$forbidden" ]; then
  echo "collection tarball holds files it must not:"; echo "$forbidden" | head -20; exit 1
fi
for required in MANIFEST.json FILES.json meta/runtime.yml roles/common/tasks/main.yml roles/postgresql/meta/argument_specs.yml; do
  grep -qx "\(\./\)\?$required" <<<"$listing" || grep -q "$required" <<<"$listing" || { echo "tarball lacks $required"; exit 1; }
done
echo "collection build OK: $(basename "$tarball"), $(wc -l <<<"$listing") entries, $(du -h "$tarball" | cut -f1)"
