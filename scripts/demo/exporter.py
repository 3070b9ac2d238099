#!/usr/bin/env python3
"""The demo's service, simulated: per-version HTTP metrics for Prometheus to scrape.

kube-sim runs no real containers, so this process stands in for the "web" service's pods. Every
tick it lists the Ready pods selected by --selector in kube-sim, splits --rps requests evenly
across them (as a Service would), and counts each pod's requests under its version: the pod label
ferry.dev/version, else its first container's image tag. Per version it exports

  demo_http_requests_total{service, version, code}            counter (code 200 or 500)
  demo_http_request_duration_seconds_bucket{service, version, le}  histogram (+ _sum, _count)

How each version behaves (error ratio, median latency) is set by the demo script:

  curl -X POST 'http://127.0.0.1:PORT/behaviour?version=badc0de&errorRate=0.3&latency=0.4'

Versions not configured behave well (--error-rate, --latency). Standard library only; listens on
127.0.0.1 only; --port 0 picks a free port, printed as "demo-exporter listening on URL".
"""
import argparse
import base64
import json
import math
import random
import re
import ssl
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
TICK_SECONDS = 0.25
LATENCY_SPREAD = 0.35  # sigma of the log-normal latency around a version's median


class Kube:
    """The smallest kube-sim client this needs: GET with the kubeconfig's server, CA and token."""

    def __init__(self, kubeconfig):
        text = open(kubeconfig, encoding="utf-8").read()

        def field(name):
            m = re.search(r"^\s*%s:\s*(\S+)\s*$" % re.escape(name), text, re.M)
            return m.group(1) if m else ""

        self.server = field("server")
        if not self.server:
            raise SystemExit("exporter: %s names no server" % kubeconfig)
        self.token = field("token")
        self.context = None
        ca = field("certificate-authority-data")
        if ca:
            self.context = ssl.create_default_context(cadata=base64.b64decode(ca).decode())

    def get(self, path):
        req = urllib.request.Request(self.server + path, headers={"Accept": "application/json"})
        if self.token:
            req.add_header("Authorization", "Bearer " + self.token)
        with urllib.request.urlopen(req, timeout=5, context=self.context) as resp:
            return json.load(resp)


def pod_version(pod):
    labels = pod.get("metadata", {}).get("labels", {})
    if labels.get("ferry.dev/version"):
        return labels["ferry.dev/version"]
    containers = pod.get("spec", {}).get("containers", [])
    image = containers[0].get("image", "") if containers else ""
    tail = image.rsplit("/", 1)[-1]
    return tail.split(":", 1)[1] if ":" in tail else "unknown"


def pod_ready(pod):
    if pod.get("metadata", {}).get("deletionTimestamp"):
        return False
    for cond in pod.get("status", {}).get("conditions", []):
        if cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return False


