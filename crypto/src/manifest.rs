//! The deadline manifest: the set of accepted envelopes of a tender, frozen
//! at the deadline into a Merkle tree, signed by the platform and
//! time-stamped — so an envelope added or dropped afterwards is visible to
//! the bidder holding a receipt and to every official.
//!
//! ```text
//! DeadlineManifest ::= SEQUENCE {
//!     body SEQUENCE {
//!         version      INTEGER (1),
//!         tenderId     UTF8String,
//!         deadline     GeneralizedTime,
//!         committeeKey OCTET STRING (SIZE (32)),  -- SM3 of the committee key every envelope names
//!         count        INTEGER,                  -- leaves: the active envelopes at the deadline
//!         root         OCTET STRING (SIZE (32)) }, -- RFC 9162 §2.1 Merkle tree hash, SM3
//!     platformSignature OCTET STRING,            -- SM2 DER, Purpose::DeadlineManifest over DER(body)
//!     timeStampToken    OCTET STRING }           -- RFC 3161, SM3 imprint of platformSignature
//! ```
//!
//! The leaves are the envelope hashes ([`crate::envelope::Envelope::hash`])
//! in receipt order; leaf and node hashes are RFC 9162's (`SM3(0x00 ‖ leaf)`,
//! `SM3(0x01 ‖ left ‖ right)`), computed by the `ct-merkle` crate. The time
//! stamp must be at or after the deadline: a manifest made before it could
//! not know the final set.

use ct_merkle::mem_backed_tree::MemoryBackedTree;
use ct_merkle::{InclusionProof, RootHash};
use der::asn1::{GeneralizedTime, OctetString};
use der::{Decode, Encode, Sequence};
use sm3::Sm3;
use time::OffsetDateTime;

use crate::envelope::{
    TenderId, VERSION, check_len, check_version, from_generalized, tender_field, to_generalized,
};
use crate::pki::Certificate;
use crate::tsp::{ImprintAlgorithm, Stamped, verify_token};
use crate::{Error, Purpose, Result, Signature, SignedMessage, Sm3Digest};

#[cfg(test)]
#[path = "manifest_tests.rs"]
mod tests;

const WHAT: &str = "deadline manifest";
const MAX_LEN: usize = 16 << 10;

#[derive(Sequence)]
struct BodyAsn1 {
    version: u64,
    tender_id: String,
    deadline: GeneralizedTime,
    committee_key: OctetString,
    count: u64,
    root: OctetString,
}

#[derive(Sequence)]
struct ManifestAsn1 {
    body: BodyAsn1,
    platform_signature: OctetString,
    time_stamp_token: OctetString,
}

/// What a manifest asserts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestInfo {
    /// The tender.
    pub tender: TenderId,
    /// Its bidding deadline (whole seconds).
    pub deadline: OffsetDateTime,
    /// SM3 of the committee key the envelopes are sealed to.
    pub committee_key: Sm3Digest,
    /// Number of leaves.
    pub count: u64,
    /// Merkle tree hash of the leaves.
    pub root: Sm3Digest,
}

impl ManifestInfo {
    /// The manifest of `leaves` (envelope hashes in receipt order).
    pub fn of(
        tender: &TenderId,
        deadline: OffsetDateTime,
        committee_key: &Sm3Digest,
        leaves: &[Sm3Digest],
    ) -> Result<Self> {
        Ok(Self {
            tender: tender.clone(),
            deadline: crate::envelope::whole_seconds(deadline)?,
            committee_key: *committee_key,
            count: leaves.len() as u64,
            root: merkle_root(leaves),
        })
    }

    /// DER of the body: what the platform signs ([`Purpose::DeadlineManifest`]).
    pub fn body_der(&self) -> Result<Vec<u8>> {
        self.asn1()?.to_der().map_err(|e| Error::Encoding(format!("{WHAT}: {e}")))
    }

    fn asn1(&self) -> Result<BodyAsn1> {
        Ok(BodyAsn1 {
            version: VERSION,
            tender_id: self.tender.as_str().to_owned(),
            deadline: to_generalized(self.deadline)?,
            committee_key: OctetString::new(self.committee_key.to_vec())?,
            count: self.count,
            root: OctetString::new(self.root.to_vec())?,
        })
    }
}

/// A signed, time-stamped deadline manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    info: ManifestInfo,
    signature: Signature,
    token: Vec<u8>,
}

impl Manifest {
    /// Assembles a manifest from its body and the platform's signature and
    /// time-stamp token over that signature (checked by [`Self::verify`], not here).
    pub fn from_parts(info: ManifestInfo, signature_der: &[u8], token: Vec<u8>) -> Result<Self> {
        Ok(Self { info, signature: Signature::from_der(signature_der)?, token })
    }

    /// What the manifest asserts (check it with [`Self::verify`] first).
    pub fn info(&self) -> &ManifestInfo {
        &self.info
    }

    /// The canonical DER encoding.
    pub fn encode(&self) -> Result<Vec<u8>> {
        ManifestAsn1 {
            body: self.info.asn1()?,
            platform_signature: OctetString::new(self.signature.to_der())?,
            time_stamp_token: OctetString::new(self.token.clone())?,
        }
        .to_der()
        .map_err(|e| Error::Encoding(format!("{WHAT}: {e}")))
    }

