//! What opening an envelope yields: the signed document, with or without the
//! certificate sealed next to it.

use der::Encode;
use der::asn1::OctetString;
use zeroize::Zeroizing;

use super::BidDocument;
use super::seal::{PAYLOAD, PayloadAsn1};
use crate::pki::Certificate;
use crate::{Error, PublicKey, Purpose, Result, Signature, SignedMessage};

/// The signed document of an opened envelope, without the sealed certificate
/// (see [`super::Envelope::open_with_key_expecting`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenedDocument {
    document: BidDocument,
    document_der: Vec<u8>,
    inner_signature: Signature,
}

impl OpenedDocument {
    pub(super) fn new(document: BidDocument, document_der: Vec<u8>, inner_signature: Signature) -> Self {
        Self { document, document_der, inner_signature }
    }

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

    /// Checks the inner signature ([`Purpose::BidDocument`]) under `bidder_key`.
    pub fn verify_inner(&self, bidder_key: &PublicKey) -> Result<()> {
        SignedMessage::new(Purpose::BidDocument, &self.document_der).verify(bidder_key, &self.inner_signature)
    }

    pub(super) fn payload_der(&self, certificate_der: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
        let asn1 = PayloadAsn1 {
            document: OctetString::new(self.document_der.clone())?,
            document_signature: OctetString::new(self.inner_signature.to_der())?,
            signer_certificate: OctetString::new(certificate_der.to_vec())?,
        };
        asn1.to_der().map(Zeroizing::new).map_err(|e| Error::Encoding(format!("{PAYLOAD}: {e}")))
    }
}

/// The content of an opened envelope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenedBid {
    content: OpenedDocument,
    certificate: Certificate,
}

impl OpenedBid {
    pub(super) fn new(content: OpenedDocument, certificate: Certificate) -> Self {
        Self { content, certificate }
    }

    /// The bid document.
    pub fn document(&self) -> &BidDocument {
        self.content.document()
    }

    /// The document's exact DER (what the inner signature covers).
    pub fn document_der(&self) -> &[u8] {
        self.content.document_der()
    }

    /// The bidder's signature over the document.
    pub fn inner_signature(&self) -> &Signature {
        self.content.inner_signature()
    }

    /// The certificate the bidder sealed with the document. Check its chain,
    /// and that it is the certificate that signed the envelope, with [`crate::pki`].
    pub fn certificate(&self) -> &Certificate {
        &self.certificate
    }

    /// Checks the inner signature ([`Purpose::BidDocument`]) under `bidder_key`.
    pub fn verify_inner(&self, bidder_key: &PublicKey) -> Result<()> {
        self.content.verify_inner(bidder_key)
    }

    /// The document part, without the certificate.
    pub fn into_document(self) -> OpenedDocument {
        self.content
    }
}
