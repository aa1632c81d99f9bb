//! The lifecycle routes' part of the OpenAPI document (merged by
//! [`crate::server::openapi::document`]).

use serde_json::{Value, json};

fn error(description: &str) -> Value {
    json!({ "description": description,
            "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn path_param(name: &str, description: &str) -> Value {
    json!([{ "name": name, "in": "path", "required": true, "description": description,
             "schema": { "type": "string" } }])
}

/// The common answers of an operator route.
fn operator(mut responses: Value) -> Value {
    if let Some(r) = responses.as_object_mut() {
        r.insert("401".into(), error("not logged in, or the certificate was revoked or expired"));
        r.insert("403".into(), error("`forbidden`: not a CA operator; `csrf_rejected`: cross-site request"));
    }
    responses
}

/// The `Application` form schema.
pub fn application_schema() -> Value {
    let text = |d: &str| json!({ "type": "string", "description": d });
    json!({ "type": "object", "additionalProperties": false,
        "required": ["org_name", "uscc", "kind", "address", "phone", "operation", "agent_name",
                     "agent_id_number", "agent_phone", "role", "csr_pem"],
        "properties": {
            "org_name": text("单位名称, at most 64 characters"),
            "uscc": text("统一社会信用代码 (GB 32100), 18 characters with its check character"),
            "kind": { "enum": ["manufacturer", "hospital", "regulator", "centre"] },
            "drug_account": { "type": "boolean", "default": false },
            "consumables_account": { "type": "boolean", "default": false },
            "address": text("单位地址"),
            "phone": text("单位电话"),
            "operation": { "enum": ["new", "renew", "reissue", "unlock", "revoke", "change"] },
            "agent_name": text("经办人姓名"),
            "agent_id_number": text("身份证号, 18 characters"),
            "agent_phone": text("联系电话（手机）"),
            "role": { "enum": ["bidder", "official", "hospital", "regulator", "centre", "operator"] },
            "csr_pem": text("PKCS#10 request made on the applicant's side, PEM"),
            "serial": text("serial (hex) of the unit's certificate the operation applies to: required for \
                renew, reissue, unlock, revoke and change, absent for new; issued by this CA to this unit"),
            "seal_samples": { "type": "array", "maxItems": 3, "default": [],
                "description": "印章采集: up to three scans of the seal, base64 PNG or JPEG, at most 1 MiB \
                    each; a PNG stating its resolution (pHYs) needs ≥ 200 dpi, any other ≥ 400 px on the \
                    short side",
                "items": { "type": "string", "format": "byte" } } } })
}

/// The lifecycle paths.
pub fn paths() -> Value {
    let id = path_param("id", "application number");
    let token = json!({ "name": "token", "in": "query", "required": true,
        "description": "the token the submission answered with", "schema": { "type": "string" } });
    let with_token = json!([id[0], token]);
    let serial = path_param("serial", "certificate serial, hex");
    let ok = |d: &str| json!({ "description": d, "content": { "application/json": {} } });
    let reason_body = |d: &str| {
        json!({ "required": true, "content": { "application/json": { "schema": {
        "type": "object", "required": ["reason"], "additionalProperties": false,
        "properties": { "reason": { "type": "string", "description": d } } } } } })
    };
    json!({
        "/api/v1/applications": {
            "post": { "summary": "Apply for a certificate (public): the unit form and a PKCS#10 request",
                "requestBody": { "required": true, "content": { "application/json": {
                    "schema": { "$ref": "#/components/schemas/Application" } } } },
                "responses": { "201": ok("`{id, status: pending, token}`: keep the token to follow the application"),
                               "400": error("a field (or `seal_samples[N]`) is invalid; the message names it"),
                               "413": error("larger than 5 MiB"),
                               "415": error("not application/json"),
                               "422": error("a field is missing or of the wrong type; the message names it") } },
            "get": { "summary": "Applications, newest first (operator)",
                "parameters": [{ "name": "status", "in": "query", "required": false,
                                 "schema": { "enum": ["pending", "approved", "rejected"] } }],
                "responses": operator(json!({ "200": ok("the applications, each with `target_serial` and \
                    `retain_until` (kept at least until: the certificate's end + 5 years)") })) } },
        "/api/v1/applications/{id}": { "get": { "summary": "Status of an application (the applicant, by token)",
            "parameters": with_token,
            "responses": { "200": ok("`{id, status, operation, target_serial, reason, issued_serial, created_at, \
                               decided_at}`"),
                           "404": error("no such application, or not this token") } } },
        "/api/v1/applications/{id}/certificate": { "get": {
            "summary": "The certificate issued for an approved application (the applicant, by token)",
            "parameters": with_token,
            "responses": { "200": { "description": "PEM", "content": { "application/x-pem-file": {} } },
                           "404": error("no such application, not this token, or no certificate issued") } } },
        "/api/v1/applications/{id}/seal-samples/{n}": { "get": {
            "summary": "A seal image sample of an application, as uploaded (operator)",
            "parameters": [id[0], { "name": "n", "in": "path", "required": true, "description": "1 to 3",
                                    "schema": { "type": "integer", "minimum": 1, "maximum": 3 } }],
            "responses": operator(json!({
                "200": { "description": "the image", "content": { "image/png": {}, "image/jpeg": {} } },
                "400": error("n is not 1 to 3"), "404": error("no such application or sample") })) } },
        "/api/v1/applications/{id}/approve": { "post": {
            "summary": "Approve (operator): new → issue; renew / change → issue, old revoked superseded \
                (change also updates the organisation); reissue → issue, old revoked keyCompromise; unlock → \
                the old certificate's login lock lifted; revoke → the old certificate revoked, CRL regenerated. \
                All or nothing.", "parameters": id,
            "requestBody": { "required": false, "content": { "application/json": { "schema": {
                "type": "object", "additionalProperties": false, "properties": {
                    "days": { "type": "integer", "minimum": 1, "maximum": 3650, "default": 365 } } } } } },
            "responses": operator(json!({
                "200": ok("`{id, status: approved, operation, issued_serial?, revoked_serial?, was_locked?}`"),
                "400": error("the referenced certificate is unknown or another organisation's"),
                "404": error("no such application"),
                "409": error("already decided, or the referenced certificate is already revoked") })) } },
        "/api/v1/applications/{id}/reject": { "post": {
            "summary": "Reject with a reason the applicant sees (operator)", "parameters": id,
            "requestBody": reason_body("why, required"),
            "responses": operator(json!({ "200": ok("`{id, status: rejected, reason}`"),
                "400": error("no reason"), "404": error("no such application"),
                "409": error("already decided") })) } },
        "/api/v1/certificates/{serial}/revoke": { "post": {
            "summary": "Revoke at once: the CRL is regenerated and logins fail (operator)", "parameters": serial,
            "requestBody": reason_body("RFC 5280 reason, kebab-case (key-compromise, superseded, …)"),
            "responses": operator(json!({ "200": ok("`{serial, status: revoked, reason, revoked_at, crl_number}`"),
                "400": error("bad serial or reason"), "404": error("not issued by this CA"),
                "409": error("already revoked") })) } },
        "/api/v1/certificates/{serial}/unlock": { "post": {
            "summary": "Lift the login lockout of a certificate (operator)", "parameters": serial,
            "responses": operator(json!({ "200": ok("`{serial, was_locked}`") })) } },
        "/api/v1/certificates/expiring": { "get": {
            "summary": "Valid certificates expiring within `days` (operator)",
            "parameters": [{ "name": "days", "in": "query", "required": false,
                             "schema": { "type": "integer", "minimum": 1, "maximum": 3650, "default": 30 } }],
            "responses": operator(json!({ "200": ok("`[{serial, subject, role, not_after, retain_until}]`") })) } }
    })
}
