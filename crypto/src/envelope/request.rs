//! Signed requests to replace or withdraw a bid (layout in the [module docs](super)).

use der::asn1::{GeneralizedTime, OctetString};
use der::{Decode, Encode, Sequence};
use time::OffsetDateTime;

use super::{
    TenderId, VERSION, bidder_field, check_len, check_version, from_generalized, tender_field,
    to_generalized, whole_seconds,
};
use crate::{Error, PrivateKey, PublicKey, Purpose, Result, Signature, SignedMessage, Sm3Digest, Uscc};

#[cfg(test)]
#[path = "tests_request.rs"]
mod tests;

const WHAT: &str = "bid request";
const MAX_LEN: usize = 1024;

/// What a [`BidRequest`] asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BidAction {
    /// Replace the target envelope by the envelope with this hash.
    Replace {
        /// SM3 of the replacing envelope.
        replacement: Sm3Digest,
    },
    /// Withdraw the target envelope.
    Withdraw,
}

impl BidAction {
    /// The signature purpose: [`Purpose::BidReplace`] or [`Purpose::BidWithdraw`].
    pub fn purpose(self) -> Purpose {
        match self {
            BidAction::Replace { .. } => Purpose::BidReplace,
            BidAction::Withdraw => Purpose::BidWithdraw,
        }
    }
}

/// A bidder's signed request to replace or withdraw one of its envelopes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BidRequest {
    tender: TenderId,
    bidder: Uscc,
    target: Sm3Digest,
    action: BidAction,
    time: OffsetDateTime,
    signature: Signature,
}

#[derive(Sequence)]
struct BodyAsn1 {
    version: u64,
    tender_id: String,
    bidder: String,
    target: OctetString,
    #[asn1(context_specific = "0", tag_mode = "IMPLICIT", optional = "true")]
    replacement: Option<OctetString>,
    time: GeneralizedTime,
}

#[derive(Sequence)]
struct RequestAsn1 {
    body: BodyAsn1,
    signature: OctetString,
}

/// The signed part of a request.
struct Body<'a> {
    tender: &'a TenderId,
    bidder: &'a Uscc,
    target: &'a Sm3Digest,
    action: BidAction,
    time: OffsetDateTime,
}

impl Body<'_> {
    fn asn1(&self) -> Result<BodyAsn1> {
        Ok(BodyAsn1 {
            version: VERSION,
            tender_id: self.tender.as_str().to_owned(),
            bidder: self.bidder.as_str().to_owned(),
            target: OctetString::new(self.target.to_vec())?,
            replacement: match self.action {
                BidAction::Replace { replacement } => Some(OctetString::new(replacement.to_vec())?),
                BidAction::Withdraw => None,
            },
            time: to_generalized(self.time)?,
        })
    }

    fn der(&self) -> Result<Vec<u8>> {
        self.asn1()?.to_der().map_err(|e| Error::Encoding(format!("{WHAT}: {e}")))
    }
}

fn digest(bytes: &[u8]) -> Result<Sm3Digest> {
    bytes
        .try_into()
        .map_err(|_| Error::malformed(WHAT, format!("an envelope hash is 32 bytes, got {}", bytes.len())))
}

impl BidRequest {
    /// Makes and signs a request about the envelope whose hash is `target`, at `time` (whole seconds kept).
    pub fn create(
        tender: TenderId,
        bidder: Uscc,
        target: Sm3Digest,
        action: BidAction,
        time: OffsetDateTime,
        key: &PrivateKey,
    ) -> Result<Self> {
        let time = whole_seconds(time)?;
        let body = Body { tender: &tender, bidder: &bidder, target: &target, action, time };
        let signature = SignedMessage::new(action.purpose(), &body.der()?).sign(key)?;
        Ok(Self { tender, bidder, target, action, time, signature })
    }

    fn body(&self) -> Body<'_> {
        Body {
            tender: &self.tender,
            bidder: &self.bidder,
            target: &self.target,
            action: self.action,
            time: self.time,
        }
    }

    fn body_asn1(&self) -> Result<BodyAsn1> {
        self.body().asn1()
    }

    fn body_der(&self) -> Result<Vec<u8>> {
        self.body().der()
    }

    /// The canonical DER encoding.
    pub fn encode(&self) -> Result<Vec<u8>> {
        RequestAsn1 { body: self.body_asn1()?, signature: OctetString::new(self.signature.to_der())? }
            .to_der()
            .map_err(|e| Error::Encoding(format!("{WHAT}: {e}")))
    }

    /// Parses a request strictly; checks no signature.
    pub fn parse(der: &[u8]) -> Result<Self> {
        check_len(der, MAX_LEN, WHAT)?;
        check_version(der, 1, WHAT)?;
        let asn1 = RequestAsn1::from_der(der).map_err(|e| Error::malformed(WHAT, e))?;
        let body = asn1.body;
        let action = match &body.replacement {
            Some(r) => BidAction::Replace { replacement: digest(r.as_bytes())? },
            None => BidAction::Withdraw,
        };
        let request = Self {
            tender: tender_field(&body.tender_id, WHAT)?,
            bidder: bidder_field(&body.bidder, WHAT)?,
            target: digest(body.target.as_bytes())?,
            action,
            time: from_generalized(&body.time, WHAT)?,
            signature: Signature::from_der(asn1.signature.as_bytes())
                .map_err(|e| Error::malformed(WHAT, e))?,
        };
        if request.encode()? != der {
            return Err(Error::malformed(WHAT, "not in canonical DER form"));
        }
        Ok(request)
    }

    /// Checks the signature under the bidder's key, for the purpose the action implies.
    pub fn verify(&self, bidder_key: &PublicKey) -> Result<()> {
        SignedMessage::new(self.action.purpose(), &self.body_der()?).verify(bidder_key, &self.signature)
    }

    /// The tender.
    pub fn tender(&self) -> &TenderId {
        &self.tender
    }

    /// The bidder.
    pub fn bidder(&self) -> &Uscc {
        &self.bidder
    }

    /// SM3 of the envelope being replaced or withdrawn.
    pub fn target(&self) -> &Sm3Digest {
        &self.target
    }

    /// Replace or withdraw.
    pub fn action(&self) -> BidAction {
        self.action
    }

    /// When the bidder made the request.
    pub fn time(&self) -> OffsetDateTime {
        self.time
    }
}
