#!/bin/sh
# make-test-ca.sh OUTDIR — TEST-ONLY certificates for the fixture server.
#
# Writes into OUTDIR (idempotent: does nothing when every file exists):
#   ca.crt/ca.key               "detour TEST CA — test only" (trusted by tests via --cacert)
#   server.crt/server.key       a.test *.a.test b.test *.b.test c.test *.c.test localhost
#                               127.0.0.1 github.io (a public suffix: HSTS refusal
#                               tests), signed by the test CA
#   untrusted.crt/.key          same names, signed by a second CA nobody trusts
#   untrusted-ca.crt            that second CA (kept only for debugging)
#   expired.crt/.key            same names, test CA, valid 2020-01-01 .. 2020-01-02
#   other.crt/.key              only "other.test", test CA (name-mismatch tests)
#   notyet.crt/.key             same names, test CA, valid only from 2099-01-01
#   nosan.crt/.key              CN=a.test and no subjectAltName at all, test CA
#                               (Chromium refuses such a leaf: name mismatch)
# EC P-256 keys: mbedTLS 2.28 handles them quickly. NEVER use these anywhere else:
# the private keys sit in the build tree.
set -eu
out=${1:?usage: make-test-ca.sh OUTDIR}
mkdir -p "$out"
cd "$out"
all="ca.crt ca.key server.crt server.key untrusted.crt untrusted.key expired.crt expired.key other.crt other.key notyet.crt notyet.key nosan.crt nosan.key"
missing=0
for f in $all; do [ -s "$f" ] || missing=1; done
[ "$missing" = 0 ] && exit 0

OPENSSL=${OPENSSL:-openssl}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

key() { "$OPENSSL" genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

SAN="DNS:a.test,DNS:*.a.test,DNS:b.test,DNS:*.b.test,DNS:c.test,DNS:*.c.test,DNS:localhost,IP:127.0.0.1,DNS:github.io"

leaf_ext() { # $1 = SAN list
  cat <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$1
EXT
}

mkca() { # $1 = basename, $2 = CN
  key "$tmp/$1.key"
  "$OPENSSL" req -new -x509 -utf8 -key "$tmp/$1.key" -subj "/O=detour tests/CN=$2" \
    -days 3650 -sha256 -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$tmp/$1.crt" 2>/dev/null
}

mkleaf() { # $1 = name, $2 = CA basename, $3 = SAN, $4 = CN
  key "$tmp/$1.key"
  "$OPENSSL" req -new -key "$tmp/$1.key" -subj "/O=detour tests/CN=$4" -out "$tmp/$1.csr" 2>/dev/null
  leaf_ext "$3" > "$tmp/$1.ext"
  "$OPENSSL" x509 -req -in "$tmp/$1.csr" -CA "$tmp/$2.crt" -CAkey "$tmp/$2.key" \
    -CAcreateserial -days 3650 -sha256 -extfile "$tmp/$1.ext" -out "$tmp/$1.crt" 2>/dev/null
}

mkca ca "detour TEST CA — test only"
mkca untrusted-ca "detour UNTRUSTED TEST CA — test only"
mkleaf server ca "$SAN" "a.test"
mkleaf untrusted untrusted-ca "$SAN" "a.test"
mkleaf other ca "DNS:other.test" "other.test"

# Expired: `openssl x509 -req` of OpenSSL 3.0 cannot set explicit dates, `openssl ca` can.
key "$tmp/expired.key"
"$OPENSSL" req -new -key "$tmp/expired.key" -subj "/O=detour tests/CN=a.test" -out "$tmp/expired.csr" 2>/dev/null
mkdir -p "$tmp/db"
: > "$tmp/db/index.txt"
echo 1000 > "$tmp/db/serial"
cat > "$tmp/ca.cnf" <<CNF
[ ca ]
default_ca = testca
[ testca ]
dir = $tmp/db
database = \$dir/index.txt
serial = \$dir/serial
new_certs_dir = \$dir
certificate = $tmp/ca.crt
private_key = $tmp/ca.key
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
x509_extensions = leaf
[ anything ]
O = optional
CN = supplied
[ leaf ]
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$SAN
CNF
"$OPENSSL" ca -batch -config "$tmp/ca.cnf" -in "$tmp/expired.csr" -out "$tmp/expired.pem" \
  -startdate 20200101000000Z -enddate 20200102000000Z -notext 2>/dev/null
"$OPENSSL" x509 -in "$tmp/expired.pem" -out "$tmp/expired.crt"

# Not yet valid: the same CA, dates in the future.
key "$tmp/notyet.key"
"$OPENSSL" req -new -key "$tmp/notyet.key" -subj "/O=detour tests/CN=a.test" -out "$tmp/notyet.csr" 2>/dev/null
"$OPENSSL" ca -batch -config "$tmp/ca.cnf" -in "$tmp/notyet.csr" -out "$tmp/notyet.pem" \
  -startdate 20990101000000Z -enddate 21000101000000Z -notext 2>/dev/null
"$OPENSSL" x509 -in "$tmp/notyet.pem" -out "$tmp/notyet.crt"

# No subjectAltName: the host only in the subject's CN.
key "$tmp/nosan.key"
"$OPENSSL" req -new -key "$tmp/nosan.key" -subj "/O=detour tests/CN=a.test" -out "$tmp/nosan.csr" 2>/dev/null
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' > "$tmp/nosan.ext"
"$OPENSSL" x509 -req -in "$tmp/nosan.csr" -CA "$tmp/ca.crt" -CAkey "$tmp/ca.key" \
  -CAcreateserial -days 3650 -sha256 -extfile "$tmp/nosan.ext" -out "$tmp/nosan.crt" 2>/dev/null

for f in ca.crt ca.key server.crt server.key untrusted.crt untrusted.key untrusted-ca.crt \
         expired.crt expired.key other.crt other.key notyet.crt notyet.key \
         nosan.crt nosan.key; do
  cp "$tmp/$f" "$out/$f"
done
chmod 600 "$out"/*.key
cat > "$out/README" <<TXT
TEST-ONLY certificates made by scripts/make-test-ca.sh for detour's fixture server.
The private keys are public knowledge. Never trust ca.crt outside the test suite.
TXT
