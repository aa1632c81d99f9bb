//! One official's side of the ceremony: a state machine fed with the relayed messages.

use std::collections::BTreeMap;
use std::fmt;

use threshold_crypto::ff::Field;
use threshold_crypto::group::CurveAffine;
use threshold_crypto::poly::{BivarPoly, Commitment, Poly};
use threshold_crypto::{Fr, G1Affine, PublicKeySet, SecretKeyShare};

use super::messages::{Ack, MAX_PIECE, Part};
use super::transcript::{Insert, Transcript};
use super::wire::{cbor, fr_from_bytes, fr_to_bytes, from_cbor};
use super::{Ceremony, CeremonyId, Complaint, Fault, rng07};
use rand_chacha02::ChaChaRng;
use rand_chacha02::rand_core::SeedableRng;
use zeroize::Zeroizing;

use crate::sm2::{PrivateKey, PublicKey};
use crate::{Error, Result};

/// What handling a part produced.
#[derive(Debug)]
pub enum PartOutcome {
    /// The row matched the commitment: relay this ack to every official.
    Valid(Ack),
    /// The sender signed a faulty part: relay this complaint.
    Invalid(Complaint),
}

/// What handling an ack produced.
#[derive(Debug)]
pub enum AckOutcome {
    /// The ack counted and the value encrypted to us matched the commitment.
    Valid,
    /// The sender signed a faulty ack: relay this complaint. (If only our value
    /// was bad, the ack still counts towards completeness, which is public.)
    Invalid(Box<Complaint>),
}

/// What only this official knows about one dealer's part.
struct Private {
    /// `commitment.row(me + 1)`: by symmetry, acker m's value to us is its value at m + 1.
    my_row_commitment: Commitment,
    /// Verified values `f(m + 1, me + 1)` by acker m.
    values: BTreeMap<usize, Fr>,
}

impl Drop for Private {
    fn drop(&mut self) {
        self.values.values_mut().for_each(|v| *v = Fr::zero());
    }
}

/// One official's key-generation state. See the [module docs](super) for the protocol.
pub struct KeyGen {
    me: usize,
    key: PrivateKey,
    transcript: Transcript,
    private: BTreeMap<usize, Private>,
    part_made: bool,
    /// Seed of this official's polynomial, if the caller chose it ([`KeyGen::with_seed`]).
    seed: Option<Zeroizing<[u8; 32]>>,
}

impl KeyGen {
    /// Official `my_index` of the committee `officials` (whose key there must
    /// match `my_key`), threshold `threshold`, in ceremony `id`.
    pub fn new(
        id: CeremonyId,
        my_index: usize,
        my_key: PrivateKey,
        officials: Vec<PublicKey>,
        threshold: usize,
    ) -> Result<Self> {
        Self::for_ceremony(Ceremony::new(id, officials, threshold)?, my_index, my_key)
    }

    /// As [`KeyGen::new`], for an already built [`Ceremony`].
    pub fn for_ceremony(ceremony: Ceremony, my_index: usize, my_key: PrivateKey) -> Result<Self> {
        if ceremony.officials().get(my_index) != Some(&my_key.public_key()) {
            return Err(Error::InvalidKey("my key is not the official's key at my index".into()));
        }
        let transcript = Transcript::new(ceremony);
        Ok(Self {
            me: my_index,
            key: my_key,
            transcript,
            private: BTreeMap::new(),
            part_made: false,
            seed: None,
        })
    }

    /// As [`KeyGen::for_ceremony`], with this official's secret polynomial
    /// drawn from a ChaCha20 generator seeded with `seed` instead of the
    /// system generator: an official who keeps the seed secret (e.g. in a
    /// password-protected file) can rebuild the same state later by replaying
    /// the ceremony's messages. The polynomial — not the part's bytes, whose
    /// SM2 encryptions and signature are randomized — is a function of the
    /// seed. The seed must be fresh, secret randomness, used for one ceremony only.
    pub fn with_seed(
        ceremony: Ceremony,
        my_index: usize,
        my_key: PrivateKey,
        seed: [u8; 32],
    ) -> Result<Self> {
        let mut keygen = Self::for_ceremony(ceremony, my_index, my_key)?;
        keygen.seed = Some(Zeroizing::new(seed));
        Ok(keygen)
    }

