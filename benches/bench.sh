#!/usr/bin/env bash
# The performance benchmark of vmcatcher (spec product.md §9, issue 12), measured side by
# side with the obvious shell baselines in one run, on loopback only:
#
#   * download + verify of a multi-GB image, over http and over https: `vmcatcher cache
#     download` against `curl -s URL | sha512sum`, both from the same local python3
#     http.server (HTTP/1.1; for https a certificate for 127.0.0.1 from a generated CA);
#   * `vmcatcher cache check` against `openssl dgst -sha512` over the same cached file(s):
#     one file, then BENCH_PARTS files of the same total size (hashed in sequence);
#   * download + verify of the same image as the one layer of an OCI artifact, from
#     Debian's docker-registry on loopback (its own configuration, 127.0.0.1 only):
#     `vmcatcher cache download` of an `oci://` subscription against
#     `curl -s …/blobs/sha256:… | sha256sum` (case `oci`, when docker-registry is there);
#   * peak resident memory of vmcatcher (`/usr/bin/time -v`, "Maximum resident set size");
#   * BENCH_SUBSCRIPTIONS lists x BENCH_IMAGES images: the first `subscribe add` of every
#     list over http (one run each, timed in all), `image list`, and `subscribe update` of
#     all (unchanged) lists over https against the same over http;
#   * with BENCH_CASES=...,million (not by default: ~5 more minutes and ~1.5 GB of disk):
#     BENCH_MILLION_SUBSCRIPTIONS (1000) lists x BENCH_IMAGES images, 10^6 images:
#     `image list`, an unchanged `subscribe update` over http, peak RSS, database size.
#
# Each measurement runs BENCH_RUNS times (vmcatcher and baseline alternating) and the
# median is reported. BENCH_CASES (download,check,lists,oci by default) picks the parts. The
# PKI (CA, CRL, endorser, server certificate) is made with the openssl CLI; everything
# lives in a `mktemp -d` directory removed on exit, with a throwaway configuration
# (VMCATCHER_CONFIG, -d, --cert-dir): nothing under /etc or /var is read or written by
# vmcatcher.
#
# Usage: benches/bench.sh            (BENCH_SIZE_GB=2 by default; ~8 minutes on 2 cores)
#   BENCH_SIZE_GB=1 BENCH_RUNS=3 BENCH_CASES=download,check benches/bench.sh
#   BENCH_CASES=download,check,lists,million benches/bench.sh   (every case)
#
# Exit status: 0 when the benchmark ran, whether or not the targets were met (the table
# says PASS/FAIL); non-zero only when the benchmark itself broke.
set -Eeuo pipefail

SIZE_GB=${BENCH_SIZE_GB:-2}
RUNS=${BENCH_RUNS:-3}
PARTS=${BENCH_PARTS:-4}
SUBS=${BENCH_SUBSCRIPTIONS:-100}
IMAGES=${BENCH_IMAGES:-1000}
CASES=${BENCH_CASES:-download,check,lists,oci}
MSUBS=${BENCH_MILLION_SUBSCRIPTIONS:-1000}

started=$(date +%s%N)
say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench.sh: %s\n' "$*" >&2; exit 1; }

[[ $SIZE_GB =~ ^[0-9]+([.][0-9]+)?$ ]] || die "BENCH_SIZE_GB must be a number of GB, not '$SIZE_GB'"
[[ $CASES =~ ^(download|check|lists|oci|million)(,(download|check|lists|oci|million))*$ ]] ||
    die "BENCH_CASES must be a comma-separated list of download, check, lists, oci, million, not '$CASES'"
