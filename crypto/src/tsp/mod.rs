//! RFC 3161 time stamps with SM2/SM3.