    /// The ceremony this state belongs to.
    pub fn ceremony(&self) -> &Ceremony {
        self.transcript.ceremony()
    }

    /// The public record of what this official has handled.
    pub fn transcript(&self) -> &Transcript {
        &self.transcript
    }

    /// This official's dealer message (once per ceremony): a fresh random
    /// polynomial, its commitment and every official's encrypted row. Relay it
    /// to every official, this one included.
    pub fn make_part(&mut self) -> Result<Part> {
        if self.part_made {
            return Err(Error::InvalidParameter("this official already made its part".into()));
        }
        let c = self.ceremony();
        let mut rng = match &self.seed {
            Some(seed) => ChaChaRng::from_seed(**seed),
            None => rng07()?,
        };
        let poly = BivarPoly::try_random(c.threshold(), &mut rng)
            .map_err(|e| Error::InvalidParameter(e.to_string()))?;
        let rows = (0..c.n())
            .map(|m| c.officials()[m].encrypt(&cbor(&poly.row(m + 1))?))
            .collect::<Result<Vec<_>>>()?;
        let part = Part::sign(c, self.me, &self.key, &cbor(&poly.commitment())?, &rows)?;
        self.part_made = true;
        Ok(part)
    }

    /// Handles `part` relayed as coming from official `sender`.
    ///
    /// Errors (nothing recorded, nobody blamed): the message is not from this
    /// ceremony, does not name `sender`, or its signature does not verify, or
    /// it repeats a part already handled byte for byte.
    pub fn handle_part(&mut self, sender: usize, part: &Part) -> Result<PartOutcome> {
        self.check_sender(sender, part.sender())?;
        part.verify_signature(self.ceremony())?;
        // The part is recorded before our row is checked: whether it completes
        // depends only on public acks, the same for every official.
        match self.transcript.insert_part(part) {
            Insert::New => {}
            Insert::Repeat => return Err(Error::InvalidParameter("part already handled".into())),
            Insert::Conflict(earlier) => {
                return self
                    .complain(sender, Fault::Duplicate, &[&earlier, part.to_bytes()], &[])
                    .map(PartOutcome::Invalid);
            }
            Insert::Fault(fault) => {
                return self.complain(sender, fault, &[part.to_bytes()], &[]).map(PartOutcome::Invalid);
            }
        }
        let my_row_commitment = part.commitment().row(self.me + 1);
        let evidence = [part.to_bytes()];
        let Ok(plain) = self.key.decrypt(&part.rows[self.me]) else {
            return self.complain(sender, Fault::UndecryptableRow, &evidence, &[]).map(PartOutcome::Invalid);
        };
        let t = self.ceremony().threshold();
        let row = match from_cbor::<Poly>(&plain, MAX_PIECE, "DKG row") {
            Ok(row) if row.degree() == t => row,
            _ => {
                return self
                    .complain(sender, Fault::UndecryptableRow, &evidence, &plain)
                    .map(PartOutcome::Invalid);
            }
        };
        if row.commitment() != my_row_commitment {
            return self.complain(sender, Fault::RowMismatch, &evidence, &plain).map(PartOutcome::Invalid);
        }
        self.private.insert(sender, Private { my_row_commitment, values: BTreeMap::new() });
        let officials = self.ceremony().officials();
        let values = (0..officials.len())
            .map(|k| officials[k].encrypt(fr_to_bytes(&row.evaluate(k + 1)).as_slice()))
            .collect::<Result<Vec<_>>>()?;
        Ack::sign(self.ceremony(), self.me, &self.key, sender, &values).map(PartOutcome::Valid)
    }

