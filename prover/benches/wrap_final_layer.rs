//! Measures the final plonky2 layer of the wrap (BN254-Poseidon config): circuit build, proving
//! and verification time and proof size, for the test and the production FRI configs, plus the
//! native BN254 Poseidon permutation. Prints its figures (no assertions on performance).
//!
//! `cargo bench --profile dev -p proofbook-prover --bench wrap_final_layer`

use std::time::{Duration, Instant};

use ark_bn254::Fr;
use proofbook_prover::wrap::config::{
    conjectured_security_bits, wrap_circuit_config, wrap_test_circuit_config,
};
use proofbook_prover::wrap::final_layer::FinalLayer;
use proofbook_prover::wrap::poseidon_bn254;
use proofbook_prover::wrap::sample::{sample_inner, test_seed};

fn main() -> anyhow::Result<()> {
    let n = 20_000u32;
    let mut state = [Fr::from(1u64), Fr::from(2u64), Fr::from(3u64), Fr::from(4u64)];
    poseidon_bn254::permute(&mut state);
    let t = Instant::now();
    for _ in 0..n {
        poseidon_bn254::permute(&mut state);
    }
    let per = t.elapsed() / n;
    println!("native Poseidon-BN254 t=4 permutation: {per:?} (1 thread)");

    let t = Instant::now();
    let inner = sample_inner(test_seed(), 4)?;
    println!(
        "inner recursion-shape proof: degree_bits {}, built and proven in {:?}",
        inner.data.common.degree_bits(),
        t.elapsed()
    );
    for (name, config) in [("test", wrap_test_circuit_config()), ("wrap", wrap_circuit_config())] {
        let bits = conjectured_security_bits(&config.fri_config);
        let t = Instant::now();
        let layer = FinalLayer::build(&inner.data.common, &inner.data.verifier_only, config);
        let build = t.elapsed();
        let mut proves = Vec::new();
        let mut proof = None;
        for _ in 0..2 {
            let t = Instant::now();
            proof = Some(layer.prove(&inner.proof, &inner.data.verifier_only)?);
            proves.push(t.elapsed());
        }
        let proof = proof.expect("proved");
        let t = Instant::now();
        layer.verify(&proof)?;
        let verify = t.elapsed();
        let fmt = |d: &[Duration]| {
            d.iter().map(|d| format!("{:.2}s", d.as_secs_f64())).collect::<Vec<_>>().join(", ")
        };
        println!(
            "final layer [{name}, {bits} conjectured bits]: degree_bits {}, gates {}, build {:.2}s, prove [{}], verify {:?}, proof {} bytes",
            layer.data.common.degree_bits(),
            layer.data.common.gates.len(),
            build.as_secs_f64(),
            fmt(&proves),
            verify,
            proof.to_bytes().len()
        );
    }
    Ok(())
}
