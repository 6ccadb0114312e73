//! R1CS gadgets against their native twins: BN254 Poseidon, emulated Goldilocks and its
//! quadratic extension, and the Fiat–Shamir transcript. Each gadget is satisfied on honest
//! witnesses and agrees with the native value; a wrong witness leaves the system unsatisfied
//! (`is_satisfied() == Ok(false)`, told apart from synthesis errors).

use ark_bn254::Fr;
use ark_r1cs_std::fields::fp::FpVar;
use ark_r1cs_std::prelude::*;
use ark_relations::gr1cs::{ConstraintSystem, ConstraintSystemRef};
use plonky2::field::extension::FieldExtension;
use plonky2::field::goldilocks_field::GoldilocksField as F;
use plonky2::field::types::{Field, Field64, PrimeField64};
use plonky2::iop::challenger::Challenger;
use plonky2::plonk::config::Hasher;
use proofbook_prover::wrap::config::{Bn254Digest, PoseidonBn254Hash};
use proofbook_prover::wrap::poseidon_bn254;
use proofbook_prover::wrap::r1cs::challenger::ChallengerVar;
use proofbook_prover::wrap::r1cs::goldilocks::{GoldilocksExtVar, GoldilocksVar, F2};
use proofbook_prover::wrap::r1cs::poseidon::{self, PERMUTE_CONSTRAINTS};
use proptest::prelude::*;

fn cs() -> ConstraintSystemRef<Fr> {
    ConstraintSystem::<Fr>::new_ref()
}

fn satisfied(cs: &ConstraintSystemRef<Fr>) -> bool {
    cs.finalize();
    cs.is_satisfied().expect("satisfiability check itself must not fail")
}

fn gl(x: u64) -> F {
    F::from_noncanonical_u64(x)
}

