//! The platform's receipt for an accepted envelope: signed by the platform
//! ([`Purpose::Receipt`]) and time-stamped (RFC 3161) over that signature, so a
//! bidder can verify it offline (layout in the [module docs](super)).

use der::asn1::{GeneralizedTime, OctetString, Uint};
use der::{Decode, Encode, Sequence};
use time::{Duration, OffsetDateTime};

use super::{
    TenderId, VERSION, bidder_field, check_len, check_version, from_generalized, tender_field,
    to_generalized, whole_seconds,
};
use crate::pki::Certificate;
use crate::tsp::{Imprint, ImprintAlgorithm, StampOptions, Stamped, TimeStampAuthority, verify_token};
use crate::{Error, PrivateKey, Purpose, Result, Signature, SignedMessage, Sm3Digest, Uscc};

#[cfg(test)]
#[path = "tests_receipt.rs"]
mod tests;

const WHAT: &str = "bid receipt";
const MAX_LEN: usize = 16 << 10;
/// How far the time stamp may lie from the receipt time, either way.
pub const MAX_STAMP_SKEW: Duration = Duration::minutes(5);

/// What a receipt asserts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReceiptInfo {
    /// The tender.
    pub tender: TenderId,
    /// The bidder.
    pub bidder: Uscc,
    /// SM3 of the accepted envelope ([`super::Envelope::hash`]).
    pub envelope_hash: Sm3Digest,
    /// When the platform accepted it (whole seconds are kept).
    pub received_at: OffsetDateTime,
    /// The platform's sequence number for the acceptance.
    pub sequence: u64,
}

/// A platform-signed, time-stamped receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    info: ReceiptInfo,
    signature: Signature,
    token: Vec<u8>,
}

#[derive(Sequence)]
struct BodyAsn1 {
    version: u64,
    tender_id: String,
    bidder: String,
    envelope_hash: OctetString,
    received_at: GeneralizedTime,
    sequence: u64,
}

#[derive(Sequence)]
struct ReceiptAsn1 {
    body: BodyAsn1,
    platform_signature: OctetString,
    time_stamp_token: OctetString,
}

fn body_der(info: &ReceiptInfo) -> Result<Vec<u8>> {
    body_asn1(info)?.to_der().map_err(|e| Error::Encoding(format!("{WHAT}: {e}")))
}

fn body_asn1(info: &ReceiptInfo) -> Result<BodyAsn1> {
    Ok(BodyAsn1 {
        version: VERSION,
        tender_id: info.tender.as_str().to_owned(),
        bidder: info.bidder.as_str().to_owned(),
        envelope_hash: OctetString::new(info.envelope_hash.to_vec())?,
        received_at: to_generalized(info.received_at)?,
        sequence: info.sequence,
    })
}

impl Receipt {
    /// Signs `info` with the platform key and has `tsa` stamp the signature
    /// (token serial `tsa_serial`, genTime = `info.received_at`).
    pub fn create(
        mut info: ReceiptInfo,
        platform_key: &PrivateKey,
        tsa: &TimeStampAuthority,
        tsa_serial: Uint,
    ) -> Result<Self> {
        info.received_at = whole_seconds(info.received_at)?;
        let signature = SignedMessage::new(Purpose::Receipt, &body_der(&info)?).sign(platform_key)?;
        let imprint = Imprint::of(ImprintAlgorithm::Sm3, &signature.to_der());
        let opts = StampOptions { nonce: None, include_cert: false };
        let token = tsa.stamp(&imprint, tsa_serial, info.received_at, &opts)?;
        Ok(Self { info, signature, token })
    }

    /// What the receipt asserts (check it with [`Self::verify`] first).
    pub fn info(&self) -> &ReceiptInfo {
        &self.info
    }

    /// The RFC 3161 token (DER `ContentInfo`).
    pub fn token(&self) -> &[u8] {
        &self.token
    }

    /// The canonical DER encoding.
    pub fn encode(&self) -> Result<Vec<u8>> {
        ReceiptAsn1 {
            body: body_asn1(&self.info)?,
            platform_signature: OctetString::new(self.signature.to_der())?,
            time_stamp_token: OctetString::new(self.token.clone())?,
        }
        .to_der()
        .map_err(|e| Error::Encoding(format!("{WHAT}: {e}")))
    }

    /// Parses a receipt strictly; checks no signature.
    pub fn parse(der: &[u8]) -> Result<Self> {
        check_len(der, MAX_LEN, WHAT)?;
        check_version(der, 1, WHAT)?;
        let asn1 = ReceiptAsn1::from_der(der).map_err(|e| Error::malformed(WHAT, e))?;
        let body = asn1.body;
        let envelope_hash = body.envelope_hash.as_bytes().try_into().map_err(|_| {
            Error::malformed(
                WHAT,
                format!("the envelope hash is 32 bytes, got {}", body.envelope_hash.as_bytes().len()),
            )
        })?;
        let receipt = Self {
            info: ReceiptInfo {
                tender: tender_field(&body.tender_id, WHAT)?,
                bidder: bidder_field(&body.bidder, WHAT)?,
                envelope_hash,
                received_at: from_generalized(&body.received_at, WHAT)?,
                sequence: body.sequence,
            },
            signature: Signature::from_der(asn1.platform_signature.as_bytes())
                .map_err(|e| Error::malformed(WHAT, e))?,
            token: asn1.time_stamp_token.into_bytes().into_vec(),
        };
        if receipt.encode()? != der {
            return Err(Error::malformed(WHAT, "not in canonical DER form"));
        }
        Ok(receipt)
    }

    /// Verifies the receipt offline: it is for `expected_envelope_hash`, the
    /// platform signature verifies under `platform_cert`, and the time stamp
    /// verifies under `tsa_cert`, stamps that signature, and lies within
    /// [`MAX_STAMP_SKEW`] of the receipt time. Returns the token's genTime.
    ///
    /// Chain-check both certificates with [`crate::pki`] first.
    pub fn verify(
        &self,
        platform_cert: &Certificate,
        tsa_cert: &Certificate,
        expected_envelope_hash: &Sm3Digest,
    ) -> Result<OffsetDateTime> {
        if &self.info.envelope_hash != expected_envelope_hash {
            return Err(Error::InvalidParameter("the receipt is for a different envelope".into()));
        }
        SignedMessage::new(Purpose::Receipt, &body_der(&self.info)?)
            .verify(&platform_cert.public_key()?, &self.signature)?;
        let stamped =
            verify_token(&self.token, Stamped::Data(&self.signature.to_der()), tsa_cert.x509(), None)?;
        if stamped.imprint.algorithm() != ImprintAlgorithm::Sm3 {
            return Err(Error::Timestamp("the receipt's time stamp must use an SM3 imprint".into()));
        }
        if (stamped.gen_time - self.info.received_at).abs() > MAX_STAMP_SKEW {
            return Err(Error::Timestamp(
                "the time stamp is not within 5 minutes of the receipt time".into(),
            ));
        }
        Ok(stamped.gen_time)
    }
}
