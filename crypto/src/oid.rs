//! Object identifiers used across sealbid (GM/T 0006, RFC 5280, RFC 3161, RFC 5652).

use der::asn1::ObjectIdentifier as Oid;

/// The SM2 curve (GM/T 0006): `1.2.156.10197.1.301`.
pub const SM2_CURVE: Oid = Oid::new_unwrap("1.2.156.10197.1.301");
/// SM3 hash: `1.2.156.10197.1.401`.
pub const SM3: Oid = Oid::new_unwrap("1.2.156.10197.1.401");
/// SM2 signature with SM3: `1.2.156.10197.1.501`.
pub const SM2_WITH_SM3: Oid = Oid::new_unwrap("1.2.156.10197.1.501");
/// id-ecPublicKey (RFC 5480), the algorithm of an SM2 public key in X.509.
pub const EC_PUBLIC_KEY: Oid = Oid::new_unwrap("1.2.840.10045.2.1");
/// organizationIdentifier (X.520), which carries the unified social credit code in subject names.
pub const ORGANIZATION_IDENTIFIER: Oid = Oid::new_unwrap("2.5.4.97");
/// title (X.520), which carries the holder's platform role in subject names.
pub const TITLE: Oid = Oid::new_unwrap("2.5.4.12");
/// id-kp-timeStamping (RFC 5280).
pub const KP_TIME_STAMPING: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.8");
/// id-kp-clientAuth (RFC 5280).
pub const KP_CLIENT_AUTH: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.2");
/// id-kp-emailProtection, used by document-signing certificates (RFC 5280).
pub const KP_EMAIL_PROTECTION: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.3.4");
/// id-signedData (RFC 5652).
pub const SIGNED_DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.2");
/// id-data (RFC 5652).
pub const DATA: Oid = Oid::new_unwrap("1.2.840.113549.1.7.1");
/// id-ct-TSTInfo (RFC 3161).
pub const TST_INFO: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.1.4");
/// id-contentType signed attribute (RFC 5652).
pub const CONTENT_TYPE: Oid = Oid::new_unwrap("1.2.840.113549.1.9.3");
/// id-messageDigest signed attribute (RFC 5652).
pub const MESSAGE_DIGEST: Oid = Oid::new_unwrap("1.2.840.113549.1.9.4");
/// id-signingTime signed attribute (RFC 5652).
pub const SIGNING_TIME: Oid = Oid::new_unwrap("1.2.840.113549.1.9.5");
/// id-aa-signingCertificateV2 signed attribute (RFC 5035).
pub const SIGNING_CERTIFICATE_V2: Oid = Oid::new_unwrap("1.2.840.113549.1.9.16.2.47");
/// The sealbid time-stamp policy (a private arc for the platform TSA).
pub const SEALBID_TSA_POLICY: Oid = Oid::new_unwrap("1.3.6.1.4.1.59999.1.1");
