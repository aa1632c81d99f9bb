//! Sealing a bid into an envelope, checking it without reading it, and opening it
//! (layout in the [module docs](super)).

use der::asn1::OctetString;
use der::{Decode, Encode, Sequence};
use threshold_crypto::{Ciphertext, DecryptionShare, PublicKeySet};
use zeroize::Zeroizing;

use super::proof::KEY_PROOF_LEN;
use super::{
    BidDocument, OpenedBid, OpenedDocument, TenderId, bidder_field, check_len, codec, read_version,
    tender_field,
};
use crate::committee::ConfirmedKey;
use crate::pki::Certificate;
use crate::sm4gcm::{self, Sm4Key};
use crate::{Error, PrivateKey, PublicKey, Purpose, Result, Signature, SignedMessage, Sm3Digest, Uscc, sm3};

#[cfg(test)]
#[path = "tests.rs"]
pub(crate) mod tests;

pub(super) const WHAT: &str = "bid envelope";
pub(super) const PAYLOAD: &str = "bid payload";
const BINDING: &str = "bid envelope binding";
const AAD_LABEL: &str = "sealbid/bid-payload";
/// The envelope format this code writes and the only one it reads.
pub const ENVELOPE_VERSION: u64 = 3;
/// Largest encoded envelope accepted: the largest document plus room for the rest.
pub const MAX_ENVELOPE_LEN: usize = super::document::MAX_DOCUMENT_LEN + (64 << 10);

#[derive(Sequence)]
pub(super) struct BodyAsn1 {
    pub(super) version: u64,
    pub(super) tender_id: String,
    pub(super) bidder: String,
    pub(super) committee_key: OctetString,
    pub(super) key_ciphertext: OctetString,
    pub(super) key_proof: OctetString,
    pub(super) payload: OctetString,
}

#[derive(Sequence)]
pub(super) struct EnvelopeAsn1 {
    pub(super) body: BodyAsn1,
    pub(super) outer_signature: OctetString,
}

#[derive(Sequence)]
pub(super) struct PayloadAsn1 {
    pub(super) document: OctetString,
    pub(super) document_signature: OctetString,
    pub(super) signer_certificate: OctetString,
}

#[derive(Sequence)]
struct AadAsn1 {
    label: String,
    version: u64,
    tender_id: String,
    bidder: String,
}

/// A sealed bid: readable header (tender, bidder, committee key hash), the
/// SM4 key under the committee's threshold key, the encrypted payload, and
/// the outer signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    tender: TenderId,
    bidder: Uscc,
    committee_key: Sm3Digest,
    key_ciphertext: Ciphertext,
    key_ciphertext_bytes: Vec<u8>,
    key_proof: [u8; KEY_PROOF_LEN],
    payload: Vec<u8>,
    outer_signature: Signature,
}

