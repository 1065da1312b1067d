#!/usr/bin/env python3
"""Benchmark of plugins/vmcatcher-hook-glance against a real Glance (issue 14, point 5).

Starts a Keystone-less Glance 33 on a free loopback port from the test suite's virtualenv
(made by `cargo test --test integration glance` under <target>/test-tools; or name one
with BENCH_GLANCE_VENV), makes BENCH_IMAGES (default 20) images of BENCH_IMAGE_KB KiB
(default 1024, pseudo-random) in a throwaway cache directory and runs the hook as
vmcatcher does (foreground mode, the event type as argument, the event variables in the
environment), one AvailablePostfix per image:

  * first upload of every image, then
  * the same events again (an unchanged image: a re-delivery, a retry),

once with the API client (the default) and once with the openstack CLI
(VMCATCHER_HOOK_GLANCE_CLIENT=openstack), each in a list of its own. It prints the time
of each case for all images, per event, and the Glance requests the API client made
(from its log lines). Everything lives in a temporary directory removed on exit; the
Glance server is stopped by its process group and dies by itself after 30 minutes.

Usage: benches/glance-hook.py       (about 3 minutes on 2 cores, most of it the CLI)
       BENCH_CLIENTS=api benches/glance-hook.py     (the API client only)
"""

import glob
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HOOK = os.path.join(ROOT, "plugins", "vmcatcher-hook-glance")
IMAGES = int(os.environ.get("BENCH_IMAGES", "20"))
IMAGE_KB = int(os.environ.get("BENCH_IMAGE_KB", "1024"))
CLIENTS = [c for c in os.environ.get("BENCH_CLIENTS", "api,openstack").split(",") if c]
REQUEST = re.compile(r" (GET|POST|PUT|PATCH|DELETE) https?://")


def die(msg):
    sys.stderr.write(f"glance-hook.py: {msg}\n")
    sys.exit(1)


