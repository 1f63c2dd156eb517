"""Writes seed inputs for each fuzz target from fixtures/events/."""
import base64, glob, hashlib, hmac, json, os

here = os.path.dirname(os.path.abspath(__file__))
events = sorted(glob.glob(os.path.join(here, "..", "fixtures", "events", "*.json")))
for target in ("raw_http", "har", "log_record", "signature_header"):
    os.makedirs(os.path.join(here, "seeds", target), exist_ok=True)

def write(target, name, data):
    with open(os.path.join(here, "seeds", target, name), "wb") as f:
        f.write(data)

entries = []
for i, path in enumerate(events):
    body = open(path, "rb").read()
    sig = hmac.new(b"fuzz-secret", body, hashlib.sha256).hexdigest()
    name = os.path.basename(path)
    raw = b"POST /hooks?x=%d HTTP/1.1\r\nHost: m\r\nX-Signature: %s\r\nContent-Length: %d\r\n\r\n" % (i, sig.encode(), len(body)) + body
    write("raw_http", name + ".http", raw)
    chunked = b"POST / HTTP/1.1\nTransfer-Encoding: chunked\n\n%x\n" % len(body) + body + b"\n0\n\n"
    write("raw_http", name + ".chunked", chunked)
    entries.append({"request": {"method": "POST", "url": f"https://m.example/h?{i}",
                                "headers": [{"name": "X-Signature", "value": sig}],
                                "postData": {"text": base64.b64encode(body).decode(), "encoding": "base64"}}})
    record = {"v": 1, "id": i + 1, "received_at": "2026-12-04T10:00:00.000Z", "method": "POST", "path": "/",
              "query": None, "remote_addr": "127.0.0.1:1", "headers": [["X-Signature", sig]],
              "body": body.decode(), "signature": "valid", "event": None, "app_id": 123,
              "timestamp": 1764849600, "duplicate_of": None, "response_status": 200, "forward": None}
    write("log_record", name + ".jsonl", json.dumps(record, ensure_ascii=False).encode())
    write("signature_header", name + ".sig", (sig.ljust(200)).encode()[:200] + body)
    write("signature_header", name + ".b64", ("sha256=" + base64.b64encode(bytes.fromhex(sig)).decode()).ljust(200).encode() + body)
write("har", "fixtures.har", json.dumps({"log": {"version": "1.2", "entries": entries}}).encode())
