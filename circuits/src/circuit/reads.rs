//! Market reads: the market leaf of each of an account's positions, with its Merkle path in
//! the markets tree. Funding settlement and the margin check need them (DESIGN.md §4).
//!
//! Natively, [`MarketLeaves`] holds the markets tree as the transactions so far left it
//! (a trade writes its market's open interest, [`MarketLeaves::write`]) and answers
//! [`MarketLeaves::reads_for`]. In the circuit, [`MarketReadTargets`] asserts, for each used
//! position slot, that its market leaf sits at index `market_id` under the markets root;
//! an unused slot (market 0, size 0) reads nothing and contributes nothing.

use std::collections::BTreeMap;

use plonky2::hash::hash_types::HashOutTarget;
use plonky2::iop::target::BoolTarget;
use plonky2::iop::witness::PartialWitness;
use plonky2::plonk::circuit_builder::CircuitBuilder;
use serde::{Deserialize, Serialize};

use super::CircuitError;
use crate::constants::{MARKET_TREE_DEPTH, MAX_POSITIONS};
use crate::gadgets::range::RangeGadgets;
use crate::hash::{Digest, D, F, ZERO_DIGEST};
use crate::merkle::{MerkleProof, MerkleProofTarget, SparseMerkleTree};
use crate::risk::Markets;
use crate::state::{Account, AccountTarget, Market, MarketTarget};

/// One market leaf and its path in the markets tree.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketRead {
    /// The leaf.
    pub market: Market,
    /// Its path (index = market id).
    pub proof: MerkleProof,
}

/// The market of each position slot (`None` for an unused slot).
pub type MarketReads = [Option<MarketRead>; MAX_POSITIONS];

/// The markets tree and its leaves, natively.
#[derive(Debug)]
pub struct MarketLeaves {
    tree: SparseMerkleTree,
    markets: BTreeMap<u8, Market>,
}

impl MarketLeaves {
    /// The tree of these markets.
    pub fn new<'a>(markets: impl IntoIterator<Item = &'a Market>) -> Self {
        let markets: BTreeMap<u8, Market> =
            markets.into_iter().map(|m| (m.id, m.clone())).collect();
        let leaves = markets.values().map(|m| (u64::from(m.id), m.leaf_hash()));
        let tree = SparseMerkleTree::from_leaves(MARKET_TREE_DEPTH, leaves)
            .expect("a market id is below 2^8");
        Self { tree, markets }
    }

    /// Writes a market leaf (a trade's open interest): later reads see it.
    pub fn write(&mut self, market: &Market) -> Result<(), CircuitError> {
        self.tree
            .update(u64::from(market.id), market.leaf_hash())
            .map_err(|e| CircuitError::Witness(e.to_string()))?;
        self.markets.insert(market.id, market.clone());
        Ok(())
    }

    /// The markets root.
    pub fn root(&self) -> Digest {
        self.tree.root()
    }

    /// The reads of an account's positions.
    pub fn reads_for(&self, account: &Account) -> Result<MarketReads, CircuitError> {
        let mut out: MarketReads = Default::default();
        for (o, p) in out.iter_mut().zip(&account.positions) {
            if p.is_empty() {
                continue;
            }
            let market = self
                .markets
                .get(&p.market_id)
                .ok_or(CircuitError::WitnessShape("a position in an unlisted market"))?
                .clone();
            let proof = self
                .tree
                .prove(u64::from(p.market_id))
                .map_err(|e| CircuitError::Witness(e.to_string()))?;
            *o = Some(MarketRead { market, proof });
        }
        Ok(out)
    }
}

impl Markets for MarketLeaves {
    fn market(&self, id: u8) -> Option<&Market> {
        self.markets.get(&id)
    }
}

/// The market reads of one account in a circuit.
#[derive(Clone, Debug)]
pub struct MarketReadTargets {
    /// The market of each position slot.
    pub markets: [MarketTarget; MAX_POSITIONS],
    /// The paths.
    pub paths: [MerkleProofTarget; MAX_POSITIONS],
}

impl MarketReadTargets {
    /// Reads the markets of `account`'s positions; when `cond` is 1, asserts for each used
    /// slot (`market_id ≠ 0`) that the market's id is the position's and that its leaf sits
    /// at that index under `markets_root`.
    pub fn constrain(
        builder: &mut CircuitBuilder<F, D>,
        cond: BoolTarget,
        account: &AccountTarget,
        markets_root: HashOutTarget,
    ) -> Self {
        let zero = builder.zero();
        let mut markets = Vec::with_capacity(MAX_POSITIONS);
        let mut paths = Vec::with_capacity(MAX_POSITIONS);
        for p in &account.positions {
            let m = MarketTarget::new(builder);
            let path = MerkleProofTarget::new(builder, MARKET_TREE_DEPTH);
            let unused = builder.is_equal(p.market_id, zero);
            let used = builder.not(unused);
            let check = builder.and(cond, used);
            let leaf = m.leaf_hash(builder);
            let root = path.compute_root(builder, leaf);
            for (a, b) in root.elements.iter().zip(markets_root.elements) {
                builder.connect_if(check, *a, b);
            }
            builder.connect_if(check, path.index, p.market_id);
            builder.connect_if(check, m.id, p.market_id);
            markets.push(m);
            paths.push(path);
        }
        Self {
            markets: markets.try_into().expect("one read per position"),
            paths: paths.try_into().expect("one path per position"),
        }
    }

    /// Sets the reads (all zero for `None`: a slot that reads no markets).
    pub fn set(
        &self,
        pw: &mut PartialWitness<F>,
        reads: Option<&MarketReads>,
    ) -> Result<(), CircuitError> {
        let unused = MerkleProof { index: 0, siblings: vec![ZERO_DIGEST; MARKET_TREE_DEPTH] };
        for (i, (m, path)) in self.markets.iter().zip(&self.paths).enumerate() {
            match reads.and_then(|r| r[i].as_ref()) {
                Some(r) => {
                    m.set(pw, Some(&r.market))?;
                    path.set(pw, &r.proof)?;
                }
                None => {
                    m.set(pw, None)?;
                    path.set(pw, &unused)?;
                }
            }
        }
        Ok(())
    }
}
