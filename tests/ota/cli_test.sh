#!/usr/bin/env bash
# `continuum keygen|sign|verify|registry` as a user runs them: exit codes
# (0 ok, 1 failure, 2 usage) and the messages that say why.
# Usage: cli_test.sh CONTINUUM STAGE.wasm
set -u
continuum=$1
stage=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
failures=0

# expect CODE PATTERN COMMAND...: exit status CODE, PATTERN in stdout+stderr.
expect() {
  local code=$1 pattern=$2
  shift 2
  local out status
  out=$("$@" 2>&1)
  status=$?
  if [[ $status -ne $code ]] || ! grep -qE -- "$pattern" <<<"$out"; then
    echo "FAIL: $* -> exit $status (wanted $code), output:"
    echo "$out" | sed 's/^/    /'
    echo "  expected pattern: $pattern"
    failures=$((failures + 1))
  fi
}

mkdir trust
expect 0 "key id [0-9a-f]{16}" "$continuum" keygen --out release
expect 0 "^600$" stat -c %a release
expect 1 "error: release already exists" "$continuum" keygen --out release
expect 2 "out" "$continuum" keygen
cp release.pub trust/
expect 0 "signed stage 1.0.0 with key" "$continuum" sign "$stage" --key release --name stage --version 1.0.0 -o s1.wasm
expect 2 "error: --version: '1.0' is not a semantic version" "$continuum" sign "$stage" --key release --name stage --version 1.0 -o x.wasm
expect 1 "error: cannot read nokey" "$continuum" sign "$stage" --key nokey --name stage --version 1.0.0 -o x.wasm
expect 0 "s1.wasm: stage 1.0.0, key [0-9a-f]{16}: OK" "$continuum" verify s1.wasm --trust trust
expect 0 "OK" "$continuum" verify s1.wasm --trust trust/release.pub
expect 1 "error: .*: no signature" "$continuum" verify "$stage" --trust trust
expect 1 "error: --trust: trust store nowhere does not exist" "$continuum" verify s1.wasm --trust nowhere

# Tampered: one data byte flipped (the text "continuum" -> "Continuum").
sed 's/continuum ota cli test/Continuum ota cli test/' s1.wasm >tampered.wasm
expect 1 "error: tampered.wasm: hash mismatch" "$continuum" verify tampered.wasm --trust trust
# Relabelled: the signed version changed inside the signature section.
sed 's/1\.0\.0/9.0.0/' s1.wasm >relabelled.wasm
expect 1 "error: relabelled.wasm: bad signature" "$continuum" verify relabelled.wasm --trust trust
# Another key.
expect 0 "key id" "$continuum" keygen --out stranger
expect 0 "signed" "$continuum" sign "$stage" --key stranger --name stage --version 1.0.0 -o foreign.wasm
expect 1 "error: foreign.wasm: unknown key" "$continuum" verify foreign.wasm --trust trust

# Registry.
expect 0 "signed" "$continuum" sign "$stage" --key release --name stage --version 1.10.0 -o s2.wasm
expect 0 "^added [0-9a-f]{64} stage 1.0.0" "$continuum" registry add --dir reg s1.wasm
expect 0 "^exists [0-9a-f]{64} stage 1.0.0" "$continuum" registry add --dir reg s1.wasm
expect 0 "added .* stage 1.10.0" "$continuum" registry add --dir reg --trust trust s2.wasm
expect 1 "error: foreign.wasm: unknown key" "$continuum" registry add --dir reg --trust trust foreign.wasm
expect 1 "error: .*no ctm.signature section" "$continuum" registry add --dir reg "$stage"
expect 0 "stage +1.10.0 .* kv,sensor:\*" "$continuum" registry ls --dir reg
expect 0 "version:  1.10.0" "$continuum" registry show --dir reg stage
expect 0 "continuum.sensor_read" "$continuum" registry show --dir reg stage@1.0.0
expect 0 "\"required_grants\"" "$continuum" registry show --dir reg stage --json
expect 1 "error: stage@2.0.0 is not in the registry" "$continuum" registry show --dir reg stage@2.0.0
expect 1 "error: --dir nowhere holds no registry" "$continuum" registry ls --dir nowhere
expect 2 "" "$continuum" registry
[[ -f reg/blobs/$(sha256sum s1.wasm | cut -d' ' -f1) ]] || { echo "FAIL: blob of s1.wasm missing"; failures=$((failures + 1)); }

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
