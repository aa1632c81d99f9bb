//! Sealing a bid into an envelope, checking it without reading it, and opening it
//! (layout in the [module docs](super)).

use der::asn1::OctetString;
use der::{Decode, Encode, Sequence};
use threshold_crypto::{Ciphertext, DecryptionShare, PublicKeySet};
use zeroize::Zeroizing;

use super::{BidDocument, TenderId, VERSION, bidder_field, check_len, check_version, codec, tender_field};
use crate::pki::Certificate;
use crate::sm4gcm::{self, Sm4Key};
use crate::{Error, PrivateKey, PublicKey, Purpose, Result, Signature, SignedMessage, Sm3Digest, Uscc, sm3};

#[cfg(test)]
#[path = "tests.rs"]
pub(crate) mod tests;

const WHAT: &str = "bid envelope";
const PAYLOAD: &str = "bid payload";
const BINDING: &str = "bid envelope binding";
const AAD_LABEL: &str = "sealbid/bid-payload";
/// Largest encoded envelope accepted: the largest document plus room for the rest.
pub const MAX_ENVELOPE_LEN: usize = super::document::MAX_DOCUMENT_LEN + (64 << 10);

#[derive(Sequence)]
struct BodyAsn1 {
    version: u64,
    tender_id: String,
    bidder: String,
    key_ciphertext: OctetString,
    payload: OctetString,
}

#[derive(Sequence)]
struct EnvelopeAsn1 {
    body: BodyAsn1,
    outer_signature: OctetString,
}

#[derive(Sequence)]
struct PayloadAsn1 {
    document: OctetString,
    document_signature: OctetString,
    signer_certificate: OctetString,
}

#[derive(Sequence)]
struct AadAsn1 {
    label: String,
    version: u64,
    tender_id: String,
    bidder: String,
}

/// A sealed bid: readable header (tender, bidder), the SM4 key under the
/// committee's threshold key, the encrypted payload, and the outer signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Envelope {
    tender: TenderId,
    bidder: Uscc,
    key_ciphertext: Ciphertext,
    key_ciphertext_bytes: Vec<u8>,
    payload: Vec<u8>,
    outer_signature: Signature,
}

/// Seals `document`: signs it (inner, [`Purpose::BidDocument`]), encrypts
/// document, signature and `certificate` under a fresh SM4 key whose
/// associated data binds version, tender and bidder, encrypts that key under
/// `committee`, and signs the envelope body (outer, [`Purpose::Bid`]).
///
/// Fails if `key` does not match `certificate`.
pub fn seal_bid(
    document: &BidDocument,
    key: &PrivateKey,
    certificate: &Certificate,
    committee: &threshold_crypto::PublicKey,
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
    let key_ciphertext = codec::encrypt_key(committee, &sm4_key)?;
    let key_ciphertext_bytes = codec::encode(&key_ciphertext)?;
    let (tender, bidder) = (document.tender().clone(), document.bidder().clone());
    let body = body_der(&body_asn1(&tender, &bidder, &key_ciphertext_bytes, &payload)?)?;
    let outer_signature = SignedMessage::new(Purpose::Bid, &body).sign(key)?;
    Ok(Envelope { tender, bidder, key_ciphertext, key_ciphertext_bytes, payload, outer_signature })
}

fn body_asn1(tender: &TenderId, bidder: &Uscc, key_ciphertext: &[u8], payload: &[u8]) -> Result<BodyAsn1> {
    Ok(BodyAsn1 {
        version: VERSION,
        tender_id: tender.as_str().to_owned(),
        bidder: bidder.as_str().to_owned(),
        key_ciphertext: OctetString::new(key_ciphertext.to_vec())?,
        payload: OctetString::new(payload.to_vec())?,
    })
}

fn body_der(body: &BodyAsn1) -> Result<Vec<u8>> {
    body.to_der().map_err(|e| Error::Encoding(format!("{WHAT}: {e}")))
}

/// The SM4-GCM associated data for a payload of `tender` by `bidder`.
fn aad(tender: &TenderId, bidder: &Uscc) -> Result<Vec<u8>> {
    AadAsn1 {
        label: AAD_LABEL.to_owned(),
        version: VERSION,
        tender_id: tender.as_str().to_owned(),
        bidder: bidder.as_str().to_owned(),
    }
    .to_der()
    .map_err(|e| Error::Encoding(format!("payload associated data: {e}")))
}