/// Overwrites one witness value in an already synthesised system (a prover lying about one
/// intermediate value).
fn corrupt_witness(cs: &ConstraintSystemRef<Fr>, index: usize) {
    let mut inner = cs.borrow_mut().expect("cs");
    let w = &mut inner.assignments.witness_assignment;
    let i = index % w.len();
    w[i] += Fr::from(1u64);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    #[test]
    fn poseidon_gadget_equals_native(a in any::<u64>(), b in any::<u64>(), c in any::<u64>(), d in any::<u64>(), which in any::<usize>()) {
        let input = [Fr::from(a), Fr::from(b), Fr::from(c), Fr::from(d)];
        let cs = cs();
        let mut state: [FpVar<Fr>; 4] = core::array::from_fn(|i| FpVar::new_witness(cs.clone(), || Ok(input[i])).unwrap());
        let before = cs.num_constraints();
        poseidon::permute(&mut state).unwrap();
        prop_assert_eq!(cs.num_constraints() - before, PERMUTE_CONSTRAINTS);
        let mut native = input;
        poseidon_bn254::permute(&mut native);
        for (v, n) in state.iter().zip(native) {
            prop_assert_eq!(v.value().unwrap(), n);
        }
        // The output is bound: claiming another output does not satisfy.
        let claimed = FpVar::new_input(cs.clone(), || Ok(native[0])).unwrap();
        state[0].enforce_equal(&claimed).unwrap();
        prop_assert!(satisfied(&cs));
        corrupt_witness(&cs, 4 + which % PERMUTE_CONSTRAINTS);
        prop_assert!(!satisfied(&cs));
    }

    #[test]
    fn merkle_hashes_equal_native(vals in proptest::collection::vec(any::<u64>(), 0..20)) {
        let elems: Vec<F> = vals.iter().map(|&v| gl(v)).collect();
        let cs = cs();
        let vars: Vec<GoldilocksVar> = elems.iter().map(|e| GoldilocksVar::new_witness(cs.clone(), Some(*e)).unwrap()).collect();
        let h = poseidon::hash_no_pad(&vars).unwrap();
        prop_assert_eq!(h.value().unwrap(), PoseidonBn254Hash::hash_no_pad_fr(&elems));
        let node = poseidon::two_to_one(&h, &h).unwrap();
        let hd = Bn254Digest::from_fr(h.value().unwrap());
        prop_assert_eq!(Bn254Digest::from_fr(node.value().unwrap()), PoseidonBn254Hash::two_to_one(hd, hd));
        prop_assert!(satisfied(&cs));
    }

    #[test]
    fn goldilocks_arithmetic_equals_native(a in any::<u64>(), b in any::<u64>(), c in any::<u64>(), d in any::<u64>()) {
        let (fa, fb, fc, fd) = (gl(a), gl(b), gl(c), gl(d));
        let cs = cs();
        let [va, vb, vc, vd] = [fa, fb, fc, fd].map(|x| GoldilocksVar::new_witness(cs.clone(), Some(x)).unwrap());
        // A long lazy chain: (a·b + c)·d - a, squared 3 times.
        let mut x = va.mul(&vb).unwrap().add(&vc).unwrap().mul(&vd).unwrap().sub(&va).unwrap();
        let mut nx = (fa * fb + fc) * fd - fa;
        for _ in 0..3 {
            x = x.mul(&x).unwrap();
            nx = nx * nx;
        }
        prop_assert_eq!(x.element().unwrap(), nx);
        let r = x.reduce().unwrap();
        prop_assert_eq!(r.value.value().unwrap(), Fr::from(nx.to_canonical_u64()));
        x.enforce_equal(&GoldilocksVar::constant(nx)).unwrap();
        // Extension: (a + bX)(c + dX) - (a + bX).
        let e1 = GoldilocksExtVar { c: [va, vb] };
        let e2 = GoldilocksExtVar { c: [vc, vd] };
        let n1 = F2::from_basefield_array([fa, fb]);
        let n2 = F2::from_basefield_array([fc, fd]);
        let prod = e1.mul(&e2).unwrap().sub(&e1).unwrap();
        prop_assert_eq!(prod.element().unwrap(), n1 * n2 - n1);
        prod.enforce_equal(&GoldilocksExtVar::constant(n1 * n2 - n1)).unwrap();
        prop_assert!(satisfied(&cs));
    }

    #[test]
    fn wrong_goldilocks_equality_is_unsatisfied(a in any::<u64>(), b in any::<u64>()) {
        let cs = cs();
        let va = GoldilocksVar::new_witness(cs.clone(), Some(gl(a))).unwrap();
        let vb = GoldilocksVar::new_witness(cs.clone(), Some(gl(b))).unwrap();
        let wrong = gl(a) * gl(b) + F::ONE;
        let claimed = GoldilocksVar::new_witness(cs.clone(), Some(wrong)).unwrap();
        va.mul(&vb).unwrap().enforce_equal(&claimed).unwrap();
        prop_assert!(!satisfied(&cs));
    }
}

#[test]
fn a_non_canonical_goldilocks_witness_is_unsatisfied() {
    // p itself (and p + 5) are 64-bit values but not canonical residues.
    for v in [0xFFFF_FFFF_0000_0001u64, 0xFFFF_FFFF_0000_0006] {
        let cs = cs();
        let x = FpVar::new_witness(cs.clone(), || Ok(Fr::from(v))).unwrap();
        GoldilocksVar::from_canonical_fp(x).unwrap();
        assert!(!satisfied(&cs), "{v:#x} accepted");
    }
    let cs = cs();
    let x = FpVar::new_witness(cs.clone(), || Ok(Fr::from(F::ORDER - 1))).unwrap();
    GoldilocksVar::from_canonical_fp(x).unwrap();
    assert!(satisfied(&cs));
}

#[test]
fn reduction_is_bound_to_its_input() {
    let x = gl(u64::MAX - 7);
    for claimed in [x * x, x * x + F::ONE] {
        let cs = cs();
        let a = GoldilocksVar::new_witness(cs.clone(), Some(x)).unwrap();
        let r = a.mul(&a).unwrap().reduce().unwrap();
        assert_eq!(r.element().unwrap(), x * x);
        let c = FpVar::new_input(cs.clone(), || Ok(Fr::from(claimed.to_canonical_u64()))).unwrap();
        r.value.enforce_equal(&c).unwrap();
        assert_eq!(satisfied(&cs), claimed == x * x);
    }
}

