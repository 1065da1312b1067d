# Sets up a fresh Keystone for the vmcatcher tests over its REST API (one process, no
# CLI): the projects, users and role assignments given as arguments, and the image
# service's endpoint in the catalog. Usage:
#   keystone_setup.py KEYSTONE_URL ADMIN_PASSWORD GLANCE_URL SPEC...
# SPEC: project:NAME | user:NAME:PASSWORD | role:USER:PROJECT:ROLE
import json
import sys
import urllib.request

base, admin_password, glance_url = sys.argv[1:4]


def call(method, path, body=None, token=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("X-Auth-Token", token)
    with urllib.request.urlopen(req, timeout=60) as answer:
        text = answer.read()
        return answer.headers, (json.loads(text) if text else None)


scope = {"project": {"name": "admin", "domain": {"id": "default"}}}
auth = {"auth": {"identity": {"methods": ["password"], "password": {"user": {
    "name": "admin", "domain": {"id": "default"}, "password": admin_password}}},
    "scope": scope}}
headers, _ = call("POST", "/v3/auth/tokens", auth)
token = headers["X-Subject-Token"]

ids = {"project": {}, "user": {}, "role": {}}
_, roles = call("GET", "/v3/roles", token=token)
for role in roles["roles"]:
    ids["role"][role["name"]] = role["id"]
_, projects = call("GET", "/v3/projects", token=token)
for project in projects["projects"]:
    ids["project"][project["name"]] = project["id"]

for spec in sys.argv[4:]:
    kind, *rest = spec.split(":")
    if kind == "project":
        _, made = call("POST", "/v3/projects", {"project": {
            "name": rest[0], "domain_id": "default"}}, token)
        ids["project"][rest[0]] = made["project"]["id"]
    elif kind == "user":
        _, made = call("POST", "/v3/users", {"user": {
            "name": rest[0], "password": rest[1], "domain_id": "default"}}, token)
        ids["user"][rest[0]] = made["user"]["id"]
    elif kind == "role":
        user, project, role = rest
        call("PUT", "/v3/projects/%s/users/%s/roles/%s" % (
            ids["project"][project], ids["user"][user], ids["role"][role]), token=token)
    else:
        sys.exit("unknown spec " + spec)

_, made = call("POST", "/v3/services", {"service": {"type": "image", "name": "glance"}}, token)
for interface in ("public", "internal", "admin"):
    call("POST", "/v3/endpoints", {"endpoint": {
        "service_id": made["service"]["id"], "interface": interface,
        "region_id": "RegionOne", "url": glance_url}}, token)
json.dump(ids["project"], sys.stdout)
