//! A final-layer proof ([`FinalProof`]) allocated as R1CS witnesses, and the verifier key of the
//! final layer as circuit constants.
//!
//! Every Goldilocks value of the proof becomes a canonical [`GoldilocksVar`] (range-checked), every
//! BN254 digest (caps, Merkle siblings) an `Fr` witness. The shape (numbers of polynomials, query
//! rounds, FRI steps) is read from the final layer's [`CommonCircuitData`]; a proof of another
//! shape, or a circuit using a feature the R1CS verifier does not implement, is a typed error.

use ark_bn254::Fr;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::prelude::*;
use ark_relations::gr1cs::ConstraintSystemRef;
use plonky2::hash::merkle_tree::MerkleCap;
use plonky2::plonk::circuit_data::CommonCircuitData;

use super::goldilocks::{GoldilocksExtVar, GoldilocksVar, F2};
use crate::wrap::config::PoseidonBn254Hash;
use crate::wrap::final_layer::{FinalProof, D, F};
use crate::wrap::WrapError;

/// A Merkle cap as `Fr` variables.
pub type CapVar = Vec<FpVar<Fr>>;

/// The opened values at `zeta` and `g·zeta` (twin of plonky2's `OpeningSet`, without lookups).
#[derive(Clone, Debug)]
pub struct OpeningSetVar {
    /// Constant polynomials at zeta.
    pub constants: Vec<GoldilocksExtVar>,
    /// Permutation (sigma) polynomials at zeta.
    pub plonk_sigmas: Vec<GoldilocksExtVar>,
    /// Wire polynomials at zeta.
    pub wires: Vec<GoldilocksExtVar>,
    /// Permutation products `Z` at zeta.
    pub plonk_zs: Vec<GoldilocksExtVar>,
    /// Permutation products `Z` at `g·zeta`.
    pub plonk_zs_next: Vec<GoldilocksExtVar>,
    /// Partial products at zeta.
    pub partial_products: Vec<GoldilocksExtVar>,
    /// Quotient chunks at zeta.
    pub quotient_polys: Vec<GoldilocksExtVar>,
}

impl OpeningSetVar {
    /// The FRI batches in plonky2's order (`OpeningSet::to_fri_openings`): everything at zeta,
    /// then the `Z`s at `g·zeta`.
    pub fn fri_batches(&self) -> [Vec<GoldilocksExtVar>; 2] {
        [
            [
                self.constants.as_slice(),
                self.plonk_sigmas.as_slice(),
                self.wires.as_slice(),
                self.plonk_zs.as_slice(),
                self.partial_products.as_slice(),
                self.quotient_polys.as_slice(),
            ]
            .concat(),
            self.plonk_zs_next.clone(),
        ]
    }
}

/// One opened leaf with its Merkle path.
#[derive(Clone, Debug)]
pub struct LeafVar<T> {
    /// The leaf's values.
    pub values: Vec<T>,
    /// Sibling digests, bottom up.
    pub siblings: Vec<FpVar<Fr>>,
}

/// One FRI query: the four initial oracles' rows and each folding step's coset.
#[derive(Clone, Debug)]
pub struct QueryRoundVar {
    /// Rows of the constants/sigmas, wires, Z/partial-products and quotient trees.
    pub initial: Vec<LeafVar<GoldilocksVar>>,
    /// Coset evaluations of each commit-phase polynomial.
    pub steps: Vec<LeafVar<GoldilocksExtVar>>,
}

/// A final-layer proof with its public inputs, as witnesses.
#[derive(Clone, Debug)]
pub struct FinalProofVar {
    /// The public inputs (canonical Goldilocks values).
    pub public_inputs: Vec<GoldilocksVar>,
    /// Cap of the wires tree.
    pub wires_cap: CapVar,
    /// Cap of the `Z`/partial-products tree.
    pub plonk_zs_partial_products_cap: CapVar,
    /// Cap of the quotient tree.
    pub quotient_polys_cap: CapVar,
    /// Openings.
    pub openings: OpeningSetVar,
    /// Caps of the FRI commit phase.
    pub commit_phase_merkle_caps: Vec<CapVar>,
    /// The query rounds.
    pub query_rounds: Vec<QueryRoundVar>,
    /// Coefficients of the final FRI polynomial (low degree first).
    pub final_poly: Vec<GoldilocksExtVar>,
    /// The proof-of-work nonce.
    pub pow_witness: GoldilocksVar,
}

fn shape(what: &'static str, expected: usize, got: usize) -> Result<(), WrapError> {
    if expected == got {
        Ok(())
    } else {
        Err(WrapError::ProofShape { what, expected, got })
    }
}

fn cap_var(
    cs: &ConstraintSystemRef<Fr>,
    cap: &MerkleCap<F, PoseidonBn254Hash>,
) -> Result<CapVar, WrapError> {
    cap.0.iter().map(|h| Ok(FpVar::new_witness(cs.clone(), || Ok(h.to_fr()))?)).collect()
}

fn ext_vars(cs: &ConstraintSystemRef<Fr>, xs: &[F2]) -> Result<Vec<GoldilocksExtVar>, WrapError> {
    xs.iter().map(|x| Ok(GoldilocksExtVar::new_witness(cs.clone(), Some(*x))?)).collect()
}

fn base_vars(cs: &ConstraintSystemRef<Fr>, xs: &[F]) -> Result<Vec<GoldilocksVar>, WrapError> {
    xs.iter().map(|x| Ok(GoldilocksVar::new_witness(cs.clone(), Some(*x))?)).collect()
}

