#!/usr/bin/env python3
"""pyHanko (ECDSA P-256, SHA-256, CMS) on the contract sealbid renders, for
comparison with `cargo bench -p sealbid-sealing --bench pdf` (BENCHMARKS.md,
"Signed PDFs").

    pip install pyhanko            # tested with pyHanko 0.38.0
    cargo build -p sealbid-backend     # sealbid only renders the contract
    python3 scripts/bench-pyhanko.py [--sealbid target/debug/sealbid] [--runs 20]

Renders the benchmark contract (40 items, 3 pages: the same model as
sealing/tests/common/fixtures.rs `contract(40)`) with `sealbid pdf contract`,
then with a fresh ECDSA P-256 key and self-signed certificate:

- sign: one signature on the unsigned contract (new field in the seller's
  box, pyHanko's default text appearance, no time stamp), median of --runs;
- verify: the contract signed three times (seller, buyer, regulator)
  validated signature by signature with `validate_pdf_signature` (integrity,
  the certificate against the trust root, pyHanko's modification analysis),
  median of --runs.
"""

import argparse
import datetime
import io
import json
import os
import statistics
import subprocess
import tempfile
import time

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

DRUGS = [
    ("阿莫西林胶囊", "胶囊剂", "0.25g×24粒", "盒", 1250),
    ("头孢克肟分散片", "片剂", "0.1g×6片", "盒", 2380),
    ("盐酸二甲双胍缓释片", "片剂", "0.5g×30片", "瓶", 1865),
    ("注射用头孢曲松钠", "注射剂", "1.0g/支", "支", 405),
    ("布洛芬混悬液", "口服混悬剂", "100ml:2g", "瓶", 1598),
]

# `sealbid pdf contract` prints the seal boxes' centres in millimetres.
PT_PER_MM = 72 / 25.4


def contract_model():
    items = []
    for i in range(40):
        name, form, spec, unit, price = DRUGS[i % len(DRUGS)]
        items.append({
            "generic_name": name, "dosage_form": form, "specification": spec, "unit": unit,
            "quantity": 1000 + 37 * i, "unit_price_fen": price + i,
        })
    return {
        "number": "HT-2026-000123",
        "tender_reference": "ZB-FJ-2026-0042",
        "buyer": {"name": "福建省立医院", "uscc": "12350000488000016L",
                  "address": "福建省福州市鼓楼区东街134号"},
        "seller": {"name": "福建某某制药有限公司", "uscc": "91350100M000100Y43",
                   "address": "福建省福州市闽侯县上街镇科技东路8号"},
        "items": items,
        "delivery_terms": "乙方应于合同生效后十五日内将全部药品配送至甲方药库，运输过程须符合《药品经营质量管理规范》冷链及储存要求，随货附检验报告书。",
        "payment_terms": "甲方在药品验收合格并收到合法票据后三十日内，通过医保基金直接结算或银行转账方式支付货款。",
    }


def render(sealbid, workdir):
    model = os.path.join(workdir, "contract.json")
    out = os.path.join(workdir, "contract.pdf")
    with open(model, "w", encoding="utf-8") as f:
        json.dump(contract_model(), f, ensure_ascii=False)
    text = subprocess.run([sealbid, "pdf", "contract", "--json", model, "--out", out],
                          check=True, capture_output=True, text=True).stdout
    places = []  # (page from 0, box in points)
    for line in text.splitlines():
        if ": --page " in line:
            _, rest = line.split(": --page ")
            page, at = rest.split(" --at ")
            x, y = (float(v) * PT_PER_MM for v in at.split(","))
            places.append((int(page) - 1, (x - 60, y - 60, x + 60, y + 60)))
    with open(out, "rb") as f:
        return f.read(), places


def key_and_cert():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "张三"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "福建某某制药有限公司")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True,
                                         key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, key_cert_sign=True, crl_sign=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    key_der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    cert_der = cert.public_bytes(serialization.Encoding.DER)
    return asn1_keys.PrivateKeyInfo.load(key_der), asn1_x509.Certificate.load(cert_der)


def sign(pdf, signer, field, page, box):
    w = IncrementalPdfFileWriter(io.BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(field_name=field, md_algorithm="sha256")
    spec = fields.SigFieldSpec(field, on_page=page, box=box)
    return signers.sign_pdf(w, meta, signer=signer, new_field_spec=spec).getvalue()


def verify(pdf, vc):
    reader = PdfFileReader(io.BytesIO(pdf))
    sigs = reader.embedded_signatures
    ok = [validate_pdf_signature(s, vc).bottom_line for s in sigs]
    return len(sigs), all(ok)


def median_ms(f, runs):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sealbid", default="target/debug/sealbid")
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        pdf, places = render(args.sealbid, d)
    key, cert = key_and_cert()
    signer = signers.SimpleSigner(signing_cert=cert, signing_key=key,
                                  cert_registry=SimpleCertificateStore.from_certs([cert]))
    vc = ValidationContext(trust_roots=[cert], allow_fetching=False)

    page, box = places[0]
    sign(pdf, signer, "seller", page, box)  # warm-up
    sign_ms = median_ms(lambda: sign(pdf, signer, "seller", page, box), args.runs)

    signed = pdf
    for (page, box), field in zip(places, ["seller", "buyer", "regulator"]):
        signed = sign(signed, signer, field, page, box)
    n, ok = verify(signed, vc)
    assert n == 3 and ok, (n, ok)
    verify_ms = median_ms(lambda: verify(signed, vc), args.runs)

    print(f"contract: {len(pdf)} bytes, 3 pages; signed three times: {len(signed)} bytes")
    print(f"pyHanko sign (one signature, ECDSA P-256): median {sign_ms:.2f} ms over {args.runs} runs")
    print(f"pyHanko verify (three signatures):         median {verify_ms:.2f} ms over {args.runs} runs")


if __name__ == "__main__":
    main()
