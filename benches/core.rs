//! The pure core against a bare HMAC baseline in the same run, and the
//! capture readers' throughput. `cargo bench` prints the figures; the ratio
//! to the baseline is the number that matters on a shared, noisy machine.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use techrar_hooks::core::capture::{parse_har, parse_raw_http};
use techrar_hooks::core::record::parse_line;
use techrar_hooks::core::secret::Secret;
use techrar_hooks::core::signature::Scheme;

const KEY: &str = "whsec_bench_secret";

/// A Techrar-like envelope padded to `size` bytes.
fn body(size: usize) -> Vec<u8> {
    let head = r#"{"app_id":123,"timestamp":1764849600,"event":"order.created","data":{"note":""#;
    let tail = r#""}}"#;
    let mut body = head.as_bytes().to_vec();
    body.resize(size - tail.len(), b'x');
    body.extend_from_slice(tail.as_bytes());
    body
}

fn bare_hmac(key: &[u8], body: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(key).unwrap();
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

fn signature(c: &mut Criterion) {
    let secret = Secret::new(KEY).unwrap();
    let secrets = [secret.clone()];
    let mut group = c.benchmark_group("signature");
    for (label, size) in [("1KiB", 1024), ("1MiB", 1024 * 1024)] {
        let body = body(size);
        let header = Scheme::DEFAULT.sign(&secret, &body);
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::new("baseline_hmac_sha256", label), &body, |b, body| {
            b.iter(|| bare_hmac(black_box(KEY.as_bytes()), black_box(body)))
        });
        group.bench_with_input(BenchmarkId::new("sign", label), &body, |b, body| {
            b.iter(|| Scheme::DEFAULT.sign(black_box(&secret), black_box(body)))
        });
        group.bench_with_input(BenchmarkId::new("verify", label), &body, |b, body| {
            b.iter(|| Scheme::DEFAULT.verify(black_box(&secrets), black_box(body), Some(black_box(&header))))
        });
    }
    group.finish();
}

fn readers(c: &mut Criterion) {
    let payload = body(4096);
    let secret = Secret::new(KEY).unwrap();
    let sig = Scheme::DEFAULT.sign(&secret, &payload);

    let mut raw = Vec::new();
    for _ in 0..64 {
        raw.extend_from_slice(
            format!(
                "POST /hooks HTTP/1.1\r\nHost: x\r\nX-Signature: {sig}\r\nContent-Length: {}\r\n\r\n",
                payload.len()
            )
            .as_bytes(),
        );
        raw.extend_from_slice(&payload);
    }
    let text = String::from_utf8(payload.clone()).unwrap();
    let entry = serde_json::json!({"request": {"method": "POST", "url": "https://m.example/hooks",
        "headers": [{"name": "X-Signature", "value": sig}], "postData": {"text": text}}});
    let har = serde_json::json!({"log": {"version": "1.2", "entries": vec![entry; 64]}})
        .to_string()
        .into_bytes();
    let line = format!(
        r#"{{"v":1,"id":1,"received_at":"2026-12-04T10:00:00.000Z","method":"POST","path":"/","query":null,"remote_addr":"127.0.0.1:1","headers":[["X-Signature","{sig}"]],"body":{},"signature":"valid","event":"order.created","app_id":123,"timestamp":1764849600,"duplicate_of":null,"response_status":200,"forward":null}}"#,
        serde_json::to_string(&text).unwrap()
    );

    let mut group = c.benchmark_group("readers");
    group.throughput(Throughput::Bytes(raw.len() as u64));
    group.bench_function("raw_http_64x4KiB", |b| {
        b.iter(|| parse_raw_http(black_box(&raw)).unwrap())
    });
    group.throughput(Throughput::Bytes(har.len() as u64));
    group.bench_function("har_64x4KiB", |b| b.iter(|| parse_har(black_box(&har)).unwrap()));
    group.throughput(Throughput::Bytes(line.len() as u64));
    group.bench_function("log_line_4KiB", |b| {
        b.iter(|| parse_line(black_box(line.as_bytes())).unwrap())
    });
    group.finish();
}

criterion_group!(benches, signature, readers);
criterion_main!(benches);
