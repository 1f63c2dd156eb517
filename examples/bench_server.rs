//! A minimal HTTP server for `bench/send-vs-wrk.sh`: answers every request
//! `200 {"ok":true}`, after reading its body. Prints its address on the first
//! line of stdout, then serves until killed.

use axum::Router;
use axum::body::Bytes;
use axum::routing::any;

fn main() -> std::io::Result<()> {
    // One thread, so the load generator under test keeps the other core.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        println!("{}", listener.local_addr()?);
        let app = Router::new().fallback(any(|_body: Bytes| async { r#"{"ok":true}"# }));
        axum::serve(listener, app).await
    })
}