/// One step of a transcript script.
#[derive(Clone, Debug)]
enum Op {
    Observe(u64),
    ObserveDigest([u8; 32]),
    Challenge,
    ExtChallenge,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => any::<u64>().prop_map(Op::Observe),
        1 => any::<[u8; 32]>().prop_map(Op::ObserveDigest),
        2 => Just(Op::Challenge),
        1 => Just(Op::ExtChallenge),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(6))]

    /// The transcript gadget reproduces plonky2's `Challenger<_, PoseidonBn254Hash>` exactly.
    #[test]
    fn transcript_gadget_equals_native_challenger(script in proptest::collection::vec(op(), 1..30)) {
        use ark_ff::PrimeField;
        let cs = cs();
        let mut native = Challenger::<F, PoseidonBn254Hash>::new();
        let mut var = ChallengerVar::new();
        for op in &script {
            match op {
                Op::Observe(v) => {
                    native.observe_element(gl(*v));
                    var.observe_element(&GoldilocksVar::new_witness(cs.clone(), Some(gl(*v))).unwrap()).unwrap();
                }
                Op::ObserveDigest(bytes) => {
                    let d = Fr::from_le_bytes_mod_order(bytes);
                    native.observe_hash::<PoseidonBn254Hash>(Bn254Digest::from_fr(d));
                    var.observe_digest(&FpVar::new_witness(cs.clone(), || Ok(d)).unwrap()).unwrap();
                }
                Op::Challenge => {
                    let n = native.get_challenge();
                    let v = var.get_challenge().unwrap();
                    prop_assert!(v.canonical);
                    prop_assert_eq!(v.value.value().unwrap(), Fr::from(n.to_canonical_u64()));
                }
                Op::ExtChallenge => {
                    let n: F2 = native.get_extension_challenge::<2>();
                    let v = var.get_extension_challenge().unwrap();
                    prop_assert_eq!(v.element().unwrap(), n);
                }
            }
        }
        let last_native = native.get_challenge();
        let last = var.get_challenge().unwrap();
        prop_assert_eq!(last.element().unwrap(), last_native);
        // Binding: a wrong claimed final challenge does not satisfy.
        let claimed = GoldilocksVar::new_witness(cs.clone(), Some(last_native + F::ONE)).unwrap();
        last.enforce_equal(&claimed).unwrap();
        prop_assert!(!satisfied(&cs));
    }
}

#[test]
fn gadget_constraint_counts() {
    let count = |f: &dyn Fn(ConstraintSystemRef<Fr>)| {
        let cs = cs();
        f(cs.clone());
        cs.num_constraints()
    };
    let witness_gl = count(&|cs| {
        GoldilocksVar::new_witness(cs, Some(gl(5))).unwrap();
    });
    let mul_reduce = count(&|cs| {
        let a = GoldilocksVar::new_witness(cs.clone(), Some(gl(5))).unwrap();
        let b = GoldilocksVar::new_witness(cs, Some(gl(7))).unwrap();
        a.mul(&b).unwrap().reduce().unwrap();
    }) - 2 * witness_gl;
    let ext_mul = count(&|cs| {
        let a = GoldilocksExtVar::new_witness(
            cs.clone(),
            Some(F2::from_basefield_array([gl(1), gl(2)])),
        )
        .unwrap();
        let b = GoldilocksExtVar::new_witness(cs, Some(F2::from_basefield_array([gl(3), gl(4)])))
            .unwrap();
        a.mul(&b).unwrap().reduce().unwrap();
    }) - 4 * witness_gl;
    let leaf_135 = count(&|cs| {
        let v: Vec<_> = (0..135)
            .map(|i| GoldilocksVar::new_witness(cs.clone(), Some(gl(i))).unwrap())
            .collect();
        let _ = poseidon::hash_no_pad(&v).unwrap();
    }) - 135 * witness_gl;
    let challenge = count(&|cs| {
        let mut c = ChallengerVar::new();
        c.observe_element(&GoldilocksVar::new_witness(cs, Some(gl(1))).unwrap()).unwrap();
        c.get_challenge().unwrap();
    }) - witness_gl;
    let digest = count(&|cs| {
        let mut c = ChallengerVar::new();
        c.observe_digest(&FpVar::new_witness(cs, || Ok(Fr::from(9u64))).unwrap()).unwrap();
    });
    println!("R1CS constraints: Goldilocks witness (canonical) {witness_gl}; base mul + reduce {mul_reduce}; \
              extension mul + reduce {ext_mul}; Poseidon-BN254 permutation {PERMUTE_CONSTRAINTS}; \
              leaf hash of 135 elements {leaf_135}; transcript duplexing (1 permutation + unpacking 9 challenges) {challenge}; \
              observing a digest {digest}");
}

