//! A tender's opening, for an official of its committee: the key share
//! (kept in this browser or imported); the official's own checks of the
//! opening ([`check_opening`]: the signed announcement, the committee key
//! statement against the key in the share file, the deadline manifest, every
//! envelope, the browser's clock), with the refused envelopes and why; the
//! decryption shares of the accepted envelopes only, computed here with a
//! progress bar, signed and uploaded; who has contributed; starting the
//! opening; its progress; the results; the benchmark ([`super::bench`]).

use std::rc::Rc;

use gloo::timers::callback::Interval;
use sealbid_crypto::committee::open_share_file;
use sealbid_crypto::envelope::TenderId;
use sealbid_crypto::opening::{OfficialView, OpeningFile, check_opening};
use sealbid_crypto::threshold_crypto::{PublicKey, SecretKeyShare};
use serde::Deserialize;
use time::OffsetDateTime;
use web_sys::HtmlInputElement;
use yew::platform::spawn_local;
use yew::prelude::*;

use super::bench::{BenchPanel, work_bar};
use super::results::ResultsView;
use super::shares;
use super::{CommitteeView, ShareImport, export_share};
use crate::api::{self, ApiError};
use crate::components::{Busy, ErrorBox, yield_to_browser};
use crate::i18n::Lang;
use crate::keystore::{self, StoredShare};
use crate::pages::bid::{ServiceCerts, committee_key};
use crate::pages::{parse_time, show_duration, show_time_text};
use crate::session::{Identity, Session};