/// Seals `document`: signs it (inner, [`Purpose::BidDocument`]), encrypts
/// document, signature and `certificate` under a fresh SM4 key whose
/// associated data binds version, tender and bidder, encrypts that key under
/// `committee` labelled with the tender ([`super::tender_label`]), and signs
/// the envelope body (outer, [`Purpose::Bid`]), which names the committee
/// key's hash and carries the proof that the bidder made the key ciphertext
/// ([`super::proof`]).
///
/// The key must be a [`ConfirmedKey`]: one every official on its roster
/// signed for ([`crate::committee::StatementFile::confirm`]), so no client
/// seals to a key the server made up. Fails if `key` does not match
/// `certificate`.
pub fn seal_bid(
    document: &BidDocument,
    key: &PrivateKey,
    certificate: &Certificate,
    committee: &ConfirmedKey,
) -> Result<Envelope> {
    if certificate.public_key()? != key.public_key() {
        return Err(Error::InvalidKey("the signing key does not match the bidder's certificate".into()));
    }
    let document_der = document.encode()?;
    let inner = SignedMessage::new(Purpose::BidDocument, &document_der).sign(key)?;
    let plaintext = Zeroizing::new(
        PayloadAsn1 {
            document: OctetString::new(document_der)?,
            document_signature: OctetString::new(inner.to_der())?,
            signer_certificate: OctetString::new(certificate.to_der())?,
        }
        .to_der()
        .map_err(|e| Error::Encoding(format!("{PAYLOAD}: {e}")))?,
    );
    let sm4_key = Sm4Key::generate()?;
    let payload = sm4gcm::seal(&sm4_key, &aad(document.tender(), document.bidder())?, &plaintext)?;
    let label = super::tender_label(document.tender());
    let committee_key = *committee.hash();
    let (key_ciphertext, key_ciphertext_bytes, key_proof) =
        codec::encrypt_key_proved(&committee.public_key(), &sm4_key, &label, &committee_key)?;
    let key_ciphertext_bytes = key_ciphertext_bytes.to_vec();
    let (tender, bidder) = (document.tender().clone(), document.bidder().clone());
    let body =
        body_der(&body_asn1(&tender, &bidder, &committee_key, &key_ciphertext_bytes, &key_proof, &payload)?)?;
    let outer_signature = SignedMessage::new(Purpose::Bid, &body).sign(key)?;
    Ok(Envelope {
        tender,
        bidder,
        committee_key,
        key_ciphertext,
        key_ciphertext_bytes,
        key_proof,
        payload,
        outer_signature,
    })
}

fn body_asn1(
    tender: &TenderId,
    bidder: &Uscc,
    committee_key: &Sm3Digest,
    key_ciphertext: &[u8],
    key_proof: &[u8],
    payload: &[u8],
) -> Result<BodyAsn1> {
    Ok(BodyAsn1 {
        version: ENVELOPE_VERSION,
        tender_id: tender.as_str().to_owned(),
        bidder: bidder.as_str().to_owned(),
        committee_key: OctetString::new(committee_key.to_vec())?,
        key_ciphertext: OctetString::new(key_ciphertext.to_vec())?,
        key_proof: OctetString::new(key_proof.to_vec())?,
        payload: OctetString::new(payload.to_vec())?,
    })
}

/// Reads the envelope's version first: versions 1 and 2 are refused with what to do.
pub(super) fn check_envelope_version(der: &[u8]) -> Result<()> {
    match read_version(der, 1, WHAT)? {
        ENVELOPE_VERSION => Ok(()),
        1 => Err(Error::malformed(
            WHAT,
            "version 1 envelopes are no longer accepted: they name no committee key and their key \
             ciphertext is not bound to the tender; seal the bid again with this software (version 3)",
        )),
        2 => Err(Error::malformed(
            WHAT,
            "version 2 envelopes are no longer accepted: they carry no proof that the bidder made \
             the key ciphertext, which officials check before sharing; seal the bid again with this \
             software (version 3)",
        )),
        v => Err(Error::malformed(
            WHAT,
            format!("unsupported {WHAT} version {v} (this software reads version {ENVELOPE_VERSION})"),
        )),
    }
}

/// The key ciphertext's proof: [`KEY_PROOF_LEN`] bytes.
pub(super) fn key_proof_field(field: &OctetString) -> Result<[u8; KEY_PROOF_LEN]> {
    field.as_bytes().try_into().map_err(|_| {
        Error::malformed(
            WHAT,
            format!("the key ciphertext proof is {KEY_PROOF_LEN} bytes, got {}", field.as_bytes().len()),
        )
    })
}

/// The header's committee key hash: 32 bytes.
pub(super) fn committee_key_field(field: &OctetString) -> Result<Sm3Digest> {
    field.as_bytes().try_into().map_err(|_| {
        Error::malformed(WHAT, format!("the committee key hash is 32 bytes, got {}", field.as_bytes().len()))
    })
}

fn body_der(body: &BodyAsn1) -> Result<Vec<u8>> {
    body.to_der().map_err(|e| Error::Encoding(format!("{WHAT}: {e}")))
}

