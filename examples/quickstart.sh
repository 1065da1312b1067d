#!/usr/bin/env bash
# vmcatcher quickstart: a complete, throwaway run on this machine.
#
# Makes a test CA with a CRL, an endorser certificate and two small images with the
# openssl CLI, signs an image list as a publisher would, then subscribes to it with
# --auto-endorse, selects one image, runs `vmcatcher sync` and shows the result. Nothing
# outside a temporary directory is touched: database, trust directory and cache all live
# there (and are removed at the end unless KEEP=1).
#
# Usage: examples/quickstart.sh            (vmcatcher on PATH, or VMCATCHER=/path/to/it)
set -euo pipefail

vmcatcher=${VMCATCHER:-vmcatcher}
command -v "$vmcatcher" >/dev/null || { echo "quickstart: '$vmcatcher' not found: install it (cargo install --path .) or set VMCATCHER" >&2; exit 1; }
command -v openssl >/dev/null || { echo "quickstart: openssl not found: apt-get install openssl" >&2; exit 1; }

work=$(mktemp -d -t vmcatcher-quickstart.XXXXXX)
if [ "${KEEP:-0}" = 1 ]; then
    trap 'echo; echo "kept $work"' EXIT
else
    trap 'rm -rf "$work"' EXIT
fi
cd "$work"
step() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "A throwaway CA with a CRL, and an endorser certificate it issued"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -keyout ca.key -out ca.pem -subj "/DC=org/DC=example/O=Quickstart/CN=Quickstart CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout endorser.key -out endorser.csr \
    -subj "/DC=org/DC=example/O=Quickstart/CN=Quickstart Endorser" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n' > endorser.ext
openssl x509 -req -in endorser.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
    -extfile endorser.ext -out endorser.pem 2>/dev/null
cat > ca.cnf <<CNF
[ ca ]
default_ca = quickstart
[ quickstart ]
database = $work/ca-index.txt
crlnumber = $work/ca-crlnumber
default_md = sha256
default_crl_days = 30
CNF
: > ca-index.txt
echo 01 > ca-crlnumber
openssl ca -config ca.cnf -gencrl -keyfile ca.key -cert ca.pem -out ca.crl 2>/dev/null

# The IGTF layout vmcatcher reads: <hash>.0 and <hash>.r0 (what fetch-crl maintains).
mkdir certs
hash=$(openssl x509 -hash -noout -in ca.pem)
cp ca.pem "certs/$hash.0"
cp ca.crl "certs/$hash.r0"
ls certs

step "Two small images and a signed image list"
head -c 1048576 /dev/urandom > image-a.img
head -c 524288 /dev/urandom > image-b.img
list_id=$(cat /proc/sys/kernel/random/uuid)
image_a=$(cat /proc/sys/kernel/random/uuid)
image_b=$(cat /proc/sys/kernel/random/uuid)
dn=$(openssl x509 -noout -subject -nameopt compat -in endorser.pem | sed 's/^subject=//')
ca=$(openssl x509 -noout -issuer -nameopt compat -in endorser.pem | sed 's/^issuer=//')
image_json() { # id file title
    cat <<JSON
            {"hv:image": {
                "dc:identifier": "$1",
                "dc:title": "$3",
                "dc:description": "A quickstart image",
                "hv:uri": "file://$work/$2",
                "hv:size": $(stat -c %s "$2"),
                "sl:checksum:sha512": "$(sha512sum "$2" | cut -d' ' -f1)",
                "hv:format": "raw",
                "hv:hypervisor": "kvm",
                "hv:version": "1",
                "sl:arch": "x86_64",
                "sl:os": "Linux",
                "sl:osversion": "Quickstart 1",
                "sl:comments": ""
            }}
JSON
}
cat > list.json <<JSON
{
    "hv:imagelist": {
        "dc:identifier": "$list_id",
        "dc:title": "Quickstart images",
        "dc:description": "Images of the vmcatcher quickstart",
        "dc:source": "quickstart.example.org",
        "dc:date:created": "$(date -u -d '-1 minute' +%Y-%m-%dT%H:%M:%SZ)",
        "dc:date:expires": "$(date -u -d '+7 days' +%Y-%m-%dT%H:%M:%SZ)",
        "hv:version": "1",
        "hv:uri": "file://$work/list.smime",
        "ad:vo": "quickstart",
        "hv:endorser": {"hv:x509": {
            "dc:creator": "Quickstart Endorser",
            "hv:dn": "$dn",
            "hv:ca": "$ca",
            "hv:email": "endorser@example.org"
        }},
        "hv:images": [
$(image_json "$image_a" image-a.img "Quickstart image A"),
$(image_json "$image_b" image-b.img "Quickstart image B")
        ]
    }
}
JSON
# Detached S/MIME signature (multipart/signed), as image list publishers produce.
openssl smime -sign -in list.json -signer endorser.pem -inkey endorser.key -out list.smime
head -c 300 list.smime; echo " ..."

step "vmcatcher, with everything in $work"
# Environment variables beat the configuration file: set them all so nothing of this
# machine's setup is used.
export VMCATCHER_CONFIG="$work/vmcatcher.toml"
export VMCATCHER_RDBMS="sqlite:///$work/vmcatcher.db"
export VMCATCHER_DIR_CERT="$work/certs"
export VMCATCHER_CACHE_DIR_CACHE="$work/cache/endorsed"
export VMCATCHER_CACHE_DIR_DOWNLOAD="$work/cache/partial"
export VMCATCHER_CACHE_DIR_EXPIRE="$work/cache/expired"
unset VMCATCHER_CACHE_EVENT VMCATCHER_SUB_EVENT VMCATCHER_OUTPUT_FORMAT VMCATCHER_LOG
printf 'lock_timeout = 10\n\n[cache]\nparallel_downloads = 2\n' > vmcatcher.toml

run "$vmcatcher" verify list.smime
run "$vmcatcher" subscribe add "file://$work/list.smime" --auto-endorse
run "$vmcatcher" image subscribe "$image_a"
run "$vmcatcher" sync

step "The result"
run "$vmcatcher" subscribe list
run "$vmcatcher" image list
run "$vmcatcher" cache list
test -f "$work/cache/endorsed/$image_a"
echo
echo "quickstart: image $image_a is verified and cached."
