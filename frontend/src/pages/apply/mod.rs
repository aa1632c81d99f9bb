//! The unit certificate application (seed 004, 单位数字证书业务申请表),
//! for anyone, without logging in: the form, up to three seal samples, and a
//! key pair made here — the private key is encrypted in this browser under
//! the applicant's password and offered as a download; only the PKCS#10
//! request goes to the server. The application's number and status token
//! are kept in this browser, so the applicant can follow it, download the
//! issued certificate (with the issuing CA, ready for login) later, or keep
//! key and certificate in this browser's keystore and log in with the
//! password alone.
//!
//! - this module: what is kept in `localStorage`, the names of statuses,
//!   operations and kinds (shared with the operator's review), and the page
//!   that shows the form or the kept application;
//! - [`form`]: the form, the key and the request made in the browser;
//! - [`status`]: the kept application's status, the issued certificate and
//!   what the applicant can do with it.

mod form;
mod status;

use gloo::storage::{LocalStorage, Storage};
use serde::{Deserialize, Serialize};
use yew::prelude::*;

use crate::i18n::Lang;

/// Where the applicant's application is kept.
const STORAGE_KEY: &str = "sealbid.application";

/// An application as kept in this browser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeptApplication {
    /// The application's number.
    pub id: i64,
    /// Its status token (the only way to follow it).
    pub token: String,
    /// The encrypted key file (PKCS#8 DER), base64.
    pub key_file: String,
    /// The key file's name for downloads.
    pub key_name: String,
    /// The public key, SEC1 hex (to check the issued certificate).
    pub public_key: String,
}

impl KeptApplication {
    fn load() -> Option<Self> {
        LocalStorage::get(STORAGE_KEY).ok()
    }

    fn save(&self) {
        let _ = LocalStorage::set(STORAGE_KEY, self);
    }

    fn forget() {
        LocalStorage::delete(STORAGE_KEY);
    }
}

/// An application status for people.
pub fn status_name(status: &str, lang: Lang) -> String {
    match status {
        "pending" => lang.t("待审核", "Pending review"),
        "approved" => lang.t("已批准", "Approved"),
        "rejected" => lang.t("已驳回", "Rejected"),
        other => return other.to_string(),
    }
    .to_string()
}

/// An operation of the form (办理内容) for people.
pub fn operation_name(op: &str, lang: Lang) -> String {
    match op {
        "new" => lang.t("新申请", "New"),
        "renew" => lang.t("更新", "Renew"),
        "reissue" => lang.t("补办（key 损坏或丢失）", "Reissue (key damaged or lost)"),
        "unlock" => lang.t("解锁", "Unlock"),
        "revoke" => lang.t("注销", "Revoke"),
        "change" => lang.t("变更", "Change"),
        other => return other.to_string(),
    }
    .to_string()
}

/// An organisation kind for people.
pub fn kind_name(kind: &str, lang: Lang) -> String {
    match kind {
        "manufacturer" => lang.t("生产企业", "Manufacturer"),
        "hospital" => lang.t("医疗机构", "Hospital"),
        "regulator" => lang.t("监管部门", "Regulator"),
        "centre" => lang.t("采购中心", "Procurement centre"),
        other => return other.to_string(),
    }
    .to_string()
}

/// Properties of [`ApplyPage`].
#[derive(Properties, PartialEq)]
pub struct ApplyProps {
    /// Goes to the login page (after the key was kept in this browser).
    pub on_login: Callback<()>,
}

/// The application page: the form, or the kept application's status.
#[component(ApplyPage)]
pub fn apply_page(props: &ApplyProps) -> Html {
    let kept = use_state(KeptApplication::load);
    if let Some(k) = (*kept).clone() {
        let on_new = {
            let kept = kept.clone();
            Callback::from(move |_| {
                KeptApplication::forget();
                kept.set(None);
            })
        };
        return html! { <status::ApplicationStatus kept={k} {on_new} on_login={props.on_login.clone()} /> };
    }
    let on_submitted = Callback::from(move |k: KeptApplication| {
        k.save();
        kept.set(Some(k));
    });
    html! { <form::ApplicationForm {on_submitted} /> }
}
