#!/usr/bin/env python3
"""SM2 with gmssl (pip package `gmssl`), an implementation independent of sealbid's.

Called by tests/tests/interop_primitives.rs. Keys are hex: the private key is
the 32-byte scalar, the public key is x||y (64 bytes, no 04 prefix).

  sm2_interop.py decrypt PRIV   < GM/T 0009 DER ciphertext   -> plaintext (hex)
  sm2_interop.py encrypt PUB    < plaintext                  -> GM/T 0009 DER ciphertext (hex)
  sm2_interop.py sign PRIV PUB  < message                    -> r||s (hex), signer ID 1234567812345678
  sm2_interop.py verify PUB SIG < message                    -> exit 0 "valid" / exit 1 "invalid"

gmssl's CryptSM2 works on raw C1||C3||C2 (mode=1, C1 = x||y without 04); the
GM/T 0009 DER SEQUENCE { x INTEGER, y INTEGER, hash OCTET STRING, ciphertext
OCTET STRING } is converted here with a minimal DER reader/writer.

Exit 3 means a tool is missing (the message says what to install).
"""
import sys

try:
    from gmssl import sm2, sm3, func
except ImportError as e:  # the Rust test turns this into a failure naming the fix
    sys.stderr.write(f"gmssl is not importable ({e}): run `pip install gmssl`\n")
    sys.exit(3)


def _read_tlv(buf, pos, want_tag):
    tag = buf[pos]
    if tag != want_tag:
        raise ValueError(f"DER: expected tag {want_tag:#04x} at {pos}, found {tag:#04x}")
    pos += 1
    first = buf[pos]
    pos += 1
    if first < 0x80:
        length = first
    else:
        n = first & 0x7F
        length = int.from_bytes(buf[pos:pos + n], "big")
        pos += n
    end = pos + length
    if end > len(buf):
        raise ValueError("DER: length runs past the end")
    return buf[pos:end], end


def _der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def _tlv(tag, content):
    return bytes([tag]) + _der_len(len(content)) + content


def _der_uint(value):
    b = value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")
    if b[0] & 0x80:
        b = b"\x00" + b
    return _tlv(0x02, b)


def der_to_c1c3c2(der):
    body, end = _read_tlv(der, 0, 0x30)
    if end != len(der):
        raise ValueError("DER: trailing bytes after the SEQUENCE")
    x, pos = _read_tlv(body, 0, 0x02)
    y, pos = _read_tlv(body, pos, 0x02)
    c3, pos = _read_tlv(body, pos, 0x04)
    c2, pos = _read_tlv(body, pos, 0x04)
    if pos != len(body):
        raise ValueError("DER: extra fields in the SEQUENCE")
    x = int.from_bytes(x, "big").to_bytes(32, "big")
    y = int.from_bytes(y, "big").to_bytes(32, "big")
    return x + y, c3, c2


def c1c3c2_to_der(raw):
    c1, c3, c2 = raw[:64], raw[64:96], raw[96:]
    fields = (_der_uint(int.from_bytes(c1[:32], "big")) + _der_uint(int.from_bytes(c1[32:], "big"))
              + _tlv(0x04, c3) + _tlv(0x04, c2))
    return _tlv(0x30, fields)


def crypt(priv, pub):
    c = sm2.CryptSM2(private_key=priv, public_key=pub, mode=1)
    # gmssl strips a "04" prefix with str.lstrip("04"), which also eats leading
    # 0 and 4 digits of x; set the key directly so every key works.
    c.public_key = pub
    return c


def main(argv):
    data = sys.stdin.buffer.read()
    cmd = argv[1]
    if cmd == "decrypt":
        priv = argv[2]
        c1, c3, c2 = der_to_c1c3c2(data)
        plain = crypt(priv, "00" * 64).decrypt(c1 + c3 + c2)
        # gmssl's decrypt does not check C3; check it here as GB/T 32918.4 step B6 requires.
        xy = crypt(priv, "00" * 64)._kg(int(priv, 16), c1.hex())
        u = sm3.sm3_hash(func.bytes_to_list(bytes.fromhex(xy[:64]) + plain + bytes.fromhex(xy[64:])))
        if u != c3.hex():
            print("C3 mismatch: ciphertext rejected")
            return 1
        print(plain.hex())
    elif cmd == "encrypt":
        print(c1c3c2_to_der(crypt("00" * 32, argv[2]).encrypt(data)).hex())
    elif cmd == "sign":
        print(crypt(argv[2], argv[3]).sign_with_sm3(data))
    elif cmd == "verify":
        ok = crypt("00" * 32, argv[2]).verify_with_sm3(argv[3], data)
        print("valid" if ok else "invalid")
        return 0 if ok else 1
    else:
        sys.stderr.write(f"unknown command {cmd!r}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