    /// Handles `ack` relayed as coming from official `sender`.
    ///
    /// Errors as for [`KeyGen::handle_part`]; also when the acknowledged part
    /// has not been handled yet (relay parts before the acks of them).
    pub fn handle_ack(&mut self, sender: usize, ack: &Ack) -> Result<AckOutcome> {
        self.check_sender(sender, ack.sender())?;
        ack.verify_signature(self.ceremony())?;
        let bad = |c: Complaint| AckOutcome::Invalid(Box::new(c));
        match self.transcript.insert_ack(ack)? {
            Insert::New => {}
            Insert::Repeat => return Err(Error::InvalidParameter("ack already handled".into())),
            Insert::Conflict(earlier) => {
                return self.complain(sender, Fault::Duplicate, &[&earlier, ack.to_bytes()], &[]).map(bad);
            }
            Insert::Fault(fault) => return self.complain(sender, fault, &[ack.to_bytes()], &[]).map(bad),
        }
        let proposer = ack.proposer();
        let part_bytes = self.transcript.proposal(proposer).map(|p| p.bytes.clone()).unwrap_or_default();
        let evidence = [ack.to_bytes(), part_bytes.as_slice()];
        let Ok(plain) = self.key.decrypt(&ack.values[self.me]) else {
            return self.complain(sender, Fault::UndecryptableValue, &evidence, &[]).map(bad);
        };
        let Ok(value) = fr_from_bytes(&plain) else {
            return self.complain(sender, Fault::UndecryptableValue, &evidence, &plain).map(bad);
        };
        if !self.private.contains_key(&proposer) {
            // Our own row was bad: the values still let us recover our share.
            let commitment = self.transcript.proposal(proposer).map(|p| p.commitment.row(self.me + 1));
            let my_row_commitment = commitment.ok_or(Error::InvalidParameter("unknown part".into()))?;
            self.private.insert(proposer, Private { my_row_commitment, values: BTreeMap::new() });
        }
        let Some(private) = self.private.get_mut(&proposer) else {
            return Err(Error::InvalidParameter("unknown part".into()));
        };
        if G1Affine::one().mul(value) != private.my_row_commitment.evaluate(sender + 1) {
            return self.complain(sender, Fault::ValueMismatch, &evidence, &plain).map(bad);
        }
        private.values.insert(sender, value);
        Ok(AckOutcome::Valid)
    }

    /// Dealers whose parts are complete (acked by [`Ceremony::ack_quorum`] officials), ascending.
    pub fn complete_dealers(&self) -> Vec<usize> {
        self.transcript.complete_dealers()
    }

    /// Whether at least t + 1 parts are complete, so [`KeyGen::generate`] can run.
    pub fn is_ready(&self) -> bool {
        self.transcript.is_ready()
    }

    /// Officials who have not (yet) sent their part, or not acked every part
    /// handled so far: the ones to name if the ceremony stalls.
    pub fn silent_officials(&self) -> Vec<usize> {
        self.transcript.silent_officials()
    }

    /// The committee's public key set and this official's secret share.
    ///
    /// Every official that handled the same messages gets the same public key
    /// set (the one [`Transcript::public_key_set`] computes). The share is
    /// `None` if, for some complete part, fewer than t + 1 of the values sent
    /// to this official verified (then restart without the officials this one
    /// complained about).
    pub fn generate(&self) -> Result<(PublicKeySet, Option<SecretKeyShare>)> {
        let pks = self.transcript.public_key_set()?;
        let t = self.ceremony().threshold();
        let mut secret = Fr::zero();
        for dealer in self.complete_dealers() {
            let values = self.private.get(&dealer).map(|p| &p.values).filter(|v| v.len() > t);
            let Some(values) = values else {
                drop(SecretKeyShare::from_mut(&mut secret)); // zeroizes the partial sum
                return Ok((pks, None));
            };
            let samples = values.iter().take(t + 1).map(|(&m, v)| (m + 1, *v));
            secret.add_assign(&Poly::interpolate(samples).evaluate(0));
        }
        let share = SecretKeyShare::from_mut(&mut secret);
        if share.public_key_share() != pks.public_key_share(self.me) {
            return Err(Error::InvalidKey("the computed share does not match the public key set".into()));
        }
        Ok((pks, Some(share)))
    }

    fn check_sender(&self, relayed: usize, signed: usize) -> Result<()> {
        if relayed != signed || relayed >= self.ceremony().n() {
            return Err(Error::BadSignature);
        }
        Ok(())
    }

    fn complain(
        &self,
        accused: usize,
        fault: Fault,
        evidence: &[&[u8]],
        revealed: &[u8],
    ) -> Result<Complaint> {
        Complaint::sign(self.ceremony(), self.me, &self.key, accused, fault, evidence, revealed)
    }
}

impl fmt::Debug for KeyGen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyGen")
            .field("ceremony", self.ceremony().id())
            .field("me", &self.me)
            .field("key", &"[REDACTED]")
            .field("transcript", &self.transcript)
            .finish()
    }
}