    /// Parses a manifest strictly; checks no signature.
    pub fn parse(der: &[u8]) -> Result<Self> {
        check_len(der, MAX_LEN, WHAT)?;
        check_version(der, 1, WHAT)?;
        let asn1 = ManifestAsn1::from_der(der).map_err(|e| Error::malformed(WHAT, e))?;
        let body = asn1.body;
        let digest = |o: &OctetString, field: &str| -> Result<Sm3Digest> {
            o.as_bytes().try_into().map_err(|_| {
                Error::malformed(WHAT, format!("{field} is 32 bytes, got {}", o.as_bytes().len()))
            })
        };
        let manifest = Self {
            info: ManifestInfo {
                tender: tender_field(&body.tender_id, WHAT)?,
                deadline: from_generalized(&body.deadline, WHAT)?,
                committee_key: digest(&body.committee_key, "the committee key hash")?,
                count: body.count,
                root: digest(&body.root, "the root")?,
            },
            signature: Signature::from_der(asn1.platform_signature.as_bytes())
                .map_err(|e| Error::malformed(WHAT, e))?,
            token: asn1.time_stamp_token.into_bytes().into_vec(),
        };
        if manifest.encode()? != der {
            return Err(Error::malformed(WHAT, "not in canonical DER form"));
        }
        Ok(manifest)
    }

    /// Verifies the platform signature under `platform_cert` and the time
    /// stamp under `tsa_cert`, which must stamp that signature at or after
    /// the deadline. Returns the stamped time. Chain-check both certificates
    /// with [`crate::pki`] first.
    pub fn verify(&self, platform_cert: &Certificate, tsa_cert: &Certificate) -> Result<OffsetDateTime> {
        SignedMessage::new(Purpose::DeadlineManifest, &self.info.body_der()?)
            .verify(&platform_cert.public_key()?, &self.signature)?;
        let stamped =
            verify_token(&self.token, Stamped::Data(&self.signature.to_der()), tsa_cert.x509(), None)?;
        if stamped.imprint.algorithm() != ImprintAlgorithm::Sm3 {
            return Err(Error::Timestamp("the manifest's time stamp must use an SM3 imprint".into()));
        }
        if stamped.gen_time < self.info.deadline {
            return Err(Error::Timestamp(format!(
                "the manifest of tender {} was stamped at {}, before its deadline {}",
                self.info.tender, stamped.gen_time, self.info.deadline
            )));
        }
        Ok(stamped.gen_time)
    }

    /// Checks that `leaves` are exactly the manifest's: same count, same root.
    pub fn check_leaves(&self, leaves: &[Sm3Digest]) -> Result<()> {
        if leaves.len() as u64 != self.info.count {
            return Err(Error::InvalidParameter(format!(
                "{WHAT} of tender {} lists {} envelopes, the list given has {}",
                self.info.tender,
                self.info.count,
                leaves.len()
            )));
        }
        if merkle_root(leaves) != self.info.root {
            return Err(Error::InvalidParameter(format!(
                "the envelopes given are not those of the {WHAT} of tender {} (the Merkle root differs)",
                self.info.tender
            )));
        }
        Ok(())
    }

    /// Checks that `leaf` is leaf `index` of the manifest's tree, with an
    /// RFC 9162 inclusion proof (concatenated SM3 digests, [`inclusion_proof`]).
    pub fn verify_inclusion(&self, leaf: &Sm3Digest, index: u64, proof: &[u8]) -> Result<()> {
        let root = RootHash::<Sm3>::new(self.info.root.into(), self.info.count);
        let proof = InclusionProof::<Sm3>::try_from_bytes(proof.to_vec())
            .map_err(|_| Error::malformed("inclusion proof", "not a whole number of SM3 digests"))?;
        root.verify_inclusion(leaf, index, &proof).map_err(|e| {
            Error::InvalidParameter(format!(
                "envelope {} is not leaf {index} of the {WHAT} of tender {} ({e})",
                hex::encode(leaf),
                self.info.tender
            ))
        })
    }
}

fn tree(leaves: &[Sm3Digest]) -> MemoryBackedTree<Sm3, Sm3Digest> {
    let mut tree = MemoryBackedTree::new();
    for leaf in leaves {
        tree.push(*leaf);
    }
    tree
}

/// The RFC 9162 Merkle tree hash (SM3) of `leaves`; of no leaves, SM3 of nothing.
pub fn merkle_root(leaves: &[Sm3Digest]) -> Sm3Digest {
    if leaves.is_empty() {
        return crate::sm3(&[]);
    }
    let root = tree(leaves).root();
    let mut out = [0u8; 32];
    out.copy_from_slice(root.as_bytes());
    out
}

/// The RFC 9162 inclusion proof of leaf `index` (the audit path's digests, concatenated).
pub fn inclusion_proof(leaves: &[Sm3Digest], index: usize) -> Result<Vec<u8>> {
    if index >= leaves.len() {
        return Err(Error::InvalidParameter(format!(
            "no leaf {index}: the manifest has {} envelopes",
            leaves.len()
        )));
    }
    Ok(tree(leaves).prove_inclusion(index).as_bytes().to_vec())
}