for v in RUNS PARTS SUBS IMAGES MSUBS; do
    [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "BENCH_$v must be a positive integer, not '${!v}'"
done
((PARTS >= 2)) || die "BENCH_PARTS must be at least 2"

# ---------------------------------------------------------------------------- tools
tool_missing() {
    case $1 in
        /*) [[ -x $1 ]] ;;
        *) command -v "$1" >/dev/null 2>&1 ;;
    esac && return 1 || return 0
}
missing=()
for t in curl sha512sum /usr/bin/time python3 openssl cargo; do
    tool_missing "$t" && missing+=("$t")
done
if ((${#missing[@]})); then
    apt_pkgs=()
    for t in "${missing[@]}"; do
        case $t in
            curl) apt_pkgs+=(curl) ;;
            /usr/bin/time) apt_pkgs+=(time) ;;
        esac
    done
    if ((${#apt_pkgs[@]})) && [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
        say "running as root: installing missing Debian packages: ${apt_pkgs[*]}"
        apt-get install -y "${apt_pkgs[@]}" >&2
        still=()
        for t in "${missing[@]}"; do tool_missing "$t" && still+=("$t"); done
        missing=("${still[@]+"${still[@]}"}")
    fi
fi
if ((${#missing[@]})); then
    hint=""
    for t in "${missing[@]}"; do
        case $t in
            /usr/bin/time) hint+=" /usr/bin/time: apt-get install time;" ;;
            sha512sum) hint+=" sha512sum: apt-get install coreutils;" ;;
            cargo) hint+=" cargo: https://rustup.rs;" ;;
            *) hint+=" $t: apt-get install $t;" ;;
        esac
    done
    die "missing tools: ${missing[*]} (${hint% ;})"
fi

# ---------------------------------------------------------------------------- build
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
say "building the release binary"
(cd "$repo" && cargo build --release --locked --quiet)
target=${CARGO_TARGET_DIR:-$repo/target}
[[ $target == /* ]] || target=$repo/$target
bin=$target/release/vmcatcher
[[ -x $bin ]] || die "no binary at $bin after the build"

# No setting of the caller's environment may leak into the runs.
while read -r v; do unset "$v"; done < <(compgen -v VMCATCHER_ || true)

# ---------------------------------------------------------------------------- temp dir
T=$(mktemp -d "${TMPDIR:-/tmp}/vmcatcher-bench.XXXXXX")
server_pids=()
cleanup() {
    local pid
    for pid in "${server_pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    [[ -n ${BENCH_KEEP:-} ]] && echo "kept $T" >&2 || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# fd 3: the real stderr, also inside commands whose output goes to last.log.
exec 3>&2
failed() {
    local rc=$1 line=$2 cmd=$3
    trap - ERR
    printf 'bench.sh: the benchmark broke (status %s) at line %s: %s\n' "$rc" "$line" "$cmd" >&3
    if [[ -s $T/last.log ]]; then
        printf 'bench.sh: its output:\n' >&3
        tail -n 20 "$T/last.log" >&3
    fi
}
trap 'failed $? $LINENO "$BASH_COMMAND"' ERR
mkdir -p "$T/www" "$T/trust" "$T/pki"
say "working in $T"

# ---------------------------------------------------------------------------- helpers
now() { date +%s%N; }
# secs START END -> seconds with 3 decimals
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
# median of the arguments (the lower middle one for an even count)
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# max of the arguments
worst() { printf '%s\n' "$@" | sort -g | tail -n 1; }
mbps() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%.0f", b / 1e6 / s }'; }

# vmcatcher in environment NAME (its own configuration, database and cache).
vmc() {
    local name=$1
    shift
    env VMCATCHER_CONFIG="$T/env/$name/vmcatcher.toml" "$bin" \
        -d "$T/env/$name/vmcatcher.db" --cert-dir "$T/trust" "$@"
}
# As vmc, under /usr/bin/time -v; sets ELAPSED (s) and RSS_KB. Output goes to last.log.
timed_vmc() {
    local name=$1 t0 t1
    shift
    t0=$(now)
    /usr/bin/time -v -o "$T/time.txt" env VMCATCHER_CONFIG="$T/env/$name/vmcatcher.toml" \
        "$bin" -d "$T/env/$name/vmcatcher.db" --cert-dir "$T/trust" "$@" \
        >"$T/last.log" 2>&1
    t1=$(now)
    ELAPSED=$(secs "$t0" "$t1")
    RSS_KB=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$T/time.txt")
}
# Runs a shell command line; sets ELAPSED (s).
timed_sh() {
    local t0 t1
    t0=$(now)
    bash -c "$1" >"$T/last.log" 2>&1
    t1=$(now)
    ELAPSED=$(secs "$t0" "$t1")
}

# listed ENV COUNT: a timed `image list` in ENV, which must print COUNT lines.
listed() {
    timed_vmc "$1" image list
    local lines
    lines=$(wc -l <"$T/last.log")
    ((lines == $2)) || die "image list printed $lines lines, not $2"
}

new_env() {
    local name=$1 d=$T/env/$1
    rm -rf "$d"
    mkdir -p "$d"
    cat >"$d/vmcatcher.toml" <<EOF
database = "$d/vmcatcher.db"
cert_dir = "$T/trust"

[cache]
dir = "$d/cache/endorsed"
partial_dir = "$d/cache/partial"
expired_dir = "$d/cache/expired"
parallel_downloads = 2

[events]
hook_dirs = []
EOF
}

# ---------------------------------------------------------------------------- PKI
say "making a CA, its CRL and an endorser with the openssl CLI"
CA_DN="/DC=org/DC=example/O=vmcatcher bench/CN=Bench CA"
ENDORSER_DN="/DC=org/DC=example/O=vmcatcher bench/CN=Bench Endorser"
P=$T/pki
cat >"$P/openssl.cnf" <<EOF
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ endorser ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ server ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ ca ]
default_ca = bench_ca
[ bench_ca ]
database = $P/index.txt
crlnumber = $P/crlnumber
default_md = sha256
default_crl_days = 30
crl_extensions = crl_ext
[ crl_ext ]
authorityKeyIdentifier = keyid:always
EOF
: >"$P/index.txt"
echo 01 >"$P/crlnumber"
ossl() { OPENSSL_CONF="$P/openssl.cnf" openssl "$@" >>"$T/pki.log" 2>&1; }
ossl req -config "$P/openssl.cnf" -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$P/ca.key" -out "$P/ca.pem" -days 30 -subj "$CA_DN" -extensions v3_ca
ossl req -config "$P/openssl.cnf" -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$P/endorser.key" -out "$P/endorser.csr" -subj "$ENDORSER_DN"
ossl x509 -req -in "$P/endorser.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" -set_serial 2 \
    -days 30 -extfile "$P/openssl.cnf" -extensions endorser -out "$P/endorser.pem"
ossl ca -config "$P/openssl.cnf" -gencrl -keyfile "$P/ca.key" -cert "$P/ca.pem" \
    -out "$P/ca.crl"
ca_hash=$(openssl x509 -hash -noout -in "$P/ca.pem")
cp "$P/ca.pem" "$T/trust/$ca_hash.0"
cp "$P/ca.crl" "$T/trust/$ca_hash.r0"

# sign_list JSON SMIME: detached S/MIME signature by the endorser, as lists are published.
sign_list() {
    openssl smime -sign -md sha256 -in "$1" -signer "$P/endorser.pem" \
        -inkey "$P/endorser.key" -out "$2"
}

# ---------------------------------------------------------------------------- lists
# mklist OUT IDENTIFIER SPECFILE: an image list whose images are the lines
# "<id> <size> <sha512> <url>" of SPECFILE.
cat >"$T/mklist.py" <<'EOF'
import datetime, json, sys

def date(days):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")

def image(ident, size, sha, url):
    return {"hv:image": {
        "dc:identifier": ident, "dc:title": "Image " + ident,
        "dc:description": "a benchmark image", "hv:size": int(size),
        "sl:checksum:sha512": sha, "sl:arch": "x86_64", "hv:uri": url,
        "sl:os": "Linux", "sl:osversion": "Debian 12", "sl:comments": "",
        "hv:hypervisor": "kvm", "hv:version": "1", "hv:format": "raw",
        "ad:mpuri": "https://mp.example/" + ident + ":1/"}}

def imagelist(ident, images, uri):
    return {"hv:imagelist": {
        "dc:date:created": date(-1), "dc:date:expires": date(30),
        "dc:description": "a vmcatcher benchmark list", "dc:identifier": ident,
        "dc:source": "bench.example", "dc:title": "Bench list " + ident, "ad:vo": "bench",
        "hv:endorser": {"hv:x509": {
            "dc:creator": "Bench Endorser", "hv:ca": sys.argv[2], "hv:dn": sys.argv[3],
            "hv:email": "bench@example.org"}},
        "hv:images": images, "hv:uri": uri, "hv:version": "1"}}

mode = sys.argv[1]
if mode == "one":  # one OUT IDENT SPECFILE
    out, ident, spec = sys.argv[4:7]
    with open(spec) as f:
        images = [image(*line.split()) for line in f if line.strip()]
    with open(out, "w") as f:
        json.dump(imagelist(ident, images, "file://" + out), f, indent=2)
else:  # many DIR SUBS IMAGES BASEURL PATH: SUBS lists of IMAGES (never fetched) images
    out, subs, n, base, path = sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), sys.argv[7], sys.argv[8]
    fake_sha = "ab" * 64
    width = max(3, len(str(subs - 1)))
    # One list rendered with markers, then copied with each subscription's number: 10^3
    # lists of 10^3 images in seconds rather than minutes of json.dump.
    images = [image("@ID@-%04x-4000-8000-%012x" % (i // 65536, i), 1024 * (i + 1), fake_sha,
                    "%s/none/@N@/%d" % (base, i)) for i in range(n)]
    template = json.dumps(imagelist("@ID@-0000-4000-8000-000000000000", images,
                                    "%s/%s/@NAME@.smime" % (base, path)), indent=2)
    for s in range(subs):
        name = "%0*d" % (width, s)
        text = template.replace("@ID@", "%08x" % (s + 1)).replace("@N@", str(s))
        with open("%s/%s.json" % (out, name), "w") as f:
            f.write(text.replace("@NAME@", name))
EOF
mklist_one() { python3 "$T/mklist.py" one "$CA_DN" "$ENDORSER_DN" "$@"; }
mklist_many() { python3 "$T/mklist.py" many "$CA_DN" "$ENDORSER_DN" "$@"; }
# sign_all DIR: every DIR/*.json signed into DIR/*.smime, one openssl per core at a time.
sign_all() {
    find "$1" -name '*.json' -print0 | P=$P xargs -0 -P "$(nproc)" -n 16 sh -c '
        for f; do
            openssl smime -sign -md sha256 -in "$f" -signer "$P/endorser.pem" \
                -inkey "$P/endorser.key" -out "${f%.json}.smime" || exit 255
        done' sh
}

# ---------------------------------------------------------------------------- server
# One threaded HTTP/1.1 server (persistent connections, as real servers have) for the
# http and, with a certificate from the bench CA, the https cases: the same code serves
# both sides of every comparison.
cat >"$T/serve.py" <<'PY'
import functools, http.server, ssl, sys

class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # As real servers on kept-alive connections: with Nagle, the last short segment of
    # each answer waits for the client's delayed ACK (up to 40 ms a list, at random).
    disable_nagle_algorithm = True
    def log_message(self, *args):
        pass

root, cert, key = sys.argv[1], sys.argv[2:3], sys.argv[3:4]
server = http.server.ThreadingHTTPServer(
    ("127.0.0.1", 0), functools.partial(Handler, directory=root))
if cert:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert[0], key[0])
    server.socket = context.wrap_socket(server.socket, server_side=True)
print("port", server.server_address[1], flush=True)
server.serve_forever()
PY
# start_server OUTFILE [CERT KEY]: starts it in the background, sets PORT.
start_server() {
    local out=$1
    shift
    PORT=""
    python3 -u "$T/serve.py" "$T/www" "$@" >"$out" 2>"$out.err" &
    server_pids+=($!)
    for _ in $(seq 100); do
        PORT=$(sed -n 's/^port \([0-9][0-9]*\)$/\1/p' "$out" | head -n 1)
        [[ -n $PORT ]] && break
        kill -0 "${server_pids[-1]}" 2>/dev/null || die "the server did not start: $(cat "$out.err")"
        sleep 0.1
    done
    [[ -n $PORT ]] || die "the server did not say its port"
}
say "a server certificate for 127.0.0.1 from the bench CA"
ossl req -config "$P/openssl.cnf" -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$P/server.key" -out "$P/server.csr" -subj "/DC=org/DC=example/CN=127.0.0.1"
ossl x509 -req -in "$P/server.csr" -CA "$P/ca.pem" -CAkey "$P/ca.key" -set_serial 3 \
    -days 30 -extfile "$P/openssl.cnf" -extensions server -out "$P/server.pem"
say "starting the http and https servers on 127.0.0.1 (python3 http.server, HTTP/1.1)"
start_server "$T/server.out"
base="http://127.0.0.1:$PORT"
start_server "$T/tls-server.out" "$P/server.pem" "$P/server.key"
sbase="https://127.0.0.1:$PORT"
# curl trusts the bench CA only; vmcatcher the system roots and the trust directory.
scurl() { curl --cacert "$P/ca.pem" "$@"; }
scurl -sS --fail -o /dev/null "$sbase/" || die "the https server does not answer"

# ---------------------------------------------------------------------------- data
want() { [[ ",$CASES," == *",$1,"* ]]; }
bytes=$(awk -v g="$SIZE_GB" 'BEGIN { printf "%d", g * 1e9 }')
part_bytes=$((bytes / PARTS))
bytes=$((part_bytes * PARTS)) # so the parts add up to exactly the big image
BIG_ID=b16b16b1-0000-4000-8000-000000000001
if want oci && [[ ! -x /usr/bin/docker-registry ]]; then
    say "no /usr/bin/docker-registry (apt-get install docker-registry): leaving out the oci case"
    CASES=${CASES//oci/}
fi
if want download || want check || want oci; then
    say "generating a $bytes-byte image (pseudo-random) and $PARTS parts of $part_bytes bytes"
    head -c "$bytes" /dev/zero |
        openssl enc -aes-128-ctr -nosalt -pbkdf2 -pass pass:vmcatcher-bench >"$T/www/big.img"
    (cd "$T/www" && split -d -a 2 -n "$PARTS" big.img part.)
    [[ $(stat -c %s "$T/www/big.img") == "$bytes" ]] || die "the generated image has the wrong size"

    big_sha=$(sha512sum "$T/www/big.img" | cut -d' ' -f1)
    # The same image in two lists: served over http, and over https.
    echo "$BIG_ID $bytes $big_sha $base/big.img" >"$T/big.spec"
    mklist_one "$T/www/big.json" 0b16b16b-0000-4000-8000-000000000000 "$T/big.spec"
    sign_list "$T/www/big.json" "$T/www/big.smime"
    echo "$BIG_ID $bytes $big_sha $sbase/big.img" >"$T/big-tls.spec"
    mklist_one "$T/www/big-tls.json" 0b16b16b-0000-4000-8000-000000000001 "$T/big-tls.spec"
    sign_list "$T/www/big-tls.json" "$T/www/big-tls.smime"

    : >"$T/parts.spec"
    part_ids=()
    i=0
    for f in "$T"/www/part.*; do
        id=$(printf 'aaaa%04x-0000-4000-8000-000000000001' "$i")
        part_ids+=("$id")
        echo "$id $(stat -c %s "$f") $(sha512sum "$f" | cut -d' ' -f1) $base/$(basename "$f")" \
            >>"$T/parts.spec"
        i=$((i + 1))
    done
    mklist_one "$T/www/parts.json" 0aaaaaaa-0000-4000-8000-000000000000 "$T/parts.spec"
    sign_list "$T/www/parts.json" "$T/www/parts.smime"

    # Is the trust set-up right? (Fails loudly here rather than in the middle.)
    new_env probe
    vmc probe verify "$T/www/big.smime" >"$T/last.log" 2>&1
fi
rss_dl=() rss_chk=() rss_db=()

# ---------------------------------------------------------------------------- download
# download_case ENV LIST URL CURL: vmcatcher cache download of the big image (listed in
# LIST) vs CURL -s URL | sha512sum; appends to DL_V and DL_B.
download_case() {
    local name=$1 list=$2 url=$3 curl=$4 r
    DL_V=() DL_B=()
    for r in $(seq "$RUNS"); do
        new_env "$name"
        vmc "$name" subscribe add "file://$list" --auto-endorse >"$T/last.log" 2>&1
        vmc "$name" image subscribe "$BIG_ID" >"$T/last.log" 2>&1
        timed_vmc "$name" cache download
        [[ $(stat -c %s "$T/env/$name/cache/endorsed/$BIG_ID") == "$bytes" ]] ||
            die "vmcatcher did not put the image in its cache"
        DL_V+=("$ELAPSED") rss_dl+=("$RSS_KB")
        say "  run $r: vmcatcher $ELAPSED s ($(mbps "$bytes" "$ELAPSED") MB/s, max RSS $RSS_KB kB)"
        timed_sh "$curl -sS --fail '$url' | sha512sum"
        [[ $(cut -d' ' -f1 "$T/last.log") == "$big_sha" ]] || die "curl | sha512sum got another digest"
        DL_B+=("$ELAPSED")
        say "  run $r: curl | sha512sum $ELAPSED s ($(mbps "$bytes" "$ELAPSED") MB/s)"
    done
}
if want download; then
    say "download + verify over http: vmcatcher cache download vs curl -s URL | sha512sum ($RUNS runs each)"
    download_case dl "$T/www/big.smime" "$base/big.img" curl
    m_dl_v=$(median "${DL_V[@]}") m_dl_b=$(median "${DL_B[@]}")
    timed_sh "curl -sS --fail -o /dev/null '$base/big.img'"
    say "  (the http server alone, curl -o /dev/null: $(mbps "$bytes" "$ELAPSED") MB/s)"
    server_ceiling=$ELAPSED
    say "download + verify over https: vmcatcher vs curl --cacert CA -s URL | sha512sum ($RUNS runs each)"
    download_case dltls "$T/www/big-tls.smime" "$sbase/big.img" "curl --cacert '$P/ca.pem'"
    m_dls_v=$(median "${DL_V[@]}") m_dls_b=$(median "${DL_B[@]}")
    timed_sh "curl --cacert '$P/ca.pem' -sS --fail -o /dev/null '$sbase/big.img'"
    say "  (the https server alone, curl -o /dev/null: $(mbps "$bytes" "$ELAPSED") MB/s)"
    tls_ceiling=$ELAPSED
    rm -rf "$T/env/dltls"
fi

# ---------------------------------------------------------------------------- check, 1 file
if want check; then
    if [[ ! -f $T/env/dl/cache/endorsed/$BIG_ID ]]; then
        new_env dl
        vmc dl subscribe add "file://$T/www/big.smime" --auto-endorse >"$T/last.log" 2>&1
        vmc dl image subscribe "$BIG_ID" >"$T/last.log" 2>&1
        vmc dl cache download >"$T/last.log" 2>&1
    fi
    say "cache check of 1 file vs openssl dgst -sha512 of it ($RUNS runs each)"
    chk1_vmc=() chk1_base=()
    cached=$T/env/dl/cache/endorsed/$BIG_ID
    openssl dgst -sha512 "$cached" >/dev/null # the same warm page cache for both sides
    for r in $(seq "$RUNS"); do
        timed_vmc dl cache check
        grep -q "$BIG_ID" "$T/env/dl/cache/endorsed/cache.index" || die "cache check dropped the image"
        chk1_vmc+=("$ELAPSED") rss_chk+=("$RSS_KB")
        timed_sh "openssl dgst -sha512 '$cached'"
        chk1_base+=("$ELAPSED")
        say "  run $r: vmcatcher $(mbps "$bytes" "${chk1_vmc[-1]}") MB/s, openssl dgst $(mbps "$bytes" "$ELAPSED") MB/s"
    done
    timed_sh "sha512sum '$cached'"
    say "  (sha512sum of it: $(mbps "$bytes" "$ELAPSED") MB/s)"
    m_c1_v=$(median "${chk1_vmc[@]}") m_c1_b=$(median "${chk1_base[@]}")

    # ------------------------------------------------------------------------ check, N files
    say "cache check of $PARTS files vs openssl dgst -sha512 of them in sequence ($RUNS runs each)"
    rm -rf "$T/env/dl" # the single image is no longer needed
    new_env parts
    vmc parts subscribe add "file://$T/www/parts.smime" --auto-endorse >"$T/last.log" 2>&1
    vmc parts image subscribe "${part_ids[@]}" >"$T/last.log" 2>&1
    timed_vmc parts cache download
    say "  (downloading the $PARTS parts, 2 at a time: $(mbps "$bytes" "$ELAPSED") MB/s, max RSS $RSS_KB kB)"
    part_files=()
    for id in "${part_ids[@]}"; do
        part_files+=("$T/env/parts/cache/endorsed/$id")
        [[ -f ${part_files[-1]} ]] || die "vmcatcher did not cache part $id"
    done
    openssl dgst -sha512 "${part_files[@]}" >/dev/null
    chkn_vmc=() chkn_base=()
    for r in $(seq "$RUNS"); do
        timed_vmc parts cache check
        chkn_vmc+=("$ELAPSED") rss_chk+=("$RSS_KB")
        timed_sh "openssl dgst -sha512 ${part_files[*]}"
        chkn_base+=("$ELAPSED")
        say "  run $r: vmcatcher $(mbps "$bytes" "${chkn_vmc[-1]}") MB/s, openssl dgst $(mbps "$bytes" "$ELAPSED") MB/s"
    done
    m_cn_v=$(median "${chkn_vmc[@]}") m_cn_b=$(median "${chkn_base[@]}")
    rm -rf "$T/env/parts"
fi
# ---------------------------------------------------------------------------- OCI blob
if want oci; then
    say "download + verify of the image as an OCI blob: vmcatcher vs curl -s …/blobs/sha256:… | sha256sum ($RUNS runs each)"
    rport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    mkdir -p "$T/registry"
    cat >"$T/registry/config.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $T/registry/storage
http:
  addr: 127.0.0.1:$rport
EOF
    /usr/bin/docker-registry serve "$T/registry/config.yml" >"$T/registry/log" 2>&1 &
    server_pids+=($!)
    rbase=http://127.0.0.1:$rport
    for _ in $(seq 100); do
        curl -s -o /dev/null "$rbase/v2/" && break
        sleep 0.1
    done
    # Pushed as `oras push` does: blob uploads (POST, then PUT …&digest=), then the manifest.
    push_blob() {
        local loc
        loc=$(curl -sS --fail -X POST -D - -o /dev/null "$rbase/v2/bench/big/blobs/uploads/" |
            awk 'tolower($1) == "location:" { print $2 }' | tr -d '\r')
        [[ $loc == http* ]] || loc=$rbase$loc
        if [[ $loc == *\?* ]]; then loc="$loc&digest=$2"; else loc="$loc?digest=$2"; fi
        curl -sS --fail -T "$1" -H 'Content-Type: application/octet-stream' "$loc" >/dev/null
    }
    big256=$(sha256sum "$T/www/big.img" | cut -d' ' -f1)
    printf '{}' >"$T/registry/config.json"
    push_blob "$T/registry/config.json" "sha256:$(sha256sum "$T/registry/config.json" | cut -d' ' -f1)"
    push_blob "$T/www/big.img" "sha256:$big256"
    cat >"$T/registry/manifest.json" <<EOF
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[{"mediaType":"application/x-qemu-disk","digest":"sha256:$big256","size":$bytes}],"annotations":{"org.openstack.glance.disk_format":"raw"}}
EOF
    curl -sS --fail -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
        --data-binary @"$T/registry/manifest.json" "$rbase/v2/bench/big/manifests/1" >/dev/null
    OCI_V=() OCI_B=()
    for r in $(seq "$RUNS"); do
        new_env oci
        vmc oci subscribe add "oci://127.0.0.1:$rport/bench/big" --tag 1 --plain-http \
            --new-images subscribe >"$T/last.log" 2>&1
        timed_vmc oci cache download
        [[ $(stat -c %s "$T/env/oci/cache/endorsed/127.0.0.1:$rport%2Fbench%2Fbig:1") == "$bytes" ]] ||
            die "vmcatcher did not put the OCI image in its cache"
        OCI_V+=("$ELAPSED") rss_dl+=("$RSS_KB")
        say "  run $r: vmcatcher $ELAPSED s ($(mbps "$bytes" "$ELAPSED") MB/s, max RSS $RSS_KB kB)"
        timed_sh "curl -sS --fail '$rbase/v2/bench/big/blobs/sha256:$big256' | sha256sum"
        [[ $(cut -d' ' -f1 "$T/last.log") == "$big256" ]] || die "curl | sha256sum got another digest"
        OCI_B+=("$ELAPSED")
        say "  run $r: curl | sha256sum $ELAPSED s ($(mbps "$bytes" "$ELAPSED") MB/s)"
    done
    m_oci_v=$(median "${OCI_V[@]}") m_oci_b=$(median "${OCI_B[@]}")
    rm -rf "$T/env/oci" "$T/registry/storage"
fi
rm -f "$T"/www/big.img "$T"/www/part.*

# ---------------------------------------------------------------------------- many lists
if want lists; then
    say "$SUBS subscriptions x $IMAGES images: generating and signing the lists"
    mkdir -p "$T/www/lists"
    mklist_many "$T/www/lists" "$SUBS" "$IMAGES" "$base" lists
    sign_all "$T/www/lists"
    # subscribe_all ENV BASE: one `subscribe add` run per list; sets ELAPSED (all of them).
    subscribe_all() {
        local name=$1 from=$2 t0 f
        new_env "$name"
        t0=$(now)
        for f in "$T"/www/lists/*.smime; do
            vmc "$name" subscribe add "$from/lists/$(basename "$f")" --auto-endorse \
                >"$T/last.log" 2>&1
        done
        ELAPSED=$(secs "$t0" "$(now)")
    }
    # subscribe_at_once ENV BASE: one `subscribe add URL...` with every list; sets ELAPSED.
    subscribe_at_once() {
        local name=$1 from=$2 t0 f urls=()
        new_env "$name"
        for f in "$T"/www/lists/*.smime; do
            urls+=("$from/lists/$(basename "$f")")
        done
        t0=$(now)
        vmc "$name" subscribe add "${urls[@]}" --auto-endorse >"$T/last.log" 2>&1 ||
            die "subscribe add of $SUBS lists at once failed: $(tail -3 "$T/last.log")"
        ELAPSED=$(secs "$t0" "$(now)")
    }
    say "first subscribe add of the $SUBS lists over http, one run each ($RUNS runs)"
    add_t=() add_once_t=()
    for r in $(seq "$RUNS"); do
        subscribe_all many "$base"
        add_t+=("$ELAPSED")
        say "  run $r: $ELAPSED s in all"
        subscribe_at_once many "$base"
        add_once_t+=("$ELAPSED")
        say "  run $r: $ELAPSED s in one subscribe add of the $SUBS lists"
    done
    subscribe_all manytls "$sbase"
    say "  (the same over https, to subscribe the https database: $ELAPSED s)"
    list_t=() update_t=() update_tls_t=()
    for r in $(seq "$RUNS"); do
        listed many $((SUBS * IMAGES))
        list_t+=("$ELAPSED") rss_db+=("$RSS_KB")
        timed_vmc many subscribe update
        update_t+=("$ELAPSED") rss_db+=("$RSS_KB")
        timed_vmc manytls subscribe update
        update_tls_t+=("$ELAPSED") rss_db+=("$RSS_KB")
        say "  run $r: image list ${list_t[-1]} s, subscribe update http ${update_t[-1]} s, https ${update_tls_t[-1]} s"
    done
    m_add=$(median "${add_t[@]}") m_add_once=$(median "${add_once_t[@]}")
    m_list=$(median "${list_t[@]}")
    m_upd=$(median "${update_t[@]}") m_upd_tls=$(median "${update_tls_t[@]}")
fi

# ---------------------------------------------------------------------------- 10^6 images
if want million; then
    say "$MSUBS subscriptions x $IMAGES images: generating and signing the lists"
    rm -rf "$T/www/lists" # the smaller case's lists are no longer needed
    mkdir -p "$T/www/million"
    t0=$(now)
    mklist_many "$T/www/million" "$MSUBS" "$IMAGES" "$base" million
    sign_all "$T/www/million"
    rm -f "$T"/www/million/*.json
    say "  (generated and signed in $(secs "$t0" "$(now)") s)"
    # Subscribed two at a time (writers queue on the database lock): setting up, not
    # measured; -q so that a failure's message is what last.log ends with.
    new_env million
    t0=$(now)
    find "$T/www/million" -name '*.smime' -printf '%f\n' | sort |
        xargs -P 2 -I{} env VMCATCHER_CONFIG="$T/env/million/vmcatcher.toml" "$bin" \
            -d "$T/env/million/vmcatcher.db" --cert-dir "$T/trust" -q \
            subscribe add "$base/million/{}" --auto-endorse >"$T/last.log" 2>&1
    say "  (subscribed in $(secs "$t0" "$(now)") s, 2 at a time)"
    m_list_t=() m_update_t=() rss_m=()
    for r in $(seq "$RUNS"); do
        listed million $((MSUBS * IMAGES))
        m_list_t+=("$ELAPSED") rss_m+=("$RSS_KB")
        timed_vmc million subscribe update
        m_update_t+=("$ELAPSED") rss_m+=("$RSS_KB")
        say "  run $r: image list ${m_list_t[-1]} s, unchanged subscribe update (http) ${m_update_t[-1]} s"
    done
    m_mlist=$(median "${m_list_t[@]}") m_mupd=$(median "${m_update_t[@]}")
    db_files=("$T/env/million/vmcatcher.db"*)
    m_db_mb=$(du -cb "${db_files[@]}" | awk 'END { printf "%.0f", $1 / 1e6 }')
    rm -rf "$T/www/million"
fi

# ---------------------------------------------------------------------------- table
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
row() { printf '| %-46s | %-12s | %-12s | %-6s | %-18s | %-4s |\n' "$@"; }
# throughput_row NAME VMC_S BASE_S MIN_RATIO TARGET_TEXT: ratio = speed over the baseline's.
throughput_row() {
    local ratio verdict
    ratio=$(awk -v v="$2" -v b="$3" 'BEGIN { printf "%.2f", b / v }')
    verdict=$(awk -v r="$ratio" -v m="$4" 'BEGIN { print (r >= m ? "PASS" : "FAIL") }')
    row "$1" "$(mbps "$bytes" "$2") MB/s" "$(mbps "$bytes" "$3") MB/s" "${ratio}x" "$5" "$verdict"
}
# limit_row NAME VALUE UNIT LIMIT
limit_row() {
    local verdict
    verdict=$(awk -v v="$2" -v l="$4" 'BEGIN { print (v < l ? "PASS" : "FAIL") }')
    row "$1" "$2 $3" "-" "-" "< $4 $3" "$verdict"
}
# time_ratio_row NAME VMC_S BASE_S MAX_RATIO LIMIT_S: ratio = time over the baseline's.
time_ratio_row() {
    local ratio verdict
    ratio=$(awk -v v="$2" -v b="$3" 'BEGIN { printf "%.2f", v / b }')
    verdict=$(awk -v r="$ratio" -v m="$4" -v v="$2" -v l="$5" \
        'BEGIN { print (r <= m && v < l ? "PASS" : "FAIL") }')
    row "$1" "$2 s" "$3 s" "${ratio}x" "<= ${4}x, < $5 s" "$verdict"
}
gb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e9 }')
total=$(secs "$started" "$(now)")
{
    echo
    echo "vmcatcher benchmark, $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m), ${gb} GB image, median of $RUNS runs"
    if want download; then
        echo "(python3 http.server on loopback serves at $(mbps "$bytes" "$server_ceiling") MB/s over http, $(mbps "$bytes" "$tls_ceiling") MB/s over https to curl -o /dev/null)"
    fi
    echo
    row "measurement" "vmcatcher" "baseline" "ratio" "target" "ok"
    row "----------------------------------------------" "------------" "------------" "------" "------------------" "----"
    if want lists; then
        time_ratio_row "unchanged update, $SUBS x $IMAGES, https vs http" "$m_upd_tls" "$m_upd" 1.5 2
        limit_row "first subscribe add, $SUBS x $IMAGES (http)" "$m_add" s 3
        limit_row "  the same, one subscribe add of all $SUBS" "$m_add_once" s 3
    fi
    if want download; then
        throughput_row "download+verify https vs curl \\| sha512sum" "$m_dls_v" "$m_dls_b" 1.0 ">= 1.0x"
        throughput_row "download+verify http vs curl \\| sha512sum" "$m_dl_v" "$m_dl_b" 1.2 ">= 1.2x"
        limit_row "peak RSS, cache download (${gb} GB image)" "$(mib "$(worst "${rss_dl[@]}")")" MiB 30
    fi
    if want oci; then
        throughput_row "download+verify OCI blob vs curl \\| sha256sum" "$m_oci_v" "$m_oci_b" 1.0 ">= 1.0x"
    fi
    if want check; then
        throughput_row "cache check, 1 file vs openssl dgst" "$m_c1_v" "$m_c1_b" 0.95 ">= 0.95x"
        throughput_row "cache check, $PARTS files vs openssl dgst" "$m_cn_v" "$m_cn_b" 1.8 ">= 1.8x"
        limit_row "peak RSS, cache check (1 and $PARTS files)" "$(mib "$(worst "${rss_chk[@]}")")" MiB 30
    fi
    if want lists; then
        limit_row "image list, $SUBS x $IMAGES images" "$(awk -v s="$m_list" 'BEGIN { printf "%.0f", s * 1000 }')" ms 200
        limit_row "unchanged update, $SUBS lists (http)" "$m_upd" s 2
        echo
        echo "(peak RSS of image list / subscribe update with $SUBS x $IMAGES images: $(mib "$(worst "${rss_db[@]}")") MiB)"
    fi
    if want million; then
        want lists && echo
        n=$((MSUBS * IMAGES))
        limit_row "image list, $MSUBS x $IMAGES images" "$m_mlist" s 2
        limit_row "unchanged update, $MSUBS lists (http)" "$m_mupd" s 15
        limit_row "peak RSS, list/update, $n images" "$(mib "$(worst "${rss_m[@]}")")" MiB 30
        limit_row "database size, $n images" "$m_db_mb" MB 1000
    fi
    echo "total wall time: $total s"
}