/// The SM4-GCM associated data for a payload of `tender` by `bidder`.
fn aad(tender: &TenderId, bidder: &Uscc) -> Result<Vec<u8>> {
    AadAsn1 {
        label: AAD_LABEL.to_owned(),
        version: ENVELOPE_VERSION,
        tender_id: tender.as_str().to_owned(),
        bidder: bidder.as_str().to_owned(),
    }
    .to_der()
    .map_err(|e| Error::Encoding(format!("payload associated data: {e}")))
}

impl Envelope {
    fn body_asn1(&self) -> Result<BodyAsn1> {
        body_asn1(
            &self.tender,
            &self.bidder,
            &self.committee_key,
            &self.key_ciphertext_bytes,
            &self.key_proof,
            &self.payload,
        )
    }

    /// DER of the envelope body: what the outer signature covers.
    pub fn body_der(&self) -> Result<Vec<u8>> {
        body_der(&self.body_asn1()?)
    }

    /// The canonical DER encoding.
    pub fn encode(&self) -> Result<Vec<u8>> {
        EnvelopeAsn1 {
            body: self.body_asn1()?,
            outer_signature: OctetString::new(self.outer_signature.to_der())?,
        }
        .to_der()
        .map_err(|e| Error::Encoding(format!("{WHAT}: {e}")))
    }

    /// Parses an envelope strictly (canonical DER, version 3, valid tender id,
    /// bidder code, committee key hash, key ciphertext encoding, proof length
    /// and signature encoding). Checks no signature and decrypts nothing.
    pub fn parse(der: &[u8]) -> Result<Self> {
        check_len(der, MAX_ENVELOPE_LEN, WHAT)?;
        check_envelope_version(der)?;
        let asn1 = EnvelopeAsn1::from_der(der).map_err(|e| Error::malformed(WHAT, e))?;
        let body = asn1.body;
        let key_ciphertext_bytes = body.key_ciphertext.as_bytes().to_vec();
        let envelope = Self {
            tender: tender_field(&body.tender_id, WHAT)?,
            bidder: bidder_field(&body.bidder, WHAT)?,
            committee_key: committee_key_field(&body.committee_key)?,
            key_ciphertext: codec::decode(&key_ciphertext_bytes).map_err(|e| Error::malformed(WHAT, e))?,
            key_ciphertext_bytes,
            key_proof: key_proof_field(&body.key_proof)?,
            payload: body.payload.into_bytes().into_vec(),
            outer_signature: Signature::from_der(asn1.outer_signature.as_bytes())
                .map_err(|e| Error::malformed(WHAT, e))?,
        };
        if envelope.encode()? != der {
            return Err(Error::malformed(WHAT, "not in canonical DER form"));
        }
        Ok(envelope)
    }

    /// The tender named in the header.
    pub fn tender(&self) -> &TenderId {
        &self.tender
    }

    /// The bidder named in the header.
    pub fn bidder(&self) -> &Uscc {
        &self.bidder
    }

    /// SM3 of the committee key the bid was sealed to (the header's `committeeKey`).
    pub fn committee_key(&self) -> &Sm3Digest {
        &self.committee_key
    }

    /// SM3 of [`Self::encode`]: the envelope's identity in receipts and requests.
    pub fn hash(&self) -> Result<Sm3Digest> {
        Ok(sm3(&self.encode()?))
    }

    /// Checks the outer signature ([`Purpose::Bid`]) under the bidder's key.
    pub fn verify_outer(&self, bidder_key: &PublicKey) -> Result<()> {
        SignedMessage::new(Purpose::Bid, &self.body_der()?).verify(bidder_key, &self.outer_signature)
    }

    /// The SM4 key's threshold ciphertext, for computing decryption shares.
    pub fn key_ciphertext(&self) -> &Ciphertext {
        &self.key_ciphertext
    }

    /// The key ciphertext's canonical 160 bytes (compare these to refuse duplicates).
    pub fn key_ciphertext_bytes(&self) -> &[u8] {
        &self.key_ciphertext_bytes
    }

    /// The encrypted payload (`nonce ‖ ciphertext ‖ tag`).
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The proof that the bidder made the key ciphertext ([`super::proof`]).
    pub fn key_proof(&self) -> &[u8; KEY_PROOF_LEN] {
        &self.key_proof
    }