mod merkle {
    use super::*;
    use plonky2::field::types::Sample;
    use plonky2::hash::merkle_tree::MerkleTree;
    use proofbook_prover::wrap::r1cs::merkle::verify_merkle_proof_to_cap;

    fn tree(cap_height: usize) -> MerkleTree<F, PoseidonBn254Hash> {
        let leaves: Vec<Vec<F>> = (0..16).map(|_| (0..11).map(|_| F::rand()).collect()).collect();
        MerkleTree::new(leaves, cap_height)
    }

    /// Runs the gadget on leaf `index` of `t`, with optional corruption of a sibling or of the
    /// leaf; returns satisfaction and the constraint count.
    fn check(
        t: &MerkleTree<F, PoseidonBn254Hash>,
        index: usize,
        bad_sibling: bool,
        bad_leaf: bool,
    ) -> (bool, usize) {
        let proof = t.prove(index);
        let cs = cs();
        let mut leaf = t.leaves[index].clone();
        if bad_leaf {
            leaf[3] += F::ONE;
        }
        let leaf: Vec<GoldilocksVar> = leaf
            .iter()
            .map(|e| GoldilocksVar::new_witness(cs.clone(), Some(*e)).unwrap())
            .collect();
        let depth = proof.siblings.len() + t.cap.0.len().trailing_zeros() as usize;
        let bits: Vec<Boolean<Fr>> = (0..depth)
            .map(|i| Boolean::new_witness(cs.clone(), || Ok((index >> i) & 1 == 1)).unwrap())
            .collect();
        let cap: Vec<FpVar<Fr>> = t
            .cap
            .0
            .iter()
            .map(|h| FpVar::new_input(cs.clone(), || Ok(h.to_fr())).unwrap())
            .collect();
        let siblings: Vec<FpVar<Fr>> = proof
            .siblings
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let mut v = h.to_fr();
                if bad_sibling && i == 1 {
                    v += Fr::from(1u64);
                }
                FpVar::new_witness(cs.clone(), || Ok(v)).unwrap()
            })
            .collect();
        let before = cs.num_constraints();
        verify_merkle_proof_to_cap(&leaf, &bits, &cap, &siblings).unwrap();
        let n = cs.num_constraints() - before;
        (satisfied(&cs), n)
    }

    #[test]
    fn merkle_path_gadget_accepts_real_paths_and_rejects_wrong_ones() {
        for cap_height in [0, 2] {
            let t = tree(cap_height);
            for index in [0, 5, 15] {
                let (ok, n) = check(&t, index, false, false);
                assert!(ok, "cap_height {cap_height} index {index}");
                if index == 0 {
                    println!("Merkle path check, 16 leaves of 11 elements, cap_height {cap_height}: {n} constraints");
                }
                assert!(!check(&t, index, true, false).0, "wrong sibling accepted");
                assert!(!check(&t, index, false, true).0, "wrong leaf accepted");
            }
        }
    }
}
