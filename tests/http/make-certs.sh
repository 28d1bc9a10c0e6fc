#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Makes the test certificates of tests/http (see README.md). Run it here; it
# overwrites them. Needs openssl.
set -eu
days=36500
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The test CA, which the tests trust through CHK_TEST_CA_FILE
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/ca-key.pem" -out ca.pem \
  -days $days -subj "/CN=Chroniker Test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign"

# leaf NAME SAN [ISSUER]: a server certificate for SAN, signed by the test CA,
# or by itself when ISSUER is "self"
leaf () {
  openssl req -newkey rsa:2048 -nodes -keyout "$1-key.pem" -out "$tmp/$1.csr" \
    -subj "/CN=$1"
  printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$2" \
    > "$tmp/$1.ext"
  if [ "${3:-}" = self ]; then
    openssl x509 -req -in "$tmp/$1.csr" -signkey "$1-key.pem" -out "$1.pem" -days $days \
      -extfile "$tmp/$1.ext"
  else
    openssl x509 -req -in "$tmp/$1.csr" -CA ca.pem -CAkey "$tmp/ca-key.pem" \
      -CAcreateserial -CAserial "$tmp/ca.srl" -out "$1.pem" -days $days -extfile "$tmp/$1.ext"
  fi
}

leaf server "IP:127.0.0.1,DNS:localhost"
leaf wrong-host "DNS:wrong.example"
leaf untrusted "IP:127.0.0.1,DNS:localhost" self
