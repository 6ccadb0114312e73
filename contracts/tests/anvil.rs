//! End to end on the pinned npm anvil, through alloy: deploy the system, deposit, commit and
//! verify a batch with a real Groth16 proof of the trivial statement, withdraw, then the
//! exodus path: a forced withdrawal the operator ignores, exodus activated by a stranger
//! after the deadline, and an exit with Merkle proofs built by the Rust `SparseMerkleTree`.

use alloy::network::EthereumWallet;
use alloy::primitives::{Address, B256, U256};
use alloy::providers::ext::AnvilApi;
use alloy::providers::{Provider, ProviderBuilder};
use alloy::signers::local::PrivateKeySigner;
use proofbook_circuits::pubdata::{encode_batch, DepositOp, PubOp};
use proofbook_contracts::bindings::{Rollup, TestUSDC};
use proofbook_contracts::deploy::{deploy, DeployParams, GenesisRoot};
use proofbook_contracts::encoding::{batch_statement, digest_scalar, stored_batch};
use proofbook_contracts::{anvil, groth16, vectors};

const DEADLINE: u64 = 7 * 86_400;

#[tokio::test(flavor = "multi_thread")]
async fn deposit_verify_withdraw_then_exodus_exit_on_anvil() -> anyhow::Result<()> {
    let node = anvil::spawn()?;
    let signer = |i: usize| PrivateKeySigner::from(node.keys()[i].clone());
    let connect = |i: usize| {
        ProviderBuilder::new()
            .wallet(EthereumWallet::from(signer(i)))
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
            genesis: GenesisRoot::Fixed(B256::repeat_byte(0x01)),
            priority_deadline: DEADLINE,
        },
    )
    .await?;

    // The L2 state after batch 1: the exit fixture's state, with alice's account 7, for this
    // rollup's address (bound into the config hash).
    let fx = vectors::exit_fixture(d.rollup, alice_addr);

    // 1. alice deposits 1M USDC with her L2 key.
    let amount: u64 = 1_000_000_000_000;
    let usdc_a = TestUSDC::new(d.usdc, &alice);
    usdc_a.mint(alice_addr, U256::from(amount)).send().await?.get_receipt().await?;
    usdc_a.approve(d.rollup, U256::MAX).send().await?.get_receipt().await?;
    let rollup_a = Rollup::new(d.rollup, &alice);
    let r = rollup_a.deposit(fx.account.pubkey, amount).send().await?.get_receipt().await?;
    assert!(r.status());
    println!("deposit: {} gas", r.gas_used);

    // 2. the operator commits batch 1 (the deposit, an L2 withdrawal of 250 USDC) and
    //    verifies it with a real proof of the batch statement.
    let withdrawn: u64 = 250_000_000;
    let public_data = encode_batch(&[
        PubOp::Deposit(DepositOp {
            account_id: 7,
            l1_address: alice_addr,
            pubkey: fx.account.pubkey,
            amount,
        }),
        PubOp::Withdraw { account_id: 7, amount: withdrawn },
    ]);
    let rollup_o = Rollup::new(d.rollup, &operator);
    let now = operator
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await?
        .expect("a block")
        .header
        .timestamp;
    let header = Rollup::BatchHeader {
        batchNumber: 1,
        timestamp: now,
        prevCommitment: rollup_o.batchCommitments(0).call().await?,
        oldStateRoot: d.genesis_root,
        newStateRoot: fx.state_root,
    };
    let r = rollup_o
        .commitBatch(header.clone(), public_data.clone().into())
        .send()
        .await?
        .get_receipt()
        .await?;
    println!("commitBatch ({} bytes of public data): {} gas", public_data.len(), r.gas_used);
    let batch = stored_batch(&header, &public_data, 0, |_| None)?;
    let keys = groth16::insecure_dev_setup(groth16::DEV_SETUP_SEED)?;
    let wrong = groth16::encode_proof(&groth16::prove_trivial(
        &keys,
        digest_scalar(batch_statement(&batch) ^ U256::from(1)),
        1,
    )?);
    assert!(
        rollup_o.verifyBatch(batch.clone(), wrong.into()).call().await.is_err(),
        "a proof of another statement is rejected"
    );
    let proof = groth16::encode_proof(&groth16::prove_trivial(
        &keys,
        digest_scalar(batch_statement(&batch)),
        2,
    )?);
    let r = rollup_o.verifyBatch(batch, proof.into()).send().await?.get_receipt().await?;
    assert!(r.status());
    println!("verifyBatch: {} gas", r.gas_used);
    assert_eq!(rollup_o.verifiedStateRoot().call().await?, fx.state_root);

    // 3. alice pulls her withdrawal, once.
    let before = usdc_a.balanceOf(alice_addr).call().await?;
    let r = rollup_a.withdraw().send().await?.get_receipt().await?;
    println!("withdraw: {} gas", r.gas_used);
    assert_eq!(usdc_a.balanceOf(alice_addr).call().await? - before, U256::from(withdrawn));
    assert!(rollup_a.withdraw().call().await.is_err(), "nothing left to withdraw");

    // 4. exodus: a forced withdrawal the operator ignores; a stranger freezes after the deadline.
    let r = rollup_a.requestForcedWithdrawal(7, 1_000_000).send().await?.get_receipt().await?;
    println!("requestForcedWithdrawal: {} gas", r.gas_used);
    let rollup_s = Rollup::new(d.rollup, &stranger);
    assert!(rollup_s.activateExodus().call().await.is_err(), "not before the deadline");
    stranger.anvil_increase_time(DEADLINE + 1).await?;
    stranger.anvil_mine(Some(1), None).await?;
    let r = rollup_s.activateExodus().send().await?.get_receipt().await?;
    println!("activateExodus: {} gas", r.gas_used);
    assert!(rollup_s.exodusMode().call().await?);

    // 5. the stranger runs alice's exit with the Rust-built proofs; alice is paid max(0, TAV).
    let exit = rollup_s.exit(
        fx.account.clone(),
        fx.account_proof.clone(),
        fx.markets.clone(),
        fx.market_proofs.clone(),
        fx.markets_root,
        fx.config_hash,
    );
    let r = exit.send().await?.get_receipt().await?;
    assert!(r.status());
    println!("exit (2 markets): {} gas", r.gas_used);
    assert_eq!(rollup_a.withdrawable(alice_addr).call().await?, U256::from(fx.payout));
    let again = rollup_s.exit(
        fx.account,
        fx.account_proof,
        fx.markets,
        fx.market_proofs,
        fx.markets_root,
        fx.config_hash,
    );
    assert!(again.call().await.is_err(), "second exit rejected");
    let before = usdc_a.balanceOf(alice_addr).call().await?;
    rollup_a.withdraw().send().await?.get_receipt().await?;
    assert_eq!(usdc_a.balanceOf(alice_addr).call().await? - before, U256::from(fx.payout));
    let _ = Address::ZERO;
    Ok(())
}

