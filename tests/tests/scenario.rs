//! The scripted scenario (`proofbook demo`), checked after every step:
//! - collateral is conserved: deposits − withdrawals = Σ collateral with pending funding and
//!   option settlements counted (fees sit in account 0's collateral; funding nets to exactly
//!   zero because the index is integral per lot);
//! - no risk-increasing transaction leaves an account below initial margin;
//! - the incrementally committed root equals the root computed from scratch.
//!
//! At the end, the state rebuilt from genesis and public data alone has the live root.

use proofbook_circuits::pubdata::{ForcedWithdrawalStatus, PubOp};
use proofbook_circuits::risk::account_risk;
use proofbook_circuits::state::{Account, State};
use proofbook_circuits::tx::Tx;
use proofbook_sequencer::demo::{self, id, market, USDC};

fn risk_increased(tx: &Tx, id: u32, before: &Account, after: &Account) -> bool {
    let grew = after
        .positions
        .iter()
        .any(|p| p.size.unsigned_abs() > before.size_in(p.market_id).unsigned_abs());
    let paid_out = match tx {
        Tx::Withdraw(w) => w.account_id == id,
        Tx::Transfer(t) => t.from == id,
        Tx::ForcedWithdrawal(f) => f.account_id == id,
        _ => false,
    };
    grew || paid_out
}

#[test]
fn scenario_invariants_hold_after_every_step() {
    let mut prev: Option<State> = None;
    let mut deposits = 0i128;
    let mut withdrawals = 0i128;
    let mut labels = Vec::new();
    let mut ops = Vec::new();
    let outcome = demo::run(|state, step| {
        let receipt = step.result.as_ref().expect("every scripted step succeeds");
        if let Tx::Deposit(d) = &step.tx {
            deposits += i128::from(d.amount);
        }
        if let Some(p) = &receipt.payout {
            withdrawals += i128::from(p.amount);
        }
        assert_eq!(
            state.net_collateral(),
            deposits - withdrawals,
            "conservation after {:?}",
            step.label
        );
        assert_eq!(step.root, state.state_root(), "incremental root after {:?}", step.label);
        if let Some(before) = &prev {
            for (aid, after) in state.accounts() {
                let old = before.account(aid).cloned().unwrap_or_default();
                if risk_increased(&step.tx, aid, &old, after) {
                    assert!(
                        account_risk(after, state).is_initial_margined(),
                        "account {aid} below initial margin after {:?}",
                        step.label
                    );
                }
            }
        }
        // The canonical serde forms round-trip (what the RPC and the tools exchange).
        let json = serde_json::to_string(&step.tx).unwrap();
        assert_eq!(serde_json::from_str::<Tx>(&json).unwrap(), step.tx);
        let json = serde_json::to_string(receipt).unwrap();
        assert_eq!(
            &serde_json::from_str::<proofbook_circuits::tx::Receipt>(&json).unwrap(),
            receipt
        );
        labels.push(step.label.clone());
        ops.push(receipt.op.clone());
        prev = Some(state.clone());
    })
    .expect("the scenario runs");

    assert_eq!(outcome.rebuilt_root, outcome.final_root, "rebuild from public data");
    assert_eq!(outcome.total_collateral, outcome.deposits - outcome.withdrawals);
    assert_eq!(outcome.deposits, deposits);

    // What the scenario must have exercised.
    let has = |pred: &dyn Fn(&PubOp) -> bool| ops.iter().any(pred);
    assert!(
        has(&|o| matches!(o, PubOp::Trade(t) if t.maker.first_fill.is_none())),
        "a continuing fill"
    );
    assert!(has(&|o| matches!(o, PubOp::Liquidate(l) if !l.takeover)), "a liquidation");
    assert!(has(&|o| matches!(o, PubOp::FundingTick { .. })), "a funding tick");
    assert!(has(&|o| matches!(o, PubOp::SettleOption { .. })), "an option settlement");
    assert!(has(&|o| matches!(o, PubOp::CancelOrder { .. })), "a cancel");
    assert!(has(&|o| matches!(o, PubOp::Transfer { .. })), "a transfer");
    assert!(has(&|o| matches!(o, PubOp::Withdraw { .. })), "a withdrawal");
    let fw = |s| has(&|o: &PubOp| matches!(o, PubOp::ForcedWithdrawal(f) if f.status == s));
    assert!(fw(ForcedWithdrawalStatus::Honoured));
    assert!(fw(ForcedWithdrawalStatus::InsufficientMargin));
    assert!(fw(ForcedWithdrawalStatus::NotOwner));
    assert!(labels.len() >= 20);

    // Leaves and the genesis round-trip through serde.
    let s = &outcome.state;
    for (_, a) in s.accounts() {
        let back: Account = serde_json::from_str(&serde_json::to_string(a).unwrap()).unwrap();
        assert_eq!(&back, a);
    }
    let g = &outcome.genesis;
    let back: proofbook_circuits::state::Genesis =
        serde_json::from_str(&serde_json::to_string(g).unwrap()).unwrap();
    assert_eq!(&back, g);

    // The liquidated account is flat and solvent; the option writer paid the payoff.
    let carol = s.account(id::CAROL).unwrap();
    assert!(!carol.has_positions());
    assert!(carol.collateral >= 0);
    let call = s.markets().find(|m| m.id == market::BTC_CALL).unwrap();
    assert_eq!(call.settlement_price, 111_000_000);
    assert_eq!(call.open_interest, 0);
    // Alice bought 10 calls at 2 USDC (+0.2 bp fee) and received 10 × 1 USDC at settlement.
    assert!(s.account(id::ERIN).unwrap().positions.iter().all(|p| p.is_empty()));
    // Fees and the liquidation fee reached the insurance account.
    assert!(s.account(id::INSURANCE).unwrap().collateral >= i64::try_from(90 * USDC).unwrap());
}

#[test]
fn scenario_is_deterministic() {
    let a = demo::run(|_, _| {}).unwrap();
    let b = demo::run(|_, _| {}).unwrap();
    assert_eq!(a.final_root, b.final_root);
    assert_eq!(a.batches, b.batches);
}
