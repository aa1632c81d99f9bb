//! A bid's receipt: shown, verified in the browser, downloadable.

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
        </div>
    }
}
