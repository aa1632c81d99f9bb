//! RFC 9162 §2.1 Merkle tree arithmetic for a tree kept in a database.
//!
//! The server stores every *complete* subtree's hash once, keyed by its
//! RFC 9420 array index ([`node_id`]): leaf `i` is node `2i`, and the
//! subtree of `2^l` leaves starting at leaf `k·2^l` is node
//! `k·2^(l+1) + 2^l − 1`. A complete subtree never changes as the tree
//! grows, so stored nodes are written once. Appending a leaf
//! ([`Frontier::push`]) needs only the right edge (the roots of the
//! complete subtrees the size's binary digits make), and yields the new
//! complete nodes to store.
//!
//! Proofs for any tree size are assembled from stored nodes: `ct-merkle`
//! names the nodes of a proof ([`ct_merkle::indices_for_inclusion_proof`],
//! [`ct_merkle::indices_for_consistency_proof`]); a node on the ragged right
//! edge of a smaller tree is not stored but is the Merkle tree hash of a
//! leaf range, folded from the complete subtrees that cover it
//! ([`ProofPlan`]). Verification is `ct-merkle`'s.
//!
//! Everything is generic over the digest so the published SHA-256 vectors
//! of RFC 6962 test the arithmetic; the log itself uses SM3 ([`Sm3`]).

use std::collections::HashMap;

use ct_merkle::digest::consts::U32;
use ct_merkle::digest::{Digest, OutputSizeUser};
use ct_merkle::{ConsistencyProof, InclusionProof, RootHash};

use crate::{Error, Result};

pub use sm3::Sm3;

/// A node hash.
pub type Hash = [u8; 32];

/// A digest of 32 bytes, usable for the tree.
pub trait TreeDigest: Digest + OutputSizeUser<OutputSize = U32> {}
impl<T: Digest + OutputSizeUser<OutputSize = U32>> TreeDigest for T {}

/// Largest tree the arithmetic accepts (`ct-merkle` needs sizes ≤ 2^63; node ids of 2^61 leaves fit an i64 column).
pub const MAX_SIZE: u64 = 1 << 61;

fn finish<H: TreeDigest>(h: H) -> Hash {
    h.finalize().into()
}

/// `H(0x00 ‖ data)`: the hash of a leaf.
pub fn leaf_hash<H: TreeDigest>(data: &[u8]) -> Hash {
    let mut h = H::new_with_prefix([0u8]);
    h.update(data);
    finish(h)
}

/// `H(0x01 ‖ left ‖ right)`: the hash of an interior node.
pub fn node_hash<H: TreeDigest>(left: &Hash, right: &Hash) -> Hash {
    let mut h = H::new_with_prefix([1u8]);
    h.update(left);
    h.update(right);
    finish(h)
}

/// The hash of the empty tree: `H()` of nothing.
pub fn empty_root<H: TreeDigest>() -> Hash {
    finish(H::new())
}

/// The array index of the complete subtree of `2^level` leaves starting at leaf `k·2^level`.
pub fn node_id(level: u32, k: u64) -> u64 {
    (k << (level + 1)) | ((1u64 << level) - 1)
}

/// The level and first leaf of node `id`.
fn node_span(id: u64) -> (u32, u64) {
    let level = id.trailing_ones();
    (level, (id >> (level + 1)) << level)
}

/// The complete subtrees covering leaves `[start, end)`, left to right, each
/// as large as its alignment allows.
pub fn cover(mut start: u64, end: u64) -> Vec<u64> {
    let mut out = Vec::new();
    while start < end {
        let mut level = start.trailing_zeros().min(62);
        while start + (1u64 << level) > end {
            level -= 1;
        }
        out.push(node_id(level, start >> level));
        start += 1u64 << level;
    }
    out
}

/// The Merkle tree hash of the subtrees `hashes` (left to right, as
/// [`cover`] lists them): the right-most folded first.
fn fold<H: TreeDigest>(hashes: &[Hash]) -> Option<Hash> {
    let (last, rest) = hashes.split_last()?;
    Some(rest.iter().rev().fold(*last, |acc, left| node_hash::<H>(left, &acc)))
}

