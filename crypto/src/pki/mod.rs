//! Certificates: PKCS#10 requests, the certificate authority, chain verification and CRLs.
