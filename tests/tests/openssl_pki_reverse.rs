//! OpenSSL 3 makes an SM2 chain, CSR and CRL; `sealbid_crypto::pki` must accept them
//! (and reject them under the wrong root or at the wrong time).

use crate::common::*;
use sealbid_crypto::pki::{Certificate, Crl, Csr, SubjectInfo, Usage, verify_chain};
use sealbid_crypto::{Error, error::CertError};
use time::Duration;

#[test]
fn verify_chain_accepts_an_openssl_made_sm2_chain() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // openssl genpkey -algorithm SM2 -out root.key
    openssl_ok(d, &["genpkey", "-algorithm", "SM2", "-out", "root.key"]);
    // openssl req -x509 -new -key root.key -sm3 -sigopt distid:1234567812345678 -subj "/CN=OpenSSL SM2 Root" \
    //   -days 3650 -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" -out root.pem
    openssl_ok(
        d,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "root.key",
            "-sm3",
            "-sigopt",
            DISTID,
            "-subj",
            "/CN=OpenSSL SM2 Root",
            "-days",
            "3650",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-out",
            "root.pem",
        ],
    );
    // openssl genpkey -algorithm SM2 -out leaf.key
    // openssl req -new -key leaf.key -sm3 -sigopt distid:1234567812345678 -subj "/CN=OpenSSL SM2 Leaf" -out leaf.csr
    openssl_ok(d, &["genpkey", "-algorithm", "SM2", "-out", "leaf.key"]);
    openssl_ok(
        d,
        &[
            "req",
            "-new",
            "-key",
            "leaf.key",
            "-sm3",
            "-sigopt",
            DISTID,
            "-subj",
            "/CN=OpenSSL SM2 Leaf",
            "-out",
            "leaf.csr",
        ],
    );
    // leaf.ext: basicConstraints=CA:FALSE / keyUsage=critical,digitalSignature,nonRepudiation
    // openssl x509 -req -in leaf.csr -CA root.pem -CAkey root.key -CAcreateserial -sm3 \
    //   -sigopt distid:1234567812345678 -vfyopt distid:1234567812345678 -days 365 -extfile leaf.ext -out leaf.pem
    write(d, "leaf.ext", "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,nonRepudiation\n");
    sign_with_openssl_root(d, "leaf");
    // Sanity: OpenSSL itself accepts its chain.
    openssl_ok(d, &["verify", "-vfyopt", DISTID, "-CAfile", "root.pem", "leaf.pem"]);

    let read = |f: &str| std::fs::read_to_string(d.join(f)).unwrap();
    let root = Certificate::from_pem(&read("root.pem")).unwrap();
    let leaf = Certificate::from_pem(&read("leaf.pem")).unwrap();
    let chain = verify_chain(&leaf, &[], std::slice::from_ref(&root), now(), &[], Usage::Signing).unwrap();
    assert_eq!(chain.path().len(), 2);
    assert_eq!(chain.leaf().subject(), "CN=OpenSSL SM2 Leaf");
    // The bundle form of the same files parses to the same certificates.
    let bundle = Certificate::from_pem_bundle(&format!("{}{}", read("leaf.pem"), read("root.pem"))).unwrap();
    assert_eq!(bundle, vec![leaf.clone(), root.clone()]);
    // OpenSSL's CSR passes our proof-of-possession check.
    let csr = Csr::from_pem(&read("leaf.csr")).unwrap().verify().unwrap();
    assert_eq!(csr.subject(), &SubjectInfo::new("OpenSSL SM2 Leaf"));
    assert_eq!(csr.public_key(), &leaf.public_key().unwrap());

    // A three-level chain, all by OpenSSL:
    // ica.ext: basicConstraints=critical,CA:TRUE,pathlen:0 / keyUsage=critical,keyCertSign,cRLSign
    // openssl genpkey -algorithm SM2 -out ica.key
    // openssl req -new -key ica.key -sm3 -sigopt distid:… -subj "/CN=OpenSSL SM2 ICA" -out ica.csr
    // openssl x509 -req -in ica.csr -CA root.pem -CAkey root.key -CAcreateserial -sm3 -sigopt distid:… -vfyopt distid:… \
    //   -days 365 -extfile ica.ext -out ica.pem
    // openssl genpkey -algorithm SM2 -out l2.key
    // openssl req -new -key l2.key -sm3 -sigopt distid:… -subj "/CN=OpenSSL SM2 L2" -out l2.csr
    // openssl x509 -req -in l2.csr -CA ica.pem -CAkey ica.key -CAcreateserial -sm3 -sigopt distid:… -vfyopt distid:… \
    //   -days 300 -extfile leaf.ext -out l2.pem
    write(
        d,
        "ica.ext",
        "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n",
    );
    openssl_ok(d, &["genpkey", "-algorithm", "SM2", "-out", "ica.key"]);
    openssl_ok(
        d,
        &[
            "req",
            "-new",
            "-key",
            "ica.key",
            "-sm3",
            "-sigopt",
            DISTID,
            "-subj",
            "/CN=OpenSSL SM2 ICA",
            "-out",
            "ica.csr",
        ],
    );
    sign_with_openssl_root(d, "ica");
    openssl_ok(d, &["genpkey", "-algorithm", "SM2", "-out", "l2.key"]);
    openssl_ok(
        d,
        &[
            "req",
            "-new",
            "-key",
            "l2.key",
            "-sm3",
            "-sigopt",
            DISTID,
            "-subj",
            "/CN=OpenSSL SM2 L2",
            "-out",
            "l2.csr",
        ],
    );
    openssl_ok(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "l2.csr",
            "-CA",
            "ica.pem",
            "-CAkey",
            "ica.key",
            "-CAcreateserial",
            "-sm3",
            "-sigopt",
            DISTID,
            "-vfyopt",
            DISTID,
            "-days",
            "300",
            "-extfile",
            "leaf.ext",
            "-out",
            "l2.pem",
        ],
    );
    // OpenSSL 3.0 cannot verify its own three-level SM2 chain (openssl/openssl#23471):
    // openssl verify -vfyopt distid:… -CAfile root.pem -untrusted ica.pem l2.pem
    let out = openssl_fails(
        d,
        &["verify", "-vfyopt", DISTID, "-CAfile", "root.pem", "-untrusted", "ica.pem", "l2.pem"],
    );
    assert!(out.contains("error 7 at 1 depth lookup: certificate signature failure"), "{out}");
    // verify_chain can.
    let ica = Certificate::from_pem(&read("ica.pem")).unwrap();
    let l2 = Certificate::from_pem(&read("l2.pem")).unwrap();
    let chain = verify_chain(
        &l2,
        std::slice::from_ref(&ica),
        std::slice::from_ref(&root),
        now(),
        &[],
        Usage::Signing,
    )
    .unwrap();
    assert_eq!(chain.path().len(), 3);

    // A CRL made by OpenSSL (`openssl ca -config ca.cnf -gencrl -sigopt distid:… -out openssl-crl.pem`):
    // `openssl crl -CAfile` reports "verify failure" for it too, while Crl::verify accepts it.
    std::fs::create_dir(d.join("db")).unwrap();
    write(d, "db/index.txt", "");
    write(d, "db/crlnumber", "05\n");
    write(
        d,
        "ca.cnf",
        "[ca]\ndefault_ca=CA_default\n[CA_default]\ndatabase=db/index.txt\ncrlnumber=db/crlnumber\n\
         default_md=sm3\ndefault_crl_days=30\ncertificate=root.pem\nprivate_key=root.key\n",
    );
    openssl_ok(d, &["ca", "-config", "ca.cnf", "-gencrl", "-sigopt", DISTID, "-out", "openssl-crl.pem"]);
    let out = openssl_ok(d, &["crl", "-in", "openssl-crl.pem", "-CAfile", "root.pem", "-noout"]);
    assert!(out.contains("verify failure"), "{out}");
    let openssl_crl = Crl::from_pem(&read("openssl-crl.pem")).unwrap();
    openssl_crl.verify(&root).unwrap();
    assert_eq!(openssl_crl.crl_number().unwrap(), Some(5));
    assert!(openssl_crl.verify(&ica).is_err());

    // Negative controls: another root, and a time after expiry.
    openssl_ok(d, &["genpkey", "-algorithm", "SM2", "-out", "other.key"]);
    openssl_ok(
        d,
        &[
            "req",
            "-x509",
            "-new",
            "-key",
            "other.key",
            "-sm3",
            "-sigopt",
            DISTID,
            "-subj",
            "/CN=OpenSSL SM2 Root",
            "-days",
            "3650",
            "-addext",
            "basicConstraints=critical,CA:TRUE",
            "-addext",
            "keyUsage=critical,keyCertSign,cRLSign",
            "-out",
            "other.pem",
        ],
    );
    let other = Certificate::from_pem(&read("other.pem")).unwrap();
    let e = verify_chain(&leaf, &[], &[other], now(), &[], Usage::Signing).unwrap_err();
    assert!(matches!(e, Error::Certificate(CertError::BadSignature { .. })), "{e}");
    let e = verify_chain(&leaf, &[], &[root], now() + Duration::days(400), &[], Usage::Signing).unwrap_err();
    assert!(matches!(e, Error::Certificate(CertError::Expired { .. })), "{e}");
}

/// `openssl x509 -req -in NAME.csr -CA root.pem -CAkey root.key -CAcreateserial -sm3
///   -sigopt distid:1234567812345678 -vfyopt distid:1234567812345678 -days 365 -extfile NAME.ext -out NAME.pem`
fn sign_with_openssl_root(d: &std::path::Path, name: &str) {
    let (csr, ext, pem) = (format!("{name}.csr"), format!("{name}.ext"), format!("{name}.pem"));
    openssl_ok(
        d,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "root.pem",
            "-CAkey",
            "root.key",
            "-CAcreateserial",
            "-sm3",
            "-sigopt",
            DISTID,
            "-vfyopt",
            DISTID,
            "-days",
            "365",
            "-extfile",
            &ext,
            "-out",
            &pem,
        ],
    );
}