/// Rejects final-layer circuits using what the R1CS verifier does not implement.
pub fn check_supported(common: &CommonCircuitData<F, D>) -> Result<(), WrapError> {
    if common.num_lookup_polys != 0 {
        return Err(WrapError::Unsupported { feature: "lookup arguments" });
    }
    if common.fri_params.hiding {
        return Err(WrapError::Unsupported { feature: "zero-knowledge (salted) Merkle leaves" });
    }
    Ok(())
}

impl FinalProofVar {
    /// Allocates `proof` as witnesses after checking its shape against `common`.
    pub fn new_witness(
        cs: ConstraintSystemRef<Fr>,
        proof: &FinalProof,
        common: &CommonCircuitData<F, D>,
    ) -> Result<Self, WrapError> {
        check_supported(common)?;
        let p = &proof.proof;
        let cap_len = 1usize << common.config.fri_config.cap_height;
        let nc = common.config.num_challenges;
        shape("public inputs", common.num_public_inputs, proof.public_inputs.len())?;
        shape("wires cap", cap_len, p.wires_cap.0.len())?;
        shape("Z cap", cap_len, p.plonk_zs_partial_products_cap.0.len())?;
        shape("quotient cap", cap_len, p.quotient_polys_cap.0.len())?;
        let o = &p.openings;
        shape("constants openings", common.num_constants, o.constants.len())?;
        shape("sigma openings", common.config.num_routed_wires, o.plonk_sigmas.len())?;
        shape("wire openings", common.config.num_wires, o.wires.len())?;
        shape("Z openings", nc, o.plonk_zs.len())?;
        shape("Z next openings", nc, o.plonk_zs_next.len())?;
        shape(
            "partial-product openings",
            nc * common.num_partial_products,
            o.partial_products.len(),
        )?;
        shape("quotient openings", nc * common.quotient_degree_factor, o.quotient_polys.len())?;
        shape("lookup openings", 0, o.lookup_zs.len() + o.lookup_zs_next.len())?;
        let fri = &p.opening_proof;
        let params = &common.fri_params;
        shape(
            "commit-phase caps",
            params.reduction_arity_bits.len(),
            fri.commit_phase_merkle_caps.len(),
        )?;
        shape("query rounds", params.config.num_query_rounds, fri.query_round_proofs.len())?;
        shape("final polynomial", params.final_poly_len(), fri.final_poly.coeffs.len())?;
        let leaf_lens = [
            common.num_constants + common.config.num_routed_wires,
            common.config.num_wires,
            nc * (1 + common.num_partial_products),
            nc * common.quotient_degree_factor,
        ];
        let lde_bits = params.lde_bits();
        let cap_height = params.config.cap_height;

        let public_inputs = base_vars(&cs, &proof.public_inputs)?;
        let wires_cap = cap_var(&cs, &p.wires_cap)?;
        let plonk_zs_partial_products_cap = cap_var(&cs, &p.plonk_zs_partial_products_cap)?;
        let quotient_polys_cap = cap_var(&cs, &p.quotient_polys_cap)?;
        let openings = OpeningSetVar {
            constants: ext_vars(&cs, &o.constants)?,
            plonk_sigmas: ext_vars(&cs, &o.plonk_sigmas)?,
            wires: ext_vars(&cs, &o.wires)?,
            plonk_zs: ext_vars(&cs, &o.plonk_zs)?,
            plonk_zs_next: ext_vars(&cs, &o.plonk_zs_next)?,
            partial_products: ext_vars(&cs, &o.partial_products)?,
            quotient_polys: ext_vars(&cs, &o.quotient_polys)?,
        };
        let commit_phase_merkle_caps = fri
            .commit_phase_merkle_caps
            .iter()
            .map(|c| {
                shape("commit-phase cap", cap_len, c.0.len())?;
                cap_var(&cs, c)
            })
            .collect::<Result<_, _>>()?;
        let mut query_rounds = Vec::with_capacity(fri.query_round_proofs.len());
        for round in &fri.query_round_proofs {
            let tp = &round.initial_trees_proof.evals_proofs;
            shape("initial trees", leaf_lens.len(), tp.len())?;
            let mut initial = Vec::with_capacity(tp.len());
            for ((values, path), len) in tp.iter().zip(leaf_lens) {
                shape("initial leaf", len, values.len())?;
                shape("initial Merkle path", lde_bits - cap_height, path.siblings.len())?;
                initial.push(LeafVar {
                    values: base_vars(&cs, values)?,
                    siblings: cap_var(&cs, &MerkleCap(path.siblings.clone()))?,
                });
            }
            shape("FRI steps", params.reduction_arity_bits.len(), round.steps.len())?;
            let mut steps = Vec::with_capacity(round.steps.len());
            let mut bits = lde_bits;
            for (step, &arity_bits) in round.steps.iter().zip(&params.reduction_arity_bits) {
                bits -= arity_bits;
                shape("FRI step coset", 1 << arity_bits, step.evals.len())?;
                shape("FRI step Merkle path", bits - cap_height, step.merkle_proof.siblings.len())?;
                steps.push(LeafVar {
                    values: ext_vars(&cs, &step.evals)?,
                    siblings: cap_var(&cs, &MerkleCap(step.merkle_proof.siblings.clone()))?,
                });
            }
            query_rounds.push(QueryRoundVar { initial, steps });
        }
        Ok(Self {
            public_inputs,
            wires_cap,
            plonk_zs_partial_products_cap,
            quotient_polys_cap,
            openings,
            commit_phase_merkle_caps,
            query_rounds,
            final_poly: ext_vars(&cs, &fri.final_poly.coeffs)?,
            pow_witness: GoldilocksVar::new_witness(cs, Some(fri.pow_witness))?,
        })
    }
}
