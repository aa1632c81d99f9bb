"""An independent check of a sealed bid's key ciphertext (envelope format 3),
with py_ecc (the Ethereum Foundation's BLS12-381 and RFC 9380 hash to curve)
and gmssl's SM3 — none of sealbid's code.

    key_proof.py LABEL_HEX COMMITTEE_KEY_HASH_HEX CIPHERTEXT_HEX PROOF_HEX

Checks, as crypto/src/envelope/proof.rs and codec.rs define them:
  * the Schnorr proof: R = s*g1 - c*U and
    c == SM3("sealbid/key-proof/v1" 0x00 || len(label):u16 || label || key hash
             || U || V || W || compress(R))[0:16];
  * the labelled pairing equation e(g1, W) == e(U, H) with
    H = hash_to_G2(V || U || label, DST, SHA-256) (RFC 9380, SSWU, random oracle).
Prints "valid" and exits 0, or prints what failed and exits 1.
"""

import hashlib
import sys

try:
    from gmssl import sm3, func
    from py_ecc.bls.hash_to_curve import hash_to_G2
    from py_ecc.bls.point_compression import compress_G1, decompress_G1, decompress_G2
    from py_ecc.optimized_bls12_381 import (
        FQ12, G1, add, curve_order, final_exponentiate, multiply, neg, pairing,
    )
except ImportError as e:  # exit 3: a required package is missing (the caller fails loudly)
    print(f"missing Python package: {e}", file=sys.stderr)
    sys.exit(3)

DOMAIN = b"sealbid/key-proof/v1\x00"
DST = b"SEALBID-V3-KEY-LABEL_BLS12381G2_XMD:SHA-256_SSWU_RO_"


def sm3_digest(data: bytes) -> bytes:
    return bytes.fromhex(sm3.sm3_hash(func.bytes_to_list(data)))


def main() -> int:
    label, key_hash, ct, proof = (bytes.fromhex(a) for a in sys.argv[1:5])
    u_bytes, v, w_bytes = ct[:48], ct[48:64], ct[64:]
    u = decompress_G1(int.from_bytes(u_bytes, "big"))
    w = decompress_G2((int.from_bytes(w_bytes[:48], "big"), int.from_bytes(w_bytes[48:], "big")))
    c_bytes, s = proof[:16], int.from_bytes(proof[16:], "big")
    if s >= curve_order:
        print("s is not a canonical scalar")
        return 1
    c = int.from_bytes(c_bytes, "big")
    r_point = add(multiply(G1, s), neg(multiply(u, c)))
    r_bytes = compress_G1(r_point).to_bytes(48, "big")
    msg = DOMAIN + len(label).to_bytes(2, "big") + label + key_hash + ct + r_bytes
    if sm3_digest(msg)[:16] != c_bytes:
        print("the proof's challenge does not match")
        return 1
    h = hash_to_G2(v + u_bytes + label, DST, hashlib.sha256)
    # e(g1, W) == e(U, H), as one product with a single final exponentiation.
    product = pairing(w, neg(G1), final_exponentiate=False) * pairing(h, u, final_exponentiate=False)
    if final_exponentiate(product) != FQ12.one():
        print("the pairing equation e(g1, W) == e(U, H(U, V, label)) fails")
        return 1
    print("valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
