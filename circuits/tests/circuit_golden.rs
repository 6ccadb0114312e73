//! Golden circuit digests: the universal and trade chunk circuits and the first two
//! aggregation levels, at the fast_test config (K = 2 and one trade slot, the tests'
//! circuits) and at the production config (`PRODUCTION_K`, `PRODUCTION_TRADE_K`). A digest changes whenever a circuit does (gates, wiring, constants,
//! config), and with it the verifier key L1 must hold; this test makes every such change
//! explicit. After a deliberate change, regenerate with
//! `UPDATE_GOLDEN=1 cargo test -p proofbook-circuits --test circuit_golden`.

use std::collections::BTreeMap;

use proofbook_circuits::aggregate::BatchProver;
use proofbook_circuits::circuit::chunk::{PRODUCTION_K, PRODUCTION_TRADE_K};
use proofbook_circuits::config::NamedConfig;
use proofbook_circuits::hash::digest_hex;

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/circuit_digests.json");

fn digests() -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (config, k, kt) in
        [(NamedConfig::FastTest, 2, 1), (NamedConfig::Production, PRODUCTION_K, PRODUCTION_TRADE_K)]
    {
        let p = BatchProver::new(config, k, kt);
        let name = config.name();
        out.insert(
            format!("{name}/chunk_k{k}"),
            digest_hex(&p.chunk_circuit().data.verifier_only.circuit_digest),
        );
        out.insert(
            format!("{name}/trade_chunk_k{kt}"),
            digest_hex(&p.trade_circuit().data.verifier_only.circuit_digest),
        );
        for level in 1..=2 {
            out.insert(
                format!("{name}/aggregate_level{level}"),
                digest_hex(&p.aggregation_circuit(level).data.verifier_only.circuit_digest),
            );
        }
    }
    out
}

#[test]
fn circuit_digests_match_the_golden_file() {
    let got = digests();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let json = serde_json::to_string_pretty(&got).unwrap() + "\n";
        std::fs::write(GOLDEN, json).unwrap();
        return;
    }
    let want: BTreeMap<String, String> = serde_json::from_str(
        &std::fs::read_to_string(GOLDEN).expect("golden file (UPDATE_GOLDEN=1 to create it)"),
    )
    .unwrap();
    assert_eq!(
        got, want,
        "a circuit changed: review the change, then regenerate with UPDATE_GOLDEN=1"
    );
}
