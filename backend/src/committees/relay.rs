//! The relay's view of a ceremony: the [`Ceremony`] rebuilt from the stored
//! roster and a [`Transcript`] replayed from the stored messages.

use anyhow::{Context, Result};
use sealbid_crypto::PublicKey;
use sealbid_crypto::committee::{Ack, Ceremony, CeremonyId, Part, PublicKeySet, Transcript};

use super::store::{self, Committee, Member, Message};
use crate::db::Db;

/// The ceremony identifier of a committee's attempt: `C{id}`.
pub fn ceremony_id(c: &Committee) -> CeremonyId {
    CeremonyId { committee: format!("C{}", c.id), attempt: u32::try_from(c.attempt).unwrap_or(u32::MAX) }
}

/// The ceremony of the committee's current attempt.
pub fn ceremony(c: &Committee, members: &[Member]) -> Result<Ceremony> {
    let keys = members
        .iter()
        .map(|m| Ok(PublicKey::from_sec1(&hex::decode(&m.public_key)?)?))
        .collect::<Result<Vec<_>>>()
        .context("a stored official key is damaged")?;
    let t = usize::try_from(c.threshold).context("threshold out of range")?;
    Ok(Ceremony::new(ceremony_id(c), keys, t)?)
}

/// Replays the stored parts and acks (up to `until`, if given) into a transcript.
pub fn replay(ceremony: Ceremony, messages: &[Message], until: Option<i64>) -> Result<Transcript> {
    let mut t = Transcript::new(ceremony);
    apply(&mut t, messages, until)?;
    Ok(t)
}

/// Adds stored parts and acks (up to `until`, if given) to `t`, in the order given.
pub fn apply(t: &mut Transcript, messages: &[Message], until: Option<i64>) -> Result<()> {
    for m in messages.iter().filter(|m| until.is_none_or(|u| m.seq <= u)) {
        match m.kind.as_str() {
            "part" => t.add_part(&Part::from_bytes(&m.data)?)?,
            "ack" => t.add_ack(&Ack::from_bytes(&m.data)?)?,
            _ => {}
        }
    }
    Ok(())
}

/// The committee, its roster and transcript as stored now.
pub async fn load(db: &Db, c: &Committee) -> Result<(Vec<Member>, Vec<Message>, Transcript)> {
    let members = store::members(db, c.id, c.attempt).await?;
    let messages = store::messages(db, c.id, c.attempt, 0).await?;
    let ceremony = ceremony(c, &members)?;
    let until = c.final_seq;
    let msgs = messages.clone();
    let transcript = tokio::task::spawn_blocking(move || replay(ceremony, &msgs, until)).await??;
    Ok((members, messages, transcript))
}

/// Whether every official has dealt and acked every part: nothing more can come.
pub fn all_done(t: &Transcript) -> bool {
    t.silent_officials().is_empty() && t.complete_dealers().len() == t.ceremony().n()
}

/// The key set as stored (CBOR) and the committee's encryption key as hex.
pub fn encode_key_set(pks: &PublicKeySet) -> Result<(Vec<u8>, String)> {
    let mut cbor = Vec::new();
    ciborium::into_writer(pks, &mut cbor).context("cannot encode the key set")?;
    Ok((cbor, hex::encode(pks.public_key().to_bytes())))
}

/// Decodes a stored key set.
pub fn decode_key_set(cbor: &[u8]) -> Result<PublicKeySet> {
    ciborium::from_reader(cbor).context("the stored committee key set is damaged")
}