impl Envelope {
    fn body_asn1(&self) -> Result<BodyAsn1> {
        body_asn1(&self.tender, &self.bidder, &self.key_ciphertext_bytes, &self.payload)
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

    /// Parses an envelope strictly (canonical DER, version 1, valid tender id,
    /// bidder code, key ciphertext encoding and signature encoding). Checks no
    /// signature and decrypts nothing.
    pub fn parse(der: &[u8]) -> Result<Self> {
        check_len(der, MAX_ENVELOPE_LEN, WHAT)?;
        check_version(der, 1, WHAT)?;
        let asn1 = EnvelopeAsn1::from_der(der).map_err(|e| Error::malformed(WHAT, e))?;
        let body = asn1.body;
        let key_ciphertext_bytes = body.key_ciphertext.as_bytes().to_vec();
        let envelope = Self {
            tender: tender_field(&body.tender_id, WHAT)?,
            bidder: bidder_field(&body.bidder, WHAT)?,
            key_ciphertext: codec::decode(&key_ciphertext_bytes).map_err(|e| Error::malformed(WHAT, e))?,
            key_ciphertext_bytes,
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

    /// Runs `threshold_crypto`'s ciphertext validity check (a pairing
    /// equation, ~6 ms): once at intake, so shares can skip it later.
    pub fn check_ciphertext(&self) -> Result<()> {
        if self.key_ciphertext.verify() {
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
        let key = committee
            .decrypt(shares, &self.key_ciphertext)
            .map(Zeroizing::new)
            .map_err(|e| Error::InvalidParameter(format!("cannot combine decryption shares: {e}")))?;
        self.open_with_key(&key)
    }

    /// Opens the payload with the SM4 key and checks that the document names
    /// the header's tender and bidder. Does not check the inner signature:
    /// see [`OpenedBid::verify_inner`].
    pub fn open_with_key(&self, sm4_key: &[u8]) -> Result<OpenedBid> {
        let key = Sm4Key::from_bytes(sm4_key).map_err(|_| Error::DecryptionFailed)?;
        let plaintext = sm4gcm::open(&key, &aad(&self.tender, &self.bidder)?, &self.payload)?;
        let asn1 = PayloadAsn1::from_der(&plaintext).map_err(|e| Error::malformed(PAYLOAD, e))?;
        let document_der = asn1.document.as_bytes().to_vec();
        let document = BidDocument::parse(&document_der)?;
        let inner_signature = Signature::from_der(asn1.document_signature.as_bytes())
            .map_err(|e| Error::malformed(PAYLOAD, e))?;
        let certificate = Certificate::from_der(asn1.signer_certificate.as_bytes())?;
        if document.tender() != &self.tender {
            return Err(Error::malformed(
                BINDING,
                format!(
                    "the document is for tender {} but the envelope for {}",
                    document.tender(),
                    self.tender
                ),
            ));
        }
        if document.bidder() != &self.bidder {
            return Err(Error::malformed(
                BINDING,
                format!("the document is by {} but the envelope by {}", document.bidder(), self.bidder),
            ));
        }
        let opened = OpenedBid { document, document_der, inner_signature, certificate };
        if opened.payload_der()?.as_slice() != plaintext.as_slice() {
            return Err(Error::malformed(PAYLOAD, "not in canonical DER form"));
        }
        Ok(opened)
    }
}

/// The content of an opened envelope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenedBid {
    document: BidDocument,
    document_der: Vec<u8>,
    inner_signature: Signature,
    certificate: Certificate,
}

impl OpenedBid {
    /// The bid document.
    pub fn document(&self) -> &BidDocument {
        &self.document
    }

    /// The document's exact DER (what the inner signature covers).
    pub fn document_der(&self) -> &[u8] {
        &self.document_der
    }

    /// The bidder's signature over the document.
    pub fn inner_signature(&self) -> &Signature {
        &self.inner_signature
    }

    /// The certificate the bidder sealed with the document. Check its chain,
    /// and that it is the certificate that signed the envelope, with [`crate::pki`].
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// Checks the inner signature ([`Purpose::BidDocument`]) under `bidder_key`.
    pub fn verify_inner(&self, bidder_key: &PublicKey) -> Result<()> {
        SignedMessage::new(Purpose::BidDocument, &self.document_der).verify(bidder_key, &self.inner_signature)
    }

    fn payload_der(&self) -> Result<Zeroizing<Vec<u8>>> {
        let asn1 = PayloadAsn1 {
            document: OctetString::new(self.document_der.clone())?,
            document_signature: OctetString::new(self.inner_signature.to_der())?,
            signer_certificate: OctetString::new(self.certificate.to_der())?,
        };
        asn1.to_der().map(Zeroizing::new).map_err(|e| Error::Encoding(format!("{PAYLOAD}: {e}")))
    }
}
