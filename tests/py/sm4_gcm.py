#!/usr/bin/env python3
"""SM4-GCM and SM3 with `cryptography` (pyca, OpenSSL's EVP underneath), independent of sealbid's Rust code.

Called by tests/tests/interop_primitives.rs. All arguments are hex.

  sm4_gcm.py seal KEY NONCE AAD < plaintext   -> ciphertext||tag (hex)
  sm4_gcm.py open KEY NONCE AAD < ct||tag     -> plaintext (hex), exit 1 if the tag fails
  sm4_gcm.py sm3                < data        -> SM3 digest (hex)

Before any of these it checks that this `cryptography` really is SM4 and SM4-GCM
on the published vectors, so a broken tool cannot make a wrong answer agree:
GB/T 32907-2016 Appendix A example 1 (one block) and RFC 8998 Appendix A.1.

Exit 3 means a tool is missing or unusable (the message says what to install).
"""
import sys

try:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
except ImportError as e:
    sys.stderr.write(f"cryptography is not importable ({e}): run `pip install cryptography`\n")
    sys.exit(3)


def gcm_seal(key, nonce, aad, pt):
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(aad)
    ct = enc.update(pt) + enc.finalize()
    return ct + enc.tag


def gcm_open(key, nonce, aad, blob):
    ct, tag = blob[:-16], blob[-16:]
    dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    dec.authenticate_additional_data(aad)
    return dec.update(ct) + dec.finalize()


def self_check():
    key = bytes.fromhex("0123456789abcdeffedcba9876543210")
    enc = Cipher(algorithms.SM4(key), modes.ECB()).encryptor()
    block = enc.update(key) + enc.finalize()
    assert block.hex() == "681edf34d206965e86b3e94f536e4246", "GB/T 32907 example 1"
    out = gcm_seal(key, bytes.fromhex("00001234567800000000ABCD"),
                   bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2"),
                   bytes.fromhex("AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
                                 "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"))
    assert out.hex().upper() == (
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
        "83DE3541E4C2B58177E065A9BF7B62EC"), "RFC 8998 A.1"


def main(argv):
    try:
        self_check()
    except Exception as e:  # UnsupportedAlgorithm, or a wrong answer
        sys.stderr.write(f"this `cryptography` cannot do SM4/SM4-GCM correctly ({type(e).__name__}: {e}); "
                         "need `pip install 'cryptography>=44'` linked against OpenSSL 3 with SM4\n")
        return 3
    data = sys.stdin.buffer.read()
    cmd = argv[1]
    if cmd == "sm3":
        h = hashes.Hash(hashes.SM3())
        h.update(data)
        print(h.finalize().hex())
        return 0
    key, nonce, aad = (bytes.fromhex(a) for a in argv[2:5])
    if cmd == "seal":
        print(gcm_seal(key, nonce, aad, data).hex())
    elif cmd == "open":
        try:
            print(gcm_open(key, nonce, aad, data).hex())
        except InvalidTag:
            print("InvalidTag")
            return 1
    else:
        sys.stderr.write(f"unknown command {cmd!r}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