/// The right edge of a tree: the roots of its complete subtrees, largest
/// (left-most) first; one per binary digit of the size.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Frontier {
    size: u64,
    roots: Vec<Hash>,
}

impl Frontier {
    /// The frontier of a tree of `size` leaves from its stored roots;
    /// refuses a count of roots that does not fit the size.
    pub fn new(size: u64, roots: Vec<Hash>) -> Result<Self> {
        if size > MAX_SIZE || roots.len() != size.count_ones() as usize {
            return Err(Error::InvalidParameter(format!(
                "a tree of {size} leaves has {} frontier hashes, got {}",
                size.count_ones(),
                roots.len()
            )));
        }
        Ok(Self { size, roots })
    }

    /// Parses the concatenated roots as stored.
    pub fn from_bytes(size: u64, bytes: &[u8]) -> Result<Self> {
        if !bytes.len().is_multiple_of(32) {
            return Err(Error::malformed("log frontier", "not a whole number of 32-byte hashes"));
        }
        let roots = bytes.chunks_exact(32).map(|c| c.try_into().unwrap_or([0; 32])).collect();
        Self::new(size, roots)
    }

    /// The concatenated roots, as stored.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.roots.concat()
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf hash; returns the complete nodes that now exist and did
    /// not before (the leaf first, then each parent it completes) as `(id, hash)`.
    pub fn push<H: TreeDigest>(&mut self, leaf: Hash) -> Result<Vec<(u64, Hash)>> {
        if self.size >= MAX_SIZE {
            return Err(Error::InvalidParameter("the log is full".into()));
        }
        let mut out = vec![(node_id(0, self.size), leaf)];
        let (mut cur, mut level, mut k) = (leaf, 0u32, self.size);
        while k & 1 == 1 {
            let left =
                self.roots.pop().ok_or_else(|| Error::InvalidParameter("frontier too short".into()))?;
            cur = node_hash::<H>(&left, &cur);
            level += 1;
            k >>= 1;
            out.push((node_id(level, k), cur));
        }
        self.roots.push(cur);
        self.size += 1;
        Ok(out)
    }

    /// The tree's root hash.
    pub fn root<H: TreeDigest>(&self) -> Hash {
        fold::<H>(&self.roots).unwrap_or_else(empty_root::<H>)
    }
}

/// The nodes a proof needs and how to assemble it from stored complete nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofPlan {
    /// Leaf ranges whose Merkle tree hashes are the proof's digests, in order.
    spans: Vec<(u64, u64)>,
}

fn check_size(size: u64) -> Result<()> {
    if size == 0 || size > MAX_SIZE {
        return Err(Error::InvalidParameter(format!(
            "tree size must be between 1 and {MAX_SIZE}, got {size}"
        )));
    }
    Ok(())
}

impl ProofPlan {
    fn from_indices(size: u64, indices: Vec<u64>) -> Self {
        let spans = indices
            .into_iter()
            .map(|x| {
                let (level, start) = node_span(x);
                (start, (start + (1u64 << level)).min(size))
            })
            .collect();
        Self { spans }
    }

    /// The inclusion proof of leaf `index` in the tree of `size` leaves.
    pub fn inclusion(size: u64, index: u64) -> Result<Self> {
        check_size(size)?;
        if index >= size {
            return Err(Error::InvalidParameter(format!(
                "leaf index {index} is not in a tree of {size} leaves"
            )));
        }
        Ok(Self::from_indices(size, ct_merkle::indices_for_inclusion_proof(size, index)))
    }

    /// The consistency proof from the tree of `old` leaves to that of `new`
    /// (empty when `old == new`).
    pub fn consistency(old: u64, new: u64) -> Result<Self> {
        check_size(old)?;
        check_size(new)?;
        if old > new {
            return Err(Error::InvalidParameter(format!(
                "a consistency proof goes from a smaller tree to a larger one, not from {old} to {new}"
            )));
        }
        if old == new {
            return Ok(Self { spans: Vec::new() });
        }
        Ok(Self::from_indices(new, ct_merkle::indices_for_consistency_proof(old, new - old)))
    }

