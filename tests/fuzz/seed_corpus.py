#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/<target>/seed-*: the samples of config/samples,
bodies recorded from a real kube-apiserver (tests/kube-transcripts),
and small hand-written inputs. Re-run after adding seeds; inputs the fuzzer found are kept in
the same folders under other names (crash-*, found-*) and are never touched here."""
import glob
import json
import os
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TRANSCRIPTS = os.environ.get("FERRY_TRANSCRIPTS",
                             os.path.join(ROOT, "tests", "kube-transcripts"))
MAX_SEED = 8192  # bytes: seeds stay small, the fuzzer grows what it needs


def write(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    folder = os.path.join(HERE, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "seed-" + name), "wb") as f:
        f.write(data[:MAX_SEED])


def transcript(path):
    with open(os.path.join(TRANSCRIPTS, path)) as f:
        return json.load(f)


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def samples():
    for path in sorted(glob.glob(os.path.join(ROOT, "config", "samples", "*.yaml"))):
        for i, doc in enumerate(yaml.safe_load_all(open(path))):
            if doc:
                yield os.path.basename(path)[:-5] + (f"-{i}" if i else ""), doc


def api_objects():
    for name, doc in samples():
        target = {"Release": "release", "Pipeline": "pipeline"}.get(doc.get("kind"))
        if target:
            write(target, name + ".json", compact(doc))
    write("release", "minimal.json", '{"spec":{"targetRef":{"name":"web"},"version":"v2"}}')
    write("release", "wrong-types.json",
          '{"spec":{"targetRef":"web","replicas":"3","strategy":{"canary":{"steps":[1,{"setWeight":-5}]}}}}')
    write("pipeline", "minimal.json",
          '{"spec":{"source":{"url":"https://g/x.git"},"stages":[{"name":"b","image":"i"}]}}')
    write("pipeline", "cycle.json",
          '{"spec":{"stages":[{"name":"a","image":"$(stages.b.result)","dependsOn":["b"]},'
          '{"name":"b","image":"i","dependsOn":["a"]}]}}')
    if os.path.isdir(TRANSCRIPTS):
        # Release objects of the recording CRD (a different schema: decoding must cope).
        write("release", "transcript-cr-get.json", compact(transcript("cr/03-get.json")["response"]["body"]))


def kubeconfigs():
    base = """apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: dev
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==
    tls-server-name: kubernetes
contexts:
- name: dev
  context: {cluster: dev, user: dev, namespace: ml}
users:
- name: dev
  user:
    token: abc
"""
    write("kubeconfig", "token.yaml", base)
    write("kubeconfig", "context.yaml", "# context: other\n" + base.replace(
        "contexts:\n", "contexts:\n- name: other\n  context: {cluster: dev, user: exec}\n").replace(
        "users:\n", """users:
- name: exec
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: ./plugin
      args: [get-token, --cluster, dev]
      env: [{name: A, value: b}]
      interactiveMode: Never
      provideClusterInfo: true
