//! The tree arithmetic against RFC 6962's published SHA-256 vectors (the
//! test data of the Certificate Transparency reference implementation),
//! then with SM3 against `ct-merkle`'s in-memory tree for every shape up to
//! 40 leaves.

use std::collections::HashMap;

use ct_merkle::mem_backed_tree::MemoryBackedTree;
use sha2::Sha256;

use super::*;

const LEAVES: [&str; 8] =
    ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];

const ROOTS: [&str; 9] = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// (leaf index, tree size, audit path)
const INCLUSION: [(u64, u64, &[&str]); 4] = [
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

/// (old size, new size, proof)
const CONSISTENCY: [(u64, u64, &[&str]); 4] = [
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

fn h(s: &str) -> Hash {
    hex::decode(s).unwrap().try_into().unwrap()
}

/// A store as the server keeps it: every complete node, and the roots after each append.
struct Store {
    nodes: HashMap<u64, Hash>,
    roots: Vec<Hash>,
}

fn build<H: TreeDigest>(leaves: &[Vec<u8>]) -> Store {
    let mut f = Frontier::default();
    let mut nodes = HashMap::new();
    let mut roots = vec![f.root::<H>()];
    for leaf in leaves {
        for (id, hash) in f.push::<H>(leaf_hash::<H>(leaf)).unwrap() {
            assert!(nodes.insert(id, hash).is_none(), "node {id} written twice");
        }
        roots.push(f.root::<H>());
        // The stored frontier round-trips.
        assert_eq!(Frontier::from_bytes(f.size(), &f.to_bytes()).unwrap(), f);
    }
    Store { nodes, roots }
}

fn fetch(store: &Store, plan: &ProofPlan) -> HashMap<u64, Hash> {
    plan.node_ids().into_iter().map(|id| (id, store.nodes[&id])).collect()
}

fn vector_leaves() -> Vec<Vec<u8>> {
    LEAVES.iter().map(|l| hex::decode(l).unwrap()).collect()
}

#[test]
fn sha256_roots_are_rfc_6962s() {
    let store = build::<Sha256>(&vector_leaves());
    for (size, want) in ROOTS.iter().enumerate() {
        assert_eq!(hex::encode(store.roots[size]), *want, "size {size}");
        assert_eq!(hex::encode(root_from_nodes::<Sha256>(size as u64, &store.nodes).unwrap()), *want);
    }
}

#[test]
fn sha256_inclusion_proofs_are_rfc_6962s() {
    let leaves = vector_leaves();
    let store = build::<Sha256>(&leaves);
    for (index, size, path) in INCLUSION {
        let plan = ProofPlan::inclusion(size, index).unwrap();
        let proof = plan.assemble::<Sha256>(&fetch(&store, &plan)).unwrap();
        let want: Vec<Hash> = path.iter().map(|p| h(p)).collect();
        assert_eq!(proof, want, "leaf {index} of {size}");
        let root = h(ROOTS[size as usize]);
        verify_inclusion::<Sha256>(&root, size, &leaves[index as usize], index, &proof).unwrap();
        // Another leaf, another index or another root fails.
        assert!(verify_inclusion::<Sha256>(&root, size, b"other", index, &proof).is_err());
        assert!(
            verify_inclusion::<Sha256>(&root, size, &leaves[index as usize], (index + 1) % size, &proof)
                .is_err()
        );
        assert!(
            verify_inclusion::<Sha256>(&h(ROOTS[0]), size, &leaves[index as usize], index, &proof).is_err()
        );
    }
}

#[test]
fn sha256_consistency_proofs_are_rfc_6962s() {
    let store = build::<Sha256>(&vector_leaves());
    for (old, new, path) in CONSISTENCY {
        let plan = ProofPlan::consistency(old, new).unwrap();
        let proof = plan.assemble::<Sha256>(&fetch(&store, &plan)).unwrap();
        let want: Vec<Hash> = path.iter().map(|p| h(p)).collect();
        assert_eq!(proof, want, "{old} → {new}");
        let (r_old, r_new) = (h(ROOTS[old as usize]), h(ROOTS[new as usize]));
        verify_consistency::<Sha256>(&r_old, old, &r_new, new, &proof).unwrap();
        if old != new {
            let mut bad = r_old;
            bad[0] ^= 1;
            assert!(verify_consistency::<Sha256>(&bad, old, &r_new, new, &proof).is_err());
        }
    }
}

#[test]
fn sm3_proofs_match_ct_merkle_for_every_shape() {
    let leaves: Vec<Vec<u8>> = (0u8..40).map(|i| vec![i, i.wrapping_mul(7), 3]).collect();
    let store = build::<Sm3>(&leaves);
    for size in 1..=leaves.len() {
        let mut reference = MemoryBackedTree::<Sm3, Vec<u8>>::new();
        for leaf in &leaves[..size] {
            reference.push(leaf.clone());
        }
        let n = size as u64;
        assert_eq!(&store.roots[size][..], &reference.root().as_bytes()[..], "root of {size}");
        for index in 0..n {
            let plan = ProofPlan::inclusion(n, index).unwrap();
            let proof = plan.assemble::<Sm3>(&fetch(&store, &plan)).unwrap();
            assert_eq!(
                proof.concat(),
                reference.prove_inclusion(index as usize).as_bytes(),
                "leaf {index} of {size}"
            );
            verify_inclusion::<Sm3>(&store.roots[size], n, &leaves[index as usize], index, &proof).unwrap();
        }
        for old in 1..n {
            let plan = ProofPlan::consistency(old, n).unwrap();
            let proof = plan.assemble::<Sm3>(&fetch(&store, &plan)).unwrap();
            assert_eq!(
                proof.concat(),
                reference.prove_consistency((n - old) as usize).as_bytes(),
                "{old} → {size}"
            );
            verify_consistency::<Sm3>(&store.roots[old as usize], old, &store.roots[size], n, &proof)
                .unwrap();
            // A history with one leaf changed is caught.
            let mut forged = leaves[..size].to_vec();
            forged[(old - 1) as usize].push(0xff);
            let forged_store = build::<Sm3>(&forged);
            let forged_proof = plan.assemble::<Sm3>(&fetch(&forged_store, &plan)).unwrap();
            assert!(
                verify_consistency::<Sm3>(
                    &store.roots[old as usize],
                    old,
                    &forged_store.roots[size],
                    n,
                    &forged_proof
                )
                .is_err(),
                "a changed leaf {} went unnoticed from {old} to {size}",
                old - 1
            );
        }
    }
}

#[test]
fn bad_parameters_are_refused_not_panicked_on() {
    assert!(ProofPlan::inclusion(0, 0).is_err());
    assert!(ProofPlan::inclusion(5, 5).is_err());
    assert!(ProofPlan::inclusion(MAX_SIZE + 1, 0).is_err());
    assert!(ProofPlan::consistency(0, 3).is_err());
    assert!(ProofPlan::consistency(4, 3).is_err());
    assert!(Frontier::new(3, vec![[0; 32]]).is_err());
    assert!(Frontier::from_bytes(1, &[0; 31]).is_err());
    let store = build::<Sm3>(&[vec![1], vec![2]]);
    let plan = ProofPlan::inclusion(2, 0).unwrap();
    assert!(plan.assemble::<Sm3>(&HashMap::new()).is_err());
    assert!(verify_consistency::<Sm3>(&store.roots[2], 2, &store.roots[1], 1, &[]).is_err());
}
