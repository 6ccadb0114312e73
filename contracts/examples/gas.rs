//! Measures the gas of every rollup entry point from transaction receipts on the pinned npm
//! anvil (Prague): deposit, commitBatch with 0 / 100 / 1000 trades (fixed cost and cost per
//! byte of public data), verifyBatch with the generated Groth16 verifier, withdraw,
//! requestForcedWithdrawal, activateExodus, exit. Prints a table for docs/GAS.md.
//!
//! `cargo run -p proofbook-contracts --example gas`

use alloy::network::EthereumWallet;
use alloy::primitives::{B256, U256};
use alloy::providers::ext::AnvilApi;
use alloy::providers::{Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use proofbook_circuits::pubdata::{encode_batch, DepositOp, PubOp};
use proofbook_contracts::bindings::{Rollup, TestUSDC};
use proofbook_contracts::deploy::{deploy, DeployParams, GenesisRoot};
use proofbook_contracts::encoding::{batch_statement, digest_scalar, stored_batch};
use proofbook_contracts::{anvil, groth16, vectors};

/// Calldata gas of `data` under EIP-2028 (4 per zero byte, 16 per other byte) and the
/// EIP-7623 floor tokens (zero bytes + 4 × other bytes).
fn calldata_cost(data: &[u8]) -> (u64, u64) {
    let zeros = data.iter().filter(|&&b| b == 0).count() as u64;
    let other = data.len() as u64 - zeros;
    (4 * zeros + 16 * other, zeros + 4 * other)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let node = anvil::spawn()?;
    let connect = |i: usize| {
        ProviderBuilder::new()
            .wallet(EthereumWallet::from(PrivateKeySigner::from(node.keys()[i].clone())))
            .connect_http(node.endpoint_url())
    };
    let (operator, alice, stranger) = (connect(0), connect(1), connect(2));
    let (op_addr, alice_addr) = (node.addresses()[0], node.addresses()[1]);
    let d = deploy(
        &operator,
        op_addr,
        DeployParams {
            usdc: None,
            verifier: None,
            operator: op_addr,
            insurance_owner: op_addr,
            genesis: GenesisRoot::Fixed(B256::repeat_byte(1)),
            priority_deadline: 86_400,
        },
    )
    .await?;
    let fx = vectors::exit_fixture(d.rollup, alice_addr);
    let keys = groth16::insecure_dev_setup(groth16::DEV_SETUP_SEED)?;
    let usdc = TestUSDC::new(d.usdc, &alice);
    usdc.mint(alice_addr, U256::from(1u64 << 60)).send().await?.get_receipt().await?;
    usdc.approve(d.rollup, U256::MAX).send().await?.get_receipt().await?;
    let ra = Rollup::new(d.rollup, &alice);
    let ro = Rollup::new(d.rollup, &operator);
    let rs = Rollup::new(d.rollup, &stranger);
    let mut rows: Vec<(String, u64, String)> = Vec::new();

    let amount = 1_000_000_000_000u64;
    let mut g = Vec::new();
    for _ in 0..3 {
        g.push(ra.deposit(fx.account.pubkey, amount).send().await?.get_receipt().await?.gas_used);
    }
    rows.push(("deposit (first / later)".into(), g[0], format!("later deposits: {}", g[1])));

    let mut root = d.genesis_root;
    let mut queue_head = 0u64;
    let mut commit_gas = Vec::new();
    for (k, trades) in [0u32, 100, 1000].into_iter().enumerate() {
        let n = k as u64 + 1;
        let first_batch = n == 1;
        let mut ops = Vec::new();
        if first_batch {
            for _ in 0..3 {
                ops.push(PubOp::Deposit(DepositOp {
                    account_id: 7,
                    l1_address: alice_addr,
                    pubkey: fx.account.pubkey,
                    amount,
                }));
            }
            ops.push(PubOp::Withdraw { account_id: 7, amount: 1_000_000 });
        }
        ops.extend((0..trades).map(vectors::continuing_fill));
        let pd = encode_batch(&ops);
        let old = root;
        // The last batch ends at the exit fixture's state (alice's account 7): the exodus exit
        // below proves against the last verified root.
        root = if trades == 1000 { fx.state_root } else { B256::from(U256::from(1000 + n)) };
        let now = operator
            .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
            .await?
            .expect("block")
            .header
            .timestamp;
        let header = Rollup::BatchHeader {
            batchNumber: n,
            timestamp: now,
            prevCommitment: ro.batchCommitments(n - 1).call().await?,
            oldStateRoot: old,
            newStateRoot: root,
        };
        let call = ro.commitBatch(header.clone(), pd.clone().into());
        let input = call.calldata().clone();
        let r = call.send().await?.get_receipt().await?;
        let (cd, tokens) = calldata_cost(&input);
        commit_gas.push((trades, pd.len(), r.gas_used, cd, tokens));
        let owner = |id: u32| (id == 7 && !first_batch).then_some(alice_addr);
        let batch = stored_batch(&header, &pd, queue_head, owner)?;
        queue_head += batch.priorityOpCount;
        let proof = groth16::encode_proof(&groth16::prove_trivial(
            &keys,
            digest_scalar(batch_statement(&batch)),
            n,
        )?);
        let r = ro.verifyBatch(batch, proof.into()).send().await?.get_receipt().await?;
        if first_batch {
            rows.push((
                "verifyBatch (3 deposits, 1 withdrawal credited)".into(),
                r.gas_used,
                String::new(),
            ));
        } else if trades == 100 {
            rows.push((
                "verifyBatch (no L1 operations)".into(),
                r.gas_used,
                "Groth16 pairing check included".into(),
            ));
        }
    }
    // Under EIP-7623 a transaction pays max(21000 + calldata + execution, 21000 + 10·tokens):
    // a receipt equal to the floor says nothing about execution.
    let floor = |tokens: u64| 21_000 + 10 * tokens;
    for (t, len, gas, cd, tokens) in &commit_gas {
        let charged = if *gas == floor(*tokens) { "; the floor was charged" } else { "" };
        rows.push((
            format!("commitBatch, {t} trades ({len} B public data)"),
            *gas,
            format!(
                "calldata {cd} gas (EIP-2028), floor tokens {tokens} (EIP-7623 floor {}{charged})",
                floor(*tokens)
            ),
        ));
    }
    let (_, l100, g100, cd100, tk100) = commit_gas[1];
    let (_, l1000, g1000, cd1000, tk1000) = commit_gas[2];
    let per_trade = (g1000 - g100) as f64 / 900.0;
    let per_byte = (g1000 - g100) as f64 / (l1000 - l100) as f64;
    let note = if g1000 == floor(tk1000) || g100 == floor(tk100) {
        format!(
            "{per_byte:.1} gas/byte, EIP-7623 floor pricing (10 gas per token: {:.1} tokens/trade)",
            (tk1000 - tk100) as f64 / 900.0
        )
    } else {
        let exec_per_trade = ((g1000 - g100) - (cd1000 - cd100)) as f64 / 900.0;
        format!("{per_byte:.1} gas/byte; execution only {exec_per_trade:.1} gas/trade")
    };
    rows.push(("commitBatch marginal per trade (30 B)".into(), per_trade.round() as u64, note));

    let r = ra.withdraw().send().await?.get_receipt().await?;
    rows.push(("withdraw".into(), r.gas_used, String::new()));
    let r = ra.requestForcedWithdrawal(7, 1).send().await?.get_receipt().await?;
    rows.push(("requestForcedWithdrawal".into(), r.gas_used, String::new()));
    stranger.anvil_increase_time(86_401).await?;
    stranger.anvil_mine(Some(1), None).await?;
    let r = rs.activateExodus().send().await?.get_receipt().await?;
    rows.push(("activateExodus".into(), r.gas_used, String::new()));
    let r = rs
        .exit(
            fx.account.clone(),
            fx.account_proof.clone(),
            fx.markets.clone(),
            fx.market_proofs.clone(),
            fx.markets_root,
            fx.config_hash,
        )
        .send()
        .await?
        .get_receipt()
        .await?;
    rows.push(("exit (2 positions, 2 market proofs)".into(), r.gas_used, String::new()));

    println!("| operation | gas | note |\n|---|---:|---|");
    for (op, gas, note) in rows {
        println!("| {op} | {gas} | {note} |");
    }
    Ok(())
}
