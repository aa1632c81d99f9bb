//! A bid's receipt: shown, verified in the browser, downloadable; after the
//! deadline, its envelope's place in the signed deadline manifest checked in
//! the browser ([`bid::verify_in_manifest`]).

use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::{Busy, ErrorBox, download};
use crate::i18n::Lang;
use crate::pages::bid::{self, KeptReceipt};
use crate::pages::{show_time, show_time_text};

/// Properties of [`ReceiptPanel`].
#[derive(Properties, PartialEq)]
pub struct ReceiptProps {
    /// The tender.
    pub tender: String,
    /// The receipt.
    pub kept: KeptReceipt,
}

/// The receipt panel: verifies the receipt when shown.
#[component(ReceiptPanel)]
pub fn receipt_panel(props: &ReceiptProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let verdict = use_state(|| None::<Result<String, String>>);
    {
        let verdict = verdict.clone();
        use_effect_with(props.kept.clone(), move |kept| {
            verdict.set(None);
            let kept = kept.clone();
            spawn_local(async move {
                verdict.set(Some(bid::verify(&kept).await.map(show_time)));
            });
        });
    }
    let in_manifest = use_state(|| None::<Result<(u64, u64), String>>);
    let checking = use_state(|| false);
    {
        let in_manifest = in_manifest.clone();
        use_effect_with(props.kept.clone(), move |_| in_manifest.set(None));
    }
    let on_manifest = {
        let (kept, tender) = (props.kept.clone(), props.tender.clone());
        let (in_manifest, checking) = (in_manifest.clone(), checking.clone());
        Callback::from(move |_: MouseEvent| {
            let (kept, tender) = (kept.clone(), tender.clone());
            let (in_manifest, checking) = (in_manifest.clone(), checking.clone());
            checking.set(true);
            in_manifest.set(None);
            spawn_local(async move {
                in_manifest.set(Some(bid::verify_in_manifest(&tender, &kept).await));
                checking.set(false);
            });
        })
    };
    let manifest_status = match &*in_manifest {
        None if *checking => {
            html! { <Busy what={Some(lang.t("正在核对截止清单…", "Checking the deadline manifest…").to_string())} /> }
        }
        None => html! {},
        Some(Ok((index, count))) => html! {
            <p class="ok" id="manifest-verified" data-index={index.to_string()} data-count={count.to_string()}>
                { lang.t("已核对：本投标信封在平台签名并加盖时间戳的截止清单中，位置 ", "Checked: this envelope is in the deadline manifest the platform signed and time-stamped, at position ") }
                { format!("{} / {count}", index + 1) }</p>
        },
        Some(Err(e)) => html! { <div id="manifest-error">
        <ErrorBox error={Some(format!("{}: {e}", lang.t("截止清单核对失败", "The deadline manifest check failed")))} /></div> },
    };
    let on_download = {
        let (kept, tender) = (props.kept.clone(), props.tender.clone());
        let verdict = verdict.clone();
        Callback::from(move |_| {
            let name = format!("receipt-{tender}-{}.der", kept.bid);
            if let Err(e) = kept.der().and_then(|der| download(&name, &der, "application/octet-stream")) {
                verdict.set(Some(Err(e)));
            }
        })
    };
    let status = match &*verdict {
        None => html! { <Busy what={Some(lang.t("正在验证回执…", "Verifying the receipt…").to_string())} /> },
        Some(Ok(at)) => html! {
            <p class="ok" id="receipt-verified">{ lang.t("回执有效：平台签名与时间戳均已验证，时间戳时间 ", "Receipt valid: the platform's signature and the time stamp verify; stamped at ") }{ at }</p>
        },
        Some(Err(e)) => {
            html! { <ErrorBox error={Some(format!("{}: {e}", lang.t("回执验证失败", "The receipt does not verify")))} /> }
        }
    };
    html! {
        <div id="receipt" class="receipt">
            <h2>{ lang.t("投标回执", "Bid receipt") }</h2>
            <table class="fields">
                <tr><th>{ lang.t("投标编号", "Bid") }</th><td id="receipt-bid">{ props.kept.bid }</td></tr>
                <tr><th>{ lang.t("信封 SM3 摘要", "Envelope SM3 hash") }</th><td class="mono" id="receipt-hash">{ &props.kept.envelope_hash }</td></tr>
                <tr><th>{ lang.t("接收时间（北京时间）", "Received (Beijing time)") }</th><td>{ show_time_text(&props.kept.received_at) }</td></tr>
            </table>
            { status }
            <button type="button" id="download-receipt" onclick={on_download}>{ lang.t("下载回执", "Download the receipt") }</button>
            <button type="button" id="check-manifest" onclick={on_manifest} disabled={*checking}>
                { lang.t("核对截止清单", "Check the deadline manifest") }</button>
            <span class="hint">{ lang.t("（投标截止后可用：证明本信封在截止清单中）", " (after the deadline: proves this envelope is in the deadline manifest)") }</span>
            { manifest_status }
        </div>
    }
}
