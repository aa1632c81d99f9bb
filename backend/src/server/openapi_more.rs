//! The OpenAPI entries of the people, committee, tender, bid, opening, seal,
//! contract and verification routes, from one table: path, method, who may call it, what it does, the
//! request body's media type. Their detailed shapes are in each module's
//! documentation; every entry answers errors as `{error, message}`.

use serde_json::{Value, json};

/// One documented route: (path, method, roles, summary, request body media type).
pub type Route = (&'static str, &'static str, &'static str, &'static str, Option<&'static str>);

const ROUTES: &[Route] = &[
    (
        "/api/v1/people/me",
        "get",
        "anyone logged in",
        "The person holding the login certificate: roles, certificates, delegations",
        None,
    ),
    ("/api/v1/people", "get", "operator: all; others: own organisation", "People (?org=USCC)", None),
    (
        "/api/v1/people/{id}/signing",
        "post",
        "operator",
        "Switch a person's signing on or off: {enabled}",
        Some("application/json"),
    ),
    ("/api/v1/people/{id}/roles", "post", "operator", "Grant a role: {role}", Some("application/json")),
    (
        "/api/v1/delegations",
        "post",
        "anyone logged in",
        "Delegate signing: {delegate, starts_at, ends_at, reason}",
        Some("application/json"),
    ),
    ("/api/v1/delegations", "get", "anyone logged in", "Delegations given and received", None),
    ("/api/v1/delegations/{id}/revoke", "post", "the delegator, operator", "Revoke a delegation", None),
    (
        "/api/v1/committees",
        "post",
        "centre",
        "Form an opening committee: {name, threshold, officials: [serial]}",
        Some("application/json"),
    ),
    ("/api/v1/committees", "get", "centre, operator, official", "Committees", None),
    (
        "/api/v1/committees/{id}",
        "get",
        "centre, operator, its officials",
        "A committee: roster, status, key, silent officials, complaints",
        None,
    ),
    (
        "/api/v1/committees/{id}/ceremony",
        "get",
        "centre, its officials",
        "The ceremony file (?after=SEQ): roster keys and relayed messages",
        None,
    ),
    (
        "/api/v1/committees/{id}/ceremony/messages",
        "post",
        "its officials",
        "Relay a signed part, ack or complaint: {kind, data}",
        Some("application/json"),
    ),
    (
        "/api/v1/committees/{id}/ceremony/finish",
        "post",
        "centre",
        "Freeze the transcript once t + 1 parts are complete",
        None,
    ),
    (
        "/api/v1/committees/{id}/ceremony/restart",
        "post",
        "centre",
        "Restart without officials: {exclude: [index]}",
        Some("application/json"),
    ),
    (
        "/api/v1/committees/{id}/statement",
        "get",
        "anyone logged in, once the ceremony is ready",
        "The committee key statement: roster keys, key set, the officials' signatures",
        None,
    ),
    (
        "/api/v1/committees/{id}/statement/signatures",
        "post",
        "the official at that index",
        "Sign the committee key statement: {official, signature}",
        Some("application/json"),
    ),
    ("/api/v1/tenders", "post", "centre", "Create a draft tender", Some("application/json")),
    ("/api/v1/tenders", "get", "anyone logged in", "Tenders (drafts only for centre and operators)", None),
    (
        "/api/v1/tenders/{id}",
        "get",
        "anyone logged in",
        "A tender: items, window, committee key, signed versions",
        None,
    ),
    ("/api/v1/tenders/{id}/publish", "post", "centre", "Publish: signed and time-stamped version 1", None),
    (
        "/api/v1/tenders/{id}/amend",
        "post",
        "centre",
        "Amend before the deadline; invalidates earlier bids",
        Some("application/json"),
    ),
    (
        "/api/v1/tenders/{id}/bids",
        "post",
        "bidder",
        "Submit a sealed envelope (DER); answers with a signed, time-stamped receipt",
        Some("application/octet-stream"),
    ),
    (
        "/api/v1/tenders/{id}/bids/replace",
        "post",
        "bidder",
        "Replace the active bid: {request, envelope} (base64)",
        Some("application/json"),
    ),
    (
        "/api/v1/tenders/{id}/bids/withdraw",
        "post",
        "bidder",
        "Withdraw the active bid: {request} (base64)",
        Some("application/json"),
    ),
    (
        "/api/v1/tenders/{id}/bids/mine",
        "get",
        "bidder",
        "The bidder's bids for the tender with statuses",
        None,
    ),
    ("/api/v1/bids/{id}/receipt", "get", "the bidder who made it", "A bid's receipt (DER)", None),
    (
        "/api/v1/bids/{id}/log",
        "get",
        "the bidder who made it",
        "The bid's acceptance in the transparency log: entry, content, checkpoint, inclusion proof",
        None,
    ),
    (
        "/api/v1/log/checkpoint",
        "get",
        "anyone",
        "The log's newest signed checkpoint (note, co-signatures, RFC 3161 token)",
        None,
    ),
    (
        "/api/v1/log/entries",
        "get",
        "anyone",
        "Log entries [start, end), at most 1,000; bid content hidden until results",
        None,
    ),
    (
        "/api/v1/log/proof/inclusion",
        "get",
        "anyone",
        "RFC 9162 inclusion proof of leaf ?index= in the tree of ?size=",
        None,
    ),
    (
        "/api/v1/log/proof/consistency",
        "get",
        "anyone",
        "RFC 9162 consistency proof between tree sizes ?from= and ?to=",
        None,
    ),
    (
        "/api/v1/log/cosignatures",
        "post",
        "regulator",
        "A witness's co-signature: {note} with the regulator's line",
        Some("application/json"),
    ),
    ("/pki/log", "get", "anyone", "The log's verifier key (text)", None),
    (
        "/api/v1/tenders/{id}/intake",
        "get",
        "centre, operator, the tender's officials",
        "Intake counts by status (never contents)",
        None,
    ),
    (
        "/api/v1/tenders/{id}/opening/envelopes",
        "get",
        "the tender's officials, after the opening time",
        "What an official's client checks before sharing: announcement, key statement, manifest, envelopes with certificates",
        None,
    ),
    (
        "/api/v1/tenders/{id}/manifest",
        "get",
        "anyone logged in, after the deadline",
        "The deadline manifest (DER, base64) and its leaves",
        None,
    ),
    (
        "/api/v1/tenders/{id}/manifest/proof",
        "get",
        "anyone logged in, after the deadline",
        "RFC 9162 inclusion proof of ?envelope=HEX in the deadline manifest",
        None,
    ),
    (
        "/api/v1/tenders/{id}/opening/shares",
        "post",
        "the tender's officials, after the opening time",
        "Upload a signed batch of decryption shares (DER)",
        Some("application/octet-stream"),
    ),
    (
        "/api/v1/tenders/{id}/opening/run",
        "post",
        "centre, the tender's officials",
        "Start (or resume) the opening in the background",
        None,
    ),
    (
        "/api/v1/tenders/{id}/opening",
        "get",
        "centre, operator, the tender's officials",
        "Opening progress: contributors, opened/total, bad shares",
        None,
    ),
    (
        "/api/v1/tenders/{id}/results/bundle",
        "get",
        "the tender's officials, centre, operators, regulators, once published",
        "Everything needed to redo the opening offline (sealbid results verify)",
        None,
    ),
    (
        "/api/v1/tenders/{id}/results",
        "get",
        "anyone logged in, once published",
        "Signed results; a bidder sees the winners and its own quotes",
        None,
    ),
    (
        "/api/v1/seals",
        "post",
        "bidder, hospital, regulator, centre",
        "Apply for a seal: {name, kind, holder_serial, scan_png?, valid_days?}",
        Some("application/json"),
    ),
    ("/api/v1/seals", "get", "operator: all (?org=USCC); others: own organisation", "Seals", None),
    ("/api/v1/seals/{id}", "get", "operator, the seal's organisation", "A seal", None),
    (
        "/api/v1/seals/{id}/picture",
        "get",
        "operator, the seal's organisation",
        "The seal picture (PNG)",
        None,
    ),
    (
        "/api/v1/seals/{id}/der",
        "get",
        "operator, the seal's organisation",
        "The GB/T 38540 SESeal (DER), once approved",
        None,
    ),
    (
        "/api/v1/seals/{id}/approve",
        "post",
        "operator",
        "Make the seal with the platform's seal authority",
        None,
    ),
    (
        "/api/v1/seals/{id}/reject",
        "post",
        "operator",
        "Reject an application: {reason}",
        Some("application/json"),
    ),
    (
        "/api/v1/seals/{id}/suspend",
        "post",
        "operator",
        "Suspend: {reason}; cannot sign until reinstated",
        Some("application/json"),
    ),
    ("/api/v1/seals/{id}/reinstate", "post", "operator", "Reinstate a suspended seal", None),
    ("/api/v1/seals/{id}/revoke", "post", "operator", "Revoke for good: {reason}", Some("application/json")),
    (
        "/api/v1/tenders/{id}/contracts",
        "post",
        "centre",
        "Generate one contract per winning manufacturer: {buyer_uscc, delivery_terms?, payment_terms?}",
        Some("application/json"),
    ),
    (
        "/api/v1/contracts",
        "get",
        "bidder, hospital: own organisation's; centre, regulator: all",
        "Contracts",
        None,
    ),
    (
        "/api/v1/contracts/{id}",
        "get",
        "the parties, centre, regulator",
        "A contract: model, places, revisions, next signer",
        None,
    ),
    ("/api/v1/contracts/{id}/pdf", "get", "the parties, centre, regulator", "The current PDF", None),
    (
        "/api/v1/contracts/{id}/sign/prepare",
        "post",
        "the party whose turn it is",
        "Prepare a signature: {seal_id, page?, x?, y?} → {contract_id, session_id, tbs_der, prepared_pdf, byte_range, field, expires_at}",
        Some("application/json"),
    ),
    (
        "/api/v1/contracts/{id}/sign/finish",
        "post",
        "the signer who prepared",
        "Embed the signer's SM2 signature: {session_id, signature}",
        Some("application/json"),
    ),
    (
        "/api/v1/contracts/batch/prepare",
        "post",
        "bidder, hospital, regulator",
        "Prepare many: {items: [{contract_id, seal_id, …}]} → {results: [{contract_id, result: the prepare answer with ok, or {ok: false, status, error, message}}]}",
        Some("application/json"),
    ),
    (
        "/api/v1/contracts/batch/finish",
        "post",
        "bidder, hospital, regulator",
        "Finish many: {items: [{session_id, signature}]}",
        Some("application/json"),
    ),
    (
        "/api/v1/contracts/{id}/refuse",
        "post",
        "the party whose turn it is",
        "Refuse to sign: {reason}",
        Some("application/json"),
    ),
    (
        "/api/v1/contracts/{id}/void",
        "post",
        "the last signer, before the next party signs",
        "Remove one's own signature",
        None,
    ),
    (
        "/api/v1/verify",
        "post",
        "anyone (no session)",
        "Verify every signature of a PDF (raw body)",
        Some("application/pdf"),
    ),
    (
        "/pki/platform",
        "get",
        "anyone",
        "The platform's signing certificate (receipts, tenders, results), PEM",
        None,
    ),
    ("/pki/tsa", "get", "anyone", "The TSA certificate, PEM", None),
];

/// The paths of the table, merged per path.
pub fn paths() -> serde_json::Map<String, Value> {
    paths_of(ROUTES)
}

/// The OpenAPI paths of a route table, merged per path.
pub fn paths_of(routes: &[Route]) -> serde_json::Map<String, Value> {
    let mut out = serde_json::Map::new();
    for (path, method, roles, summary, body) in routes {
        let mut op = json!({
            "summary": summary,
            "description": format!("Who may call it: {roles}."),
            "responses": {
                "200": { "description": "done" },
                "4XX": { "description": "refused; the message names the problem",
                         "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } }
            }
        });
        if let Some(media) = body {
            op["requestBody"] = json!({ "required": true, "content": { *media: {} } });
        }
        let params: Vec<Value> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
            .collect();
        if !params.is_empty() {
            op["parameters"] = Value::Array(params);
        }
        let entry = out.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[*method] = op;
    }
    out
}