"""))
    write("kubeconfig", "files.yaml", base.replace(
        "certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==",
        "certificate-authority: ca.crt\n    insecure-skip-tls-verify: false\n    proxy-url: http://proxy:3128").replace(
        "token: abc", "client-certificate: /nonexistent/c.crt\n    client-key-data: bm90IGEga2V5\n    tokenFile: token"))
    write("kubeconfig", "bad-base64.yaml", base.replace("LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==", "%%%"))
    write("kubeconfig", "anchors.yaml", "a: &x [*x]\nclusters: *x\n")
    write("kubeconfig", "empty.yaml", "")


def watch_streams():
    if not os.path.isdir(TRANSCRIPTS):
        return
    for path in sorted(glob.glob(os.path.join(TRANSCRIPTS, "*", "*.txt"))):
        rel = os.path.relpath(path, TRANSCRIPTS)
        if "raw" in rel:
            continue
        body = open(path, "rb").read()
        cut = body.rfind(b"\n", 0, MAX_SEED - 16)
        body = body[:cut + 1] if cut > 0 else body
        write("watch_stream", rel.replace("/", "-"), b"0 0\n" + body)
        write("watch_stream", "chunked-" + rel.replace("/", "-"), b"7 4096\n" + body[:2048])
    write("watch_stream", "crlf-blank.txt",
          '3 64\n{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":"5"}}}\r\n\r\n  \n{"ty')
    write("watch_stream", "error-410.txt",
          '0 0\n{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure",'
          '"message":"too old resource version: 1 (5)","reason":"Expired","code":410}}\n')


def api_errors():
    write("kube_errors", "plain-404.txt", "404 \n404 page not found\n")
    write("kube_errors", "retry-after.txt",
          '429 7\n{"kind":"Status","status":"Failure","reason":"TooManyRequests","code":429,'
          '"details":{"retryAfterSeconds":3}}')
    write("kube_errors", "wrong-types.txt",
          '500 x\n{"kind":"Status","code":"500","reason":7,"message":null,"details":[]}')
    if not os.path.isdir(TRANSCRIPTS):
        return
    for path in sorted(glob.glob(os.path.join(TRANSCRIPTS, "*", "*.json"))):
        try:
            t = json.load(open(path))
        except ValueError:
            continue
        resp = t.get("response") if isinstance(t, dict) else None
        if not isinstance(resp, dict) or not isinstance(resp.get("status"), int) or resp["status"] < 400:
            continue
        body = resp.get("body")
        body = body if isinstance(body, str) else compact(body)
        retry = (resp.get("headers") or {}).get("Retry-After", "")
        rel = os.path.relpath(path, TRANSCRIPTS).replace("/", "-")
        write("kube_errors", rel[:-5] + ".txt", f"{resp['status']} {retry}\n{body}")


def exec_credentials():
    write("exec_credential", "token.json",
          '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential",'
          '"status":{"token":"t","expirationTimestamp":"2026-11-25T10:00:00.5+02:00"}}')
    write("exec_credential", "cert.json",
          '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential",'
          '"status":{"clientCertificateData":"-----BEGIN CERTIFICATE-----","clientKeyData":"k"}}')
    write("exec_credential", "garbage.txt", "Please log in at https://example.com\n")


def webhooks():
    push = {"ref": "refs/heads/main", "after": "3f2c9a1b7e0d4c5f6a8b9c0d1e2f3a4b5c6d7e8f",
            "repository": {"clone_url": "https://github.com/acme/churn-model.git",
                           "ssh_url": "git@github.com:acme/churn-model.git"},
            "head_commit": {"timestamp": "2026-11-25T11:59:30+02:00"}, "pusher": {"name": "ada"}}
    body = json.dumps(push)
    write("webhook", "github-push.txt",
          "GitHub\nX-GitHub-Event: push\nX-GitHub-Delivery: d-1\nX-Hub-Signature-256: $SIGN\n"
          "Content-Type: application/json\n\n" + body)
    write("webhook", "github-ping.txt", "GitHub\nX-GitHub-Event: ping\nX-Hub-Signature-256: $SIGN\n\n{}")
    write("webhook", "github-form.txt",
          "GitHub\nX-GitHub-Event: push\nX-Hub-Signature-256: $SIGN\n"
          "Content-Type: application/x-www-form-urlencoded\n\npayload=%7B%22ref%22%3A%22refs%2Fheads%2Fmain%22%7D")
    write("webhook", "github-bad-signature.txt",
          "GitHub\nX-GitHub-Event: push\nX-Hub-Signature-256: sha256=00\n\n" + body)
    gitlab = {"object_kind": "push", "ref": "refs/heads/main",
              "checkout_sha": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
              "after": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
              "project": {"git_http_url": "https://github.com/acme/churn-model.git"}}
    write("webhook", "gitlab-push.txt",
          "GitLab\nX-Gitlab-Event: Push Hook\nX-Gitlab-Token: $SECRET\n\n" + json.dumps(gitlab))
    write("webhook", "gitea-push.txt",
          "Gitea\nX-Gitea-Event: push\nX-Gitea-Signature: $SIGN\nX-Gitea-Delivery: g-1\n\n" + body)
    write("webhook", "generic-other-path.txt",
          "Generic GET /hooks/ml/other\nX-Signature: $SIGN\n\n" + body)
    write("webhook", "deleted-branch.txt",
          "GitHub\nX-GitHub-Event: push\nX-Hub-Signature-256: $SIGN\n\n" +
          json.dumps(dict(push, deleted=True, after="0" * 40)))


def conditions():
    for i, text in enumerate([
            "result < 0.01", "result >= 0.95 && result <= 1.2", "!(result > 5) || isNaN(result)",
            "len(result) > 0 && result[0] < 100", "isInf(result) or not (result == -1.5e-3)",
            "((((result))))", "result[18446744073709551615] > .5", "-result != 1E+308",
            "true && false", "result <", "result < 1 < 2"]):
        write("condition", f"{i:02d}.txt", text)


def prometheus():
    bodies = {
        "scalar": {"status": "success", "data": {"resultType": "scalar", "result": [1700000000.5, "0.012"]}},
        "vector": {"status": "success", "data": {"resultType": "vector", "result": [
            {"metric": {"version": "v2"}, "value": [1700000000.5, "0.012"]}]}},
        "vector-many": {"status": "success", "data": {"resultType": "vector", "result": [
            {"metric": {}, "value": [1, "NaN"]}, {"metric": {}, "value": [1, "+Inf"]},
            {"metric": {}, "value": [1, "-Inf"]}]}},
        "empty": {"status": "success", "data": {"resultType": "vector", "result": []}},
        "matrix": {"status": "success", "data": {"resultType": "matrix", "result": [
            {"metric": {"pod": "a"}, "values": [[1700000000, "1"], [1700000015, "NaN"]]}]}},
        "error": {"status": "error", "errorType": "bad_data", "error": "parse error at char 5"},
        "wrong-types": {"status": "success", "data": {"resultType": "vector", "result": [
            {"metric": [], "value": ["x", 1]}]}},
    }
    for name, body in bodies.items():
        write("prometheus", name + ".json", compact(body))


def main():
    if not os.path.isdir(TRANSCRIPTS):
        print(f"note: {TRANSCRIPTS} not found; transcript seeds skipped", file=sys.stderr)
    api_objects()
    kubeconfigs()
    watch_streams()
    api_errors()
    exec_credentials()
    webhooks()
    conditions()
    prometheus()


if __name__ == "__main__":
    main()