    /// Checks the proof that the bidder made the key ciphertext for the
    /// header's tender and committee key ([`super::proof::verify`]).
    pub fn check_key_proof(&self) -> Result<()> {
        let bytes: &[u8; super::KEY_CIPHERTEXT_LEN] = self
            .key_ciphertext_bytes
            .as_slice()
            .try_into()
            .map_err(|_| Error::malformed(WHAT, "the key ciphertext is not 160 bytes"))?;
        let label = super::tender_label(&self.tender);
        let ctx = super::proof::ProofContext { label: &label, committee_key: &self.committee_key };
        super::proof::verify(bytes, &self.key_proof, &ctx).map(|_| ())
    }

    /// Checks that the key ciphertext is valid for the header's tender — the
    /// pairing equation `e(g1, W) == e(U, H(U, V, label))` with the tender's
    /// label, computed as one multi-Miller loop ([`crate::opening::fast`]):
    /// at intake, and by every official before sharing.
    pub fn check_ciphertext(&self) -> Result<()> {
        if crate::opening::ciphertext_valid(&self.key_ciphertext, &super::tender_label(&self.tender)) {
            Ok(())
        } else {
            Err(Error::InvalidKey("the key ciphertext is not a valid threshold ciphertext".into()))
        }
    }

    /// Combines t+1 decryption shares (`(official index, share)`) into the
    /// SM4 key and opens the payload with it. Shares are not verified one by
    /// one: wrong shares give a wrong key, which fails as
    /// [`Error::DecryptionFailed`]; then check them with
    /// `PublicKeyShare::verify_decryption_share`.
    pub fn open_with_shares<'a, I>(&self, committee: &PublicKeySet, shares: I) -> Result<OpenedBid>
    where
        I: IntoIterator<Item = (usize, &'a DecryptionShare)>,
    {
        self.open_with_key(&self.combine(committee, shares)?)
    }

    /// As [`Self::open_with_shares`], but checks the sealed certificate
    /// against the bidder's known one by bytes instead of parsing it
    /// (see [`Self::open_with_key_expecting`]).
    pub fn open_with_shares_expecting<'a, I>(
        &self,
        committee: &PublicKeySet,
        shares: I,
        expected_cert_der: &[u8],
    ) -> Result<OpenedDocument>
    where
        I: IntoIterator<Item = (usize, &'a DecryptionShare)>,
    {
        self.open_with_key_expecting(&self.combine(committee, shares)?, expected_cert_der)
    }

    /// Combines t+1 decryption shares into the SM4 key.
    fn combine<'a, I>(&self, committee: &PublicKeySet, shares: I) -> Result<Zeroizing<Vec<u8>>>
    where
        I: IntoIterator<Item = (usize, &'a DecryptionShare)>,
    {
        let shares: Vec<_> = shares.into_iter().collect();
        let mut indices: Vec<usize> = shares.iter().map(|(i, _)| *i).collect();
        indices.sort_unstable();
        if let Some(w) = indices.windows(2).find(|w| w[0] == w[1]) {
            return Err(Error::InvalidParameter(format!(
                "decryption share of official {} given twice",
                w[0]
            )));
        }
        let needed = committee.threshold() + 1;
        if shares.len() < needed {
            return Err(Error::InvalidParameter(format!(
                "opening needs {needed} decryption shares, got {}",
                shares.len()
            )));
        }
        committee
            .decrypt(shares, &self.key_ciphertext)
            .map(Zeroizing::new)
            .map_err(|e| Error::InvalidParameter(format!("cannot combine decryption shares: {e}")))
    }

    /// Opens the payload with the SM4 key and checks that the document names
    /// the header's tender and bidder. Does not check the inner signature:
    /// see [`OpenedBid::verify_inner`].
    pub fn open_with_key(&self, sm4_key: &[u8]) -> Result<OpenedBid> {
        let (plaintext, asn1) = self.decrypt_payload(sm4_key)?;
        let certificate = Certificate::from_der(asn1.signer_certificate.as_bytes())?;
        let content = self.document_of(&asn1)?;
        if content.payload_der(certificate.to_der())?.as_slice() != plaintext.as_slice() {
            return Err(Error::malformed(PAYLOAD, "not in canonical DER form"));
        }
        Ok(OpenedBid::new(content, certificate))
    }

    /// As [`Self::open_with_key`] for a bidder whose certificate the caller
    /// already holds (and has checked): instead of parsing the certificate
    /// sealed in the payload (~150 µs), insists that its DER is byte for byte
    /// `expected_cert_der`. A different certificate fails as
    /// [`Error::Malformed`] (`bid envelope binding`).
    pub fn open_with_key_expecting(
        &self,
        sm4_key: &[u8],
        expected_cert_der: &[u8],
    ) -> Result<OpenedDocument> {
        open_expecting(&self.tender, &self.bidder, &self.payload, sm4_key, expected_cert_der)
    }

    /// SM4-GCM-opens the payload and decodes its outer structure.
    fn decrypt_payload(&self, sm4_key: &[u8]) -> Result<(Zeroizing<Vec<u8>>, PayloadAsn1)> {
        decrypt_payload(&self.tender, &self.bidder, &self.payload, sm4_key)
    }

    /// Parses the document and inner signature and checks the document names the header's tender and bidder.
    fn document_of(&self, asn1: &PayloadAsn1) -> Result<OpenedDocument> {
        document_of(&self.tender, &self.bidder, asn1)
    }
}

/// [`Envelope::open_with_key_expecting`] on the header fields and payload of
/// an envelope (shared with [`super::SealedView`]).
pub(super) fn open_expecting(
    tender: &TenderId,
    bidder: &Uscc,
    payload: &[u8],
    sm4_key: &[u8],
    expected_cert_der: &[u8],
) -> Result<OpenedDocument> {
    let (plaintext, asn1) = decrypt_payload(tender, bidder, payload, sm4_key)?;
    if asn1.signer_certificate.as_bytes() != expected_cert_der {
        return Err(Error::malformed(
            BINDING,
            "the certificate sealed in the payload is not the bidder's expected certificate",
        ));
    }
    let opened = document_of(tender, bidder, &asn1)?;
    if opened.payload_der(expected_cert_der)?.as_slice() != plaintext.as_slice() {
        return Err(Error::malformed(PAYLOAD, "not in canonical DER form"));
    }
    Ok(opened)
}

/// SM4-GCM-opens `payload` (associated data: version, tender, bidder) and decodes its outer structure.
fn decrypt_payload(
    tender: &TenderId,
    bidder: &Uscc,
    payload: &[u8],
    sm4_key: &[u8],
) -> Result<(Zeroizing<Vec<u8>>, PayloadAsn1)> {
    let key = Sm4Key::from_bytes(sm4_key).map_err(|_| Error::DecryptionFailed)?;
    let plaintext = sm4gcm::open(&key, &aad(tender, bidder)?, payload)?;
    let asn1 = PayloadAsn1::from_der(&plaintext).map_err(|e| Error::malformed(PAYLOAD, e))?;
    Ok((plaintext, asn1))
}

/// Parses the document and inner signature and checks the document names `tender` and `bidder`.
fn document_of(tender: &TenderId, bidder: &Uscc, asn1: &PayloadAsn1) -> Result<OpenedDocument> {
    let document_der = asn1.document.as_bytes().to_vec();
    let document = BidDocument::parse(&document_der)?;
    let inner_signature =
        Signature::from_der(asn1.document_signature.as_bytes()).map_err(|e| Error::malformed(PAYLOAD, e))?;
    if document.tender() != tender {
        return Err(Error::malformed(
            BINDING,
            format!("the document is for tender {} but the envelope for {}", document.tender(), tender),
        ));
    }
    if document.bidder() != bidder {
        return Err(Error::malformed(
            BINDING,
            format!("the document is by {} but the envelope by {}", document.bidder(), bidder),
        ));
    }
    Ok(OpenedDocument::new(document, document_der, inner_signature))
}