    /// The stored complete nodes this proof is made of (sorted, no repeats).
    pub fn node_ids(&self) -> Vec<u64> {
        let mut ids: Vec<u64> = self.spans.iter().flat_map(|&(a, b)| cover(a, b)).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    /// The proof's digests from the nodes fetched for [`Self::node_ids`].
    pub fn assemble<H: TreeDigest>(&self, nodes: &HashMap<u64, Hash>) -> Result<Vec<Hash>> {
        self.spans
            .iter()
            .map(|&(a, b)| {
                let parts = cover(a, b)
                    .into_iter()
                    .map(|id| {
                        nodes.get(&id).copied().ok_or_else(|| {
                            Error::InvalidParameter(format!("the log has no stored node {id}"))
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                fold::<H>(&parts).ok_or_else(|| Error::InvalidParameter("an empty span".into()))
            })
            .collect()
    }
}

/// The Merkle tree hash of leaves `[0, size)` from stored nodes.
pub fn root_from_nodes<H: TreeDigest>(size: u64, nodes: &HashMap<u64, Hash>) -> Result<Hash> {
    if size == 0 {
        return Ok(empty_root::<H>());
    }
    let parts = cover(0, size)
        .into_iter()
        .map(|id| {
            nodes.get(&id).copied().ok_or_else(|| Error::InvalidParameter(format!("no stored node {id}")))
        })
        .collect::<Result<Vec<_>>>()?;
    fold::<H>(&parts).ok_or_else(|| Error::InvalidParameter("an empty tree".into()))
}

fn digests<H: TreeDigest>(proof: &[Hash]) -> Vec<ct_merkle::digest::Output<H>> {
    proof.iter().map(|h| (*h).into()).collect()
}

/// Checks that `leaf_data` (the leaf's bytes, hashed here as `H(0x00 ‖ data)`)
/// is leaf `index` of the tree of `size` leaves with root `root`.
pub fn verify_inclusion<H: TreeDigest>(
    root: &Hash,
    size: u64,
    leaf_data: &[u8],
    index: u64,
    proof: &[Hash],
) -> Result<()> {
    check_size(size)?;
    let root = RootHash::<H>::new((*root).into(), size);
    let d = digests::<H>(proof);
    let proof = InclusionProof::<H>::from_digests(d.iter());
    root.verify_inclusion(&leaf_data, index, &proof).map_err(|e| {
        Error::InvalidParameter(format!(
            "leaf {index} is not in the tree of {size} leaves with this root ({e})"
        ))
    })
}

/// Checks that the tree (`old_size`, `old_root`) is a prefix of (`new_size`, `new_root`).
pub fn verify_consistency<H: TreeDigest>(
    old_root: &Hash,
    old_size: u64,
    new_root: &Hash,
    new_size: u64,
    proof: &[Hash],
) -> Result<()> {
    let inconsistent = |why: String| {
        Error::InvalidParameter(format!(
            "the tree of {new_size} leaves is inconsistent with the tree of {old_size} leaves ({why})"
        ))
    };
    if old_size > new_size {
        return Err(inconsistent("the log shrank".into()));
    }
    if old_size == new_size {
        return if old_root == new_root && proof.is_empty() {
            Ok(())
        } else {
            Err(inconsistent("same size, different roots".into()))
        };
    }
    if old_size == 0 {
        return Ok(());
    }
    check_size(new_size)?;
    let old = RootHash::<H>::new((*old_root).into(), old_size);
    let new = RootHash::<H>::new((*new_root).into(), new_size);
    let d = digests::<H>(proof);
    new.verify_consistency(&old, &ConsistencyProof::<H>::from_digests(d.iter()))
        .map_err(|e| inconsistent(e.to_string()))
}

#[cfg(test)]
#[path = "tree_tests.rs"]
mod tests;
