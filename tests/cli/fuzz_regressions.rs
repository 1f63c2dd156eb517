//! Every input that once failed a fuzz target (fuzz/regressions/TARGET/*)
//! still passes that target's checks.

use std::path::Path;

#[path = "../../fuzz/checks.rs"]
mod checks;

type Check = fn(&[u8]);

#[test]
fn fuzz_regressions_pass_their_checks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let targets: [(&str, Check); 4] = [
        ("raw_http", checks::raw_http),
        ("har", checks::har),
        ("log_record", checks::log_record),
        ("signature_header", checks::signature_header),
    ];
    let mut ran = 0;
    for (target, check) in targets {
        let Ok(entries) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| check(&data));
            assert!(outcome.is_ok(), "{} fails its {target} check again", path.display());
            ran += 1;
        }
    }
    assert!(ran > 0, "no regression inputs found under {}", root.display());
}
