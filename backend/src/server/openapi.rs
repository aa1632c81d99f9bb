//! `GET /api/v1/openapi.json`: a hand-written OpenAPI 3.1 document of the
//! routes that exist. Hand-written (rather than generated with utoipa)
//! because the surface is small and a test checks every path it lists
//! against the running server.

use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

use super::AppState;

/// The OpenAPI route.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/openapi.json", get(|| async { Json(document()) }))
}

fn error_response(description: &str) -> Value {
    json!({ "description": description,
            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn refusal(codes: &str) -> Value {
    error_response(&format!("refused; `error` is one of: {codes}"))
}

/// The certificate-login routes ([`crate::auth`]).
fn auth_paths() -> Value {
    let user = json!({ "$ref": "#/components/schemas/User" });
    let login_codes = "challenge_unknown, challenge_expired, challenge_replayed, origin_mismatch, \
                       clock_skew, certificate_untrusted, certificate_expired, certificate_revoked, \
                       account_locked, bad_signature";
    let session_codes = "not_logged_in, certificate_revoked, certificate_expired";
    json!({
        "/api/v1/auth/challenge": { "get": {
            "summary": "A single-use login challenge (32 random bytes, hex; valid 2 minutes)",
            "responses": { "200": { "description": "challenge", "content": { "application/json": { "schema": {
                "type": "object", "required": ["challenge", "expires_at"], "properties": {
                    "challenge": { "type": "string" },
                    "expires_at": { "type": "string", "format": "date-time" } } } } } } } } },
        "/api/v1/auth/login": { "post": {
            "summary": "Certificate login: an SM2 signature over the login message (sealbid_crypto::login); rotates the session id",
            "requestBody": { "required": true, "content": { "application/json": { "schema": {
                "type": "object", "additionalProperties": false,
                "required": ["certificate_chain", "challenge", "origin", "time", "signature"],
                "properties": {
                    "certificate_chain": { "type": "array", "minItems": 1, "maxItems": 4,
                                           "items": { "type": "string", "description": "PEM, leaf first" } },
                    "challenge": { "type": "string" },
                    "origin": { "type": "string", "description": "the server's public origin" },
                    "time": { "type": "string", "format": "date-time" },
                    "signature": { "type": "string", "description": "DER SM2 signature, base64" } } } } } },
            "responses": {
                "200": { "description": "logged in; sets the session cookie",
                         "content": { "application/json": { "schema": user } } },
                "400": error_response("malformed certificate, time or signature"),
                "401": refusal(login_codes),
                "415": error_response("not application/json"),
                "422": error_response("JSON of the wrong shape") } } },
        "/api/v1/auth/me": { "get": {
            "summary": "The logged-in user; the certificate is re-checked (revocation, expiry) at every request",
            "responses": {
                "200": { "description": "the user", "content": { "application/json": { "schema": user } } },
                "401": refusal(session_codes) } } },
        "/api/v1/auth/logout": { "post": {
            "summary": "End the session",
            "responses": {
                "204": { "description": "logged out (also when no session was open)" },
                "403": refusal("csrf_rejected") } } }
    })
}

fn user_schema() -> Value {
    json!({ "type": "object", "required": ["subject", "role", "serial", "not_after"], "properties": {
        "subject": { "type": "string" },
        "organization": { "type": ["string", "null"] },
        "uscc": { "type": ["string", "null"], "description": "unified social credit code" },
        "role": { "enum": ["bidder", "official", "hospital", "regulator", "centre", "operator"] },
        "serial": { "type": "string", "description": "certificate serial, hex" },
        "not_after": { "type": "string", "format": "date-time" } } })
}

/// The document.
pub fn document() -> Value {
    let mut doc = base_document();
    if let (Some(paths), Value::Object(auth)) = (doc["paths"].as_object_mut(), auth_paths()) {
        paths.extend(auth);
    }
    if let (Some(paths), Value::Object(lifecycle)) =
        (doc["paths"].as_object_mut(), crate::lifecycle::openapi::paths())
    {
        paths.extend(lifecycle);
    }
    if let Some(paths) = doc["paths"].as_object_mut() {
        paths.insert("/api/v1/audit".into(), audit_path());
        paths.extend(super::openapi_more::paths());
        paths.extend(crate::filings::openapi::paths());
    }
    if let Some(paths) = doc["paths"].as_object_mut() {
        paths.extend(crate::stats::openapi_paths());
    }
    if let Some(schemas) = doc["components"]["schemas"].as_object_mut() {
        schemas.insert("User".into(), user_schema());
        schemas.insert("Application".into(), crate::lifecycle::openapi::application_schema());
    }
    doc
}

fn audit_path() -> Value {
    let q = |name: &str, description: &str, ty: &str| json!({ "name": name, "in": "query", "required": false, "description": description, "schema": { "type": ty } });
    json!({ "get": {
        "summary": "Audit trail events, oldest first, filtered (regulators and CA operators)",
        "parameters": [
            q("action", "action prefix, e.g. `auth.`", "string"),
            q("actor", "exact actor", "string"),
            q("subject", "exact subject", "string"),
            q("from", "RFC 3339 time, inclusive", "string"),
            q("to", "RFC 3339 time, exclusive", "string"),
            q("after_seq", "page after this sequence number", "integer"),
            q("limit", "1 to 1000, default 100", "integer")
        ],
        "responses": {
            "200": { "description": "`{events: [{seq, time, actor, action, subject, details, prev_hash, hash}], next_after_seq}`" },
            "400": error_response("a parameter is malformed (named in the message)"),
            "401": error_response("not logged in"),
            "403": error_response("`forbidden`: neither a regulator nor a CA operator")
        }
    } })
}

fn base_document() -> Value {
    let status_schema = json!({ "$ref": "#/components/schemas/CertStatus" });
    json!({
        "openapi": "3.1.0",
        "info": { "title": "sealbid", "version": env!("CARGO_PKG_VERSION"),
                  "description": "Sealed-bid procurement and e-seals with SM2/SM3/SM4." },
        "paths": {
            "/api/v1/health": { "get": {
                "summary": "Liveness, database engine and migration state",
                "responses": { "200": { "description": "health report", "content": { "application/json": {
                    "schema": { "$ref": "#/components/schemas/Health" } } } } } } },
            "/api/v1/openapi.json": { "get": {
                "summary": "This document",
                "responses": { "200": { "description": "OpenAPI 3.1 document" } } } },
            "/api/v1/pki/certificates/{serial}/status": { "get": {
                "summary": "Status of one certificate issued by the platform CA",
                "parameters": [{ "name": "serial", "in": "path", "required": true,
                                 "description": "serial number, hex", "schema": { "type": "string" } }],
                "responses": {
                    "200": { "description": "good, revoked or unknown",
                             "content": { "application/json": { "schema": status_schema } } },
                    "400": error_response("the serial is not hexadecimal") } } },
            "/api/v1/pki/certificates/status": { "post": {
                "summary": "Status of up to 1000 certificates",
                "requestBody": { "required": true, "content": { "application/json": { "schema": {
                    "type": "object", "required": ["serials"], "additionalProperties": false,
                    "properties": { "serials": { "type": "array", "maxItems": 1000,
                                                 "items": { "type": "string" } } } } } } },
                "responses": {
                    "200": { "description": "one status per serial, in order", "content": { "application/json": {
                        "schema": { "type": "array", "items": status_schema } } } },
                    "400": error_response("malformed JSON or serial"),
                    "413": error_response("body too large"),
                    "415": error_response("not application/json"),
                    "422": error_response("JSON of the wrong shape") } } },
            "/pki/root": { "get": { "summary": "Root CA certificate",
                "responses": { "200": { "description": "PEM", "content": { "application/x-pem-file": {} } } } } },
            "/pki/issuing": { "get": { "summary": "Issuing CA certificate",
                "responses": { "200": { "description": "PEM", "content": { "application/x-pem-file": {} } } } } },
            "/pki/crl": { "get": { "summary": "Current CRL of the issuing CA (RFC 5280)",
                "responses": { "200": { "description": "DER", "content": { "application/pkix-crl": {} } } } } },
            "/tsa": { "post": {
                "summary": "RFC 3161 time-stamping authority",
                "requestBody": { "required": true,
                                 "content": { "application/timestamp-query": {} } },
                "responses": {
                    "200": { "description": "TimeStampResp, granted or rejected (RFC 3161 §2.4.2)",
                             "content": { "application/timestamp-reply": {} } },
                    "413": error_response("body too large"),
                    "415": error_response("not application/timestamp-query") } } }
        },
        "components": { "schemas": {
            "Error": { "type": "object", "required": ["error", "message"], "properties": {
                "error": { "type": "string", "description": "stable code, e.g. invalid_json" },
                "message": { "type": "string", "description": "what went wrong" } } },
            "Health": { "type": "object", "properties": {
                "status": { "enum": ["ok", "degraded"] },
                "database": { "enum": ["sqlite", "postgres"] },
                "migrations_applied": { "type": "integer" },
                "migrations_known": { "type": "integer" },
                "version": { "type": "string" } } },
            "CertStatus": { "type": "object", "required": ["serial", "status"], "properties": {
                "serial": { "type": "string" },
                "status": { "enum": ["good", "revoked", "unknown"] },
                "subject": { "type": "string" },
                "not_after": { "type": "string", "format": "date-time" },
                "revoked_at": { "type": "string", "format": "date-time" },
                "reason": { "type": "string" } } }
        } }
    })
}