/// A blob batch on anvil: a real EIP-4844 transaction carries the batch's 150 KB of public
/// data in two blobs; `commitBatchBlobs` checks their KZG openings with the point-evaluation
/// precompile; the batch verifies with a real Groth16 proof of its statement and credits the
/// withdrawal. Prints the receipt's gas and blob gas (docs/GAS.md).
#[tokio::test(flavor = "multi_thread")]
async fn blob_batch_commits_and_verifies_on_anvil() -> anyhow::Result<()> {
    use proofbook_circuits::pubdata::encode_batch;
    use proofbook_circuits::pubdata_commit::pubdata_commitment;
    use proofbook_contracts::blob;
    use proofbook_contracts::encoding::{digest_b256, stored_blob_batch};

    let node = anvil::spawn()?;
    let connect = |i: usize| {
        ProviderBuilder::new()
            .wallet(EthereumWallet::from(PrivateKeySigner::from(node.keys()[i].clone())))
            .connect_http(node.endpoint_url())
    };
    let (operator, alice) = (connect(0), connect(1));
    let (op_addr, alice_addr) = (node.addresses()[0], node.addresses()[1]);
    let d = deploy(
        &operator,
        op_addr,
        DeployParams {
            usdc: None,
            verifier: None,
            operator: op_addr,
            insurance_owner: op_addr,
            genesis: GenesisRoot::Fixed(B256::repeat_byte(0x01)),
            priority_deadline: DEADLINE,
        },
    )
    .await?;

    let ops = vectors::blob_vector_ops(alice_addr);
    let PubOp::Deposit(dep) = &ops[0] else { unreachable!("the vector starts with a deposit") };
    let usdc_a = TestUSDC::new(d.usdc, &alice);
    usdc_a.mint(alice_addr, U256::from(dep.amount)).send().await?.get_receipt().await?;
    usdc_a.approve(d.rollup, U256::MAX).send().await?.get_receipt().await?;
    let rollup_a = Rollup::new(d.rollup, &alice);
    assert!(rollup_a.deposit(dep.pubkey, dep.amount).send().await?.get_receipt().await?.status());

    let public_data = encode_batch(&ops);
    let commitment = digest_b256(&pubdata_commitment(&ops));
    let openings = blob::open_blobs(&public_data, commitment)?;
    let l1 = blob::l1_records(&ops);
    let rollup_o = Rollup::new(d.rollup, &operator);
    let now = operator
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await?
        .expect("a block")
        .header
        .timestamp;
    let header = Rollup::BatchHeader {
        batchNumber: 1,
        timestamp: now,
        prevCommitment: rollup_o.batchCommitments(0).call().await?,
        oldStateRoot: d.genesis_root,
        newStateRoot: B256::repeat_byte(0x02),
    };
    let sol_openings: Vec<_> = openings.iter().map(blob::BlobOpening::to_sol).collect();

    // Without the blobs in the transaction the commit has nothing to open.
    assert!(
        rollup_o
            .commitBatchBlobs(header.clone(), l1.clone().into(), commitment, sol_openings.clone())
            .call()
            .await
            .is_err(),
        "a commit without its blobs reverts"
    );
    let r = rollup_o
        .commitBatchBlobs(header.clone(), l1.clone().into(), commitment, sol_openings)
        .sidecar(blob::sidecar(&openings)?)
        .send()
        .await?
        .get_receipt()
        .await?;
    assert!(r.status());
    let trades = vectors::BLOB_VECTOR_TRADES;
    println!(
        "commitBatchBlobs ({} blobs, {} B public data, {trades} trades): {} gas, {} blob gas; {:.1} gas per trade",
        openings.len(),
        public_data.len(),
        r.gas_used,
        r.blob_gas_used.unwrap_or_default(),
        r.gas_used as f64 / f64::from(trades),
    );
    assert_eq!(r.blob_gas_used, Some(openings.len() as u64 * 131_072));

    let batch = stored_blob_batch(&header, &l1, commitment, &openings, 0, |_| None)?;
    let keys = groth16::insecure_dev_setup(groth16::DEV_SETUP_SEED)?;
    let proof = groth16::encode_proof(&groth16::prove_trivial(
        &keys,
        digest_scalar(batch_statement(&batch)),
        3,
    )?);
    let r = rollup_o.verifyBatch(batch, proof.into()).send().await?.get_receipt().await?;
    assert!(r.status());
    println!("verifyBatch (blob batch): {} gas", r.gas_used);
    assert_eq!(rollup_o.withdrawable(alice_addr).call().await?, U256::from(1000));
    Ok(())
}