class Service:
    """Simulated traffic and the metric state, guarded by one lock."""

    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.behaviour = {}  # version -> {"errorRate": x, "latency": seconds}
        self.requests = {}  # (version, code) -> count
        self.buckets = {}  # version -> [count per BUCKETS entry, +Inf]
        self.sums = {}  # version -> seconds
        self.carry = {}  # version -> fractional requests not yet served
        self.pods = {}  # version -> ready pods, last seen

    def set_behaviour(self, version, error_rate, latency):
        with self.lock:
            self.behaviour[version] = {"errorRate": error_rate, "latency": latency}

    def serve(self, version, count):
        b = self.behaviour.get(version, {"errorRate": self.args.error_rate, "latency": self.args.latency})
        for code in ("200", "500"):
            self.requests.setdefault((version, code), 0)
        hist = self.buckets.setdefault(version, [0] * (len(BUCKETS) + 1))
        self.sums.setdefault(version, 0.0)
        for _ in range(count):
            code = "500" if random.random() < b["errorRate"] else "200"
            self.requests[(version, code)] += 1
            seconds = b["latency"] * math.exp(random.gauss(0.0, LATENCY_SPREAD))
            self.sums[version] += seconds
            for i, le in enumerate(BUCKETS):
                if seconds <= le:
                    hist[i] += 1
            hist[-1] += 1

    def tick(self, pods, dt):
        ready = {}
        for pod in pods:
            if pod_ready(pod):
                v = pod_version(pod)
                ready[v] = ready.get(v, 0) + 1
        total = sum(ready.values())
        with self.lock:
            self.pods = ready
            for version, n in ready.items():
                share = self.args.rps * dt * n / total + self.carry.get(version, 0.0)
                whole = int(share)
                self.carry[version] = share - whole
                self.serve(version, whole)

    def exposition(self):
        svc = self.args.service
        out = [
            "# HELP demo_http_requests_total Requests served by the demo service, by version and code.",
            "# TYPE demo_http_requests_total counter",
        ]
        with self.lock:
            for (version, code), n in sorted(self.requests.items()):
                out.append('demo_http_requests_total{service="%s",version="%s",code="%s"} %d' % (svc, version, code, n))
            out += [
                "# HELP demo_http_request_duration_seconds Request latency of the demo service, by version.",
                "# TYPE demo_http_request_duration_seconds histogram",
            ]
            for version, hist in sorted(self.buckets.items()):
                labels = 'service="%s",version="%s"' % (svc, version)
                for le, n in zip([str(b) for b in BUCKETS] + ["+Inf"], hist):
                    out.append('demo_http_request_duration_seconds_bucket{%s,le="%s"} %d' % (labels, le, n))
                out.append("demo_http_request_duration_seconds_sum{%s} %.6f" % (labels, self.sums[version]))
                out.append("demo_http_request_duration_seconds_count{%s} %d" % (labels, hist[-1]))
            out += ["# HELP demo_ready_pods Ready pods of the demo service, by version.",
                    "# TYPE demo_ready_pods gauge"]
            for version, n in sorted(self.pods.items()):
                out.append('demo_ready_pods{service="%s",version="%s"} %d' % (svc, version, n))
        return "\n".join(out) + "\n"


def make_handler(service):
    class Handler(BaseHTTPRequestHandler):
        def reply(self, code, body, ctype="text/plain; version=0.0.4"):
            data = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            path = urllib.parse.urlparse(self.path).path
            if path == "/metrics":
                self.reply(200, service.exposition())
            elif path == "/behaviour":
                with service.lock:
                    self.reply(200, json.dumps(service.behaviour) + "\n", "application/json")
            else:
                self.reply(404, "not found: try /metrics or /behaviour\n")

        def do_POST(self):
            url = urllib.parse.urlparse(self.path)
            if url.path != "/behaviour":
                self.reply(404, "not found: POST /behaviour?version=V&errorRate=R&latency=S\n")
                return
            q = urllib.parse.parse_qs(url.query)
            try:
                version = q["version"][0]
                error_rate = float(q.get("errorRate", [service.args.error_rate])[0])
                latency = float(q.get("latency", [service.args.latency])[0])
                if not 0.0 <= error_rate <= 1.0 or latency <= 0.0:
                    raise ValueError("errorRate must be in [0, 1] and latency > 0")
            except (KeyError, ValueError) as e:
                self.reply(400, "bad behaviour (%s): POST /behaviour?version=V&errorRate=R&latency=S\n" % e)
                return
            service.set_behaviour(version, error_rate, latency)
            self.reply(200, "ok\n")

        def log_message(self, fmt, *args):
            pass

    return Handler


def traffic_loop(service, kube, args):
    path = "/api/v1/namespaces/%s/pods?labelSelector=%s" % (args.namespace, urllib.parse.quote(args.selector))
    last = time.monotonic()
    while True:
        time.sleep(TICK_SECONDS)
        now = time.monotonic()
        try:
            pods = kube.get(path).get("items", [])
        except Exception as e:  # the API server may be restarting; keep serving the last counts
            print("exporter: listing pods: %s" % e, file=sys.stderr)
            pods = []
        service.tick(pods, now - last)
        last = now


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kubeconfig", required=True)
    p.add_argument("--namespace", default="demo")
    p.add_argument("--selector", default="app=web")
    p.add_argument("--service", default="web")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--rps", type=float, default=200.0, help="requests per second over all Ready pods")
    p.add_argument("--error-rate", type=float, default=0.002, help="error ratio of a well-behaved version")
    p.add_argument("--latency", type=float, default=0.04, help="median latency (s) of a well-behaved version")
    args = p.parse_args()
    service = Service(args)
    kube = Kube(args.kubeconfig)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(service))
    threading.Thread(target=traffic_loop, args=(service, kube, args), daemon=True).start()
    print("demo-exporter listening on http://127.0.0.1:%d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
