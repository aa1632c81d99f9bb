//! The benchmark panel of the opening page: times the share computation
//! over 1,000 ciphertexts made here under the committee key
//! ([`super::shares::benchmark`]); nothing is sent. Also the progress bar
//! both panels use.

use std::rc::Rc;

use sealbid_crypto::threshold_crypto::PublicKey;
use web_sys::HtmlInputElement;
use yew::platform::spawn_local;
use yew::prelude::*;

use super::opening::open_share;
use super::shares::{self, Bench};
use crate::components::{Busy, ErrorBox, yield_to_browser};
use crate::i18n::Lang;
use crate::keystore::StoredShare;
use crate::session::Identity;

/// Ciphertexts in the benchmark.
pub const BENCH_N: usize = 1_000;

/// A determinate progress bar `id` with `done / total (pct %)`; nothing for `None`.
pub fn work_bar(id: &'static str, work: Option<(usize, usize)>) -> Html {
    match work {
        Some((done, total)) => {
            let pct = (done * 100).checked_div(total).unwrap_or(100);
            html! { <div class="work">
                <progress id={id} max={total.to_string()} value={done.to_string()}></progress>
                <span id={format!("{id}-text")} data-percent={pct.to_string()}>{ format!("{done} / {total} ({pct} %)") }</span>
            </div> }
        }
        None => html! {},
    }
}

/// Properties of [`BenchPanel`].
#[derive(Properties, PartialEq)]
pub struct BenchProps {
    /// The tender (named in the signed batch).
    pub tender: String,
    /// The committee key, when the tender has one.
    pub committee: Option<PublicKey>,
    /// The official's key share kept in this browser, if any.
    pub share: Option<StoredShare>,
    /// The official's key (signs the batch).
    pub identity: Rc<Identity>,
    /// The key-share password field of the opening page.
    pub password: NodeRef,
}

/// The benchmark panel.
#[component(BenchPanel)]
pub fn bench_panel(props: &BenchProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let busy = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
    let bench = use_state(|| None::<Bench>);
    let work = use_state(|| None::<(usize, usize)>);
    let on_bench = {
        let (busy, error, bench, work) = (busy.clone(), error.clone(), bench.clone(), work.clone());
        let (share, pk, tender, identity) =
            (props.share.clone(), props.committee, props.tender.clone(), props.identity.clone());
        let password = props.password.clone();
        Callback::from(move |_: MouseEvent| {
            let pw = password.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            let (Some(kept), Some(committee)) = (share.clone(), pk) else { return };
            if pw.is_empty() {
                return error
                    .set(Some(lang.t("请输入密钥份额的密码", "enter the key share's password").into()));
            }
            error.set(None);
            let (busy, error, bench, work) = (busy.clone(), error.clone(), bench.clone(), work.clone());
            let (tender, identity) = (tender.clone(), identity.clone());
            spawn_local(async move {
                busy.set(Some(
                    lang.t("正在本机打开密钥份额…", "Opening the key share on this computer…").into(),
                ));
                yield_to_browser().await;
                let opened = open_share(&kept, &pw, &committee, lang);
                busy.set(None);
                let (index, share) = match opened {
                    Ok(s) => s,
                    Err(e) => return error.set(Some(e)),
                };
                let step = {
                    let work = work.clone();
                    move |done: usize, total: usize| work.set(Some((done, total)))
                };
                let key = &identity.key;
                match shares::benchmark(&tender, &share, &committee, index, key, BENCH_N, step).await {
                    Ok(b) => {
                        gloo::console::log!(format!(
                            "benchmark: {} ciphertexts encrypted in {:.0} ms, shares in {:.0} ms, batch signed in {:.0} ms",
                            b.n, b.encrypt_ms, b.share_ms, b.batch_ms
                        ));
                        bench.set(Some(b));
                    }
                    Err(e) => error.set(Some(e)),
                }
            });
        })
    };
    let running = busy.is_some() || work.is_some() && bench.is_none() && error.is_none();
    html! {
        <details class="bench">
            <summary>{ lang.t("性能测试", "Benchmark") }</summary>
            <p class="hint">{ lang.t("在本机用委员会公钥加密 1,000 个随机密钥，再用本人密钥份额计算 1,000 个解密份额并签名（不提交）。", "Encrypts 1,000 random keys under the committee key here, then computes 1,000 decryption shares with your key share and signs them (nothing is sent).") }</p>
            <button type="button" id="benchmark" onclick={on_bench} disabled={props.share.is_none() || running}>
                { lang.t("运行性能测试（1,000 个密文）", "Run the benchmark (1,000 ciphertexts)") }</button>
            <Busy what={(*busy).clone()} />
            { work_bar("bench-progress", *work) }
            if let Some(b) = *bench {
                <p id="bench-result" data-n={b.n.to_string()} data-share-ms={format!("{:.0}", b.share_ms)}
                    data-encrypt-ms={format!("{:.0}", b.encrypt_ms)} data-batch-ms={format!("{:.0}", b.batch_ms)}>
                    { format!("{} {} · {} {:.0} ms · {} {:.0} ms · {} {:.0} ms", lang.t("密文数", "ciphertexts"), b.n,
                        lang.t("解密份额", "decryption shares"), b.share_ms, lang.t("加密（准备）", "encryption (set-up)"), b.encrypt_ms,
                        lang.t("签名", "signing the batch"), b.batch_ms) }</p>
            }
            <ErrorBox error={(*error).clone()} />
        </details>
    }
}