/// The tender as the opening needs it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct OpeningTender {
    id: String,
    title: String,
    opening_at: String,
    committee: i64,
    committee_public_key: Option<String>,
    status: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Contributor {
    official: usize,
    received_at: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct BadShares {
    official: usize,
    detail: String,
}

/// `GET /api/v1/tenders/{id}/opening`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Progress {
    contributors: Vec<Contributor>,
    total: usize,
    opened: usize,
    valid: usize,
    invalid: usize,
    bad_officials: Vec<BadShares>,
    running: bool,
    results_published: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
struct Accepted {
    count: usize,
}

/// Properties of [`OpeningPage`].
#[derive(Properties, PartialEq)]
pub struct OpeningProps {
    /// The tender.
    pub id: String,
    /// The official's session (its key signs the shares).
    pub session: Session,
}

/// Opens the kept share file with `password`; returns the official index,
/// the share and the committee key the file records (`None` for a version-1 file).
fn open_kept(
    kept: &StoredShare,
    password: &str,
    lang: Lang,
) -> Result<(usize, SecretKeyShare, Option<PublicKey>), String> {
    let f = open_share_file(&kept.bytes()?, password.as_bytes()).map_err(|e| match e {
        sealbid_crypto::Error::WrongPassword => {
            lang.t("密码错误或密钥份额文件已损坏", "wrong password or damaged key-share file").to_string()
        }
        other => other.to_string(),
    })?;
    Ok((f.index, f.share, f.committee))
}

/// Opens the kept share file with `password` and checks it belongs to `committee`;
/// returns the official index and the share.
pub fn open_share(
    kept: &StoredShare,
    password: &str,
    committee: &PublicKey,
    lang: Lang,
) -> Result<(usize, SecretKeyShare), String> {
    let (index, share, recorded) = open_kept(kept, password, lang)?;
    if recorded.as_ref().is_some_and(|k| k != committee) {
        return Err(lang
            .t("该密钥份额属于另一个委员会", "this key share belongs to another committee")
            .into());
    }
    Ok((index, share))
}

/// Everything one contribution needs.
struct Job {
    tender: String,
    kept: StoredShare,
    password: String,
    identity: Rc<Identity>,
}

/// What the official's own checks of the opening found.
#[derive(Debug, Clone, PartialEq)]
struct CheckReport {
    /// Envelopes that passed every check (and get a share).
    accepted: usize,
    /// Refused envelopes: "envelope HASH (#i): reason".
    refused: Vec<String>,
    /// How long the checks took in this browser, in ms.
    ms: f64,
}

/// Checks the opening as served against what this browser holds itself (the
/// tender id, its clock, the committee key in the share file), then
/// computes, signs and uploads this official's shares of the accepted
/// envelopes only; reports through the handles.
async fn contribute(
    job: Job,
    lang: Lang,
    busy: UseStateHandle<Option<String>>,
    work: UseStateHandle<Option<(usize, usize)>>,
    timing: UseStateHandle<Option<(usize, f64)>>,
    report: UseStateHandle<Option<CheckReport>>,
) -> Result<usize, String> {
    busy.set(Some(lang.t("正在本机打开密钥份额…", "Opening the key share on this computer…").into()));
    yield_to_browser().await;
    let (index, share, own_key) = open_kept(&job.kept, &job.password, lang)?;
    let own_key = own_key.ok_or(lang.t(
        "该密钥份额文件（第 1 版）未记录委员会公钥，无法核对开标；请用命令行工具",
        "this key-share file (version 1) does not record its committee key, so the opening cannot be checked; use the CLI",
    ))?;
    busy.set(Some(
        lang.t(
            "正在下载投标信封、截止清单和平台证书…",
            "Fetching the envelopes, the deadline manifest and the platform's certificates…",
        )
        .into(),
    ));
    let file: OpeningFile = api::get(&format!("/api/v1/tenders/{}/opening/envelopes", job.tender))
        .await
        .map_err(|e| e.to_string())?;
    let certs = ServiceCerts::fetch().await?;
    let now = OffsetDateTime::now_utc();
    certs.check(now)?;
    busy.set(Some(
        lang.t("正在本机核对开标（公告、委员会密钥声明、截止清单、每个信封）…", "Checking the opening here (announcement, committee key statement, deadline manifest, every envelope)…")
            .into(),
    ));
    yield_to_browser().await;
    let tender = TenderId::parse(&job.tender).map_err(|e| e.to_string())?;
    let view = OfficialView {
        tender: &tender,
        now,
        own_key: &own_key,
        platform_cert: &certs.platform,
        tsa_cert: &certs.tsa,
    };
    let started = crate::components::now_ms();
    let checked = check_opening(&file, &view).map_err(|e| {
        format!(
            "{}: {e}",
            lang.t("开标核对未通过，未计算任何解密份额", "the opening's checks failed, no shares were made")
        )
    })?;
    let total = checked.accepted().len();
    report.set(Some(CheckReport {
        accepted: total,
        refused: checked.refused().iter().map(ToString::to_string).collect(),
        ms: crate::components::now_ms() - started,
    }));
    if total == 0 {
        return Err(lang
            .t("没有通过核对、需要解密的投标", "no envelope passed the checks: there is nothing to open")
            .into());
    }
    busy.set(None);
    work.set(Some((0, total)));
    let progress = {
        let work = work.clone();
        move |done: usize| work.set(Some((done, total)))
    };
    let (entries, ms) = shares::compute_checked(&checked, &share, progress).await?;
    gloo::console::log!(format!("decryption shares of {total} envelopes computed in {ms:.0} ms"));
    timing.set(Some((total, ms)));
    busy.set(Some(lang.t("正在签名并上传解密份额…", "Signing and uploading the decryption shares…").into()));
    yield_to_browser().await;
    let der = shares::batch(&job.tender, &own_key, index, entries, &job.identity.key)?;
    let accepted: Accepted = api::post_bytes(&format!("/api/v1/tenders/{}/opening/shares", job.tender), &der)
        .await
        .map_err(|e| e.to_string())?;
    Ok(accepted.count)
}

/// The opening page.
#[component(OpeningPage)]
pub fn opening_page(props: &OpeningProps) -> Html {
    let lang = use_context::<Lang>().unwrap_or_default();
    let tender = use_state(|| None::<Result<OpeningTender, ApiError>>);
    let committee = use_state(|| None::<Result<CommitteeView, ApiError>>);
    let progress = use_state(|| None::<Result<Progress, ApiError>>);
    let kept = use_state(Vec::<StoredShare>::new);
    let reload = use_state(|| 0u32);
    let now = use_state(OffsetDateTime::now_utc);
    let password = use_node_ref();
    let busy = use_state(|| None::<String>);
    let error = use_state(|| None::<String>);
    let work = use_state(|| None::<(usize, usize)>);
    let timing = use_state(|| None::<(usize, f64)>);
    let uploaded = use_state(|| None::<usize>);
    let report = use_state(|| None::<CheckReport>);
    {
        let (tender, committee, id) = (tender.clone(), committee.clone(), props.id.clone());
        use_effect_with(id, move |id| {
            let id = id.clone();
            spawn_local(async move {
                let t: Result<OpeningTender, ApiError> = api::get(&format!("/api/v1/tenders/{id}")).await;
                if let Ok(t) = &t {
                    committee.set(Some(api::get(&format!("/api/v1/committees/{}", t.committee)).await));
                }
                tender.set(Some(t));
            });
        });
    }
    {
        let kept = kept.clone();
        let error = error.clone();
        use_effect_with(*reload, move |_| {
            spawn_local(async move {
                match keystore::shares().await {
                    Ok(s) => kept.set(s),
                    Err(e) => error.set(Some(e)),
                }
            });
        });
    }
    {
        let (progress, now, id) = (progress.clone(), now.clone(), props.id.clone());
        use_effect_with(id, move |id| {
            let path = format!("/api/v1/tenders/{id}/opening");
            let fetch = move || {
                let (progress, path) = (progress.clone(), path.clone());
                spawn_local(async move { progress.set(Some(api::get(&path).await)) });
            };
            fetch();
            let tick = Interval::new(2_000, move || {
                now.set(OffsetDateTime::now_utc());
                fetch();
            });
            move || drop(tick)
        });
    }
    let t = match &*tender {
        None => {
            return html! { <section class="card"><Busy what={Some(lang.t("正在读取招标项目…", "Loading the tender…").to_string())} /></section> };
        }
        Some(Err(e)) => {
            return html! { <section class="card"><ErrorBox error={Some(e.to_string())} /></section> };
        }
        Some(Ok(t)) => t.clone(),
    };
    let c = match &*committee {
        Some(Ok(c)) => Some(c.clone()),
        _ => None,
    };
    let me = c
        .as_ref()
        .and_then(|c| c.officials.iter().find(|m| m.serial == props.session.user.serial))
        .map(|m| m.index);
    let committee_pk = t.committee_public_key.as_deref().and_then(|k| committee_key(k).ok());
    let share = kept
        .iter()
        .find(|s| {
            s.committee_key.is_some() && s.committee_key == t.committee_public_key && Some(s.index) == me
        })
        .cloned();
    let opening_at = parse_time(&t.opening_at);
    let due = opening_at.is_some_and(|at| *now >= at);
    let p = match &*progress {
        Some(Ok(p)) => Some(p.clone()),
        _ => None,
    };
    let contributed =
        p.as_ref().is_some_and(|p| me.is_some_and(|m| p.contributors.iter().any(|x| x.official == m)));
    let threshold = c.as_ref().map(|c| c.threshold).unwrap_or(usize::MAX - 1);

    let read_pw = {
        let password = password.clone();
        move || password.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default()
    };
    let on_contribute = {
        let (busy, error, work, timing, uploaded, progress, report) = (
            busy.clone(),
            error.clone(),
            work.clone(),
            timing.clone(),
            uploaded.clone(),
            progress.clone(),
            report.clone(),
        );
        let (share, tender_id, identity) = (share.clone(), t.id.clone(), props.session.identity.clone());
        Callback::from(move |_: MouseEvent| {
            let pw = read_pw();
            let Some(kept) = share.clone() else { return };
            if pw.is_empty() {
                return error
                    .set(Some(lang.t("请输入密钥份额的密码", "enter the key share's password").into()));
            }
            error.set(None);
            report.set(None);
            work.set(None);
            let job = Job { tender: tender_id.clone(), kept, password: pw, identity: identity.clone() };
            let (busy, error, work, timing, uploaded, progress, report) = (
                busy.clone(),
                error.clone(),
                work.clone(),
                timing.clone(),
                uploaded.clone(),
                progress.clone(),
                report.clone(),
            );
            let path = format!("/api/v1/tenders/{tender_id}/opening");
            spawn_local(async move {
                let result = contribute(job, lang, busy.clone(), work, timing, report).await;
                busy.set(None);
                match result {
                    Ok(n) => uploaded.set(Some(n)),
                    Err(e) => error.set(Some(format!(
                        "{}: {e}",
                        lang.t("解密份额未能提交", "The shares were not contributed")
                    ))),
                }
                progress.set(Some(api::get(&path).await));
            });
        })
    };
    let on_run = {
        let (error, progress, id) = (error.clone(), progress.clone(), t.id.clone());
        Callback::from(move |_: MouseEvent| {
            let (error, progress, id) = (error.clone(), progress.clone(), id.clone());
            spawn_local(async move {
                if let Err(e) = api::post_empty(&format!("/api/v1/tenders/{id}/opening/run")).await {
                    error.set(Some(format!("{}: {e}", lang.t("开标未能开始", "The opening did not start"))));
                }
                progress.set(Some(api::get(&format!("/api/v1/tenders/{id}/opening")).await));
            });
        })
    };
    let on_imported = {
        let reload = reload.clone();
        Callback::from(move |_| reload.set(*reload + 1))
    };
    let countdown = match opening_at {
        Some(at) if !due => format!("{}{}", lang.t("距开标 ", "Opening in "), show_duration(at - *now)),
        _ => lang.t("开标时间已到", "The opening time has come").to_string(),
    };
    let contrib_panel = if me.is_none() {
        html! { <p class="hint">{ lang.t("您不是本项目开标委员会的委员。", "You are not an official of this tender's committee.") }</p> }
    } else if share.is_none() {
        html! { <>
            if contributed { <p class="ok" id="contributed">{ lang.t("✓ 您的解密份额已提交", "✓ Your decryption shares are in") }</p> }
            <p class="hint" id="no-share">{ lang.t("本浏览器中没有该委员会的密钥份额，请导入。", "No key share of this committee is kept in this browser: import it.") }</p>
            <ShareImport owner={props.session.user.serial.clone()} {on_imported} />
        </> }
    } else {
        let working = busy.is_some() || work.is_some() && uploaded.is_none() && error.is_none();
        html! { <div class="contribute">
            <label>{ lang.t("密钥份额密码", "Key share password") }
                <input type="password" id="share-password" ref={password.clone()} autocomplete="current-password" /></label>
            if contributed {
                <p class="ok" id="contributed">{ lang.t("✓ 您的解密份额已提交", "✓ Your decryption shares are in") }</p>
            } else {
                <button type="button" id="contribute" class="primary" onclick={on_contribute} disabled={!due || working}>
                    { lang.t("计算并提交解密份额", "Compute and contribute the decryption shares") }</button>
                if !due { <span class="hint">{ lang.t("（开标时间到达后可用）", " (available at the opening time)") }</span> }
            }
        </div> }
    };
    let share_line = share.as_ref().map(|s| {
        let (kept, error) = (s.clone(), error.clone());
        let on_export = Callback::from(move |_| error.set(export_share(&kept).err()));
        html! { <p class="hint" id="kept-share">{ lang.t("本浏览器保存的密钥份额：", "Key share kept in this browser: ") }{ format!("{} ", s.name) }
            <button type="button" class="link" id="export-share" onclick={on_export}>{ lang.t("导出", "Export") }</button></p> }
    });
    let progress_view = match (&*progress, &c) {
        (Some(Err(e)), _) => html! { <ErrorBox error={Some(e.to_string())} /> },
        (Some(Ok(p)), Some(c)) => {
            let can_run =
                p.contributors.len() > threshold && !p.running && !p.results_published && p.opened < p.total;
            html! { <div id="opening-progress">
                <p id="contributors-count">{ format!("{}{} / {}{}", lang.t("已提交解密份额的委员：", "Officials who contributed: "),
                    p.contributors.len(), threshold + 1, lang.t("（所需）", " (needed)")) }</p>
                <ul id="contributors">{ for p.contributors.iter().map(|x| html! {
                    <li>{ format!("{} {} · {}", x.official + 1, c.name_of(x.official), show_time_text(&x.received_at)) }</li> }) }</ul>
                <p id="opened-count">{ format!("{}{} / {} · {}{} · {}{}", lang.t("已解密：", "Opened: "), p.opened, p.total,
                    lang.t("有效 ", "valid "), p.valid, lang.t("无效 ", "invalid "), p.invalid) }</p>
                if p.running { <Busy what={Some(lang.t("正在开标（解密并验证投标）…", "Opening (decrypting and checking the bids)…").to_string())} /> }
                if !p.bad_officials.is_empty() {
                    <div class="error" id="bad-shares">{ lang.t("解密份额有误的委员：", "Officials with bad shares: ") }
                        { for p.bad_officials.iter().map(|b| format!("{} {} ({}); ", b.official + 1, c.name_of(b.official), b.detail)) }</div>
                }
                if can_run {
                    <button type="button" id="run-opening" class="primary" onclick={on_run}>{ lang.t("开始开标", "Start the opening") }</button>
                }
            </div> }
        }
        _ => {
            html! { <Busy what={Some(lang.t("正在读取开标进度…", "Loading the opening's progress…").to_string())} /> }
        }
    };
    let check_view = match &*report {
        None => html! {},
        Some(r) => {
            html! { <div id="opening-check" data-accepted={r.accepted.to_string()} data-refused={r.refused.len().to_string()}
                    data-ms={format!("{:.0}", r.ms)}>
                <p id="check-counts" class={if r.refused.is_empty() { "ok" } else { "warn" }}>
                    { format!("{}{} · {}{} · {} {:.0} ms", lang.t("本机核对：通过的信封 ", "Checked here: envelopes accepted "), r.accepted,
                        lang.t("拒绝的信封 ", "refused "), r.refused.len(), lang.t("耗时", "in"), r.ms) }</p>
                if !r.refused.is_empty() {
                    <div class="error"><p>{ lang.t("以下信封未通过核对，不为其计算解密份额：", "These envelopes failed the checks and get no decryption share:") }</p>
                    <ul id="refused-envelopes">{ for r.refused.iter().map(|x| html! { <li class="refused mono">{ x }</li> }) }</ul></div>
                }
            </div> }
        }
    };
    let published = p.as_ref().is_some_and(|p| p.results_published);
    html! {
        <section id="opening-page" class="card">
            <h1>{ &t.title }<small>{ format!(" {} · {}", t.id, crate::pages::tenders::status_name(if published { "opened" } else { &t.status }, lang)) }</small></h1>
            <p>{ lang.t("开标时间（北京时间）：", "Opening (Beijing time): ") }{ show_time_text(&t.opening_at) }</p>
            <p id="opening-countdown" class="countdown">{ countdown }</p>
            <h2>{ lang.t("我的解密份额", "My decryption shares") }</h2>
            { share_line.unwrap_or_default() }
            { contrib_panel }
            <Busy what={(*busy).clone()} />
            { check_view }
            { work_bar("share-progress", *work) }
            if let Some((n, ms)) = *timing {
                <p class="hint" id="share-time" data-ms={format!("{ms:.0}")} data-n={n.to_string()}>
                    { format!("{} {n} {} {ms:.0} ms", lang.t("浏览器内计算", "Computed in the browser:"), lang.t("个解密份额，耗时", "decryption shares in")) }</p>
            }
            if let Some(n) = *uploaded {
                <p class="ok" id="uploaded">{ format!("{} {n}", lang.t("✓ 已签名并提交解密份额：", "✓ Signed and contributed decryption shares:")) }</p>
            }
            <ErrorBox error={(*error).clone()} />
            <h2>{ lang.t("开标进度", "Opening progress") }</h2>
            { progress_view }
            if published { <ResultsView tender={t.id.clone()} /> }
            <BenchPanel tender={t.id.clone()} committee={committee_pk} share={share.clone()}
                identity={props.session.identity.clone()} password={password.clone()} />
        </section>
    }
}