def find_venv():
    venv = os.environ.get("BENCH_GLANCE_VENV", "")
    if venv:
        return venv
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    found = sorted(glob.glob(os.path.join(target, "test-tools", "glance-venv-*", ".vmcatcher-ready")))
    if not found:
        die(f"no Glance virtualenv under {target}/test-tools: run `cargo test --test integration "
            "glance` once (it installs one), or set BENCH_GLANCE_VENV")
    return os.path.dirname(found[-1])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_glance(venv, d):
    for sub in ("etc", "images", "staging", "tasks"):
        os.makedirs(os.path.join(d, sub))
    shutil.copy(os.path.join(venv, "etc/glance/glance-api-paste.ini"), os.path.join(d, "etc"))
    conf = os.path.join(d, "etc", "glance-api.conf")
    with open(conf, "w") as f:
        f.write(f"""[DEFAULT]
enabled_backends = fs:file
bind_host = 127.0.0.1
[glance_store]
default_backend = fs
[fs]
filesystem_store_datadir = {d}/images
[os_glance_staging_store]
filesystem_store_datadir = {d}/staging
[os_glance_tasks_store]
filesystem_store_datadir = {d}/tasks
[database]
connection = sqlite:///{d}/glance.sqlite
[paste_deploy]
flavor =
[oslo_policy]
enforce_new_defaults = false
enforce_scope = false
""")
    env = {"PATH": f"{venv}/bin:/usr/bin:/bin", "HOME": d, "OS_GLANCE_CONFIG_DIR": os.path.join(d, "etc")}
    subprocess.run([f"{venv}/bin/glance-manage", "--config-file", conf, "db_sync"], env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=300)
    port = free_port()
    log = open(os.path.join(d, "glance-api.log"), "w")
    proc = subprocess.Popen(
        ["/usr/bin/timeout", "1800", f"{venv}/bin/gunicorn", "--bind", f"127.0.0.1:{port}",
         "--worker-class", "gthread", "--threads", "4", "--no-control-socket",
         "glance.wsgi.api:application"],
        env=env, cwd=d, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(url + "/versions", timeout=5):
                return proc, url
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc_stop(proc)
                die(f"Glance did not start: see {d}/glance-api.log")
            time.sleep(0.2)


def proc_stop(proc):
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def run_case(venv, url, d, cache, images, client):
    """(seconds for all first uploads, seconds for all unchanged, requests first, requests unchanged)."""
    list_id = str(uuid.uuid4())
    base = {
        "PATH": "/usr/bin:/bin",
        "HOME": d,
        "OS_AUTH_TYPE": "none",
        "OS_ENDPOINT": url,
        "VMCATCHER_HOOK_GLANCE_MODE": "foreground",
        "VMCATCHER_HOOK_GLANCE_CLIENT": client,
        "VMCATCHER_HOOK_GLANCE_OPENSTACK": f"{venv}/bin/openstack",
        "VMCATCHER_HOOK_GLANCE_STATE_DIR": os.path.join(d, f"state-{client}"),
        "VMCATCHER_CACHE_DIR_CACHE": cache,
        "VMCATCHER_EVENT_TYPE": "AvailablePostfix",
        "VMCATCHER_EVENT_IL_DC_IDENTIFIER": list_id,
        "VMCATCHER_EVENT_VO": "bench.example.org",
        "VMCATCHER_EVENT_HV_FORMAT": "raw",
    }
    out = []
    for phase in ("first", "unchanged"):
        requests = 0
        started = time.monotonic()
        for image_id, sha in images:
            env = dict(base)
            env.update({
                "VMCATCHER_EVENT_DC_IDENTIFIER": image_id,
                "VMCATCHER_EVENT_DC_TITLE": f"bench {image_id[:8]}",
                "VMCATCHER_EVENT_FILENAME": image_id,
                "VMCATCHER_EVENT_SL_CHECKSUM_SHA512": sha,
                "VMCATCHER_EVENT_HV_VERSION": "1",
            })
            # Run as vmcatcher runs it: the file itself (#!/usr/bin/env python3 on PATH).
            p = subprocess.run([HOOK, "AvailablePostfix"], env=env,
                               stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=600)
            if p.returncode != 0:
                die(f"the hook failed ({client}, {phase}): {p.stderr.strip()[-500:]}")
            requests += len(REQUEST.findall(p.stderr))
        out.append(time.monotonic() - started)
        out.append(requests)
    return out[0], out[2], out[1], out[3]


def main():
    venv = find_venv()
    if not shutil.which("qemu-img"):
        die("qemu-img not found: install qemu-utils (Debian)")
    d = tempfile.mkdtemp(prefix="vmcatcher-glance-bench-")
    proc = None
    try:
        proc, url = start_glance(venv, d)
        cache = os.path.join(d, "cache")
        os.makedirs(cache)
        images = []
        import hashlib
        for _ in range(IMAGES):
            image_id = str(uuid.uuid4())
            data = os.urandom(IMAGE_KB * 1024)
            with open(os.path.join(cache, image_id), "wb") as f:
                f.write(data)
            images.append((image_id, hashlib.sha512(data).hexdigest()))
        rows = []
        for client in CLIENTS:
            first, unchanged, req_first, req_unchanged = run_case(venv, url, d, cache, images, client)
            rows.append((client, first, unchanged, req_first, req_unchanged))
        print(f"Glance hook, {IMAGES} images of {IMAGE_KB} KiB, AvailablePostfix each, real Glance 33 (Keystone-less) on loopback")
        print(f"| client | first upload, {IMAGES} images | per image | unchanged, {IMAGES} images | per image | Glance requests per unchanged image |")
        print("| --- | --- | --- | --- | --- | --- |")
        for client, first, unchanged, req_first, req_unchanged in rows:
            req = f"{req_unchanged / IMAGES:g}" if client == "api" else "2 CLI calls"
            print(f"| {client} | {first:.2f} s | {first / IMAGES:.3f} s | {unchanged:.2f} s | "
                  f"{unchanged / IMAGES:.3f} s | {req} |")
        for client, _, _, req_first, req_unchanged in rows:
            if client == "api":
                print(json.dumps({"api_requests_first": req_first, "api_requests_unchanged": req_unchanged}))
    finally:
        if proc:
            proc_stop(proc)
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
